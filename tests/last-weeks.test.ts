/**
 * The jobs' compact roll-up of each task's latest weekly report (functions/store/last-weeks.ts), on
 * dynalite: a few bucket items for hundreds of tasks, each task's latest week whatever order the
 * reports came in, and a later read folds in only what was written since; the weeks each task
 * reported in lately and each month's accounts; a ledger's first import starts it, so its first
 * fold reads no report of another ledger left on the table.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import type { PeriodReport, ProgressReport } from '../functions/core/ports.ts';
import { addDays, isoWeekOf } from '../functions/core/time.ts';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';
import { bucketOf } from '../functions/store/last-weeks.ts';
import { ITEM_LIMIT_BYTES, itemBytes } from '../functions/store/table-client.ts';
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

describe('the roll-up at province size, with long reports', () => {
  it('keeps each bucket under DynamoDB’s 400 KB item limit with 2,000-character reports, and gives the words back whole', async () => {
    const store = await dynalite.fresh();
    // 1,300 tasks with the longest report the form takes: about 40 per bucket, 6 KB of UTF-8 each in full.
    const words = (code: string) => `${code}：${'已完成锅炉拆除和场地清理，正在组织第三方验收。'.repeat(90)}`.slice(0, 2000);
    const codes = Array.from({ length: 1300 }, (_, i) => `T-${i + 1}`);
    for (const code of codes) {
      await store.recordProgress({ ...report(code, '2018-W30', '2018-07-24T02:00:00.000Z'), summary: words(code) });
      await store.recordProgress({ ...report(code, '2018-07', '2018-07-30T02:00:00.000Z'), summary: words(code) });
    }
    const latest = new Map((await store.latestWeeklyReports()).map((r) => [r.code, r]));
    expect(latest.size).toBe(1300);
    expect(latest.get('T-777')!.summary).toBe(words('T-777'));
    // Read again from the buckets (nothing new to fold): still whole.
    const again = new Map((await store.latestWeeklyReports()).map((r) => [r.code, r]));
    expect(again.get('T-1')!.summary).toBe(words('T-1'));
    const accounts = await store.monthlyAccounts('2018-07');
    expect(accounts.find((a) => a.code === 'T-1300')!.summary).toBe(words('T-1300'));
    // The largest bucket, as DynamoDB counts it: a 10,400-task province's would hold 8 times the tasks.
    const { QueryCommand } = await import('@aws-sdk/client-dynamodb');
    const bucketsOf = async (pk: string) => {
      const items = [];
      let from: Record<string, AttributeValue> | undefined;
      do {
        const page = await dynalite.client.send(new QueryCommand({ TableName: store.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } }, ExclusiveStartKey: from }));
        items.push(...(page.Items ?? []));
        from = page.LastEvaluatedKey;
      } while (from);
      return items;
    };
    const buckets = [...(await bucketsOf('LASTWEEKS')), ...(await bucketsOf('ACCOUNTS#2018-07'))].filter((i) => i.sk?.S?.startsWith('BUCKET#'));
    const sizes = buckets.map((i) => itemBytes(unmarshall(i)));
    expect(sizes.length).toBe(64);
    // Spread evenly: no bucket holds more than twice its share.
    expect(Math.max(...sizes)).toBeLessThan((2 * sizes.reduce((a, b) => a + b, 0)) / sizes.length);
    expect(Math.max(...sizes) * 8).toBeLessThan(ITEM_LIMIT_BYTES);
  });
});

const byUnitAndCode = (reports: PeriodReport[]) => [...reports].sort((a, b) => `${a.unit}${a.code}`.localeCompare(`${b.unit}${b.code}`));

describe('a roll-up kept by the earlier shape', () => {
  it('moves every task to the bucket its code hashes to now, keeping its latest week, its weeks and its month’s accounts', async () => {
    const store = await dynalite.fresh();
    const codes = Array.from({ length: 40 }, (_, i) => `T-${i + 1}`);
    for (const code of codes) await store.recordProgress(report(code, '2018-W30', '2018-07-24T02:00:00.000Z'));
    await store.recordProgress({ ...report('T-1', '2018-07', '2018-07-30T02:00:00.000Z'), summary: '七月交账' });
    await store.latestWeeklyReports();
    // As the earlier shape left it: every task in bucket 0, the accounts too, the cursor of shape 2.
    const { PutItemCommand, QueryCommand } = await import('@aws-sdk/client-dynamodb');
    const { marshall } = await import('@aws-sdk/util-dynamodb');
    const put = (item: Record<string, unknown>) => dynalite.client.send(new PutItemCommand({ TableName: store.tableName, Item: marshall(item) }));
    const query = async (pk: string) => ((await dynalite.client.send(new QueryCommand({ TableName: store.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } }))).Items ?? []).map((i) => unmarshall(i));
    const stored = (await query('LASTWEEKS')).filter((i) => String(i.sk).startsWith('BUCKET#'));
    const all = Object.assign({}, ...stored.map((i) => i.tasks as object));
    for (const b of stored) await put({ ...b, tasks: b.sk === 'BUCKET#00' ? all : {} });
    const accounts = (await query('ACCOUNTS#2018-07'))[0]!;
    await put({ ...accounts, sk: 'BUCKET#00', version: 1 });
    if (accounts.sk !== 'BUCKET#00') await put({ ...accounts, tasks: {} });
    const cursor = (await query('LASTWEEKS')).find((i) => i.sk === 'CURSOR')!;
    await put({ ...cursor, format: 2 });

    await store.recordProgress(report('T-2', '2018-W31', '2018-07-31T02:00:00.000Z'));
    const latest = new Map((await store.latestWeeklyReports()).map((r) => [r.code, r.period]));
    expect(latest.size).toBe(40);
    expect(latest.get('T-2')).toBe('2018-W31');
    expect(latest.get('T-3')).toBe('2018-W30');
    const buckets = (await query('LASTWEEKS')).filter((i) => String(i.sk).startsWith('BUCKET#'));
    const placed = buckets.flatMap((b) => Object.keys(b.tasks as object).map((code) => [code, Number(String(b.sk).slice(7))]));
    expect(placed).toHaveLength(40);
    for (const [code, n] of placed) expect(bucketOf(code as string)).toBe(n);
    // The month gets an account after the upgrade: T-1's is still there, once.
    await store.recordProgress({ ...report('T-5', '2018-07', '2018-07-31T03:00:00.000Z'), summary: '五号交账' });
    await store.latestWeeklyReports();
    expect(byUnitAndCode(await store.monthlyAccounts('2018-07')).map((a) => [a.code, a.summary])).toEqual([
      ['T-1', '七月交账'],
      ['T-5', '五号交账'],
    ]);
  });
});


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
