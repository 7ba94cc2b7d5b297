/**
 * A scheduled run as every edge makes it (the Lambda on EventBridge's schedule, the sandbox's
 * scheduler, the CLI's `run`). Input: the job, the instant it is for, its dependencies and the
 * edge's clock. Output: the job's result. A run that throws is recorded in the store (one record
 * per job and instant, retries counted) before the error goes on to the edge, so the console's 总览
 * and the office's next circular show it; a later run of the same job and instant that succeeds
 * marks it resolved.
 */
import { jobFailureOf } from './job-failure.ts';
import type { JobDeps, JobResult } from './job.ts';
import { runJob } from './jobs.ts';
import type { JobName } from './schedule.ts';

export async function runScheduled(job: JobName, at: Date, deps: JobDeps, now: () => Date): Promise<JobResult> {
  let result: JobResult;
  try {
    result = await runJob(job, at, deps);
  } catch (error) {
    try {
      await deps.store.recordJobFailure(jobFailureOf(job, at, error, now()));
    } catch {
      // The store itself is out of reach: the run's own error still reaches the edge, which logs
      // it and, on AWS, counts it in the alarm on the jobs function's errors.
    }
    throw error;
  }
  await deps.store.resolveJobFailure(job, at.toISOString(), now().toISOString());
  return result;
}
