/**
 * What the scheduled jobs and the outbox ask of DynamoDB, as ratios that do not depend on the
 * ledger's size, counted at the DynamoDB client:
 *
 * - `itemsReadPerOpenItem`, per job: items read (GetItem, Query, BatchGetItem) ÷ (open tasks + active
 *   units). A job that reads what it uses stays near 1 whatever the history behind it.
 * - `dynamoCallsPerNotice`: requests on the outbox's items (notice headers, outcomes and bodies, run
 *   holds, the suppression list) ÷ notices, over every job run.
 * - `writeUnitsPerNotice`: the write capacity those requests consumed, as the store reports it
 *   (ReturnConsumedCapacity), ÷ notices. The emulator counts the table only: on AWS each write of an
 *   item with an index key also writes the index (a notice header has one).
 *
 * `storeRatios` runs the given jobs through `run` (so a caller keeps its own measures around them) on
 * a store set up as tests/bench/province.ts sets one up. Run on its own it builds such a store:
 *
 *   npx tsx tests/bench/store-ratios.ts [--tasks 2000] [--units 200] [--weeks 4,52] [--reads]
 *
 * `--reads` prints, under each job, its items read per kind of read (command, index, partition).
 */
import '../../functions/local/quiet-sdk.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultCalendar } from '../../functions/core/calendar-data.ts';
import { cadenceConfig } from '../../functions/core/cadence/config.ts';
import type { JobResult } from '../../functions/core/cadence/job.ts';
import { runJob } from '../../functions/core/cadence/jobs.ts';
import type { JobName } from '../../functions/core/cadence/schedule.ts';
import { isActiveUnit } from '../../functions/core/ledger.ts';
import type { Mailer, ProgressReport, Store } from '../../functions/core/ports.ts';
import { addDays, instantAt, isoWeekOf, localDateOf, parseWeekPeriod, type LocalDate } from '../../functions/core/time.ts';
import { importLedger } from '../../functions/ledger-import/import-ledger.ts';
import { ensureTable } from '../../functions/local/emulators.ts';
import { ArchivePublisher } from '../../functions/reports/publish.ts';
import { DynamoStore } from '../../functions/store/dynamo-store.ts';
import { FolderArchive } from '../../functions/store/folder-archive.ts';
import { jobDeps, readConfig, type Deps } from '../../functions/wiring.ts';
import { provinceLedger, seeded } from './province-ledger.ts';
import { child, freePort } from './processes.ts';

// ---------------------------------------------------------------- counting at the client

/** Key prefixes of the outbox's items (notice-log.ts). */
const OUTBOX_PREFIXES = ['NOTICE#', 'BODY#', 'LEASE#', 'SUPPRESS#', 'RUN#', 'SUPPRESSED'];

export interface StoreCounts {
  requests: number;
  itemsRead: number;
  writeUnits: number;
  outboxRequests: number;
  outboxWriteUnits: number;
  byCommand: Record<string, number>;
  /** Items read per kind of read (`Query byCollection WEEKLYREPORTS`, `GetItem TASK#…`): where a job's reads go. */
  readsBy: Record<string, number>;
}

const zeroCounts = (): StoreCounts => ({ requests: 0, itemsRead: 0, writeUnits: 0, outboxRequests: 0, outboxWriteUnits: 0, byCommand: {}, readsBy: {} });

