/**
 * The heartbeat of the cadence: every run of a job that completes (whether or not the day was its
 * day: every job fires daily) counts one `JobRunsCompleted` in the `Duban` namespace, by job. It is
 * written as one CloudWatch embedded-metric-format line straight to stdout (not console.log, which
 * Lambda's JSON log format would wrap), so it needs no SDK client and no permission. The stack
 * alarms when a job has no completed run in a day (infra/operations.ts).
 */
export const JOB_RUN_METRIC = { namespace: 'Duban', name: 'JobRunsCompleted', dimension: 'Job' } as const;

export function countCompletedRun(job: string, at: Date, write: (line: string) => void = (line) => process.stdout.write(line)) {
  const { namespace, name, dimension } = JOB_RUN_METRIC;
  const record = {
    _aws: { Timestamp: at.getTime(), CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [[dimension]], Metrics: [{ Name: name, Unit: 'Count' }] }] },
    [dimension]: job,
    [name]: 1,
  };
  write(`${JSON.stringify(record)}\n`);
}
