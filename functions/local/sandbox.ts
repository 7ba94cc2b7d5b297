/**
 * `npm start`: the whole of duban on a laptop. Starts dynalite persisted under the data folder,
 * the SES emulator with its mail viewer, the HTTP app and the local scheduler; imports the sample
 * ledger (or DUBAN_LEDGER) on first start; prints every URL; stops cleanly on Ctrl-C. It publishes
 * itself in the data folder (sandbox.json: process, endpoints, clock; see sandbox-state.ts) so the
 * CLI finds it and acts on its clock, and refuses a folder another live sandbox holds.
 */
import { LOCAL_CADENCE_DEFAULTS } from './quiet-sdk.ts';
import { serve } from '@hono/node-server';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createApp } from '../http/app.ts';
import { evidenceDeps } from '../wiring/evidence.ts';
import { processedWhenKept } from '../wiring/evidence-processing.ts';
import { importLedger, resumeStagedImport, resumedNotice } from '../ledger-import/import-ledger.ts';
import { readLedgerSource } from '../ledger-import/read-source.ts';
import { runScheduled } from '../core/cadence/job-runs.ts';
import { cronTable, runsBetween } from '../core/cadence/schedule.ts';
import { buildDeps, consoleDeps, jobDeps, linkSecret, loadCalendar, readConfig } from '../wiring.ts';
import { printImport } from './cli/import.ts';
import { clockAnchor, sandboxClock, type ClockAnchor } from './clock.ts';
import { ensureTable, startDynalite, startSesEmulator } from './emulators.ts';
import { inboxSettings, startInbox } from './inbox.ts';
import { LocalError } from './errors.ts';
import { dynamoFolder } from './local-env.ts';
import { liveSandbox, removeSandboxState, stateClock, writeSandboxState, type SandboxState } from './sandbox-state.ts';
import { startLocalScheduler } from './scheduler.ts';
import { readLocalSettings, SAMPLE_LEDGER, type LocalSettings } from './settings.ts';

const log = (msg: string, extra: object = {}) => console.log(JSON.stringify({ level: 'info', msg, ...extra }));

export interface Sandbox {
  urls: { app: string; mail: string; dynamodb: string; inbox: string };
  stop(): Promise<void>;
}

export async function startSandbox(settings: LocalSettings = readLocalSettings()): Promise<Sandbox> {
  const held = liveSandbox(settings.dataDir);
  if (held) {
    throw new LocalError(
      'SANDBOX_RUNNING',
      `数据文件夹 ${settings.dataDir} 已由另一个正在运行的沙盒使用（进程 ${held.pid}${held.urls ? `，${held.urls.app}/` : ''}）；请先停止它，或用 DUBAN_DATA_DIR 另选一个文件夹`,
      'DUBAN_DATA_DIR',
    );
  }
  mkdirSync(dynamoFolder(settings), { recursive: true });
  const anchor = clockAnchor(settings.clockStart, new Date());
  const starting: SandboxState = { pid: process.pid, table: settings.table, ready: false, clock: stateClock(anchor) };
  // Published before the store opens: a CLI command in the meantime waits for it instead of opening the folder.
  writeSandboxState(settings.dataDir, starting);
  const opened: (() => Promise<void> | void)[] = [];
  try {
    return await openSandbox(settings, anchor, starting, opened);
  } catch (error) {
    for (const close of opened.reverse()) await Promise.resolve(close()).catch(() => {});
    removeSandboxState(settings.dataDir, process.pid);
    throw error;
  }
}

