/**
 * Connects the CLI to the sandbox's store: the running sandbox's dynalite if it answers on its port,
 * else an embedded dynalite opened on the same data folder for the length of the command. Either
 * way the CLI reads and writes exactly what the sandbox shows.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildDeps, readConfig, type Deps } from '../wiring.ts';
import { ensureTable, startDynalite, type RunningServer } from './emulators.ts';
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
  const sesEndpoint = `http://127.0.0.1:${settings.sesPort}`;
  let embedded: RunningServer | undefined;
  let dynamoEndpoint = sandboxUrl;
  const sandboxRunning = await answers(sandboxUrl);
  if (!sandboxRunning) {
    mkdirSync(dynamoFolder(settings), { recursive: true });
    embedded = await startDynalite({ path: dynamoFolder(settings) });
    dynamoEndpoint = embedded.url;
  }
  const deps = buildDeps(
    readConfig({ DUBAN_TABLE: settings.table, DUBAN_DYNAMODB_ENDPOINT: dynamoEndpoint, DUBAN_SES_ENDPOINT: sesEndpoint }),
  );
  await ensureTable(deps.dynamo, settings.table);
  return {
    deps,
    dynamoEndpoint,
    sesEndpoint,
    sandboxRunning,
    async close() {
      deps.dynamo.destroy();
      await embedded?.close();
    },
  };
}
