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
import { useConsoleBench } from './support/console.ts';
import { requestCloseOut } from '../functions/core/reporting.ts';
import { cloneTables, rowOf, sampleTables, workbookFromTemplate } from './support/ledger.ts';
import { browserArgs, CHROMIUM, haveBrowser, phoneContext } from './support/browser.ts';

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
    const context = await phoneContext({ deviceScaleFactor: 2 });
    try {
      const page = await context.newPage();
      const [first] = (await bench.store.unitOpenTasks('市林业局')).map((l) => l.code);
      await page.goto(`${base}${bench.link('市林业局')}`);
      await expect.poll(() => page.title()).toBe('市林业局 报送整改进展 · 督办');
      await page.fill(`#summary-${first}`, '完成荒山造林300亩，验收合格');
      await page.fill(`#percent-${first}`, '60');
      await page.fill(`#evidence-${first}`, 'https://example.org/afforestation/acceptance.pdf');
      const shot = join(mkdtempSync(join(tmpdir(), 'duban-shot-')), 'report-form.png');
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
        // Drawn with the browser's own fonts: every label inside its chart, each count inside its bar, no two labels over each other.
        type Box = { left: number; right: number; top: number; bottom: number };
        const misfits = await page.$$eval('.chart[data-chart="lights"] svg, .chart[data-chart="reporting"] svg', (svgs) =>
          svgs.flatMap((svg) => {
            const chart = svg.getBoundingClientRect();
            const texts = [...svg.querySelectorAll('text')].map((t) => ({ text: t.textContent ?? '', box: t.getBoundingClientRect(), bar: t.closest('.light-bar')?.querySelector('rect')?.getBoundingClientRect() }));
            const overlap = (a: Box, b: Box) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
            return [
              ...texts.filter(({ box }) => box.left < chart.left || box.top < chart.top || box.right > chart.right || box.bottom > chart.bottom).map((t) => `${t.text} outside the chart`),
              ...texts.filter(({ box, bar }) => bar && (box.left < bar.left || box.right > bar.right)).map((t) => `${t.text} wider than its bar`),
              ...texts.flatMap((a, n) => texts.slice(n + 1).filter((b) => overlap(a.box, b.box)).map((b) => `${a.text} over ${b.text}`)),
            ];
          }),
        );
        expect(misfits, `${viewport.width}px`).toEqual([]);
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

describe('the office’s console in Chromium', () => {
  const consoleBench = useConsoleBench();
  it.skipIf(!haveBrowser && !process.env.CI)(
    'signs in from the emailed link; shows import errors by sheet, row and column, then imports a good workbook; approves a close-out; records a 约谈 whose dated commitment becomes a milestone; revokes a unit’s token',
    async () => {
      expect(existsSync(CHROMIUM), 'Chromium must be installed (apt-get install chromium)').toBe(true);
      const bench = await consoleBench.setup();
      const code = 'MZ-5-4'; // 市林业局 is its only lead unit: its 销号 request goes straight to the office
      await requestCloseOut(code, { summary: '造林任务全部完成并通过验收', evidence: ['https://example.org/acceptance.pdf'] }, { kind: 'unit', unit: '市林业局' }, new Date('2018-07-10T01:00:00Z'), bench.store);
      const interviewTask = (await bench.store.unitOpenTasks('市水务局'))[0]!.code;
      const interviewId = '市水务局|2018-07-09';
      await bench.store.interviews.create(
        { id: interviewId, unit: '市水务局', codes: [interviewTask], code: interviewTask, openedOn: '2018-07-09', followUpBy: '2018-07-16', status: 'open', attendees: [], commitments: [] } as never,
        { type: 'interview.opened', by: 'rule:escalation', at: '2018-07-09T00:30:00.000Z' },
      );
      const token = await bench.token('市林业局');
      expect((await bench.get('/api/tasks', token)).status).toBe(200);

      const server = await new Promise<Server>((resolve) => {
        const s = serve({ fetch: bench.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
      });
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const profile = mkdtempSync(join(tmpdir(), 'duban-chromium-'));
      const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, locale: 'zh-CN', viewport: { width: 1280, height: 900 }, args: browserArgs });
      try {
        const page = await context.newPage();
        await page.goto(`${base}/`);
        await expect.poll(() => page.locator('h1').textContent()).toBe('登录督办系统');
        await page.fill('#email', 'office.tang@example.org');
        await page.click('button[type=submit]');
        await expect.poll(() => page.textContent('.signin')).toContain('登录链接已发送到该邮箱');
        const link = await consoleBench.linkFor('office.tang@example.org');
        expect(link).toBeDefined();
        await page.goto(`${base}${link}`);
        await page.click('button:has-text("登录")');
        await expect.poll(() => page.locator('h1').textContent()).toContain('总览');
        expect(await page.textContent('header')).toContain('唐文博 · 整改办');

        // The 总览 on a phone: nothing pushes the page sideways.
        await page.setViewportSize({ width: 390, height: 844 });
        await page.reload();
        expect(await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
        const shot = join(profile, 'console.png');
        await page.screenshot({ path: shot });
        if (process.env.DUBAN_UPDATE_SCREENSHOTS) copyFileSync(shot, join(import.meta.dirname, '../data/readme/console.png'));
        await page.setViewportSize({ width: 1280, height: 900 });

        // 导入台账: a workbook with errors, then a good one.
        const bad = cloneTables(sampleTables());
        rowOf(bad, '责任单位', 0).cells['联系人邮箱'] = 'not-an-email';
        rowOf(bad, '任务清单', 2).cells['整改时限'] = '明年某个时候';
        await page.click('nav >> text=导入台账');
        await page.setInputFiles('#file', { name: '台账-有错.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: await workbookFromTemplate(bad) });
        await page.click('text=上传并核对');
        await expect.poll(() => page.locator('.issue-list tbody tr').count()).toBeGreaterThanOrEqual(2);
        const issues = await page.$$eval('.issue-list tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));
        expect(issues).toContainEqual(['责任单位', '第2行', '联系人邮箱', expect.any(String)]);
        expect(issues).toContainEqual(['任务清单', '第4行', '整改时限', expect.any(String)]);
        expect(await page.locator('form[action="/import/confirm"]').count()).toBe(0);

        const good = cloneTables(sampleTables());
        rowOf(good, '任务清单', 0).cells['整改目标'] = '按新要求调整的整改目标';
        await page.setInputFiles('#file', { name: '台账-修订.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: await workbookFromTemplate(good) });
        await page.click('text=上传并核对');
        await expect.poll(() => page.textContent('.changes')).toContain('核对无误');
        const taskRow = await page.$$eval('.tally tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim())).find((cells) => cells[0] === '整改任务'));
        expect(taskRow?.[2]).toBe('1');
        const firstCode = rowOf(good, '任务清单', 0).cells['任务编号']!;
        expect((await bench.store.tasks.get(firstCode))!.target).not.toBe('按新要求调整的整改目标');
        await page.click('text=确认导入');
        await expect.poll(() => page.textContent('.imported')).toContain('已导入');
        expect((await bench.store.tasks.get(firstCode))!.target).toBe('按新要求调整的整改目标');

        // 销号审核
        await page.click('nav >> text=销号审核');
        expect(await page.textContent(`#closeout-${code}`)).toContain('https://example.org/acceptance.pdf');
        await page.click(`#closeout-${code} >> text=同意销号`);
        await expect.poll(() => page.textContent('.ok')).toContain(`已同意任务 ${code} 销号`);
        expect((await bench.store.tasks.get(code))!.status).toBe('notice'); // approved: under 公示

        // 约谈: a dated commitment becomes a milestone of the task.
        await page.click('nav >> text=约谈');
        await page.fill('input[name=heldAt]', '2018-07-10');
        await page.fill('input[name=attendees]', '市水务局局长、林志远');
        await page.fill('input[name="commitment:0"]', '8月底前完成管网改造');
        await page.fill('input[name="due:0"]', '2018-08-31');
        await page.click('.follow-up >> text=保存');
        await expect.poll(() => page.textContent('.ok')).toContain('已登记市水务局的约谈情况');
        await page.goto(`${base}/tasks/${encodeURIComponent(interviewTask)}`);
        expect(await page.textContent('main')).toContain('约谈承诺（市水务局）：8月底前完成管网改造');

        // 单位与联系人: revoking the unit's tokens refuses its API call.
        await page.click('nav >> text=单位与联系人');
        await page.click(`[id="unit-市林业局"] >> text=收回令牌和链接`);
        await expect.poll(() => page.textContent('.ok')).toContain('已收回市林业局的 1 个令牌');
        expect((await bench.get('/api/tasks', token)).status).toBe(401);
      } finally {
        await context.close();
        await new Promise((r) => server.close(r));
      }
    },
  );
});