/** A read's kind: its command, index and partition with what names one entity or period left out. */
function readKind(command: string, input: Record<string, any>, pk: string | undefined): string {
  const partition = (pk ?? '?').replace(/#.*$/, '#…');
  return [command, input.IndexName, partition].filter(Boolean).join(' ');
}

type Attr = { S?: string };
/** The partition key a request names first (its item's, its key's, or its query's). */
function partitionOf(name: string, input: Record<string, any>): string | undefined {
  const pkOf = (item: Record<string, Attr> | undefined) => item?.pk?.S;
  switch (name) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      return pkOf(input.Key);
    case 'PutItem':
      return pkOf(input.Item);
    case 'Query':
      return (input.ExpressionAttributeValues as Record<string, Attr> | undefined)?.[':pk']?.S;
    case 'BatchGetItem': {
      const request = Object.values(input.RequestItems ?? {})[0] as { Keys?: Record<string, Attr>[] } | undefined;
      return pkOf(request?.Keys?.[0]);
    }
    case 'BatchWriteItem': {
      const writes = Object.values(input.RequestItems ?? {})[0] as { PutRequest?: { Item: Record<string, Attr> }; DeleteRequest?: { Key: Record<string, Attr> } }[] | undefined;
      return pkOf(writes?.[0]?.PutRequest?.Item ?? writes?.[0]?.DeleteRequest?.Key);
    }
    default:
      return undefined;
  }
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/**
 * Counts every request the client sends from now on (asking each write for the capacity it
 * consumed) until `detach`. Counts are cumulative; `take` returns them and starts again at zero.
 */
export function countStore(client: DynamoDBClient) {
  // A client that caches its middleware chain (the app's, functions/wiring/common.ts) would never call a counter added now.
  if (client.config.cacheMiddleware) throw new Error('countStore needs a client without cacheMiddleware');
  let counts = zeroCounts();
  const name = `storeRatios-${randomUUID()}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName).replace(/Command$/, '');
      const input = args.input as Record<string, any>;
      if (WRITES.has(command) && !input.ReturnConsumedCapacity) input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const out = result.output as Record<string, any>;
      counts.requests++;
      counts.byCommand[command] = (counts.byCommand[command] ?? 0) + 1;
      let read = 0;
      if (command === 'GetItem') read = out.Item ? 1 : 0;
      else if (command === 'Query') read = out.Items?.length ?? 0;
      else if (command === 'BatchGetItem') for (const items of Object.values(out.Responses ?? {})) read += (items as unknown[]).length;
      counts.itemsRead += read;
      const pk = partitionOf(command, input);
      if (read) {
        const kind = readKind(command, input, pk);
        counts.readsBy[kind] = (counts.readsBy[kind] ?? 0) + read;
      }
      const consumed = [out.ConsumedCapacity].flat().reduce((n: number, c: { CapacityUnits?: number } | undefined) => n + (c?.CapacityUnits ?? 0), 0);
      const units = WRITES.has(command) ? consumed : 0;
      counts.writeUnits += units;
      if (pk && OUTBOX_PREFIXES.some((p) => pk.startsWith(p))) {
        counts.outboxRequests++;
        counts.outboxWriteUnits += units;
      }
      return result;
    },
    { step: 'initialize', name },
  );
  return {
    take(): StoreCounts {
      const taken = counts;
      counts = zeroCounts();
      return taken;
    },
    detach() {
      client.middlewareStack.remove(name);
    },
  };
}

// ---------------------------------------------------------------- the ratios

export interface JobRatio {
  job: JobName;
  at: string;
  itemsRead: number;
  /** Open tasks + active units when the job ran. */
  openItems: number;
  itemsReadPerOpenItem: number;
  notices: number;
  outboxRequests: number;
  outboxWriteUnits: number;
  seconds: number;
  /** Items read per kind of read, most first. */
  readsBy: Record<string, number>;
}

export interface StoreRatios {
  itemsReadPerOpenItem: Partial<Record<JobName, number>>;
  dynamoCallsPerNotice: number;
  writeUnitsPerNotice: number;
  jobs: JobRatio[];
}

/** The week tests/bench/province.ts measures (2018-W30, and the monthly account on 2018-08-01). */
export const benchWeek = (cadence = cadenceConfig()): { job: JobName; at: Date }[] => [
  { job: 'escalation', at: instantAt('2018-07-23', cadence.escalationTime) },
  { job: 'weekly-dispatch', at: instantAt('2018-07-23', cadence.dispatchTime) },
  { job: 'deadline-reminders', at: instantAt('2018-07-26', cadence.deadlineReminderTime) },
  { job: 'chase', at: instantAt('2018-07-26', cadence.chaseTime) },
  { job: 'weekly-circular', at: instantAt('2018-07-27', cadence.circularTime) },
  { job: 'monthly-account', at: instantAt('2018-08-01', cadence.monthlyAccountTime) },
];

const ratio = (a: number, b: number) => (b ? Number((a / b).toFixed(3)) : 0);

/**
 * Runs each job once through `run`, counting at `client` (the client `store` uses), and returns the
 * ratios. A notice is one the run's delivery handled (sent, sent before, failed, suppressed or deferred).
 */
export async function storeRatios(input: {
  client: DynamoDBClient;
  store: Store;
  jobs?: { job: JobName; at: Date }[];
  run: (job: JobName, at: Date) => Promise<JobResult>;
  /** Called before each job, uncounted: what happened in the store since the job before (units reporting). */
  before?: (job: JobName, at: Date) => Promise<void>;
}): Promise<StoreRatios> {
  const rows: JobRatio[] = [];
  for (const { job, at } of input.jobs ?? benchWeek()) {
    await input.before?.(job, at);
    const [open, units] = await Promise.all([input.store.openTasks(), input.store.units.list()]);
    const openItems = open.length + units.filter(isActiveUnit).length;
    const counter = countStore(input.client);
    const started = performance.now();
    let result: JobResult;
    try {
      result = await input.run(job, at);
    } finally {
      counter.detach();
    }
    const seconds = (performance.now() - started) / 1000;
    const counts = counter.take();
    const d = result.delivery;
    const notices = d ? d.sent + d.alreadySent + d.failed + d.suppressed + d.deferred : 0;
    rows.push({ job, at: at.toISOString(), itemsRead: counts.itemsRead, openItems, itemsReadPerOpenItem: ratio(counts.itemsRead, openItems), notices, outboxRequests: counts.outboxRequests, outboxWriteUnits: counts.outboxWriteUnits, seconds: Number(seconds.toFixed(2)), readsBy: Object.fromEntries(Object.entries(counts.readsBy).sort((a, b) => b[1] - a[1])) });
  }
  const notices = rows.reduce((n, r) => n + r.notices, 0);
  return {
    itemsReadPerOpenItem: Object.fromEntries(rows.map((r) => [r.job, r.itemsReadPerOpenItem])),
    dynamoCallsPerNotice: ratio(rows.reduce((n, r) => n + r.outboxRequests, 0), notices),
    writeUnitsPerNotice: ratio(rows.reduce((n, r) => n + r.outboxWriteUnits, 0), notices),
    jobs: rows,
  };
}

// ---------------------------------------------------------------- on its own: a smaller province

const WEEK = '2018-W30';

/**
 * The history tests/bench/province.ts writes, through the store's own report path (so it has the
 * store's shapes whatever they are): the two weeks before W30 in full (each task reported by its lead
 * unit nine times in ten), older weeks one report per unit, each week's reports spread over its
 * Tuesday from 08:00 to 18:00 (July's monthly accounts over Monday 30 July). The roll-up of each task's latest week is folded after each week, as
 * the escalation check folds it every workday (and, in the measured week, before each job that runs
 * after that day's check). Returns this week's reports (seven tasks in ten on the
 * Tuesday of W30, and July's monthly accounts on seven tasks in ten), written when the week reaches them.
 */
async function writeHistory(store: Store, weeks: number, tasks: { code: string; lead: string }[], units: string[]): Promise<{ written: number; thisWeek: ProgressReport[] }> {
  const random = seeded(30);
  const { start } = parseWeekPeriod(WEEK);
  const report = (into: ProgressReport[], period: string, unit: string, code: string, at: Date, summary: string) =>
    into.push({ id: randomUUID(), code, unit, period, summary, evidence: [], by: unit, at: at.toISOString() });
  const spread = (tuesday: LocalDate, i: number, n: number) => new Date(instantAt(tuesday, '08:00').getTime() + Math.floor((i / n) * 10 * 3600_000));
  let written = 0;
  for (let w = weeks; w >= 1; w--) {
    const monday = addDays(start, -7 * w);
    const period = isoWeekOf(monday);
    const reports: ProgressReport[] = [];
    if (w <= 2) for (const [i, t] of tasks.entries()) if (random() < 0.9) report(reports, period, t.lead, t.code, spread(addDays(monday, 1), i, tasks.length), `${period} 按计划推进`);
    if (w > 2) for (const [i, unit] of units.entries()) report(reports, period, unit, tasks[(i * 7 + w) % tasks.length]!.code, spread(addDays(monday, 1), i, units.length), `${period} 按计划推进`);
    await writeReports(store, reports);
    await store.latestWeeklyReports();
    written += reports.length;
  }
  const thisWeek: ProgressReport[] = [];
  for (const [i, t] of tasks.entries()) if (random() < 0.7) report(thisWeek, WEEK, t.lead, t.code, spread(addDays(start, 1), i, tasks.length), `${WEEK} 按计划推进`);
  for (const [i, t] of tasks.entries()) if (random() < 0.7) report(thisWeek, '2018-07', t.lead, t.code, spread('2018-07-30', i, tasks.length), '七月交账：按计划推进');
  return { written, thisWeek };
}

async function writeReports(store: Store, reports: ProgressReport[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < reports.length) await store.recordProgress(reports[next++]!);
    }),
  );
}

async function main() {
  const { values: args } = parseArgs({ options: { tasks: { type: 'string', default: '2000' }, units: { type: 'string', default: '200' }, weeks: { type: 'string', default: '4,52' }, reads: { type: 'boolean', default: false } } });
  const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const port = await freePort();
  const dynalite = await child('node_modules/dynalite/cli.js', ['--port', String(port), '--host', '127.0.0.1', '--createTableMs', '0'], 'listening at');
  const client = new DynamoDBClient({ region: 'cn-north-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 10 });
  const work = mkdtempSync(join(tmpdir(), 'duban-ratios-'));
  const calendar = defaultCalendar();
  const cadence = cadenceConfig(JSON.stringify({ sendRatePerSecond: 1000 }));
  const noop: Mailer = { send: async () => ({ messageId: randomUUID() }) };
  const out: Record<string, StoreRatios> = {};
  try {
    const { tables, units } = provinceLedger({ tasks: Number(args.tasks), units: Number(args.units) });
    for (const weeks of args.weeks!.split(',').map(Number)) {
      const table = `ratios-${weeks}`;
      await ensureTable(client, table);
      const store = new DynamoStore(client, table);
      const imported = await importLedger(tables, { at: instantAt('2017-07-03', '10:00'), by: 'bench', source: 'province' }, { store, calendar });
      if (!imported.ok) throw new Error(JSON.stringify(imported.issues).slice(0, 500));
      const tasks = (await store.openTasks()).map((t) => ({ code: t.code, lead: t.leadUnits[0]! }));
      const { written, thisWeek } = await writeHistory(store, weeks, tasks, units);
      log(`${weeks} weeks: ${tasks.length} tasks, ${units.length} units, ${written} reports of history`);
      // Each report is written before the first job that runs after its instant; what came before a
      // day's escalation check (08:30, every workday) was folded into the roll-up by it, uncounted here.
      const pending = [...thisWeek];
      const write = async (before: Date) => {
        const due = pending.filter((r) => new Date(r.at) < before);
        await writeReports(store, due);
        for (const r of due) pending.splice(pending.indexOf(r), 1);
      };
      const before = async (job: JobName, at: Date) => {
        const checked = instantAt(localDateOf(at), cadence.escalationTime);
        if (job !== 'escalation' && checked < at && calendar.isWorkday(localDateOf(at))) {
          await write(checked);
          await store.latestWeeklyReports();
        }
        await write(at);
      };
      const deps: Deps = {
        config: readConfig({ DUBAN_TABLE: table, DUBAN_APP_URL: 'http://duban.example.org', DUBAN_REPORTS_DIR: join(work, table) }),
        cadence,
        dynamo: client,
        // Never called: the mailer below is a no-op (the circular's time is the store's and the outbox's).
        ses: new SESClient({ region: 'cn-north-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } }),
        store,
        reports: new ArchivePublisher(new FolderArchive(join(work, table, 'reports'))),
      };
      const run = jobDeps(deps, { calendar, linkSecret: 'a-bench-secret-of-at-least-32-characters', sender: `ratios-${weeks}`, now: () => new Date(), mailer: noop });
      out[weeks] = await storeRatios({ client, store, jobs: benchWeek(cadence), run: (job, at) => runJob(job, at, run), before });
      for (const r of out[weeks].jobs) {
        log(`  ${r.job.padEnd(18)} read ${String(r.itemsRead).padStart(6)} ÷ ${r.openItems} = ${r.itemsReadPerOpenItem}; notices ${r.notices}, outbox requests ${r.outboxRequests}, write units ${r.outboxWriteUnits}; ${r.seconds} s`);
        if (args.reads) for (const [kind, n] of Object.entries(r.readsBy)) log(`      ${String(n).padStart(6)}  ${kind}`);
      }
    }
  } finally {
    client.destroy();
    dynalite.kill();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(JSON.stringify(Object.fromEntries(Object.entries(out).map(([w, r]) => [w, { itemsReadPerOpenItem: r.itemsReadPerOpenItem, dynamoCallsPerNotice: r.dynamoCallsPerNotice, writeUnitsPerNotice: r.writeUnitsPerNotice }])), null, 2));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
