/**
 * `npm run bench`: duban at province scale, measured.
 *
 * Generates a province ledger (10,000 tasks, 1,000 units by default) and imports it through the real
 * import into a fresh table, then gives a second table the same ledger with a longer history. On
 * each table it runs every scheduled job at its instant in one week (2018-W30, and the monthly
 * account on 2018-08-01) and compiles that week's circular, measuring wall time, DynamoDB requests
 * and items read and written (counted at the client), messages sent and distinct recipients, and
 * peak memory, and the capacity consumed (capacity.ts). Then it measures the HTTP app with three
 * processes: the app (http-app.ts), dynalite, and a load generator (load.ts) that sends report
 * submissions (per second, p50/p99 latency) and, on the same store, bare PutItem calls. DynamoDB
 * (dynalite) and SES (the emulator) run as child processes, so the memory measured is the job's.
 * It writes the results with `ratios` (the issue-18 measures), `bundlesKb` and
 * `costPerProvinceMonthUsd` (cost.ts: the capacity consumed at list prices, assumptions beside it).
 *
 *   npm run bench -- [--tasks 10000] [--units 1000] [--weeks 4,52] [--requests 4000] [--concurrency 16]
 *                    [--http-only] [--no-bundles] [--out data/bench/results.json]
 */
import '../../functions/local/quiet-sdk.ts';
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { marshall } from '@aws-sdk/util-dynamodb';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { defaultCalendar } from '../../functions/core/calendar-data.ts';
import { cadenceConfig } from '../../functions/core/cadence/config.ts';
import { runJob } from '../../functions/core/cadence/jobs.ts';
import type { JobName } from '../../functions/core/cadence/schedule.ts';
import { compileReport } from '../../functions/core/reports/model.ts';
import { addDays, instantAt, isoWeekOf, parseWeekPeriod } from '../../functions/core/time.ts';
import { issueToken } from '../../functions/http/auth.ts';
import { importLedger } from '../../functions/ledger-import/import-ledger.ts';
import { ensureTable } from '../../functions/local/emulators.ts';
import { ArchivePublisher, reportRenderer } from '../../functions/reports/publish.ts';
import { DynamoStore } from '../../functions/store/dynamo-store.ts';
import { FolderArchive } from '../../functions/store/folder-archive.ts';
import { lastWeeksItems } from '../../functions/store/last-weeks.ts';
import { appLinks, jobDeps, readConfig, type Deps } from '../../functions/wiring.ts';
import { provinceLedger, seeded } from './province-ledger.ts';
import { child, freePort, root } from './processes.ts';
import { countInto, zeroCounts, type Counts } from './capacity.ts';
import type { LoadJob, LoadResult } from './load.ts';
import { provinceMonthCost, type StepCapacity } from './cost.ts';
import { issueRatios, type StoreRatiosOfHistory } from './ratios.ts';
import type { JobResult } from '../../functions/core/cadence/job.ts';

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '10000' },
    units: { type: 'string', default: '1000' },
    weeks: { type: 'string', default: '4,52' },
    requests: { type: 'string', default: '4000' },
    concurrency: { type: 'string', default: '16' },
    'http-only': { type: 'boolean', default: false },
    'no-bundles': { type: 'boolean', default: false },
    out: { type: 'string', default: 'data/bench/results.json' },
  },
});
const TASKS = Number(args.tasks);
const UNITS = Number(args.units);
const HISTORIES = args.weeks!.split(',').map(Number);
const IMPORT_AT = instantAt('2017-07-03', '10:00');
const WEEK = '2018-W30';
const SECRET = 'a-bench-secret-of-at-least-32-characters';
const calendar = defaultCalendar();
const cadence = cadenceConfig(JSON.stringify({ sendRatePerSecond: 1000 }));
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

// ---------------------------------------------------------------- counting at the client

let counts: Counts = zeroCounts();

function countingClient(endpoint: string): DynamoDBClient {
  // Not built with the app's dynamoClientOptions: store-ratios.ts adds and removes its counters
  // around each job, which a client that caches its middleware chain would never call.
  const client = new DynamoDBClient({ region: 'cn-north-1', endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 10 });
  countInto(client, () => counts);
  return client;
}

// ---------------------------------------------------------------- emulators as child processes

// ---------------------------------------------------------------- measuring one step

