/**
 * Helpers for the fault drills: a seeded PRNG, the CLI as a real child process, a pass-through in
 * front of the SES emulator that counts accepted mails (so a kill can be placed after the k-th
 * send, exactly), and the duplicate arithmetic on what the emulator received.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Email } from './cadence.ts';

/** mulberry32: a small, seedable PRNG, so every drill's random choices can be replayed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Mails − distinct keys: how many messages arrived more than once. */
export function duplicatesBy(mails: Email[], key: (m: Email) => string): number {
  return mails.length - new Set(mails.map(key)).size;
}

export const recipientOf = (m: Email) => (m.destination.to[0] ?? '').toLowerCase();
export const recipientAndSubject = (m: Email) => `${recipientOf(m)}\n${m.subject}`;

export async function sesMail(sesUrl: string): Promise<Email[]> {
  const body = (await (await fetch(`${sesUrl}/store`)).json()) as { emails: Email[] };
  return body.emails;
}

export interface CountingProxy {
  port: number;
  /** SendEmail / SendRawEmail calls the emulator answered 200 (each is a stored mail) since the last reset. */
  readonly accepted: number;
  reset(): void;
  /** Called after each accepted mail has been relayed to the sender, with the running count. */
  onAccepted(listener: ((count: number) => void) | undefined): void;
  /**
   * Called when a send request arrives, before it is forwarded; returning 'hold' keeps it from the
   * emulator and leaves the sender waiting (as if killed while its request was on the wire).
   */
  onSendRequest(listener: (() => 'hold' | void) | undefined): void;
  close(): Promise<void>;
}

/**
 * A transparent HTTP pass-through to the SES emulator. The child process talks to the emulator
 * through it (health check included), and the drill learns, without polling, when each mail has
 * been stored by the emulator.
 */
export async function countingProxy(upstreamPort: number): Promise<CountingProxy> {
  const agent = new Agent({ keepAlive: true });
  let accepted = 0;
  let listener: ((count: number) => void) | undefined;
  let requestListener: (() => 'hold' | void) | undefined;
  const server: Server = createServer((req, res) => {
    req.on('error', () => {});
    res.on('error', () => {});
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isSend = req.method === 'POST' && /(^|&)Action=Send(Raw)?Email(&|$)/.test(body.toString('latin1'));
      if (isSend && requestListener?.() === 'hold') return;
      const upstream = request(
        { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent },
        (answer) => {
          const out: Buffer[] = [];
          answer.on('data', (c: Buffer) => out.push(c));
          answer.on('end', () => {
            const stored = isSend && answer.statusCode === 200;
            if (stored) accepted++;
            if (!res.destroyed) {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(Buffer.concat(out));
            }
            if (stored) listener?.(accepted);
          });
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    reset: () => {
      accepted = 0;
      listener = undefined;
      requestListener = undefined;
    },
    onAccepted: (l) => {
      listener = l;
    },
    onSendRequest: (l) => {
      requestListener = l;
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const CLI_BIN = join(import.meta.dirname, '../../functions/local/bin.mjs');

export interface CliRun {
  child: ChildProcess;
  startedAt: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>;
}

/** `node functions/local/bin.mjs <args>` as a child process of its own (SIGKILL ends it outright). */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv): CliRun {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [CLI_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - startedAt }));
  });
  return { child, startedAt, exited };
}
