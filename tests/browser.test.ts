import { serve } from '@hono/node-server';
import { existsSync, mkdtempSync, copyFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { appBench } from './support/app.ts';
import { useDynalite } from './support/store.ts';

const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) console.warn(`No Chromium at ${CHROMIUM}: the browser test is skipped${process.env.CI ? ' — and fails, because CI is set' : ''}.`);

const dynalite = useDynalite();

describe('the report form in a phone browser', () => {
  it.skipIf(!haveBrowser && !process.env.CI)('opens from the signed link, takes a report, and shows the confirmation', async () => {
    expect(existsSync(CHROMIUM), 'Chromium must be installed (apt-get install chromium)').toBe(true);
    const bench = await appBench(dynalite);
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: bench.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const profile = mkdtempSync(join(tmpdir(), 'duban-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await context.newPage();
      const [first] = (await bench.store.unitOpenTasks('市林业局')).map((l) => l.code);
      await page.goto(`${base}${bench.link('市林业局')}`);
      await expect.poll(() => page.title()).toBe('市林业局 报送整改进展 · 督办');
      await page.fill(`#summary-${first}`, '完成荒山造林300亩，验收合格');
      await page.fill(`#percent-${first}`, '60');
      await page.fill(`#evidence-${first}`, 'https://example.org/afforestation/acceptance.pdf');
      const shot = join(profile, 'report-form.png');
      await page.screenshot({ path: shot });
      if (process.env.DUBAN_UPDATE_SCREENSHOTS) copyFileSync(shot, join(import.meta.dirname, '../data/readme/report-form.png'));

      await page.click('button[type=submit]');
      await expect.poll(() => page.locator('h1').textContent()).toBe('报送成功');
      expect(await page.textContent('.done')).toContain(`${first}`);
      expect(await page.textContent('.done')).toContain('完成荒山造林300亩，验收合格（进度 60%）');
      const stored = await bench.store.progressOf(first!);
      expect(stored).toEqual([expect.objectContaining({ unit: '市林业局', percent: 60, evidence: ['https://example.org/afforestation/acceptance.pdf'] })]);

      // Reloading the confirmation (a resubmitted form) stores nothing new.
      await page.reload();
      expect(await bench.store.progressOf(first!)).toHaveLength(1);
    } finally {
      await context.close();
      await new Promise((r) => server.close(r));
    }
  });
});