interface Measure {
  name: string;
  history: number;
  seconds: number;
  requests: number;
  itemsRead: number;
  itemsWritten: number;
  /** Capacity consumed: read units and write units as dynalite reports them, plus the index writes DynamoDB would charge (capacity.ts). */
  readUnits: number;
  writeUnits: number;
  byCommand: Record<string, number>;
  messages?: number;
  recipients?: number;
  /** The process's peak resident set during the step (it holds the bench's own data too). */
  peakRssMb: number;
  /** Peak JavaScript heap during the step above the heap at its start (after a full GC): what the step itself needed. */
  peakHeapMb: number;
  note?: string;
}

async function measure<T>(name: string, history: number, work: () => Promise<T>, describe?: (r: T) => Partial<Measure>): Promise<Measure> {
  global.gc?.();
  counts = zeroCounts();
  const baseHeap = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage().rss;
  let peakHeap = baseHeap;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  const start = performance.now();
  const result = await work();
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  const m = process.memoryUsage();
  const row: Measure = {
    name,
    history,
    seconds: Number(seconds.toFixed(2)),
    requests: counts.requests,
    itemsRead: counts.read,
    itemsWritten: counts.written,
    readUnits: Number(counts.readUnits.toFixed(1)),
    writeUnits: Number((counts.writeUnits + counts.indexWriteUnits).toFixed(1)),
    byCommand: counts.byCommand,
    peakRssMb: Math.round(Math.max(peakRss, m.rss) / 2 ** 20),
    peakHeapMb: Math.round((Math.max(peakHeap, m.heapUsed) - baseHeap) / 2 ** 20),
    ...describe?.(result),
  };
  log(`${name} (history ${history} weeks): ${row.seconds} s, ${row.requests} requests, ${row.itemsRead} read, ${row.itemsWritten} written${row.messages !== undefined ? `, ${row.messages} messages to ${row.recipients}` : ''}`);
  return row;
}

// ---------------------------------------------------------------- bulk writes for history

