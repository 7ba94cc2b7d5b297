/**
 * The issue-18 measures, from one bench run: submissions against a bare PutItem (three processes,
 * same store), items read per open item for every job at each history, DynamoDB calls and write
 * units per notice.
 *
 * The outbox's and the jobs' own measures come from `./store-ratios.ts` (written with the outbox:
 * it runs the bench's jobs and counts the outbox's own requests by their keys); province.ts passes
 * what it returned for each history. Without it, the same names are computed here from the steps
 * the bench measured at the client (see `method`).
 */
export interface StoreRatiosOfHistory {
  itemsReadPerOpenItem: Record<string, number>;
  dynamoCallsPerNotice: number;
  writeUnitsPerNotice: number;
}

export interface RatioStep {
  name: string;
  history: number;
  requests: number;
  itemsRead: number;
  writeUnits: number;
  byCommand: Record<string, number>;
  messages?: number;
}

interface HttpResults {
  submissions: { perSecond: number; p50Ms: number; p99Ms: number };
  submissionsCold: { perSecond: number; p50Ms: number; p99Ms: number };
  barePutItem: { perSecond: number; p50Ms: number; p99Ms: number };
  conditionalPutItem: { perSecond: number; p50Ms: number; p99Ms: number };
}

const JOBS = ['escalation', 'weekly-dispatch', 'deadline-reminders', 'chase', 'weekly-circular', 'monthly-account'];
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

export function issueRatios(input: { steps: RatioStep[]; http: Partial<HttpResults>; openTasks: number; units: number; storeRatios?: Record<number, StoreRatiosOfHistory> }) {
  const { steps, http, openTasks, units, storeRatios } = input;
  const jobs = steps.filter((s) => JOBS.includes(s.name));
  const histories = [...new Set(jobs.map((s) => s.history))];

  const itemsReadPerOpenItem: Record<string, Record<string, number>> = {};
  for (const job of JOBS) {
    const rows = jobs.filter((s) => s.name === job);
    if (rows.length) itemsReadPerOpenItem[job] = Object.fromEntries(rows.map((r) => [`${r.history} weeks`, round(r.itemsRead / (openTasks + units))]));
  }
  // Per notice: the calls that are not the job's reads (every call but Query), and every write unit, over the messages sent.
  const perNotice = (value: (s: RatioStep) => number) =>
    Object.fromEntries(
      jobs
        .filter((s) => (s.messages ?? 0) > 0)
        .map((s) => [`${s.name} (${s.history} weeks)`, round(value(s) / s.messages!)]),
    );
  const callsPerNotice = perNotice((s) => s.requests - (s.byCommand.Query ?? 0));
  const writeUnitsPerNotice = perNotice((s) => s.writeUnits);

  const measured = storeRatios && Object.keys(storeRatios).length ? storeRatios : undefined;
  const byHistory = <T>(pick: (r: StoreRatiosOfHistory) => T) => (measured ? Object.fromEntries(Object.entries(measured).map(([weeks, r]) => [`${weeks} weeks`, pick(r)])) : undefined);
  const jobsReads = measured
    ? Object.fromEntries(JOBS.map((job) => [job, Object.fromEntries(Object.entries(measured).map(([weeks, r]) => [`${weeks} weeks`, r.itemsReadPerOpenItem[job]]))]))
    : itemsReadPerOpenItem;
  const sub = http.submissions;
  const cold = http.submissionsCold;
  const bare = http.barePutItem;
  const conditional = http.conditionalPutItem;
  return {
    submissionVsBarePut: sub && bare ? round(sub.perSecond / bare.perSecond) : null,
    submissionP99VsBarePut: sub && bare ? round(sub.p99Ms / bare.p99Ms) : null,
    submissionVsConditionalPut: sub && conditional ? round(sub.perSecond / conditional.perSecond) : null,
    submissionP99VsConditionalPut: sub && conditional ? round(sub.p99Ms / conditional.p99Ms) : null,
    submissionFirstCallVsBarePut: cold && bare ? round(cold.perSecond / bare.perSecond) : null,
    submissionFirstCallP99VsBarePut: cold && bare ? round(cold.p99Ms / bare.p99Ms) : null,
    itemsReadPerOpenItem: jobsReads,
    dynamoCallsPerNotice: byHistory((r) => r.dynamoCallsPerNotice) ?? callsPerNotice,
    writeUnitsPerNotice: byHistory((r) => r.writeUnitsPerNotice) ?? writeUnitsPerNotice,
    histories,
    method: measured
      ? {
          source: 'tests/bench/store-ratios.ts, around the bench’s own job runs',
          submissionVsBarePut: 'warm submissions per second (token, unit and task kept) ÷ bare PutItem per second, each the median of its rounds; app, dynalite and the load generator as three processes, the app and the load generator bundled',
          submissionVsConditionalPut: 'the same ÷ a conditional PutItem of a stored report’s shape (what a submission writes), from the load generator',
          itemsReadPerOpenItem: 'items read by the job ÷ (open tasks + active units), per history',
          dynamoCallsPerNotice: 'requests on the outbox’s items ÷ notices, over every job of the week, per history',
          writeUnitsPerNotice: 'write units of those requests as the store reports them ÷ notices, per history',
        }
      : {
          source: 'the bench steps (tests/bench/store-ratios.ts not present)',
          submissionVsBarePut: 'warm submissions per second (token, unit and task kept) ÷ bare PutItem per second, each the median of its rounds; app, dynalite and the load generator as three processes, the app and the load generator bundled',
          submissionVsConditionalPut: 'the same ÷ a conditional PutItem of a stored report’s shape (what a submission writes), from the load generator',
          itemsReadPerOpenItem: `items read by the job (counted at the client) ÷ (open tasks ${openTasks} + units ${units})`,
          dynamoCallsPerNotice: 'DynamoDB calls of the job other than Query ÷ messages sent',
          writeUnitsPerNotice: 'write units of the job (dynalite’s table units plus index writes counted from item sizes) ÷ messages sent',
        },
  };
}
