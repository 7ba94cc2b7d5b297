/**
 * Connects the CLI to the store the sandbox shows. In order:
 * 1. A live sandbox holds the data folder (its `sandbox.json`, see sandbox-state.ts): its endpoints,
 *    waited for patiently while it starts; if they do not answer, the command stops with a Chinese
 *    message. It never opens a second store on a folder a live sandbox holds.
 * 2. No state file, but DynamoDB answers on DUBAN_DYNAMODB_PORT: that server (a sandbox of an older
 *    build, or a test's emulator).
 * 3. Nobody holds the folder: an embedded dynalite opened on it for the length of the command, and
 *    an SES emulator of its own unless one answers on DUBAN_SES_PORT.
 */
import { LOCAL_CADENCE_DEFAULTS } from './quiet-sdk.ts';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { inboxSettings, startInbox, type RunningInbox } from './inbox.ts';
import { buildDeps, ConfigError, readConfig, type Config, type Deps } from '../wiring.ts';
import { ensureTable, startDynalite, startSesEmulator, type RunningServer } from './emulators.ts';
import { LocalError } from './errors.ts';
import { liveSandbox, readSandboxState, stateFileOf, type SandboxState } from './sandbox-state.ts';
import type { LocalSettings } from './settings.ts';

export const dynamoFolder = (settings: Pick<LocalSettings, 'dataDir'>) => join(settings.dataDir, 'dynamodb');

/** How long a command waits for a live sandbox's endpoints before it gives up. */
export const SANDBOX_PATIENCE_MS = 8_000;

