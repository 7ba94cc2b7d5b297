/**
 * The sandbox publishes itself in its data folder (`sandbox.json`): its process, its endpoints and
 * its clock's anchor. The CLI finds the sandbox that holds a folder through this file (not by
 * guessing ports), and a second sandbox refuses a folder a live one holds. The file is written
 * atomically (temp file, rename) when the sandbox starts and again once it serves, and removed when
 * it stops cleanly; a file whose process is gone is stale: ignored, and replaced by the next start.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { ClockAnchor } from './clock.ts';

const stateSchema = z.object({
  pid: z.number().int().positive(),
  table: z.string().min(1),
  /** False while the sandbox starts (its store may be open, its endpoints not yet serving). */
  ready: z.boolean(),
  urls: z.object({ app: z.string(), dynamodb: z.string(), ses: z.string(), inbox: z.string().optional(), smtpPort: z.number().optional() }).optional(),
  clock: z.object({ start: z.iso.datetime({ offset: true }), realStart: z.iso.datetime({ offset: true }) }),
});

export type SandboxState = z.infer<typeof stateSchema>;

export const STATE_FILE = 'sandbox.json';
export const stateFileOf = (dataDir: string) => join(dataDir, STATE_FILE);

/** The state file's content, or undefined when there is none (or it cannot be read as one). */
export function readSandboxState(dataDir: string): SandboxState | undefined {
  let text: string;
  try {
    text = readFileSync(stateFileOf(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = stateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The sandbox that holds the folder now: a state file whose process is alive. */
export function liveSandbox(dataDir: string): SandboxState | undefined {
  const state = readSandboxState(dataDir);
  return state && isAlive(state.pid) ? state : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writeSandboxState(dataDir: string, state: SandboxState): void {
  const file = stateFileOf(dataDir);
  const temp = `${file}.${state.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(stateSchema.parse(state), null, 2)}\n`);
  renameSync(temp, file);
}

/** Removes the state file if it still names this process (a newer sandbox's file is left alone). */
export function removeSandboxState(dataDir: string, pid: number): void {
  if (readSandboxState(dataDir)?.pid === pid) rmSync(stateFileOf(dataDir), { force: true });
}

export function anchorOf(state: SandboxState): ClockAnchor {
  return { start: new Date(state.clock.start), realStart: new Date(state.clock.realStart) };
}

export function stateClock(anchor: ClockAnchor): SandboxState['clock'] {
  return { start: anchor.start.toISOString(), realStart: anchor.realStart.toISOString() };
}