async function batchWrite(client: DynamoDBClient, table: string, items: Record<string, unknown>[]) {
  const keyed = new Map<string, Record<string, unknown>>();
  for (const item of items) keyed.set(`${item.pk}\n${item.sk}`, item);
  const all = [...keyed.values()];
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < all.length; i += 25) chunks.push(all.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      let pending = chunks[next++]!.map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } }));
      while (pending.length) {
        const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
        pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

/**
 * History before the measured week, written in bulk with the store's item shapes: the two weeks
 * before it in full (each task reported by its lead unit nine times in ten, which is what the
 * lights look at), older weeks one report per unit, every week's dispatch notices; and, the same
 * at every history size, seven tasks in ten reported on the Tuesday of the measured week and
 * July's monthly accounts on seven tasks in ten. A report is one item (dynamo-store.ts); each
 * task's latest weekly report before the measured week is rolled up, as the daily jobs leave it.
 */
function historyItems(weeks: number, tasks: { code: string; lead: string }[], units: string[]): Record<string, unknown>[] {
  // The same seed for every history size: the weeks the lights look at are identical in each table.
  const random = seeded(30);
  const items: Record<string, unknown>[] = [];
  const { start } = parseWeekPeriod(WEEK);
  const latest = new Map<string, { code: string; unit: string; period: string; at: string }>();
  const report = (period: string, unit: string, code: string, at: Date, summary: string) => {
    const id = randomUUID();
    const weekly = /W/.test(period);
    items.push({ pk: `TASK#${code}`, sk: `REPORT#${period}#${id}`, gsi1pk: weekly ? 'WEEKLYREPORTS' : 'MONTHLYREPORTS', gsi1sk: `${period}#${at.toISOString()}#${id}`, id, code, unit, period, summary, evidence: [], by: unit, at: at.toISOString() });
    if (weekly && period < WEEK && (latest.get(code)?.period ?? '') < period) latest.set(code, { code, unit, period, at: at.toISOString() });
  };
  for (let w = 1; w <= weeks; w++) {
    const monday = addDays(start, -7 * w);
    const period = isoWeekOf(monday);
    const at = instantAt(addDays(monday, 1), '10:00');
    if (w <= 2) {
      for (const t of tasks) if (random() < 0.9) report(period, t.lead, t.code, at, `${period} 按计划推进`);
    } else {
      for (const [i, unit] of units.entries()) {
        const task = tasks[(i * 7 + w) % tasks.length]!;
        report(period, unit, task.code, at, `${period} 按计划推进`);
      }
    }
    for (const [i, unit] of units.entries()) {
      const id = `hist-${period}-${i}`;
      items.push({
        pk: `NOTICE#${id}`,
        sk: 'A',
        gsi1pk: `RUN#weekly-dispatch#${period}`,
        gsi1sk: id,
        id,
        job: 'weekly-dispatch',
        period,
        kind: 'weekly-dispatch',
        to: { name: `联络员${i + 1}`, email: `u${i + 1}.liaison@example.org`, role: '联络员', unit },
        subject: '【周调度】',
        status: 'sent',
        attempts: 1,
        createdAt: at.toISOString(),
        sentAt: at.toISOString(),
        body: gzipSync(JSON.stringify({ html: '<p>周调度</p>', text: '周调度' })),
      });
    }
  }
  // Each task's latest week before this one, as the last daily job rolled it up, and the roll-up's cursor.
  const lastWeek = isoWeekOf(addDays(start, -7));
  items.push(...lastWeeksItems(latest.values(), `${lastWeek}#${instantAt(addDays(start, -6), '10:00').toISOString()}#~`));
  // This week, before the chase: seven tasks in ten reported on Tuesday, between 08:00 and 18:00.
  const tuesday = instantAt(addDays(start, 1), '08:00').getTime();
  for (const [i, t] of tasks.entries()) if (random() < 0.7) report(WEEK, t.lead, t.code, new Date(tuesday + Math.floor((i / tasks.length) * 10 * 3600_000)), `${WEEK} 按计划推进`);
  for (const t of tasks) if (random() < 0.7) report('2018-07', t.lead, t.code, instantAt('2018-07-30', '10:00'), '七月交账：按计划推进');
  return items;
}

// ---------------------------------------------------------------- the run

const jobsInWeek: { job: JobName; at: Date }[] = [
  { job: 'escalation', at: instantAt('2018-07-23', cadence.escalationTime) },
  { job: 'weekly-dispatch', at: instantAt('2018-07-23', cadence.dispatchTime) },
  { job: 'deadline-reminders', at: instantAt('2018-07-26', cadence.deadlineReminderTime) },
  { job: 'chase', at: instantAt('2018-07-26', cadence.chaseTime) },
  { job: 'weekly-circular', at: instantAt('2018-07-27', cadence.circularTime) },
  { job: 'monthly-account', at: instantAt('2018-08-01', cadence.monthlyAccountTime) },
];

// ---------------------------------------------------------------- the HTTP app and the load generator, each its own process

/** Forks a TypeScript child with an IPC channel; resolves with it and the first message it sends. */
/**
 * Runs `script` bundled and minified as a Lambda's code is (infra/duban-function.ts), with plain
 * node: what runs on AWS is a bundle, and under tsx every call the SDK makes to require() goes
 * through tsx's loader.
 */
async function forkChild<T>(script: string, work: string, env: Record<string, string> = {}): Promise<{ proc: ChildProcess; first: T }> {
  const outfile = join(work, `${basename(script, '.ts')}.mjs`);
  await build({
    entryPoints: [join(root, script)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: !process.env.BENCH_PROFILE_DIR, // a profile is read with the names
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    alias: { 'source-map': join(root, 'functions/wiring/no-source-map.ts') },
    logLevel: 'error',
  });
  // BENCH_PROFILE_DIR=<folder>: each child writes a CPU profile there (node --cpu-prof) when it exits.
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  // BENCH_NODE_ARGS: more node flags for the children (e.g. --trace-gc).
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const proc = fork(outfile, [], { execArgv: [...profile, ...extra], env: { ...process.env, DUBAN_TEMPLATE_DIR: join(root, 'templates'), ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const first = await new Promise<T>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${script} did not start`)), 60_000);
    proc.once('message', (m) => {
      clearTimeout(timer);
      ok(m as T);
    });
    proc.once('exit', (code) => fail(new Error(`${script} exited with ${code}`)));
  });
  return { proc, first };
}

function ask<T>(proc: ChildProcess, message: unknown, key: string): Promise<T> {
  return new Promise((ok, fail) => {
    const listen = (m: Record<string, unknown>) => {
      if (m.error) {
        proc.off('message', listen);
        fail(new Error(String(m.error)));
      } else if (key in m) {
        proc.off('message', listen);
        ok(m[key] as T);
      }
    };
    proc.on('message', listen);
    proc.send(message as never);
  });
}

const perRequest = (c: Counts, n: number) => ({
  requests: Number((c.requests / n).toFixed(2)),
  byCommand: Object.fromEntries(Object.entries(c.byCommand).map(([k, v]) => [k, Number((v / n).toFixed(2))])),
  itemsRead: Number((c.read / n).toFixed(2)),
  itemsWritten: Number((c.written / n).toFixed(2)),
  readUnits: Number((c.readUnits / n).toFixed(2)),
  writeUnits: Number(((c.writeUnits + c.indexWriteUnits) / n).toFixed(2)),
});

/**
 * Report submissions from the load generator to the app (each its own process) on `table`, and
 * bare PutItem calls from the same load generator on the same dynalite. First each target once
 * (cold: the app reads the token, the unit and the task), then `warmUp` of each kind, submissions
 * counted at the app's client (warm: token, unit and task kept). Then ROUNDS timed rounds of
 * `total` submissions and `total` bare puts, one after the other, with the app's counting off:
 * each kind's median round is the result, every round is kept beside it.
 */
const ROUNDS = 5;
async function measureHttp(endpoint: string, storePid: number, table: string, targets: { code: string; token: string }[], total: number, concurrency: number, work: string) {
  const app = await forkChild<{ listening: number }>('tests/bench/http-app.ts', work, {
    BENCH_DYNAMODB: endpoint,
    BENCH_TABLE: table,
    BENCH_SECRET: SECRET,
    BENCH_CLOCK: instantAt('2018-07-24', '11:00').toISOString(),
    BENCH_REPORTS: join(work, 'http'),
  });
  const loader = await forkChild<{ ready: boolean }>('tests/bench/load.ts', work);
  try {
    const base = `http://127.0.0.1:${app.first.listening}`;
    type AppCounts = Counts & { cpuMs: number };
    let sent = 0; // every request its own Idempotency-Key and item key
    // Each run with the CPU its three processes spent on it, per request.
    const run = async (kind: LoadJob['kind'], count: number) => {
      const job: LoadJob = kind === 'submissions' ? { kind, base, targets, total: count, concurrency, from: sent } : { kind, endpoint, table, total: count, concurrency, from: sent };
      sent += count;
      const storeCpu = processCpuMs(storePid);
      await ask<AppCounts>(app.proc, { counts: true }, 'counts');
      const result = await ask<LoadResult>(loader.proc, job, 'result');
      const counts = await ask<AppCounts>(app.proc, { counts: true }, 'counts');
      const msEach = (ms: number | undefined) => (ms === undefined ? null : Number((ms / count).toFixed(3)));
      const storeMs = storeCpu === undefined ? undefined : processCpuMs(storePid)! - storeCpu;
      const cpuMsPerRequest = { loadGenerator: result.cpuMsPerRequest, app: kind === 'submissions' ? msEach(counts.cpuMs) : 0, store: msEach(storeMs) };
      return { result: { ...result, cpuMsPerRequest }, counts };
    };
    const warmUp = Math.min(total, 2000);
    const cold = await run('submissions', targets.length);
    const warm = await run('submissions', warmUp);
    await run('put', warmUp);
    await run('conditional-put', warmUp);
    await ask(app.proc, { counting: false }, 'counting');
    type Timed = Awaited<ReturnType<typeof run>>['result'];
    const rounds: { submissions: Timed; bare: Timed; conditional: Timed; ratio: number; p99Ratio: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const submissions = (await run('submissions', total)).result;
      const bare = (await run('put', total)).result;
      const conditional = (await run('conditional-put', total)).result;
      rounds.push({ submissions, bare, conditional, ratio: Number((submissions.perSecond / bare.perSecond).toFixed(2)), p99Ratio: Number((submissions.p99Ms / bare.p99Ms).toFixed(2)) });
    }
    // The result: each kind's median round. Rounds vary by a third here (the store's compactions and
    // the scheduler's placing of three processes on two cores fall on either kind).
    const medianOf = (runs: Timed[]) => [...runs].sort((x, y) => x.perSecond - y.perSecond)[Math.floor(runs.length / 2)]!;
    const median = { submissions: medianOf(rounds.map((r) => r.submissions)), bare: medianOf(rounds.map((r) => r.bare)), conditional: medianOf(rounds.map((r) => r.conditional)) };
    const result = {
      processes: 'app (tests/bench/http-app.ts), dynalite, load generator (tests/bench/load.ts): three processes, the app and the load generator bundled as a Lambda is; the SES emulator idles. cpuMsPerRequest: CPU (user + system) each process spent on the run ÷ requests',
      submissions: { ...median.submissions, dynamodbPerSubmission: perRequest(warm.counts, warmUp), note: `token, unit and task kept in memory; the median of ${ROUNDS} rounds, after ${warmUp} to warm up (DynamoDB calls counted on those)` },
      submissionsCold: { ...cold.result, dynamodbPerSubmission: perRequest(cold.counts, targets.length), note: `each of ${targets.length} tasks once, on a fresh app process: the token, the unit and the task read` },
      barePutItem: { ...median.bare, note: `PutItem of a small item with no index keys, same dynalite, from the same load generator, each round right after its submissions; the median of ${ROUNDS} rounds (after ${warmUp} to warm up)` },
      conditionalPutItem: { ...median.conditional, note: `PutItem of an item of a stored report's shape and index keys, with the condition a report's write has (attribute_not_exists(pk)), same dynalite and load generator, each round after the bare puts; the median of ${ROUNDS} rounds. dynalite spends about 0.3 ms more CPU parsing a condition than DynamoDB's callers ever see` },
      rounds: rounds.map((r) => ({ submissionsPerSecond: r.submissions.perSecond, submissionP99Ms: r.submissions.p99Ms, barePerSecond: r.bare.perSecond, bareP99Ms: r.bare.p99Ms, conditionalPerSecond: r.conditional.perSecond, conditionalP99Ms: r.conditional.p99Ms, ratio: r.ratio, p99Ratio: r.p99Ratio })),
    };
    const line = (r: Omit<LoadResult, 'cpuMsPerRequest'> & { cpuMsPerRequest: object }) => `${r.perSecond}/s p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms; CPU ms per request ${JSON.stringify(r.cpuMsPerRequest)}`;
    log(`HTTP cold: ${line(result.submissionsCold)}; DynamoDB per submission ${JSON.stringify(result.submissionsCold.dynamodbPerSubmission)}`);
    log(`HTTP warm: ${line(result.submissions)}; DynamoDB per submission ${JSON.stringify(result.submissions.dynamodbPerSubmission)}`);
    log(`bare PutItem: ${line(result.barePutItem)}`);
    log(`conditional PutItem of a report's shape: ${line(result.conditionalPutItem)}`);
    log(`rounds (submissions ÷ bare, p99 ÷ bare): ${rounds.map((r) => `${r.ratio} ${r.p99Ratio}`).join('; ')}`);
    return result;
  } finally {
    loader.proc.disconnect();
    app.proc.disconnect();
  }
}

/** CPU (user + system) a process has spent, in ms, from /proc; undefined where there is no /proc. */
function processCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks of 1/100 s
  } catch {
    return undefined;
  }
}

async function main() {
  const started = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'duban-bench-'));
  const dynamoPort = await freePort();
  const sesPort = await freePort();
  const dynalite = await child('node_modules/dynalite/cli.js', ['--port', String(dynamoPort), '--host', '127.0.0.1', '--createTableMs', '0'], 'listening at');
  const ses = await child('node_modules/aws-ses-v2-local/dist/cli.js', ['--port', String(sesPort), '--host', '127.0.0.1'], 'server running');
  const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;
  const sesEndpoint = `http://127.0.0.1:${sesPort}`;
  const client = countingClient(dynamoEndpoint);
  const sesClient = new SESClient({ region: 'cn-north-1', endpoint: sesEndpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const results: Measure[] = [];
  const storeRatiosByHistory: Record<number, StoreRatiosOfHistory> = {};
  let http: Record<string, unknown> = {};
  try {
    const { tables, units } = provinceLedger({ tasks: TASKS, units: UNITS });
    log(`generated ${TASKS} tasks and ${UNITS} units`);

    // The ledger goes through the real import once; the other tables get the same items in bulk.
    const ledgerItems: Record<string, unknown>[] = [];
    const capture = (next: any, context: any) => async (input: any) => {
      if (context.commandName === 'PutItemCommand') ledgerItems.push(input.input.Item);
      return next(input);
    };
    const tableOf = (weeks: number) => `bench-history-${weeks}`;
    await ensureTable(client, tableOf(HISTORIES[0]!));
    client.middlewareStack.add(capture, { step: 'initialize', name: 'capture' });
    const importRow = await measure('import (台账导入)', 0, () =>
      importLedger(tables, { at: IMPORT_AT, by: 'bench', source: 'province' }, { store: new DynamoStore(client, tableOf(HISTORIES[0]!)), calendar }),
    );
    client.middlewareStack.remove('capture');
    results.push(importRow);
    const { unmarshall } = await import('@aws-sdk/util-dynamodb');
    const plainLedger = ledgerItems.map((item) => unmarshall(item as never));

    const store0 = new DynamoStore(client, tableOf(HISTORIES[0]!));
    const open = await store0.openTasks();
    const tasks = open.map((t) => ({ code: t.code, lead: t.leadUnits[0]! }));

    const jobRuns = args['http-only'] ? [] : HISTORIES;
    for (const [index, weeks] of jobRuns.entries()) {
      const table = tableOf(weeks);
      if (index > 0) {
        await ensureTable(client, table);
        const copy = await measure('copy ledger (bulk)', weeks, () => batchWrite(client, table, plainLedger));
        log(`ledger copied in ${copy.seconds} s`);
      }
      const history = historyItems(weeks, tasks, units);
      const written = await measure('history (bulk)', weeks, () => batchWrite(client, table, history));
      log(`history of ${weeks} weeks: ${history.length} items in ${written.seconds} s`);

      const store = new DynamoStore(client, table);
      const deps: Deps = {
        config: readConfig({ DUBAN_TABLE: table, DUBAN_APP_URL: 'http://duban.example.org', DUBAN_REPORTS_DIR: join(work, table) }),
        cadence,
        dynamo: client,
        ses: sesClient,
        store,
        reports: new ArchivePublisher(new FolderArchive(join(work, table, 'reports'))),
      };
      const run = jobDeps(deps, { calendar, linkSecret: SECRET, sender: `bench-${weeks}`, now: () => new Date() });
      const runOne = async (job: JobName, at: Date): Promise<JobResult> => {
        let result!: JobResult;
        results.push(
          await measure(job, weeks, async () => (result = await runJob(job, at, run)), (r) => ({
            messages: r.delivery?.sent ?? 0,
            recipients: r.delivery?.recipients ?? 0,
            note: r.skipped ? `skipped: ${r.skipped}` : undefined,
          })),
        );
        await fetch(`${sesEndpoint}/clear-store`, { method: 'POST' });
        return result;
      };
      // The outbox's and the jobs' ratios (store-ratios.ts) are counted around the same runs, when that module is there.
      const ratiosModule = await storeRatiosModule();
      if (ratiosModule) storeRatiosByHistory[weeks] = await ratiosModule.storeRatios({ client, store, jobs: jobsInWeek, run: runOne });
      else for (const { job, at } of jobsInWeek) await runOne(job, at);
      const links = appLinks('http://duban.example.org', SECRET);
      const model = await measure('compile 周通报 model', weeks, () => compileReport('weekly-circular', WEEK, { store, calendar, config: cadence, links }));
      results.push(model);
      const compiled = await compileReport('weekly-circular', WEEK, { store, calendar, config: cadence, links });
      results.push(await measure('render 周通报 files (html, xlsx, svg)', weeks, async () => (await reportRenderer()).files(compiled), (files) => ({ note: files.map((f) => `${f.name.split('-')[0]} ${Math.round(f.body.byteLength / 1024)} KB`).join(', ') })));
    }

    // HTTP: the app, dynalite and the load generator as three processes, on the last table.
    const table = tableOf(jobRuns.at(-1) ?? HISTORIES[0]!);
    const store = new DynamoStore(client, table);
    const sample = tasks.slice(0, 400);
    const tokens = new Map<string, string>();
    for (const t of sample) if (!tokens.has(t.lead)) tokens.set(t.lead, await issueToken(store, { kind: 'unit', unit: t.lead }, instantAt('2018-07-24', '09:00')));
    http = await measureHttp(dynamoEndpoint, dynalite.pid!, table, sample.map((t) => ({ code: t.code, token: tokens.get(t.lead)! })), Number(args.requests), Number(args.concurrency), work);
  } finally {
    client.destroy();
    sesClient.destroy();
    dynalite.kill();
    ses.kill();
    rmSync(work, { recursive: true, force: true });
  }

  let bundlesKb: Record<string, number> | { error: string } = { error: 'not measured (--no-bundles)' };
  if (!args['no-bundles']) {
    try {
      bundlesKb = await measureBundles();
    } catch (error) {
      bundlesKb = { error: `bundle sizes not measured: ${(error as Error).message.split('\n')[0]}` };
    }
  }
  const openTasks = TASKS; // every generated task is open in the measured week
  const ratios = issueRatios({ steps: results, http: http as never, openTasks, units: UNITS, storeRatios: storeRatiosByHistory });
  const costPerProvinceMonthUsd = provinceMonthCost({ steps: results as StepCapacity[], http: http as never, openTasks, ledger: { tasks: TASKS, units: UNITS } });
  const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), platform: process.platform };
  const output = { at: new Date().toISOString(), machine, ledger: { tasks: TASKS, units: UNITS, histories: args['http-only'] ? [] : HISTORIES }, steps: results, http, ratios, bundlesKb, costPerProvinceMonthUsd, totalSeconds: Math.round((performance.now() - started) / 1000) };
  mkdirSync(dirname(resolve(args.out!)), { recursive: true });
  writeFileSync(resolve(args.out!), `${JSON.stringify(output, null, 2)}\n`);
  printTable(results, http, output.totalSeconds);
  console.log(`\nratios: ${JSON.stringify(ratios, null, 1)}`);
  console.log(`bundles (KB): ${JSON.stringify(bundlesKb)}`);
  console.log(`cost per province month (USD): ${JSON.stringify({ total: costPerProvinceMonthUsd.total, dynamodb: costPerProvinceMonthUsd.dynamodb, lambda: costPerProvinceMonthUsd.lambda, ses: costPerProvinceMonthUsd.ses })}`);
  console.log(`\nJSON: ${args.out}`);
}

