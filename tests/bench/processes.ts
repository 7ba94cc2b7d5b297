/** The bench's emulators and app as child processes: started, waited for, on free ports. */
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');

/** Runs `script` (relative to the project) with node and resolves once it prints `readyOn`. */
export async function child(script: string, argv: string[], readyOn: string): Promise<ChildProcess> {
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

export async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => ok(port));
    });
  });
}
