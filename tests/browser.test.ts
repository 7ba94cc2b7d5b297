import { serve } from '@hono/node-server';
import { existsSync, mkdtempSync, copyFileSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { appBench, SECRET } from './support/app.ts';
import { defaultCadence } from '../functions/core/cadence/config.ts';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { compileReport } from '../functions/core/reports/model.ts';
import { submitProgress } from '../functions/core/reporting.ts';
import { instantAt } from '../functions/core/time.ts';
import { appLinks } from '../functions/wiring.ts';
import { useDynalite } from './support/store.ts';

const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) console.warn(`No Chromium at ${CHROMIUM}: the browser test is skipped${process.env.CI ? ' — and fails, because CI is set' : ''}.`);

const dynalite = useDynalite();
const browserArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

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

describe('the compiled 周通报 in a browser', () => {
  it.skipIf(!haveBrowser && !process.env.CI)('shows both charts and fits a desktop and a phone screen without sideways scrolling; the workbook downloads', async () => {
    expect(existsSync(CHROMIUM), 'Chromium must be installed (apt-get install chromium)').toBe(true);
    const bench = await appBench(dynalite, new Date('2018-07-30T02:00:00Z'));
    // Weeks 29 and 30: a third of the tasks reported on time, a few late, the rest not at all.
    const open = (await bench.store.openTasks()).sort((a, b) => a.code.localeCompare(b.code, 'en', { numeric: true }));
    for (const [i, task] of open.entries()) {
      const unit = { kind: 'unit' as const, unit: task.leadUnits[0]! };
      if (i % 3 === 0) await submitProgress(task.code, { summary: '按计划推进' }, unit, instantAt('2018-07-17', '10:00'), `${task.code}-29`, bench.store);
      if (i % 3 === 0 && i % 2 === 0) await submitProgress(task.code, { summary: '本周完成现场核查' }, unit, instantAt('2018-07-24', '10:00'), `${task.code}-30`, bench.store);
      if (i % 5 === 1) await submitProgress(task.code, { summary: '补报进展' }, unit, instantAt('2018-07-26', '19:00'), `${task.code}-30-late`, bench.store);
    }
    const at = instantAt('2018-07-27', '16:00');
    const calendar = defaultCalendar();
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: bench.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const links = appLinks(base, SECRET);
    const published = await bench.reports.publish(await compileReport('weekly-circular', '2018-W30', { store: bench.store, calendar, config: defaultCadence, links }, at));
    const profile = mkdtempSync(join(tmpdir(), 'duban-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, locale: 'zh-CN', acceptDownloads: true, args: browserArgs });
    try {
      const page = await context.newPage();
      for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
        await page.setViewportSize(viewport);
        await page.goto(links.report('weekly-circular', '2018-W30', published.page.name, at));
        await expect.poll(() => page.title()).toBe('2018年第30周（7月23日—7月29日）中央环保督察整改推进情况通报');
        const charts = await page.$$eval('.chart svg', (svgs) =>
          svgs.map((svg) => {
            const box = svg.getBoundingClientRect();
            return { width: box.width, height: box.height, right: box.right, shapes: svg.querySelectorAll('path, rect').length, text: svg.textContent ?? '' };
          }),
        );
        expect(charts, `${viewport.width}px`).toHaveLength(2);
        for (const chart of charts) {
          expect(chart.width, `${viewport.width}px`).toBeGreaterThan(200);
          expect(chart.height).toBeGreaterThan(120);
          expect(chart.right).toBeLessThanOrEqual(viewport.width);
          expect(chart.shapes).toBeGreaterThan(4);
        }
        expect(charts[0]!.text).toContain('红灯');
        expect(charts[1]!.text).toContain('未报送');
        // Nothing pushes the page sideways: wide tables scroll inside their own box.
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        expect(overflow, `${viewport.width}px`).toBeLessThanOrEqual(0);
        const shot = join(profile, `report-${viewport.width}.png`);
        await page.screenshot({ path: shot });
        if (process.env.DUBAN_UPDATE_SCREENSHOTS && viewport.width === 1280) copyFileSync(shot, join(import.meta.dirname, '../data/readme/report.png'));
      }
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=下载台账（Excel）')]);
      expect(download.suggestedFilename()).toBe('周通报台账-2018-W30.xlsx');
      expect(readFileSync(await download.path()).equals(Buffer.from((await bench.reports.archive.get(published.workbook.key))!.body))).toBe(true);
    } finally {
      await context.close();
      await new Promise((r) => server.close(r));
    }
  });
});
