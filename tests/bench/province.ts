/**
 * `npm run bench`: duban at province scale, measured.
 *
 * Generates a province ledger (10,000 tasks, 1,000 units by default) and imports it through the real
 * import into a fresh table, then gives a second table the same ledger with a longer history. On
 * each table it runs every scheduled job at its instant in one week (2018-W30, and the monthly
 * account on 2018-08-01) and compiles that week's circular, measuring wall time, DynamoDB requests
 * and items read and written (counted at the client), messages sent and distinct recipients, and
 * peak memory. Then it measures the HTTP app: report submissions per second and p50/p99 latency,
 * beside a bare PutItem on the same store. DynamoDB (dynalite) and SES (the emulator) run as child
 * processes, so the memory measured is the job's.
 *
 *   npm run bench -- [--tasks 10000] [--units 1000] [--weeks 4,52] [--out data/bench/results.json]
 */
import '../../functions/local/quiet-sdk.ts';
import { BatchWriteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { marshall } from '@aws-sdk/util-dynamodb';
import { serve } from '@hono/node-server';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { defaultCalendar } from '../../functions/core/calendar-data.ts';
import { cadenceConfig } from '../../functions/core/cadence/config.ts';
import { runJob } from '../../functions/core/cadence/jobs.ts';
import type { JobName } from '../../functions/core/cadence/schedule.ts';
import { compileReport } from '../../functions/core/reports/model.ts';
import { addDays, instantAt, isoWeekOf, parseWeekPeriod } from '../../functions/core/time.ts';
import { createApp } from '../../functions/http/app.ts';
import { issueToken } from '../../functions/http/auth.ts';
import { importLedger } from '../../functions/ledger-import/import-ledger.ts';
import { ensureTable } from '../../functions/local/emulators.ts';
import { ArchivePublisher, reportRenderer } from '../../functions/reports/publish.ts';
import { DynamoStore } from '../../functions/store/dynamo-store.ts';
import { FolderArchive } from '../../functions/store/folder-archive.ts';
import { appLinks, jobDeps, readConfig, type Deps } from '../../functions/wiring.ts';
import { provinceLedger, seeded } from './province-ledger.ts';

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '10000' },
    units: { type: 'string', default: '1000' },
    weeks: { type: 'string', default: '4,52' },
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
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

interface Counts {
  requests: number;
  read: number;
  written: number;
  byCommand: Record<string, number>;
}
const zero = (): Counts => ({ requests: 0, read: 0, written: 0, byCommand: {} });
let counts = zero();

function countingClient(endpoint: string): DynamoDBClient {
  const client = new DynamoDBClient({ region: 'cn-north-1', endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 10 });
  client.middlewareStack.add(
    (next, context) => async (input) => {
      const result = await next(input);
      const name = String(context.commandName).replace(/Command$/, '');
      const out = result.output as Record<string, any>;
      const request = input.input as Record<string, any>;
      counts.requests++;
      counts.byCommand[name] = (counts.byCommand[name] ?? 0) + 1;
      if (name === 'GetItem') counts.read += out.Item ? 1 : 0;
      else if (name === 'Query') counts.read += out.Items?.length ?? 0;
      else if (name === 'PutItem' || name === 'DeleteItem' || name === 'UpdateItem') counts.written++;
      else if (name === 'BatchWriteItem') for (const items of Object.values(request.RequestItems ?? {})) counts.written += (items as unknown[]).length;
      return result;
    },
    { step: 'initialize', name: 'benchCounter' },
  );
  return client;
}

// ---------------------------------------------------------------- emulators as child processes

