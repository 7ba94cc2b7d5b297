/**
 * Fault drills on real parts: the cadence jobs run twice at once and again, the CLI killed with
 * SIGKILL at random points of a run and rerun, SES throttling a fifth of the calls, and 50
 * concurrent submissions over real HTTP. Each drill asserts what an office cares about: nobody
 * misses a notice, nobody gets one twice (a kill may cost at most the one message that was in flight
 * when it landed), no report is lost. Random choices come from a fixed seed, printed with the plan.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { serve } from '@hono/node-server';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import type { JobResult } from '../functions/core/cadence/job.ts';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { jobNames, type JobName } from '../functions/core/cadence/schedule.ts';
import { unitsOfTask } from '../functions/core/ledger.ts';
import type { Mailer, Notice, Store } from '../functions/core/ports.ts';
import { addDays, instantAt, isoWeekOf } from '../functions/core/time.ts';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';
import { ensureTable, startDynalite, startSesEmulator, type RunningServer } from '../functions/local/emulators.ts';
import { classifySesError } from '../functions/notify/ses-mailer.ts';
import { DynamoStore } from '../functions/store/dynamo-store.ts';
import { appBench } from './support/app.ts';
import { countByRecipient, useCadenceBench } from './support/cadence.ts';
import {
  countingProxy,
  duplicatesBy,
  mulberry32,
  recipientAndSubject,
  recipientOf,
  sesMail,
  sleep,
  spawnCli,
  type CountingProxy,
} from './support/drills.ts';
import { sampleTables } from './support/ledger.ts';
import { useDynalite } from './support/store.ts';

const bench = useCadenceBench();
const appDynalite = useDynalite();
const fileStarted = Date.now();

/** The liaisons of every unit with an open task: who the weekly dispatch is for. */
async function liaisonsOfOpenTasks(store: Store): Promise<Set<string>> {
  const units = new Map((await store.units.list()).map((u) => [u.name, u]));
  const emails = new Set<string>();
  for (const task of await store.openTasks()) for (const name of unitsOfTask(task)) emails.add(units.get(name)!.liaison.email.toLowerCase());
  return emails;
}