async function answers(url: string, timeoutMs = 1500): Promise<boolean> {
  try {
    await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}

export interface LocalConnection {
  deps: Deps;
  dynamoEndpoint: string;
  sesEndpoint: string;
  /** True when a running sandbox's servers are used (found by its state file or on its port). */
  sandboxRunning: boolean;
  /** The sandbox found through its state file in the data folder, with its clock's anchor. */
  sandbox?: SandboxState;
  close(): Promise<void>;
}

export interface ConnectOptions {
  patienceMs?: number;
}

export async function connectLocal(settings: LocalSettings, options: ConnectOptions = {}): Promise<LocalConnection> {
  if (liveSandbox(settings.dataDir)) {
    const sandbox = await reachSandbox(settings.dataDir, options.patienceMs ?? SANDBOX_PATIENCE_MS);
    return connect(settings, { dynamo: sandbox.urls!.dynamodb, ses: sandbox.urls!.ses, app: sandbox.urls!.app, table: sandbox.table, inbox: sandbox.urls }, { sandbox });
  }
  const sandboxUrl = `http://127.0.0.1:${settings.dynamoPort}`;
  const sandboxSes = `http://127.0.0.1:${settings.sesPort}`;
  const running = await answers(sandboxUrl);
  let embedded: RunningServer | undefined;
  let embeddedSes: RunningServer | undefined;
  let embeddedInbox: RunningInbox | undefined;
  try {
    if (!running) {
      mkdirSync(dynamoFolder(settings), { recursive: true });
      embedded = await startDynalite({ path: dynamoFolder(settings) });
    }
    // No sandbox: mail goes to an emulator that lives as long as the command (notices stay recorded).
    if (!(await answers(`${sandboxSes}/health-check`))) embeddedSes = await startSesEmulator();
    // Likewise SMTP and robot messages: a command on a laptop never posts to a real robot or server.
    if (!running) embeddedInbox = await startInbox({ port: 0, smtpPort: 0, sesUrl: embeddedSes?.url });
  } catch (error) {
    await embeddedInbox?.close();
    await embeddedSes?.close();
    await embedded?.close();
    throw error;
  }
  const endpoints = {
    dynamo: embedded?.url ?? sandboxUrl,
    ses: embeddedSes?.url ?? sandboxSes,
    app: `http://127.0.0.1:${settings.httpPort}`,
    table: settings.table,
    ...(embeddedInbox ? { inbox: { inbox: embeddedInbox.url, smtpPort: embeddedInbox.smtpPort } } : {}),
  };
  const inboxServer: RunningServer | undefined = embeddedInbox && { url: embeddedInbox.url, port: embeddedInbox.port, close: () => embeddedInbox.close() };
  return connect(settings, endpoints, { sandboxRunning: running, embedded: [inboxServer, embeddedSes, embedded] });
}

/**
 * Waits until the live sandbox of the folder is ready and its store and mail answer. Rereads the
 * state file on every try: a sandbox that is starting writes its endpoints when it serves.
 */
async function reachSandbox(dataDir: string, patienceMs: number): Promise<SandboxState> {
  const giveUpAt = Date.now() + patienceMs;
  let state = liveSandbox(dataDir);
  for (;;) {
    if (!state) break; // it stopped while we waited: say so rather than open the folder mid-stop
    if (state.ready && state.urls && (await answers(state.urls.dynamodb)) && (await answers(`${state.urls.ses}/health-check`))) return state;
    if (Date.now() >= giveUpAt) break;
    await new Promise((r) => setTimeout(r, 250));
    state = liveSandbox(dataDir);
  }
  const last = readSandboxState(dataDir);
  throw new LocalError(
    'SANDBOX_UNREACHABLE',
    `沙盒正在运行但无法连接（进程 ${last?.pid ?? '未知'}，数据文件夹 ${dataDir}），请稍后重试或重启沙盒；` +
      `为免两处同时写入，本命令未打开该文件夹。若沙盒确已不在运行，请删除 ${stateFileOf(dataDir)} 后重试。`,
  );
}

interface Endpoints {
  dynamo: string;
  ses: string;
  app: string;
  table: string;
  /** The sandbox's inbox: its SMTP sink and robot receiver carry those channels for the CLI too. */
  inbox?: { inbox?: string; smtpPort?: number };
}

async function connect(
  settings: LocalSettings,
  endpoints: Endpoints,
  found: { sandbox?: SandboxState; sandboxRunning?: boolean; embedded?: (RunningServer | undefined)[] },
): Promise<LocalConnection> {
  let config: Config;
  try {
    config = readConfig({
      ...process.env,
      DUBAN_TABLE: endpoints.table,
      DUBAN_DYNAMODB_ENDPOINT: endpoints.dynamo,
      DUBAN_SES_ENDPOINT: endpoints.ses,
      DUBAN_CADENCE: process.env.DUBAN_CADENCE ?? LOCAL_CADENCE_DEFAULTS,
      DUBAN_APP_URL: process.env.DUBAN_APP_URL ?? endpoints.app,
      DUBAN_REPORTS_DIR: join(settings.dataDir, 'reports'),
      ...(endpoints.inbox?.inbox && endpoints.inbox.smtpPort ? inboxSettings({ smtpPort: endpoints.inbox.smtpPort, robotHost: new URL(endpoints.inbox.inbox).host }) : {}),
    });
  } catch (error) {
    for (const server of found.embedded ?? []) await server?.close();
    if (error instanceof ConfigError) {
      const hint = error.variable === 'DUBAN_CADENCE' ? '：应为 JSON，如 {"dispatchTime":"08:30"}，各项见 functions/core/cadence/config.ts' : '';
      throw new LocalError('SETTING_INVALID', `环境变量 ${error.variable} 的值无效${hint}`, error.variable);
    }
    throw error;
  }
  const deps = buildDeps(config);
  const close = async () => {
    deps.dynamo.destroy();
    deps.ses.destroy();
    for (const server of found.embedded ?? []) await server?.close();
  };
  try {
    await ensureTable(deps.dynamo, endpoints.table);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    deps,
    dynamoEndpoint: endpoints.dynamo,
    sesEndpoint: endpoints.ses,
    sandboxRunning: Boolean(found.sandbox) || Boolean(found.sandboxRunning),
    sandbox: found.sandbox,
    close,
  };
}
