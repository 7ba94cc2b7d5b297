/**
 * Connects the CLI to the sandbox's store: the running sandbox's dynalite if it answers on its port,
 * else an embedded dynalite opened on the same data folder for the length of the command. Either
 * way the CLI reads and writes exactly what the sandbox shows.
 */
import { LOCAL_CADENCE_DEFAULTS } from './quiet-sdk.ts';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildDeps, readConfig, type Deps } from '../wiring.ts';
import { ensureTable, startDynalite, startSesEmulator, type RunningServer } from './emulators.ts';
import type { LocalSettings } from './settings.ts';

export const dynamoFolder = (settings: LocalSettings) => join(settings.dataDir, 'dynamodb');

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: 'GET', signal: AbortSignal.timeout(1500) });
    return true;
  } catch {
    return false;
  }
}

export interface LocalConnection {
  deps: Deps;
  dynamoEndpoint: string;
  sesEndpoint: string;
  /** True when the sandbox was running and the CLI used its servers. */
  sandboxRunning: boolean;
  close(): Promise<void>;
}

export async function connectLocal(settings: LocalSettings): Promise<LocalConnection> {
  const sandboxUrl = `http://127.0.0.1:${settings.dynamoPort}`;
  const sandboxSes = `http://127.0.0.1:${settings.sesPort}`;
  let embedded: RunningServer | undefined;
  let embeddedSes: RunningServer | undefined;
  let dynamoEndpoint = sandboxUrl;
  let sesEndpoint = sandboxSes;
  const sandboxRunning = await answers(sandboxUrl);
  if (!sandboxRunning) {
    mkdirSync(dynamoFolder(settings), { recursive: true });
    embedded = await startDynalite({ path: dynamoFolder(settings) });
    dynamoEndpoint = embedded.url;
  }
  if (!(await answers(`${sandboxSes}/health-check`))) {
    // No sandbox: mail goes to an emulator that lives as long as the command (notices stay recorded).
    embeddedSes = await startSesEmulator();
    sesEndpoint = embeddedSes.url;
  }
  const deps = buildDeps(
    readConfig({
      ...process.env,
      DUBAN_TABLE: settings.table,
      DUBAN_DYNAMODB_ENDPOINT: dynamoEndpoint,
      DUBAN_SES_ENDPOINT: sesEndpoint,
      DUBAN_CADENCE: process.env.DUBAN_CADENCE ?? LOCAL_CADENCE_DEFAULTS,
      DUBAN_APP_URL: process.env.DUBAN_APP_URL ?? `http://127.0.0.1:${settings.httpPort}`,
      DUBAN_REPORTS_DIR: join(settings.dataDir, 'reports'),
    }),
  );
  await ensureTable(deps.dynamo, settings.table);
  return {
    deps,
    dynamoEndpoint,
    sesEndpoint,
    sandboxRunning,
    async close() {
      deps.dynamo.destroy();
      deps.ses.destroy();
      await embeddedSes?.close();
      await embedded?.close();
    },
  };
}
