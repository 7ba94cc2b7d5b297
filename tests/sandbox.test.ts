import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

/** `npm start` as a user runs it; resolves once it prints its URLs (it must within 20 s). */
async function npmStart(env: Record<string, string>): Promise<Started> {
  // Its own process group, so a Ctrl-C reaches npm and the sandbox alike, as in a terminal.
  const child = spawn('npm', ['start'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  while (!output.includes('Press Ctrl-C to stop')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start did not serve within 20 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output: () => output, exited };
}

/** Ctrl-C: signal the whole group; the sandbox must report a clean stop. */
async function stop(started: Started): Promise<string> {
  process.kill(-started.child.pid!, 'SIGINT');
  await started.exited;
  return started.output();
}

/** A fresh data folder and free ports, so the test never meets a sandbox a developer is running. */
async function sandboxEnv(extra: Record<string, string>): Promise<Record<string, string>> {
  return {
    DUBAN_DATA_DIR: mkdtempSync(join(tmpdir(), 'duban-sandbox-')),
    DUBAN_HTTP_PORT: String(await freePort()),
    DUBAN_DYNAMODB_PORT: String(await freePort()),
    DUBAN_SES_PORT: String(await freePort()),
    ...extra,
  };
}

let running: Started | undefined;
afterEach(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) await stop(running);
});

describe('npm start', () => {
  it('serves the sample ledger on first start, stops on Ctrl-C, and keeps the data across a restart', async () => {
    const env = await sandboxEnv({ DUBAN_CLOCK: '2018-07-09T09:00:00+08:00' });
    const app = `http://127.0.0.1:${env.DUBAN_HTTP_PORT}`;

    running = await npmStart(env);
    expect(running.output()).toContain('first start: importing ledger');
    expect(running.output()).toContain(`${app}/`);
    expect(running.output()).toContain(`http://127.0.0.1:${env.DUBAN_SES_PORT}/`);
    const health = (await (await fetch(`${app}/health`)).json()) as { status: string; at: string };
    expect(health).toMatchObject({ status: 'ok' });
    expect(health.at.startsWith('2018-07-09T01:0')).toBe(true); // the virtual clock, in UTC
    const page = await (await fetch(`${app}/`)).text();
    expect(page).toContain('共 31 项整改任务');
    expect(page).toContain('实施饮用水环境安全保障行动');
    expect(await (await fetch(`http://127.0.0.1:${env.DUBAN_SES_PORT}/store`)).json()).toMatchObject({ emails: [] });
    expect(await stop(running)).toContain('"msg":"stopped"');

    running = await npmStart(env);
    expect(running.output()).not.toContain('first start');
    const again = await (await fetch(`${app}/`)).text();
    expect(again).toContain('共 31 项整改任务');
    const api = await fetch(`${app}/api/tasks`);
    expect(api.status).toBe(401); // the API wants a token (npx duban token)
    expect(await stop(running)).toContain('"msg":"stopped"');
  }, 120_000);

  it('fires the weekly dispatch from its scheduler when the sandbox clock reaches Monday 09:00', async () => {
    const env = await sandboxEnv({ DUBAN_CLOCK: '2018-07-09T08:59:45+08:00', DUBAN_SCHEDULER_TICK_MS: '500' });
    running = await npmStart(env);
    const deadline = Date.now() + 60_000;
    let emails: { subject: string }[] = [];
    while (Date.now() < deadline) {
      emails = ((await (await fetch(`http://127.0.0.1:${env.DUBAN_SES_PORT}/store`)).json()) as { emails: { subject: string }[] }).emails;
      if (emails.length >= 60) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(emails).toHaveLength(60);
    expect(new Set(emails.map((e) => e.subject))).toEqual(new Set(['【周调度】2018年第28周（7月9日—7月15日）：请于7月12日（周四）17:00前报送整改进展']));
    expect(running.output()).toContain('"msg":"job finished","job":"weekly-dispatch","at":"2018-07-09T01:00:00.000Z"');
  }, 120_000);
});
