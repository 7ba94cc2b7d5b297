/**
 * Lambda entry for EventBridge Scheduler: `{"job": "...", "at": "<aws.scheduler.scheduled-time>"}`.
 * Parses the event, runs the one job at the instant it was scheduled for (a failure is recorded for
 * the office, then rethrown so that Lambda retries it, sends it to the on-failure queue and counts
 * it in the errors alarm), reports what it sent and counts the completed run (the heartbeat).
 */
import * as z from 'zod';
import { runScheduled } from '../core/cadence/job-runs.ts';
import { jobNames } from '../core/cadence/schedule.ts';
import { DubanError } from '../core/errors.ts';
import { linkSecret, loadCalendar } from '../wiring/common.ts';
import { buildDeps, jobDeps } from '../wiring/jobs.ts';
import { countCompletedRun } from './job-metric.ts';

const eventSchema = z.object({ job: z.enum(jobNames), at: z.string().datetime({ offset: true }).optional() });
const deps = buildDeps();

export async function handler(event: unknown, context?: { awsRequestId?: string }) {
  const { job, at } = eventSchema.parse(event);
  const instant = at ? new Date(at) : new Date();
  const log = (msg: string, extra: object = {}) => console.log(JSON.stringify({ level: 'info', msg, job, ...extra }));
  const runtime = { calendar: await loadCalendar(deps.store), linkSecret: await linkSecret(deps), sender: context?.awsRequestId ?? `lambda-${job}`, now: () => new Date(), log };
  let result;
  try {
    result = await runScheduled(job, instant, jobDeps(deps, runtime), () => new Date());
  } catch (error) {
    // The office reads the Chinese message in the store; the log says what the operator needs.
    const code = error instanceof DubanError ? error.code : 'INTERNAL';
    const detail = error instanceof DubanError ? undefined : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.error(JSON.stringify({ level: 'error', msg: 'job failed', job, at: instant.toISOString(), code, detail }));
    throw error;
  }
  countCompletedRun(job, new Date());
  log('job finished', { period: result.period, skipped: result.skipped, sent: result.delivery?.sent, failed: result.delivery?.failed });
  return { job, period: result.period, skipped: result.skipped, delivery: result.delivery && { ...result.delivery, addresses: undefined } };
}
