/**
 * The local scheduler: every tick it asks the cron table which jobs fell due between the last tick
 * and now (on the sandbox clock) and runs them, the way EventBridge Scheduler does on AWS.
 */
import type { JobName } from '../core/cadence/schedule.ts';
import type { Clock } from './clock.ts';

export interface ScheduledRun {
  job: JobName;
  at: Date;
}

export interface SchedulerOptions {
  clock: Clock;
  log: (msg: string, extra?: object) => void;
  /** The runs due in (from, to]; empty until the cadence jobs are wired in. */
  dueBetween?: (from: Date, to: Date) => ScheduledRun[];
  run?: (run: ScheduledRun) => Promise<unknown>;
  tickMs?: number;
}

export function startLocalScheduler(options: SchedulerOptions) {
  let last = options.clock();
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const now = options.clock();
      for (const due of options.dueBetween?.(last, now) ?? []) {
        options.log('scheduled run', { job: due.job, at: due.at.toISOString() });
        await options.run?.(due);
      }
      last = now;
    } catch (error) {
      options.log('scheduled run failed', { error: (error as Error).message });
    } finally {
      busy = false;
    }
  }, options.tickMs ?? 15_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
