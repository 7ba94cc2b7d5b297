/**
 * `npm start`: the whole of duban on a laptop. Starts dynalite persisted under the data folder,
 * the SES emulator with its mail viewer, the HTTP app and the local scheduler; imports the sample
 * ledger (or DUBAN_LEDGER) on first start; prints every URL; stops cleanly on Ctrl-C.
 */
import { LOCAL_CADENCE_DEFAULTS } from './quiet-sdk.ts';
import { serve } from '@hono/node-server';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createApp } from '../http/app.ts';
import { importLedger } from '../ledger-import/import-ledger.ts';
import { readLedgerSource } from '../ledger-import/read-source.ts';
import { runJob } from '../core/cadence/jobs.ts';
import { cronTable, runsBetween } from '../core/cadence/schedule.ts';
import { buildDeps, jobDeps, linkSecret, loadCalendar, readConfig } from '../wiring.ts';
import { printImport } from './cli.ts';
import { sandboxClock } from './clock.ts';
import { ensureTable, startDynalite, startSesEmulator } from './emulators.ts';
import { dynamoFolder } from './local-env.ts';
import { startLocalScheduler } from './scheduler.ts';
import { readLocalSettings, SAMPLE_LEDGER, type LocalSettings } from './settings.ts';

const log = (msg: string, extra: object = {}) => console.log(JSON.stringify({ level: 'info', msg, ...extra }));

export interface Sandbox {
  urls: { app: string; mail: string; dynamodb: string };
  stop(): Promise<void>;
}

export async function startSandbox(settings: LocalSettings = readLocalSettings()): Promise<Sandbox> {
  mkdirSync(dynamoFolder(settings), { recursive: true });
  const dynalite = await startDynalite({ port: settings.dynamoPort, path: dynamoFolder(settings) });
  const ses = await startSesEmulator({ port: settings.sesPort });
  const deps = buildDeps(
    readConfig({
      ...process.env,
      DUBAN_TABLE: settings.table,
      DUBAN_DYNAMODB_ENDPOINT: dynalite.url,
      DUBAN_SES_ENDPOINT: ses.url,
      DUBAN_CADENCE: process.env.DUBAN_CADENCE ?? LOCAL_CADENCE_DEFAULTS,
      DUBAN_APP_URL: process.env.DUBAN_APP_URL ?? `http://127.0.0.1:${settings.httpPort}`,
      DUBAN_REPORTS_DIR: join(settings.dataDir, 'reports'),
    }),
  );
  await ensureTable(deps.dynamo, settings.table);
  const clock = sandboxClock(settings.clockStart);

  const ledger = settings.ledger ?? SAMPLE_LEDGER;
  if (ledger !== 'none' && (await deps.store.imports()).length === 0) {
    log('first start: importing ledger', { source: ledger });
    const summary = await importLedger(
      await readLedgerSource(ledger),
      { at: clock(), by: 'sandbox', source: ledger },
      { store: deps.store, calendar: await loadCalendar(deps.store) },
    );
    printImport(summary, { out: console.log, err: console.error });
    if (!summary.ok) throw new Error(`The ledger ${ledger} did not import; fix it or start with DUBAN_LEDGER=none`);
  }

  const secret = await linkSecret(deps);
  const app = createApp({
    store: deps.store,
    clock,
    calendar: () => loadCalendar(deps.store),
    cadence: deps.cadence,
    reports: deps.reports,
    linkSecret: async () => secret,
  });
  const http = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const server = serve({ fetch: app.fetch, port: settings.httpPort, hostname: '127.0.0.1' }, () => resolve(server));
  });
  const appUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const table = cronTable(deps.cadence);
  const scheduler = startLocalScheduler({
    clock,
    log,
    tickMs: settings.schedulerTickMs,
    dueBetween: (from, to) => runsBetween(table, from, to),
    run: async ({ job, at }) => {
      const result = await runJob(job, at, jobDeps(deps, { calendar: await loadCalendar(deps.store), linkSecret: await linkSecret(deps), sender: `sandbox-${process.pid}`, now: () => new Date(), log }));
      log('job finished', { job, at: at.toISOString(), period: result.period, skipped: result.skipped, sent: result.delivery?.sent });
    },
  });

  return {
    urls: { app: appUrl, mail: ses.url, dynamodb: dynalite.url },
    async stop() {
      scheduler.stop();
      await new Promise<void>((resolve) => {
        (http as Server).closeAllConnections?.();
        http.close(() => resolve());
      });
      deps.dynamo.destroy();
      deps.ses.destroy();
      await ses.close();
      await dynalite.close();
    },
  };
}

async function main() {
  const settings = readLocalSettings();
  const sandbox = await startSandbox(settings);
  console.log(`
duban sandbox is running
  ledger and pages   ${sandbox.urls.app}/
  health             ${sandbox.urls.app}/health
  API                ${sandbox.urls.app}/api/tasks
  mail viewer        ${sandbox.urls.mail}/
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
