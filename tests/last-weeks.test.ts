/**
 * The jobs' compact roll-up of each task's latest weekly report (functions/store/last-weeks.ts), on
 * dynalite: a few bucket items for hundreds of tasks, each task's latest week whatever order the
 * reports came in, and a later read folds in only what was written since.
 */
import { describe, expect, it } from 'vitest';
import type { ProgressReport } from '../functions/core/ports.ts';
import { countStore } from './bench/store-ratios.ts';
import { useDynalite } from './support/store.ts';

const dynalite = useDynalite();

const report = (code: string, period: string, at: string, unit = '市环保局'): ProgressReport => ({ id: `${code}-${period}-${at}`, code, unit, period, summary: `${period} 推进`, evidence: [], by: unit, at });

describe('each task’s latest weekly report, as the jobs read it', () => {
  it('gives 300 tasks their latest week from a few items, and then reads only the reports written since', async () => {
    const store = await dynalite.fresh();
    const codes = Array.from({ length: 300 }, (_, i) => `T-${i + 1}`);
    for (const code of codes) await store.recordProgress(report(code, '2018-W28', '2018-07-10T02:00:00.000Z'));
    // Later weeks for some, one arriving out of order; a monthly account is not a weekly report.
    await store.recordProgress(report('T-1', '2018-W30', '2018-07-24T02:00:00.000Z'));
    await store.recordProgress(report('T-1', '2018-W29', '2018-07-17T02:00:00.000Z'));
    await store.recordProgress(report('T-2', '2018-07', '2018-07-30T02:00:00.000Z'));

    const first = new Map((await store.latestWeeklyReports()).map((r) => [r.code, r.period]));
    expect(first.size).toBe(300);
    expect(first.get('T-1')).toBe('2018-W30');
    expect(first.get('T-2')).toBe('2018-W28');

    await store.recordProgress(report('T-3', '2018-W31', '2018-07-31T02:00:00.000Z', '市水务局'));
    const counter = countStore(dynalite.client);
    const again = await store.latestWeeklyReports();
    counter.detach();
    const counts = counter.take();
    expect(new Map(again.map((r) => [r.code, r])).get('T-3')).toMatchObject({ period: '2018-W31', unit: '市水务局' });
    // At most 32 buckets and the cursor, the reports since the last read and their weeks' first reports: not one item per task.
    expect(counts.itemsRead).toBeLessThanOrEqual(33 + 4 + 2);
    expect(await store.lastReportsOf(['T-1', 'T-3', 'T-999'])).toEqual([
      expect.objectContaining({ code: 'T-1', period: '2018-W30' }),
      expect.objectContaining({ code: 'T-3', period: '2018-W31' }),
    ]);
  });

  it('keeps what each task’s latest report said and when each unit first reported in a week, whatever order they arrive in', async () => {
    const store = await dynalite.fresh();
    await store.recordProgress({ ...report('T-1', '2018-W30', '2018-07-26T09:00:00.000Z'), summary: '完成清运', percent: 80 });
    await store.recordProgress(report('T-2', '2018-W30', '2018-07-24T01:00:00.000Z', '市水务局'));
    await store.latestWeeklyReports();
    // Written after that read with an instant 30 s before the newest it saw (a slow request): the next read still finds it first.
    await store.recordProgress(report('T-3', '2018-W30', '2018-07-26T08:59:30.000Z'));
    await store.recordProgress(report('T-4', '2018-W30', '2018-07-26T09:00:30.000Z'));
    const latest = new Map((await store.latestWeeklyReports()).map((r) => [r.code, r]));
    expect(latest.get('T-1')).toEqual({ code: 'T-1', unit: '市环保局', period: '2018-W30', at: '2018-07-26T09:00:00.000Z', summary: '完成清运', percent: 80 });
    expect(await store.firstReportsOfWeek('2018-W30')).toEqual(
      new Map([
        ['市环保局', '2018-07-26T08:59:30.000Z'],
        ['市水务局', '2018-07-24T01:00:00.000Z'],
      ]),
    );
    expect(await store.firstReportsOfWeek('2018-W31')).toEqual(new Map());
  });
});