/** tests/bench/store-ratios.ts (the outbox's and the jobs' measures), or undefined where it is not there. */
async function storeRatiosModule(): Promise<{ storeRatios: (input: { client: DynamoDBClient; store: DynamoStore; jobs: { job: JobName; at: Date }[]; run: (job: JobName, at: Date) => Promise<JobResult> }) => Promise<StoreRatiosOfHistory> } | undefined> {
  const path = './store-ratios.ts';
  try {
    return (await import(path)) as never;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/** Each Lambda's bundle, minified, in KB (infra/bundle-sizes.ts synthesises the app with the local esbuild). */
async function measureBundles(): Promise<Record<string, number>> {
  log('bundling every handler (infra/bundle-sizes.ts)');
  const { handlerBundles } = await import('../../infra/bundle-sizes.ts');
  const bundles = handlerBundles() as { id: string; code: number }[];
  // CDK's logical id without its hash: JobsFunction, HttpFunction, SesFeedbackFunction …
  return Object.fromEntries(bundles.map((b) => [b.id.replace(/[0-9A-F]{8}$/, ''), Math.round(b.code / 1024)]));
}

function printTable(rows: Measure[], http: Record<string, any>, totalSeconds: number) {
  const header = ['step', 'history (weeks)', 'seconds', 'requests', 'items read', 'items written', 'read units', 'write units', 'messages', 'recipients', 'peak heap MB'];
  const lines = rows.map((r) => [r.name, String(r.history), r.seconds.toFixed(1), String(r.requests), String(r.itemsRead), String(r.itemsWritten), String(r.readUnits), String(r.writeUnits), r.messages === undefined ? '' : String(r.messages), r.recipients === undefined ? '' : String(r.recipients), String(r.peakHeapMb)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(`\nduban province bench: ${TASKS} tasks, ${UNITS} units (${totalSeconds} s)\n`);
  console.log(format(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const l of lines) console.log(format(l));
  if (http.submissions) {
    console.log('\n| HTTP (three processes, concurrency ' + http.submissions.concurrency + ') | per second | p50 ms | p99 ms | DynamoDB calls each |\n|---|---:|---:|---:|---:|');
    console.log(`| POST /api/tasks/{code}/progress, kept | ${http.submissions.perSecond} | ${http.submissions.p50Ms} | ${http.submissions.p99Ms} | ${http.submissions.dynamodbPerSubmission.requests} |`);
    console.log(`| POST /api/tasks/{code}/progress, first call | ${http.submissionsCold.perSecond} | ${http.submissionsCold.p50Ms} | ${http.submissionsCold.p99Ms} | ${http.submissionsCold.dynamodbPerSubmission.requests} |`);
    console.log(`| bare PutItem (baseline) | ${http.barePutItem.perSecond} | ${http.barePutItem.p50Ms} | ${http.barePutItem.p99Ms} | 1 |`);
  }
}

await main();
