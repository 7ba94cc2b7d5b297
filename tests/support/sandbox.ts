/** The sandbox as a user runs it (`npm start` in a process group of its own), on a fresh folder and free ports. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start` without waiting: for a start that is expected to be refused. */
export function spawnNpmStart(env: Record<string, string>): Started {
  // Its own process group, so a Ctrl-C reaches npm and the sandbox alike, as in a terminal.
  const child = spawn('npm', ['start'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** `npm start` as a user runs it; resolves once it prints its URLs (it must within 20 s). */
export async function npmStart(env: Record<string, string>): Promise<Started> {
  const started = spawnNpmStart(env);
  const deadline = Date.now() + 20_000;
  while (!started.output().includes('Press Ctrl-C to stop')) {
    if (started.child.exitCode !== null) throw new Error(`npm start exited early:\n${started.output()}`);
    if (Date.now() > deadline) throw new Error(`npm start did not serve within 20 s:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return started;
}

export const isRunning = (started: Started | undefined): started is Started =>
  Boolean(started && started.child.exitCode === null && started.child.signalCode === null);

/** Ctrl-C: signal the whole group; the sandbox must report a clean stop. */
export async function stop(started: Started): Promise<string> {
  process.kill(-started.child.pid!, 'SIGINT');
  await started.exited;
  return started.output();
}

/** A fresh data folder and free ports, so the test never meets a sandbox a developer is running. */
export async function sandboxEnv(extra: Record<string, string>): Promise<Record<string, string>> {
  return {
    DUBAN_DATA_DIR: mkdtempSync(join(tmpdir(), 'duban-sandbox-')),
    DUBAN_HTTP_PORT: String(await freePort()),
    DUBAN_DYNAMODB_PORT: String(await freePort()),
    DUBAN_SES_PORT: String(await freePort()),
    DUBAN_INBOX_PORT: String(await freePort()),
    DUBAN_SMTP_PORT: String(await freePort()),
    ...extra,
  };
}