/** CPU seconds of this process's reaped children (cutime + cstime in /proc/self/stat). */
function childrenCpuSeconds(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

const summary = {
  concurrentRuns: [] as { job: JobName; at: string; firstSent: number; notices: number; mails: number; duplicates: number; errors: string[] }[],
  kills: undefined as
    | undefined
    | { seed: number; iterations: number; kills: number; midSend: number; afterLastSend: number; beforeFirstMail: number; totalLost: number; maxDuplicatesPerKill: number; totalDuplicates: number; referenceMs: number; drillMs: number; childCpu: number; launches: number },
  throttling: undefined as undefined | { calls: number; throttled: number; delivered: number; expected: number },
  submissions: undefined as undefined | { fired: number; created: number; stored: number; sent: number },
};

afterAll(() => {
  const lines = ['', '=== fault drills: summary ==='];
  lines.push('1. each job twice at once, then twice in a row (duplicates = mails − distinct (recipient, subject)):');
  for (const r of summary.concurrentRuns) {
    lines.push(`   ${r.job.padEnd(19)} @ ${r.at}  sent by the concurrent pair ${String(r.firstSent).padStart(3)}  notices ${String(r.notices).padStart(3)}  mails ${String(r.mails).padStart(3)}  duplicates ${r.duplicates}${r.errors.length ? `  (a concurrent run threw ${r.errors.join('; ')})` : ''}`);
  }
  const k = summary.kills;
  if (k) {
    lines.push(`2. kill -9 and rerun (seed ${k.seed}): iterations ${k.iterations}, kills ${k.kills}, kills landing mid-send ${k.midSend} (+${k.afterLastSend} right after the last send, before its settle; ${k.beforeFirstMail} before the first mail), total lost ${k.totalLost}, max duplicates per kill ${k.maxDuplicatesPerKill}, total duplicates ${k.totalDuplicates} (unkilled reference run ${k.referenceMs} ms; drill ${(k.drillMs / 1000).toFixed(1)} s; ${k.launches} CLI processes used ${k.childCpu.toFixed(0)} CPU-s)`);
  }
  const t = summary.throttling;
  if (t) lines.push(`3. SES throttling: ${t.throttled} of ${t.calls} calls throttled; delivered ${t.delivered}/${t.expected}`);
  const s = summary.submissions;
  if (s) lines.push(`4. concurrent submissions: fired ${s.fired}, answered 201 ${s.created}, stored ${s.stored}/${s.sent}`);
  lines.push(`file wall time ${((Date.now() - fileStarted) / 1000).toFixed(1)} s`);
  console.log(lines.join('\n'));
});

// ---------------------------------------------------------------------------------------------
// Drill 1

/** An instant at which each job really sends on the sample ledger (imported 2018-07-04). */
const sendsAt: Record<JobName, Date> = {
  // W28 went by with no report: every lead unit of an open task opens at L1 (催办 to its liaison).
  escalation: instantAt('2018-07-16', '08:30'),
  'weekly-dispatch': instantAt('2018-07-09', '09:00'),
  // Milestones due 2018-08-31 (MZ-1-2, MZ-5-2) are 1 workday away.
  'deadline-reminders': instantAt('2018-08-30', '09:00'),
  // First workday of August: the 催办 for July's account and the compiled account to the leaders.
  'monthly-account': instantAt('2018-08-01', '09:30'),
  chase: instantAt('2018-07-12', '10:00'),
  'weekly-circular': instantAt('2018-07-13', '16:00'),
};

describe('drill 1: concurrent and repeated job runs', () => {
  it('each scheduled job invoked twice at once and twice in a row → duplicates: 0', async () => {
    for (const job of jobNames) {
      const at = sendsAt[job];
      const { store, depsWith } = await bench.setup();
      const a = depsWith({ sender: `${job}-a` });
      const b = depsWith({ sender: `${job}-b` });

      // Both runs of the pair complete: a run that finds the other already wrote the day's
      // escalations or archived the report goes on, it does not fail.
      const first = await Promise.all([runJob(job, at, a), runJob(job, at, b)]);
      const errors: string[] = [];
      const firstSent = (await bench.mail()).length;
      expect(firstSent, `${job} sends at ${at.toISOString()}`).toBeGreaterThan(0);

      const again = [await runJob(job, at, a), await runJob(job, at, b)];
      for (const r of again) expect(r.delivery?.sent ?? 0, `${job} rerun sends nothing new`).toBe(0);

      const notices: Notice[] = [];
      for (const period of new Set([...first, ...again].map((r) => r.period))) notices.push(...(await store.notices.ofRun(job, period)));
      const mails = await bench.mail();
      const duplicates = duplicatesBy(mails, recipientAndSubject);
      summary.concurrentRuns.push({ job, at: at.toISOString(), firstSent, notices: notices.length, mails: mails.length, duplicates, errors });

      expect(duplicates, `${job}: duplicates`).toBe(0);
      expect(notices.length).toBeGreaterThan(0);
      const arrived = new Map<string, number>();
      for (const m of mails) arrived.set(recipientAndSubject(m), (arrived.get(recipientAndSubject(m)) ?? 0) + 1);
      for (const n of notices) {
        expect(n.status, `${job} ${n.kind} → ${n.to.email}`).toBe('sent');
        expect(arrived.get(`${n.to.email.toLowerCase()}\n${n.subject}`), `${job} ${n.kind} → ${n.to.email} arrived`).toBe(1);
      }
      expect(mails).toHaveLength(notices.length);
      expect(firstSent).toBe(notices.length);
    }
  }, 180_000);
});

// ---------------------------------------------------------------------------------------------
// Drill 2

const KILL_SEED = 20180709;
const ITERATIONS = 20;
/** Child processes at once (each on its own week): the machine has 2 cores and a child is mostly startup. */
const LANES = 3;
const CADENCE = JSON.stringify({ sendRatePerSecond: 40, claimSeconds: 1 });
const CLAIM_MS = 1000;

interface KillPlan {
  week: number;
  day: string;
  at: string;
  /**
   * 'timed': at a random moment between the start and the time the unkilled reference run's first mail
   * landed (during startup, snapshot and recording), or when the first send request reaches the SES
   * port if that comes first (the request is held: the run dies with its first claim taken, nothing
   * sent); 'after': right after the emulator stored the k-th mail, plus 0–24 ms (during the sending phase).
   */
  mode: 'timed' | 'after';
  k: number;
  extraMs: number;
  fraction: number;
}

interface KillRow extends KillPlan {
  killed: boolean;
  killedAfterMs?: number;
  mailsAtKill: number;
  mailsBeforeRerun: number;
  rerunCode: number | null;
  rerunMs: number;
  rerunOut: string;
  rerunErr: string;
}

describe('drill 2: the CLI killed with SIGKILL and rerun', () => {
  const tableName = 'drill-kill';
  const calendar = defaultCalendar();
  let dynalite: RunningServer;
  let ses: RunningServer;
  let client: DynamoDBClient;
  let store: DynamoStore;
  let dataDir: string;
  const proxies: CountingProxy[] = [];

  beforeAll(async () => {
    dynalite = await startDynalite();
    ses = await startSesEmulator();
    client = new DynamoDBClient({ region: 'cn-north-1', endpoint: dynalite.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await ensureTable(client, tableName);
    store = new DynamoStore(client, tableName);
    const imported = await importLedger(sampleTables(), { at: new Date('2018-07-04T02:00:00Z'), by: 'office', source: 'sample' }, { store, calendar });
    if (!imported.ok) throw new Error(JSON.stringify(imported.issues));
    for (let i = 0; i <= LANES; i++) proxies.push(await countingProxy(ses.port)); // one per lane, one for the reference run
    dataDir = mkdtempSync(join(tmpdir(), 'duban-drill-'));
  });
  afterAll(async () => {
    for (const p of proxies) await p.close();
    client?.destroy();
    await ses?.close();
    await dynalite?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** The CLI finds "the sandbox" on these ports (connectLocal: dynalite answers on its port, SES on /health-check). */
  const envFor = (proxy: CountingProxy): NodeJS.ProcessEnv => ({
    ...process.env,
    DUBAN_DYNAMODB_PORT: String(dynalite.port),
    DUBAN_SES_PORT: String(proxy.port),
    DUBAN_DATA_DIR: dataDir,
    DUBAN_TABLE: tableName,
    DUBAN_CADENCE: CADENCE,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  const runArgs = (at: string) => ['run', 'weekly-dispatch', '--at', at];

  async function killAndRerun(plan: KillPlan, proxy: CountingProxy, firstMail: Promise<number>): Promise<KillRow> {
    const firstMailMs = plan.mode === 'timed' ? await firstMail : 0;
    proxy.reset();
    const env = envFor(proxy);
    const run = spawnCli(runArgs(plan.at), env);
    let killedAfterMs: number | undefined;
    let mailsAtKill = 0;
    const kill = () => {
      if (killedAfterMs !== undefined || run.child.exitCode !== null || run.child.signalCode !== null) return;
      killedAfterMs = Date.now() - run.startedAt;
      mailsAtKill = proxy.accepted;
      run.child.kill('SIGKILL');
    };
    let timer: NodeJS.Timeout | undefined;
    if (plan.mode === 'timed') {
      timer = setTimeout(kill, Math.floor(plan.fraction * firstMailMs));
      proxy.onSendRequest(() => {
        kill();
        return 'hold';
      });
    } else
      proxy.onAccepted((n) => {
        if (n !== plan.k) return;
        if (plan.extraMs === 0) kill();
        else timer = setTimeout(kill, plan.extraMs);
      });
    const first = await run.exited;
    clearTimeout(timer);
    proxy.onAccepted(undefined);
    proxy.onSendRequest(undefined);
    // Past the dead run's claims (claimSeconds = 1), and long enough for a send in flight to land.
    await sleep(CLAIM_MS + 200);
    const mailsBeforeRerun = proxy.accepted;
    const rerun = await spawnCli(runArgs(plan.at), env).exited;
    return {
      ...plan,
      killed: first.signal === 'SIGKILL',
      killedAfterMs,
      mailsAtKill,
      mailsBeforeRerun,
      rerunCode: rerun.code,
      rerunMs: rerun.ms,
      rerunOut: rerun.stdout.trim(),
      rerunErr: rerun.stderr.trim(),
    };
  }

  it('a job killed at random points 20 times and rerun → lost notices 0, duplicates at most one per kill', async () => {
    const started = Date.now();
    // aws-ses-v2-local keeps its mail in one module-level store: every emulator in this process shares it.
    await fetch(`${ses.url}/clear-store`, { method: 'POST' });
    const expected = await liaisonsOfOpenTasks(store);
    expect(expected.size).toBe(60);

    // 21 successive first workdays of a week from 2018-07-09 (a week with no workday is skipped): 20 to kill, 1 for reference.
    const days: string[] = [];
    for (let monday = '2018-07-09'; days.length < ITERATIONS + 1; monday = addDays(monday, 7)) {
      const day = calendar.firstWorkdayOfWeek(monday);
      if (day) days.push(day);
    }
    const rng = mulberry32(KILL_SEED);
    const plans: KillPlan[] = days.slice(0, ITERATIONS).map((day, week) => {
      const [r1, r2, r3] = [rng(), rng(), rng()];
      const base = { week, day, at: `${day}T09:00+08:00`, fraction: r2 };
      if (r1 < 0.1) return { ...base, mode: 'timed', k: 0, extraMs: 0 };
      if (r1 < 0.15) return { ...base, mode: 'after', k: expected.size, extraMs: 0 }; // after the last mail, before it is settled
      return { ...base, mode: 'after', k: 1 + Math.floor(r2 * (expected.size - 1)), extraMs: Math.floor(r3 * 25) };
    });
    console.log(`drill 2: seed ${KILL_SEED}; kill plan: ${plans.map((p) => `${p.day} ${p.mode === 'timed' ? `at ${p.fraction.toFixed(2)} of the reference run's time to its first mail` : `after mail ${p.k} +${p.extraMs}ms`}`).join('; ')}`);

    // An unkilled reference run on the 21st week, alongside the first kills: how long a run takes, and
    // when its first mail lands (the timed kills wait for it).
    const reference = days[ITERATIONS]!;
    const referenceProxy = proxies[LANES]!;
    const referenceRun = (async () => {
      let firstMailMs = 0;
      const ref = spawnCli(runArgs(`${reference}T09:00+08:00`), envFor(referenceProxy));
      referenceProxy.onAccepted((n) => {
        if (n === 1) firstMailMs = Date.now() - ref.startedAt;
      });
      const exit = await ref.exited;
      referenceProxy.onAccepted(undefined);
      console.log(`drill 2: reference run ${reference}: ${exit.ms} ms, first mail after ${firstMailMs} ms: ${exit.stdout.trim()}`);
      return { ...exit, firstMailMs };
    })();
    const firstMailMs = referenceRun.then((r) => r.firstMailMs);

    const childCpuBefore = childrenCpuSeconds();
    const rows: KillRow[] = [];
    let next = 0;
    await Promise.all(
      proxies.slice(0, LANES).map(async (proxy) => {
        for (let i = next++; i < plans.length; i = next++) rows[i] = await killAndRerun(plans[i]!, proxy, firstMailMs);
      }),
    );
    const refExit = await referenceRun;
    const childCpu = childrenCpuSeconds() - childCpuBefore;
    expect(refExit.code, refExit.stderr).toBe(0);
    const refNotices = await store.notices.ofRun('weekly-dispatch', isoWeekOf(reference));
    expect(new Set(refNotices.map((n) => n.to.email.toLowerCase()))).toEqual(expected);

    const mails = await sesMail(ses.url);
    const table: (KillRow & { period: string; mails: number; duplicates: number; lost: number; notSent: number; recipients: number; strangers: number; midSend: boolean; afterLastSend: boolean })[] = [];
    for (const row of rows) {
      const period = isoWeekOf(row.day);
      const notices = await store.notices.ofRun('weekly-dispatch', period);
      const subjects = new Set(notices.map((n) => n.subject));
      const ofPeriod = mails.filter((m) => subjects.has(m.subject));
      const received = new Set(ofPeriod.map(recipientOf));
      const recipients = new Set(notices.map((n) => n.to.email.toLowerCase()));
      table.push({
        ...row,
        period,
        mails: ofPeriod.length,
        duplicates: ofPeriod.length - received.size,
        lost: [...recipients, ...expected].filter((e) => !received.has(e)).length,
        notSent: notices.filter((n) => n.status !== 'sent').length,
        recipients: recipients.size,
        strangers: [...recipients].filter((e) => !expected.has(e)).length,
        midSend: row.killed && row.mailsAtKill > 0 && row.mailsAtKill < expected.size,
        // Killed in the same tick the emulator's answer to the last mail was relayed: sent, not yet settled.
        afterLastSend: row.killed && row.mailsAtKill === expected.size && row.k === expected.size && row.extraMs === 0,
      });
    }

    console.log(
      [
        'drill 2: iter  week      plan              killed@ms  mails@kill  before-rerun  rerun-ms  mails  dup  lost',
        ...table.map(
          (r, i) =>
            `         ${String(i + 1).padStart(4)}  ${r.period}  ${(r.mode === 'timed' ? `timed ${Math.floor(r.fraction * refExit.firstMailMs)}ms` : `after ${r.k} +${r.extraMs}ms`).padEnd(16)}  ${String(r.killed ? r.killedAfterMs : 'not killed').padStart(9)}  ${String(r.mailsAtKill).padStart(10)}  ${String(r.mailsBeforeRerun).padStart(12)}  ${String(r.rerunMs).padStart(8)}  ${String(r.mails).padStart(5)}  ${String(r.duplicates).padStart(3)}  ${String(r.lost).padStart(4)}`,
        ),
      ].join('\n'),
    );
    const totals = {
      kills: table.filter((r) => r.killed).length,
      midSend: table.filter((r) => r.midSend).length,
      afterLastSend: table.filter((r) => r.afterLastSend).length,
      beforeFirstMail: table.filter((r) => r.killed && r.mailsAtKill === 0).length,
      totalLost: table.reduce((n, r) => n + r.lost, 0),
      maxDuplicatesPerKill: Math.max(...table.map((r) => r.duplicates)),
      totalDuplicates: table.reduce((n, r) => n + r.duplicates, 0),
    };
    summary.kills = { seed: KILL_SEED, iterations: table.length, ...totals, referenceMs: refExit.ms, drillMs: Date.now() - started, childCpu, launches: 2 * ITERATIONS + 1 };
    console.log(`drill 2: totals ${JSON.stringify(totals)}`);

    expect(table).toHaveLength(ITERATIONS);
    for (const r of table) {
      const label = `${r.period} (${r.mode} ${r.k} +${r.extraMs}ms)`;
      expect(r.rerunCode, `${label}: rerun exit code; ${r.rerunErr}`).toBe(0);
      expect(r.rerunOut, label).toMatch(/暂缓 0 封，收件人 60 个/);
      expect(r.recipients, `${label}: notices recorded for every liaison`).toBe(expected.size);
      expect(r.strangers, `${label}: notices for someone not a liaison of an open task`).toBe(0);
      expect(r.notSent, `${label}: notices left unsent`).toBe(0);
      expect(r.lost, `${label}: lost`).toBe(0);
      expect(r.duplicates, `${label}: duplicates`).toBeLessThanOrEqual(1);
    }
    expect(totals.kills, 'runs actually killed').toBe(ITERATIONS);
    expect(totals.midSend, 'kills landing inside the sending phase').toBeGreaterThan(ITERATIONS / 2);
  }, 600_000);
});

// ---------------------------------------------------------------------------------------------
// Drill 3

describe('drill 3: SES throttling', () => {
  it('SES throttling on a fifth of calls → all delivered', async () => {
    let calls = 0;
    let throttled = 0;
    const throttleEveryFifth = (real: Mailer): Mailer => ({
      async send(mail) {
        if (++calls % 5 === 0) {
          throttled++;
          throw classifySesError(Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
        }
        return real.send(mail);
      },
    });
    const { store, deps } = await bench.setup({ mailer: throttleEveryFifth });
    const result = await runJob('weekly-dispatch', instantAt('2018-07-09', '09:00'), deps);
    const expected = await liaisonsOfOpenTasks(store);
    const mails = await bench.mail();
    const byRecipient = new Map([...countByRecipient(mails)].map(([to, n]) => [to.toLowerCase(), n]));
    summary.throttling = { calls, throttled, delivered: byRecipient.size, expected: expected.size };

    expect(expected.size).toBe(60);
    expect(byRecipient).toEqual(new Map([...expected].map((e) => [e, 1])));
    expect(throttled).toBeGreaterThanOrEqual(12);
    expect(result.delivery).toMatchObject({ sent: 60, failed: 0, deferred: 0 });
    const notices = await store.notices.ofRun('weekly-dispatch', result.period);
    expect(notices).toHaveLength(60);
    for (const n of notices) expect(n.status, n.to.email).toBe('sent');
  });
});

// ---------------------------------------------------------------------------------------------
// Drill 4

describe('drill 4: concurrent submissions over real HTTP', () => {
  it('50 concurrent submissions on one task → none lost', async () => {
    const app = await appBench(appDynalite);
    const code = (await app.store.unitOpenTasks('市林业局'))[0]!.code;
    const token = await app.token('市林业局');
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const auth = { Authorization: `Bearer ${token}` };
      const summaries = Array.from({ length: 50 }, (_, i) => `演练：并发报送第${i + 1}条，完成现场核查`);
      const responses = await Promise.all(
        summaries.map((summary, i) =>
          fetch(`${base}/api/tasks/${encodeURIComponent(code)}/progress`, {
            method: 'POST',
            headers: { ...auth, 'Content-Type': 'application/json', 'Idempotency-Key': `drill-4-${i}` },
            body: JSON.stringify({ summary }),
          }).then(async (r) => ({ status: r.status, body: (await r.json()) as { report?: { summary: string } } })),
        ),
      );
      const history = (await (await fetch(`${base}/api/tasks/${encodeURIComponent(code)}/history`, { headers: auth })).json()) as { reports: { summary: string }[] };
      const stored = history.reports.map((r) => r.summary);
      summary.submissions = { fired: summaries.length, created: responses.filter((r) => r.status === 201).length, stored: stored.length, sent: summaries.length };

      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201));
      expect(responses.map((r) => r.body.report?.summary).sort()).toEqual([...summaries].sort());
      expect([...stored].sort()).toEqual([...summaries].sort());
      expect((await app.store.progressOf(code)).map((r) => r.summary).sort()).toEqual([...summaries].sort());
    } finally {
      await new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
    }
  });
});