async function openSandbox(settings: LocalSettings, anchor: ClockAnchor, starting: SandboxState, opened: (() => Promise<void> | void)[]): Promise<Sandbox> {
  const dynalite = await startDynalite({ port: settings.dynamoPort, path: dynamoFolder(settings) });
  opened.push(() => dynalite.close());
  const ses = await startSesEmulator({ port: settings.sesPort });
  opened.push(() => ses.close());
  // Every channel lands locally: SMTP in the inbox's sink, robots at its webhook receiver.
  const inbox = await startInbox({ port: settings.inboxPort, smtpPort: settings.smtpPort, sesUrl: ses.url });
  opened.push(() => inbox.close());
  const deps = buildDeps(
    readConfig({
      ...process.env,
      ...inboxSettings(inbox),
      DUBAN_TABLE: settings.table,
      DUBAN_DYNAMODB_ENDPOINT: dynalite.url,
      DUBAN_SES_ENDPOINT: ses.url,
      DUBAN_CADENCE: process.env.DUBAN_CADENCE ?? LOCAL_CADENCE_DEFAULTS,
      DUBAN_APP_URL: process.env.DUBAN_APP_URL ?? `http://127.0.0.1:${settings.httpPort}`,
      DUBAN_REPORTS_DIR: join(settings.dataDir, 'reports'),
    }),
  );
  opened.push(() => {
    deps.dynamo.destroy();
    deps.ses.destroy();
  });
  await ensureTable(deps.dynamo, settings.table);
  const clock = sandboxClock(anchor);

  const ledger = settings.ledger ?? SAMPLE_LEDGER;
  // An import cut off last time (a write failed, or the process died) is finished first.
  const resumed = await resumeStagedImport({ at: clock(), by: 'sandbox' }, { store: deps.store });
  if (resumed) console.log(resumedNotice(resumed));
  if (ledger !== 'none' && (await deps.store.imports()).length === 0) {
    log('first start: importing ledger', { source: ledger });
    const summary = await importLedger(
      await readLedgerSource(ledger),
      { at: clock(), by: 'sandbox', source: ledger },
      { store: deps.store, calendar: await loadCalendar(deps.store) },
    );
    printImport(summary, { out: console.log, err: console.error });
    if (!summary.ok) throw new LocalError('SANDBOX_LEDGER', `台账 ${ledger} 未能导入：请按上面的提示修正，或以 DUBAN_LEDGER=none 启动空白沙盒`, 'DUBAN_LEDGER');
  }

  const secret = await linkSecret(deps);
  const app = createApp({
    store: deps.store,
    clock,
    calendar: () => loadCalendar(deps.store),
    cadence: deps.cadence,
    reports: deps.reports,
    linkSecret: async () => secret,
    console: consoleDeps(deps, () => new Date(), `sandbox-http-${process.pid}`),
    // A kept photo is processed at once, in-process (a HEIC's JPEG, a thumbnail): the evidence function's work on AWS.
    evidence: processedWhenKept(evidenceDeps(deps.config, deps.dynamo, async () => secret, () => new Date()), clock),
  });
  const http = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const server = serve({ fetch: app.fetch, port: settings.httpPort, hostname: '127.0.0.1' }, () => resolve(server));
  });
  opened.push(
    () =>
      new Promise<void>((resolve) => {
        (http as Server).closeAllConnections?.();
        http.close(() => resolve());
      }),
  );
  const appUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const table = cronTable(deps.cadence);
  const scheduler = startLocalScheduler({
    clock,
    log,
    tickMs: settings.schedulerTickMs,
    dueBetween: (from, to) => runsBetween(table, from, to),
    // The same path as the Lambda's: a failed run is recorded for the console and the next circular,
    // logged, and left behind (EventBridge gives up after its retries too), not retried every tick.
    run: async ({ job, at }) => {
      try {
        const result = await runScheduled(job, at, jobDeps(deps, { calendar: await loadCalendar(deps.store), linkSecret: await linkSecret(deps), sender: `sandbox-${process.pid}`, now: () => new Date(), log }), clock);
        log('job finished', { job, at: at.toISOString(), period: result.period, skipped: result.skipped, sent: result.delivery?.sent });
      } catch (error) {
        log('job failed', { job, at: at.toISOString(), code: (error as { code?: string }).code ?? 'INTERNAL' });
      }
    },
  });
  opened.push(() => scheduler.stop());

  writeSandboxState(settings.dataDir, { ...starting, ready: true, urls: { app: appUrl, dynamodb: dynalite.url, ses: ses.url, inbox: inbox.url, smtpPort: inbox.smtpPort } });
  return {
    urls: { app: appUrl, mail: ses.url, dynamodb: dynalite.url, inbox: inbox.url },
    async stop() {
      for (const close of opened.reverse()) await close();
      removeSandboxState(settings.dataDir, process.pid);
    },
  };
}

/** Why the sandbox did not start, in Chinese, without a stack. */
function startFailure(error: unknown): string {
  if (error instanceof LocalError) return error.message;
  const e = error as NodeJS.ErrnoException & { port?: number };
  if (e?.code === 'EADDRINUSE') return `端口${e.port ? ` ${e.port}` : ''}已被占用：请停止占用它的程序，或用 DUBAN_HTTP_PORT、DUBAN_DYNAMODB_PORT、DUBAN_SES_PORT、DUBAN_INBOX_PORT、DUBAN_SMTP_PORT 另选端口`;
  return `沙盒启动失败：${String(e?.message ?? error).split('\n')[0]}`;
}

async function main() {
  let settings: LocalSettings;
  let sandbox: Sandbox;
  try {
    settings = readLocalSettings();
    sandbox = await startSandbox(settings);
  } catch (error) {
    console.error(startFailure(error));
    process.exit(1);
  }
  console.log(`
duban sandbox is running
  ledger and pages   ${sandbox.urls.app}/
  health             ${sandbox.urls.app}/health
  API                ${sandbox.urls.app}/api/tasks
  mail viewer        ${sandbox.urls.mail}/
  inbox, all channels ${sandbox.urls.inbox}/ (SMTP sink on port ${settings.smtpPort}; JSON at /store)
  DynamoDB endpoint  ${sandbox.urls.dynamodb}
  data folder        ${settings.dataDir}
  compiled reports   ${settings.dataDir}/reports (the office's circular links to them)
Press Ctrl-C to stop; the data stays.`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log('stopping');
    await sandbox.stop();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && import.meta.filename === (await import('node:fs')).realpathSync(process.argv[1])) {
  await main();
}