const root = resolve(import.meta.dirname, '../..');
async function child(script: string, argv: string[], readyOn: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [join(root, script), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${script} did not start`)), 15_000);
    const watch = (data: Buffer) => {
      if (data.toString().includes(readyOn)) {
        clearTimeout(timer);
        ok();
      }
    };
    proc.stdout!.on('data', watch);
    proc.stderr!.on('data', watch);
    proc.once('exit', (code) => fail(new Error(`${script} exited with ${code}`)));
  });
  return proc;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((ok) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => ok(port));
    });
  });
}

// ---------------------------------------------------------------- measuring one step

interface Measure {
  name: string;
  history: number;
  seconds: number;
  requests: number;
  itemsRead: number;
  itemsWritten: number;
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
  counts = zero();
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
 * July's monthly accounts on seven tasks in ten.
 */
function historyItems(weeks: number, tasks: { code: string; lead: string }[], units: string[]): Record<string, unknown>[] {
  // The same seed for every history size: the weeks the lights look at are identical in each table.
  const random = seeded(30);
  const items: Record<string, unknown>[] = [];
  const { start } = parseWeekPeriod(WEEK);
  const report = (period: string, unit: string, code: string, at: Date, summary: string) => {
    const id = randomUUID();
    items.push({ pk: `TASK#${code}`, sk: `REPORT#${period}#${id}`, id, code, unit, period, summary, evidence: [], by: unit, at: at.toISOString() });
    items.push({ pk: `PERIOD#${period}`, sk: `UNIT#${unit}#TASK#${code}`, unit, code, at: at.toISOString(), lastAt: at.toISOString(), summary });
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
  // This week, before the chase: seven tasks in ten reported on Tuesday.
  for (const t of tasks) if (random() < 0.7) report(WEEK, t.lead, t.code, instantAt(addDays(start, 1), '10:00'), `${WEEK} 按计划推进`);
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

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function load(total: number, concurrency: number, one: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await one(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: total, concurrency, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(total / seconds), p50Ms: Number(percentile(latencies, 50).toFixed(1)), p99Ms: Number(percentile(latencies, 99).toFixed(1)) };
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

    for (const [index, weeks] of HISTORIES.entries()) {
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
      for (const { job, at } of jobsInWeek) {
        results.push(
          await measure(job, weeks, () => runJob(job, at, run), (r) => ({
            messages: r.delivery?.sent ?? 0,
            recipients: r.delivery?.recipients ?? 0,
            note: r.skipped ? `skipped: ${r.skipped}` : undefined,
          })),
        );
        await fetch(`${sesEndpoint}/clear-store`, { method: 'POST' });
      }
      const links = appLinks('http://duban.example.org', SECRET);
      const model = await measure('compile 周通报 model', weeks, () => compileReport('weekly-circular', WEEK, { store, calendar, config: cadence, links }));
      results.push(model);
      const compiled = await compileReport('weekly-circular', WEEK, { store, calendar, config: cadence, links });
      results.push(await measure('render 周通报 files (html, xlsx, svg)', weeks, async () => (await reportRenderer()).files(compiled), (files) => ({ note: files.map((f) => `${f.name.split('-')[0]} ${Math.round(f.body.byteLength / 1024)} KB`).join(', ') })));
    }

    // HTTP: report submissions against the last table, beside a bare PutItem on it.
    const table = tableOf(HISTORIES.at(-1)!);
    const store = new DynamoStore(client, table);
    const clock = () => instantAt('2018-07-24', '11:00');
    const app = createApp({ store, clock, calendar: async () => calendar, cadence, linkSecret: async () => SECRET, reports: new ArchivePublisher(new FolderArchive(join(work, 'http'))) });
    const server = await new Promise<ReturnType<typeof serve>>((ok) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => ok(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const total = Number(args.requests);
    const concurrency = Number(args.concurrency);
    const tokens = new Map<string, string>();
    for (const t of tasks.slice(0, 400)) if (!tokens.has(t.lead)) tokens.set(t.lead, await issueToken(store, { kind: 'unit', unit: t.lead }, clock()));
    const targets = tasks.slice(0, 400);
    counts = zero();
    const submissions = await load(total, concurrency, async (i) => {
      const t = targets[i % targets.length]!;
      const response = await fetch(`${base}/api/tasks/${encodeURIComponent(t.code)}/progress`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokens.get(t.lead)}`, 'Content-Type': 'application/json', 'Idempotency-Key': `bench-${i}` },
        body: JSON.stringify({ summary: `压测报送 ${i}：完成现场核查`, percent: 50 }),
      });
      if (response.status !== 201) throw new Error(`submission ${i}: ${response.status} ${await response.text()}`);
    });
    const perSubmission = { requests: Number((counts.requests / total).toFixed(1)), itemsRead: Number((counts.read / total).toFixed(1)), itemsWritten: Number((counts.written / total).toFixed(1)) };
    const baseline = await load(total, concurrency, async (i) => {
      await client.send(new PutItemCommand({ TableName: table, Item: marshall({ pk: `BENCH#${i}`, sk: 'A', summary: `压测 ${i}`, at: clock().toISOString() }) }));
    });
    await new Promise((ok) => server.close(ok));
    http = { submissions: { ...submissions, dynamodbPerSubmission: perSubmission }, barePutItem: baseline };
    log(`DynamoDB per submission: ${JSON.stringify(perSubmission)}`);
    log(`HTTP: ${submissions.perSecond}/s p50 ${submissions.p50Ms} ms p99 ${submissions.p99Ms} ms; bare PutItem ${baseline.perSecond}/s p50 ${baseline.p50Ms} ms p99 ${baseline.p99Ms} ms`);
  } finally {
    client.destroy();
    sesClient.destroy();
    dynalite.kill();
    ses.kill();
    rmSync(work, { recursive: true, force: true });
  }

  const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), platform: process.platform };
  const output = { at: new Date().toISOString(), machine, ledger: { tasks: TASKS, units: UNITS, histories: HISTORIES }, steps: results, http, totalSeconds: Math.round((performance.now() - started) / 1000) };
  mkdirSync(dirname(resolve(args.out!)), { recursive: true });
  writeFileSync(resolve(args.out!), `${JSON.stringify(output, null, 2)}\n`);
  printTable(results, http, output.totalSeconds);
  console.log(`\nJSON: ${args.out}`);
}

function printTable(rows: Measure[], http: Record<string, any>, totalSeconds: number) {
  const header = ['step', 'history (weeks)', 'seconds', 'requests', 'items read', 'items written', 'messages', 'recipients', 'peak heap MB'];
  const lines = rows.map((r) => [r.name, String(r.history), r.seconds.toFixed(1), String(r.requests), String(r.itemsRead), String(r.itemsWritten), r.messages === undefined ? '' : String(r.messages), r.recipients === undefined ? '' : String(r.recipients), String(r.peakHeapMb)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(`\nduban province bench: ${TASKS} tasks, ${UNITS} units (${totalSeconds} s)\n`);
  console.log(format(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const l of lines) console.log(format(l));
  if (http.submissions) {
    console.log('\n| HTTP (concurrency ' + http.submissions.concurrency + ') | per second | p50 ms | p99 ms |\n|---|---:|---:|---:|');
    console.log(`| POST /api/tasks/{code}/progress | ${http.submissions.perSecond} | ${http.submissions.p50Ms} | ${http.submissions.p99Ms} |`);
    console.log(`| bare PutItem (baseline) | ${http.barePutItem.perSecond} | ${http.barePutItem.p50Ms} | ${http.barePutItem.p99Ms} |`);
  }
}

await main();
