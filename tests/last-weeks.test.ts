/**
 * The jobs' compact roll-up of each task's latest weekly report (functions/store/last-weeks.ts), on
 * dynalite: a few bucket items for hundreds of tasks, each task's latest week whatever order the
 * reports came in, and a later read folds in only what was written since; the weeks each task
 * reported in lately and each month's accounts; a ledger's first import starts it, so its first
 * fold reads no report of another ledger left on the table.
 */
import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import type { PeriodReport, ProgressReport } from '../functions/core/ports.ts';
import { addDays, isoWeekOf } from '../functions/core/time.ts';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';
import { countStore } from './bench/store-ratios.ts';
import { sampleTables } from './support/ledger.ts';
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

const byUnitAndCode = (reports: PeriodReport[]) => [...reports].sort((a, b) => `${a.unit}${a.code}`.localeCompare(`${b.unit}${b.code}`));

describe('what the month needs, in the roll-up', () => {
  it('keeps the last eight weeks each task reported in', async () => {
    const store = await dynalite.fresh();
    // T-1 reports every week from W20 to W29 but W21, read by a fold half-way; T-2 only in W28.
    const weeks = Array.from({ length: 10 }, (_, i) => isoWeekOf(addDays('2018-05-14', 7 * i)));
    expect(weeks[0]).toBe('2018-W20');
    for (const [i, week] of weeks.entries()) {
      if (week !== '2018-W21') await store.recordProgress(report('T-1', week, `${addDays('2018-05-15', 7 * i)}T02:00:00.000Z`));
      if (week === '2018-W28') await store.recordProgress(report('T-2', week, '2018-07-10T03:00:00.000Z'));
      if (i === 4) await store.latestWeeklyReports();
    }

    const rollup = await store.reportRollup();
    expect(rollup.recentWeeksKept).toBe(8);
    expect(rollup.recentWeeks.get('T-1')).toEqual(['2018-W29', '2018-W28', '2018-W27', '2018-W26', '2018-W25', '2018-W24', '2018-W23', '2018-W22']);
    expect(rollup.recentWeeks.get('T-2')).toEqual(['2018-W28']);
    expect(rollup.latest.find((r) => r.code === 'T-1')).toMatchObject({ period: '2018-W29', at: '2018-07-17T02:00:00.000Z' });
  });

  it('gives a month’s accounts from a few items, as the month’s own reports say them', async () => {
    const store = await dynalite.fresh();
    const codes = Array.from({ length: 200 }, (_, i) => `T-${i + 1}`);
    for (const code of codes) await store.recordProgress({ ...report(code, '2018-07', '2018-07-30T02:00:00.000Z'), summary: `${code} 七月交账`, percent: 50 });
    await store.latestWeeklyReports();
    // Another report on T-1 the next day (its words replace the first's), a second unit on T-2, August's first account.
    await store.recordProgress({ ...report('T-1', '2018-07', '2018-07-31T02:00:00.000Z'), summary: '补充：已完成', percent: 100 });
    await store.recordProgress(report('T-2', '2018-07', '2018-07-31T03:00:00.000Z', '东北镇'));
    await store.recordProgress(report('T-3', '2018-08', '2018-08-01T03:00:00.000Z'));
    await store.latestWeeklyReports();

    const counter = countStore(dynalite.client);
    const accounts = await store.monthlyAccounts('2018-07');
    counter.detach();
    expect(counter.take().itemsRead).toBeLessThanOrEqual(32);
    expect(accounts).toHaveLength(201);
    expect(byUnitAndCode(accounts)).toEqual(byUnitAndCode(await store.reportedInPeriod('2018-07')));
    expect(accounts.find((r) => r.code === 'T-1')).toEqual({ unit: '市环保局', code: 'T-1', at: '2018-07-30T02:00:00.000Z', lastAt: '2018-07-31T02:00:00.000Z', summary: '补充：已完成', percent: 100 });
    expect(await store.monthlyAccounts('2018-08')).toEqual([{ unit: '市环保局', code: 'T-3', at: '2018-08-01T03:00:00.000Z', lastAt: '2018-08-01T03:00:00.000Z', summary: '2018-08 推进' }]);
  });

  it('starts at a ledger’s first import: the first fold reads none of the reports another ledger left on the table', async () => {
    const store = await dynalite.fresh();
    // Half a year of another ledger's reports, weekly and monthly, on the same table.
    for (let week = 0; week < 26; week++) {
      const monday = addDays('2017-01-02', 7 * week);
      for (let n = 0; n < 2; n++) await store.recordProgress(report(`OLD-${n}`, isoWeekOf(monday), `${monday}T02:00:00.000Z`));
      if (week % 4 === 0) await store.recordProgress(report('OLD-0', monday.slice(0, 7), `${monday}T03:00:00.000Z`));
    }
    const summary = await importLedger(sampleTables(), { at: new Date('2018-07-04T02:00:00Z'), by: 'office', source: 'sample' }, { store, calendar: defaultCalendar() });
    expect(summary.ok).toBe(true);
    const code = (await store.openTasks())[0]!.code;
    await store.recordProgress(report(code, '2018-W27', '2018-07-05T02:00:00.000Z', '东北镇'));
    await store.recordProgress(report(code, '2018-07', '2018-07-05T03:00:00.000Z', '东北镇'));

    const counter = countStore(dynalite.client);
    const latest = await store.latestWeeklyReports();
    counter.detach();
    const reads = counter.take().readsBy;
    // Only this ledger's two reports: none of the other's 59.
    expect(reads['Query byCollection WEEKLYREPORTS']).toBe(1);
    expect(reads['Query byCollection MONTHLYREPORTS']).toBe(1);
    expect(latest).toEqual([{ code, unit: '东北镇', period: '2018-W27', at: '2018-07-05T02:00:00.000Z', summary: '2018-W27 推进' }]);
    expect(await store.monthlyAccounts('2018-07')).toEqual([expect.objectContaining({ code, unit: '东北镇' })]);

    // A later import of the same ledger (an update) leaves the roll-up where it is.
    expect(await store.seedReportRollup('2018-07-20')).toBe(false);
    await importLedger(sampleTables(), { at: new Date('2018-07-20T02:00:00Z'), by: 'office', source: 'sample' }, { store, calendar: defaultCalendar() });
    expect((await store.latestWeeklyReports()).map((r) => r.code)).toEqual([code]);
  });
});
