/**
 * What a province costs a month on AWS, from the capacity the bench consumed (capacity.ts) and
 * list prices. The assumptions are written into the result beside the numbers: prices are those
 * assumed for ap-southeast-1 (Singapore), on-demand, and should be checked against the pricing
 * pages before quoting; storage, logs, API Gateway and data transfer are left out.
 */
export interface StepCapacity {
  name: string;
  history: number;
  seconds: number;
  readUnits: number;
  writeUnits: number;
  messages?: number;
}

interface Submission {
  p50Ms: number;
  dynamodbPerSubmission: { readUnits: number; writeUnits: number };
}

/** USD, ap-southeast-1, assumed list prices (on-demand DynamoDB after its November 2024 price cut). */
export const PRICES = {
  region: 'ap-southeast-1',
  dynamodbPerMillionWriteRequestUnits: 0.7125,
  dynamodbPerMillionReadRequestUnits: 0.1425,
  lambdaPerGbSecondArm64: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  sesPerThousandEmails: 0.1,
} as const;

/** Real runs of each job in a month (the rest of its daily invocations return at once). */
export const RUNS_PER_MONTH: Record<string, number> = {
  escalation: 21.75, // every workday
  'deadline-reminders': 21.75, // every workday
  'weekly-dispatch': 4.35,
  chase: 4.35,
  'weekly-circular': 4.35,
  'monthly-account': 4, // two reminders, the chase and the compiled account
};

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

export function provinceMonthCost(input: { steps: StepCapacity[]; http: { submissionsCold?: Submission }; openTasks: number; ledger: { tasks: number; units: number } }) {
  const { steps, http, openTasks } = input;
  const history = Math.max(...steps.map((s) => s.history), 0);
  const jobs = steps.filter((s) => s.history === history && RUNS_PER_MONTH[s.name] !== undefined);
  const jobMemoryGb = 1; // infra/stateless-stack.ts: the jobs function has 1,024 MB
  const httpMemoryGb = 0.5; // infra/duban-function.ts: 512 MB by default

  let readUnits = 0;
  let writeUnits = 0;
  let jobGbSeconds = 0;
  let emails = 0;
  for (const step of jobs) {
    const runs = RUNS_PER_MONTH[step.name]!;
    readUnits += step.readUnits * runs;
    writeUnits += step.writeUnits * runs;
    jobGbSeconds += step.seconds * jobMemoryGb * runs;
    emails += (step.messages ?? 0) * runs;
  }
  // A weekly report per open task, and a monthly account per task: each a first call (token, unit and task read).
  const submissions = openTasks * 4.35 + openTasks;
  const perSubmission = http.submissionsCold?.dynamodbPerSubmission;
  if (perSubmission) {
    readUnits += perSubmission.readUnits * submissions;
    writeUnits += perSubmission.writeUnits * submissions;
  }
  const httpGbSeconds = http.submissionsCold ? submissions * (http.submissionsCold.p50Ms / 1000) * httpMemoryGb : 0;
  const invocations = submissions + 6 * 30;

  const dynamodb = (writeUnits / 1e6) * PRICES.dynamodbPerMillionWriteRequestUnits + (readUnits / 1e6) * PRICES.dynamodbPerMillionReadRequestUnits;
  const lambda = (jobGbSeconds + httpGbSeconds) * PRICES.lambdaPerGbSecondArm64 + (invocations / 1e6) * PRICES.lambdaPerMillionRequests;
  const ses = (emails / 1000) * PRICES.sesPerThousandEmails;
  return {
    total: round(dynamodb + lambda + ses),
    dynamodb: round(dynamodb),
    lambda: round(lambda),
    ses: round(ses),
    quantities: {
      readRequestUnits: Math.round(readUnits),
      writeRequestUnits: Math.round(writeUnits),
      lambdaGbSeconds: Math.round(jobGbSeconds + httpGbSeconds),
      lambdaInvocations: Math.round(invocations),
      emails: Math.round(emails),
      submissions: Math.round(submissions),
    },
    assumptions: {
      prices: PRICES,
      pricesNote: 'assumed list prices for ap-southeast-1 (Singapore), USD: DynamoDB on-demand per million request units, Lambda arm64 per GB-second and per million requests, SES outbound per 1,000 emails; check the AWS pricing pages before quoting',
      capacity: 'read and write units as dynalite reports them with ReturnConsumedCapacity=TOTAL (table units: reads by 4 KB, eventually consistent at half; writes by 1 KB), plus index writes DynamoDB charges and dynalite does not report, counted from each written item’s size for each index whose key it carries (tests/bench/capacity.ts)',
      jobs: `each job's capacity, seconds and messages as measured in the bench week with ${history} weeks of history, times its real runs a month: ${JSON.stringify(RUNS_PER_MONTH)}`,
      submissions: `one weekly report per open task (${openTasks} × 4.35 weeks) and one monthly account per task: ${Math.round(submissions)} a month, each at the capacity of a first call (token, unit and task read, one report written)`,
      lambda: `jobs: the bench's wall seconds per run (dynalite and SES emulator on a shared 2-core machine: an upper bound) at ${jobMemoryGb * 1024} MB; HTTP: each submission's p50 latency under load at ${httpMemoryGb * 1024} MB; arm64`,
      leftOut: 'storage, CloudWatch logs and metrics, API Gateway requests, S3 for reports, data transfer, EventBridge Scheduler (free tier covers the daily invocations)',
    },
  };
}
