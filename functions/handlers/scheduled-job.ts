/**
 * Lambda entry for EventBridge Scheduler: `{"job": "...", "at": "<aws.scheduler.scheduled-time>"}`.
 * Parses the event, runs the one job at the instant it was scheduled for, reports what it sent.
 */
import { z } from 'zod';
import { runJob } from '../core/cadence/jobs.ts';
import { jobNames } from '../core/cadence/schedule.ts';
import { buildDeps, jobDeps, linkSecret, loadCalendar } from '../wiring.ts';

const eventSchema = z.object({ job: z.enum(jobNames), at: z.string().datetime({ offset: true }).optional() });
const deps = buildDeps();

export async function handler(event: unknown, context?: { awsRequestId?: string }) {
  const { job, at } = eventSchema.parse(event);
  const instant = at ? new Date(at) : new Date();
  const log = (msg: string, extra: object = {}) => console.log(JSON.stringify({ level: 'info', msg, job, ...extra }));
  const result = await runJob(job, instant, jobDeps(deps, { calendar: await loadCalendar(deps.store), linkSecret: await linkSecret(deps), sender: context?.awsRequestId ?? `lambda-${job}`, now: () => new Date(), log }));
  log('job finished', { period: result.period, skipped: result.skipped, sent: result.delivery?.sent, failed: result.delivery?.failed });
  return { job, period: result.period, skipped: result.skipped, delivery: result.delivery && { ...result.delivery, addresses: undefined } };
}
