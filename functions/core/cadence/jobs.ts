/** Every cadence job by its name in the cron table: one function `(at, deps)` each. */
import { chaseMissingReports } from './chase.ts';
import { deadlineReminders } from './deadline-reminders.ts';
import type { JobDeps, JobResult } from './job.ts';
import { monthlyAccount } from './monthly-account.ts';
import type { JobName } from './schedule.ts';
import { weeklyCircular } from './weekly-circular.ts';
import { weeklyDispatch } from './weekly-dispatch.ts';

export type Job = (at: Date, deps: JobDeps) => Promise<JobResult>;

export const jobs: Record<Exclude<JobName, 'escalation'>, Job> & Partial<Record<JobName, Job>> = {
  'weekly-dispatch': weeklyDispatch,
  chase: chaseMissingReports,
  'weekly-circular': weeklyCircular,
  'monthly-account': monthlyAccount,
  'deadline-reminders': deadlineReminders,
};

export async function runJob(name: JobName, at: Date, deps: JobDeps): Promise<JobResult> {
  const job = jobs[name];
  if (!job) return { job: name, at: at.toISOString(), period: '', skipped: 'not available yet' };
  return job(at, deps);
}
