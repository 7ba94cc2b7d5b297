/** Every cadence job by its name in the cron table: one function `(at, deps)` each. */
import { chaseMissingReports } from './chase.ts';
import { withCloseOutStep } from './closeout-step.ts';
import { deadlineReminders } from './deadline-reminders.ts';
import { escalate } from './escalation.ts';
import type { JobDeps, JobResult } from './job.ts';
import { monthlyAccount } from './monthly-account.ts';
import type { JobName } from './schedule.ts';
import { weeklyCircular } from './weekly-circular.ts';
import { weeklyDispatch } from './weekly-dispatch.ts';

export type Job = (at: Date, deps: JobDeps) => Promise<JobResult>;

export const jobs: Record<JobName, Job> = {
  // 08:30 every workday: the escalation check, then 销号 after 公示 and 回头看 (closeout-step.ts).
  escalation: withCloseOutStep(escalate),
  'weekly-dispatch': weeklyDispatch,
  chase: chaseMissingReports,
  'weekly-circular': weeklyCircular,
  'monthly-account': monthlyAccount,
  'deadline-reminders': deadlineReminders,
};

export function runJob(name: JobName, at: Date, deps: JobDeps): Promise<JobResult> {
  return jobs[name](at, deps);
}
