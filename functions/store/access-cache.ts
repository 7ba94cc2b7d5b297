/**
 * The reads on every request's path (the token, the unit behind it, the task a unit reports on),
 * kept in memory for a short time so that a submission costs one write and no read.
 *
 * - An item is kept for `ttlMs` (ACCESS_CACHE_MS, 30 s): a token revoked, a unit deactivated or a
 *   task closed by another process (the CLI, another Lambda) takes effect here within that time.
 * - A write through the same table client (a revocation, a deactivation, an import, any task
 *   update) forgets the item at once: the process that revoked refuses the token on its next call.
 * - Only found items are kept: a token issued a moment ago by another process works at once.
 * - Reads that need the current version (an update's read) never come through here.
 */
export const ACCESS_CACHE_MS = 30_000;

interface Entry {
  until: number;
  value: Promise<unknown>;
}

export class AccessCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly ttlMs: number = ACCESS_CACHE_MS,
    /** Milliseconds on a monotonic clock; a test passes its own to step past the time kept. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The item at (pk, sk), read through `load` when not kept or kept too long. */
  read<T>(pk: string, sk: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const key = `${pk}\n${sk}`;
    const now = this.now();
    const kept = this.entries.get(key);
    if (kept && kept.until > now) return kept.value as Promise<T | undefined>;
    if (this.ttlMs <= 0) return load();
    const value = load();
    const entry: Entry = { until: now + this.ttlMs, value };
    this.entries.set(key, entry);
    // A miss or a failed read is not kept: the next call reads again.
    value.then(
      (found) => {
        if (found === undefined && this.entries.get(key) === entry) this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    if (this.entries.size > 50_000) this.sweep(now);
    return value;
  }

  /** A write to (pk, sk) went through this process: the next read goes to the table. */
  forget(pk: string, sk: string): void {
    this.entries.delete(`${pk}\n${sk}`);
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.entries) if (entry.until <= now) this.entries.delete(key);
  }
}
