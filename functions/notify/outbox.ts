/**
 * Delivers a job run's notices exactly once each.
 *
 * Input: the run's notices (ids derived from job, period, recipient and kind). Output: what was sent,
 * what had been sent before, what failed for good, what was suppressed, what waits for the next run.
 * Primary course: record every notice before sending anything (so a crash loses nothing; a job
 * records its notices as it renders them and passes only their headers); take the run (job and
 * period) with one conditional write, so a second run at the same time sends none of it; read the
 * notices' states and the suppression list in batches right before sending; send at the configured
 * rate, several at once at high rates (one at a time below 50 a second), retrying throttling with backoff; write the
 * outcomes in batches as sends complete (at most one batch is in flight, so a process that dies
 * leaves unsettled only what it was sending then); let go of the run. A run repeated after a
 * crash sends only what was not sent. Every channel (SES, SMTP, 企业微信 and 钉钉 robots) goes
 * through here: the mailer routes each notice to its channel, and a robot's errors are retried or
 * failed like mail's.
 *
 * DynamoDB work per notice: a share of one batch write for its header (and of one for its body, which
 * notices with the same content share), a share of a batch read for its state and its address, a
 * share of a batch write for its outcome; per run one conditional write to take it, one to let go
 * and one each time the hold is extended.
 */
import type { DeliveryReport } from '../core/cadence/job.ts';
import { displayAddress, isRobot } from '../core/ledger.ts';
import { filled } from '../core/notice-body.ts';
import { MailError, type Attachment, type Mailer, type Notice, type NoticeLog, type ReportArchive } from '../core/ports.ts';

export interface OutboxDeps {
  notices: NoticeLog;
  mailer: Mailer;
  /** Where attached files are read from, right before the send (a notice keeps only their keys). */
  archive?: Pick<ReportArchive, 'get'>;
  /** The outbox's own clock, for holding a run and pacing (an adapter, so it may be real time). */
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Messages per second: a number, or where to read it (SES's quota) once it is needed. */
  ratePerSecond: number | (() => Promise<number>);
  /** Who is sending (a run id): a run held by someone else is left alone until the hold lapses. */
  sender: string;
  claimMs?: number;
  maxAttempts?: number;
  backoffMs?: number;
  log?: (msg: string, extra?: object) => void;
}

/** Notices read, sent and settled per round: bounds the bodies held in memory. */
const ROUND = 100;
/**
 * Sends in flight at once: one per 50 a second of rate (one below that), at most 32. A process killed
 * mid-send may repeat at most the sends it had in flight (the next run cannot know they landed), so
 * a run at SES's usual 14 a second, or the drills' 40, sends one at a time.
 */
const inFlight = (rate: number) => Math.max(1, Math.min(32, Math.floor(rate / 50)));

export async function deliver(notices: Notice[], deps: OutboxDeps): Promise<DeliveryReport> {
  // Each channel's address is its own recipient; a robot's is shown without its key.
  const addresses = [...new Set(notices.map((n) => (isRobot(n.to.channel ?? 'email') ? displayAddress(n.to.channel, n.to.address ?? '') : (n.to.address ?? n.to.email).toLowerCase())))];
  const report: DeliveryReport = { recorded: 0, sent: 0, alreadySent: 0, failed: 0, suppressed: 0, deferred: 0, recipients: addresses.length, addresses };
  // A notice with a body was rendered by the caller and is recorded here, before anything is sent;
  // one without was recorded by the job as it was rendered (its header is all it kept in memory).
  const unrecorded = notices.filter((n) => n.html || n.text);
  if (unrecorded.length) await deps.notices.recordAll(unrecorded);
  report.recorded = notices.length;
  if (!notices.length) return report;

  const rate = typeof deps.ratePerSecond === 'number' ? deps.ratePerSecond : await deps.ratePerSecond();
  const pacer = new Pacer(rate, deps);
  const byRun = new Map<string, Notice[]>();
  for (const n of notices) byRun.set(`${n.job}\n${n.period}`, [...(byRun.get(`${n.job}\n${n.period}`) ?? []), n]);
  for (const run of byRun.values()) await deliverRun(run, deps, pacer, report);
  return report;
}

async function deliverRun(notices: Notice[], deps: OutboxDeps, pacer: Pacer, report: DeliveryReport): Promise<void> {
  const { job, period } = notices[0]!;
  const claimMs = deps.claimMs ?? 120_000;
  const hold = new RunHold(job, period, claimMs, deps);
  const held = await hold.take();
  const settler = new Settler(deps.notices, pacer.rate, deps);
  try {
    for (let i = 0; i < notices.length; i += ROUND) {
      const round = notices.slice(i, i + ROUND);
      const states = await deps.notices.states(round.map((n) => n.id));
      const pending = round.filter((n) => (states.get(n.id)?.status ?? n.status) === 'pending');
      report.alreadySent += round.length - pending.length;
      if (!held || hold.lost) {
        // Another sender holds the run: what it has not sent yet waits for it (or for the next run).
        report.deferred += pending.length;
        continue;
      }
      // The suppression list holds mailboxes that bounced or complained: it stops mail, not a robot.
      const mail = pending.filter((n) => !isRobot(n.to.channel ?? 'email'));
      const suppressed = await deps.notices.suppressedAmong([...new Set(mail.map((n) => n.to.address ?? n.to.email))]);
      const toSend: Notice[] = [];
      for (const n of pending) {
        const stored = { ...n, ...states.get(n.id) };
        if (!isRobot(n.to.channel ?? 'email') && suppressed.has((n.to.address ?? n.to.email).toLowerCase())) {
          settler.add({ ...stored, status: 'suppressed', error: '该地址曾退信或投诉，已停止发送' });
          report.suppressed++;
        } else toSend.push(stored);
      }
      const withBodies = await deps.notices.withBodies(toSend);
      await sendAll(withBodies, deps, pacer, hold, settler, report);
      await settler.flush();
      if (hold.lost) deps.log?.('run taken over', { job, period });
    }
  } finally {
    // What was sent is written down before anything else happens, a fault included.
    await settler.flush();
    if (held) await hold.release();
  }
}

/** Sends a round's notices, up to MAX_IN_FLIGHT at once, each started at the pacer's rate. */
async function sendAll(notices: Notice[], deps: OutboxDeps, pacer: Pacer, hold: RunHold, settler: Settler, report: DeliveryReport): Promise<void> {
  let next = 0;
  let fault: unknown;
  const lane = async () => {
    while (next < notices.length && fault === undefined) {
      const notice = notices[next++]!;
      // The hold is extended before it can lapse; lost (a long stall), the rest wait for its new holder.
      if (!(await hold.keep())) {
        report.deferred++;
        continue;
      }
      try {
        const outcome = await sendWithRetry(notice, deps, pacer);
        settler.add(outcome);
        // One at a time, each outcome is written before the next send: a process killed then
        // repeats at most the one message it was sending.
        if (lanes === 1) await settler.flush();
        if (outcome.status === 'sent') report.sent++;
        else if (outcome.status === 'failed') report.failed++;
        else report.deferred++;
      } catch (error) {
        fault ??= error;
      }
    }
  };
  const lanes = Math.min(inFlight(pacer.rate), notices.length);
  await Promise.all(Array.from({ length: lanes }, lane));
  if (fault !== undefined) throw fault;
}

async function sendWithRetry(notice: Notice, deps: OutboxDeps, pacer: Pacer): Promise<Notice> {
  const maxAttempts = deps.maxAttempts ?? 6;
  const backoff = deps.backoffMs ?? 200;
  let attempts = notice.attempts;
  const attachments = await attachmentsOf(notice, deps);
  const { html, text } = filled(notice, notice.fills);
  for (let tries = 0; tries < maxAttempts; tries++) {
    await pacer.turn();
    attempts++;
    try {
      const { messageId } = await deps.mailer.send({
        to: notice.to.address ?? notice.to.email,
        ...(notice.to.channel ? { channel: notice.to.channel } : {}),
        ...(notice.to.secret ? { secret: notice.to.secret } : {}),
        subject: notice.subject,
        html,
        text,
        attachments,
      });
      return { ...header(notice), status: 'sent', attempts, messageId, sentAt: deps.now().toISOString(), error: undefined };
    } catch (error) {
      // Anything but a classified mail error is a fault of this process: stop the run. The hold
      // lapses and the next run sends this notice; nothing is marked failed that did not fail.
      if (!(error instanceof MailError)) throw error;
      deps.log?.('send failed', { notice: notice.id, code: error.code, retryable: error.retryable, attempts });
      if (!error.retryable) return { ...header(notice), status: 'failed', attempts, error: `${error.code}: ${error.message}` };
      await deps.sleep(backoff * 2 ** tries + Math.floor(Math.random() * backoff));
    }
  }
  // Still throttled: leave it pending for the next run rather than retrying forever.
  return { ...header(notice), status: 'pending', attempts };
}

/** The notice as its outcome is written: no body. */
const header = (notice: Notice): Notice => ({ ...notice, html: '', text: '' });

/** The attached files' bytes. A file missing from the archive is a fault of this process, not of the mail. */
async function attachmentsOf(notice: Notice, deps: OutboxDeps): Promise<Attachment[] | undefined> {
  if (!notice.attachments?.length) return undefined;
  return Promise.all(
    notice.attachments.map(async (a) => {
      const stored = await deps.archive?.get(a.key);
      if (!stored) throw new Error(`Attachment ${a.key} of notice ${notice.id} is not in the report archive`);
      return { filename: a.filename, contentType: a.contentType, content: stored.body };
    }),
  );
}

/** One send started every 1/rate seconds, across every lane (and every attempt). */
class Pacer {
  private nextAt = 0;
  readonly interval: number;

  constructor(
    readonly rate: number,
    private readonly deps: Pick<OutboxDeps, 'now' | 'sleep'>,
  ) {
    this.interval = 1000 / rate;
  }

  async turn(): Promise<void> {
    const now = this.deps.now().getTime();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.interval;
    if (at > now) await this.deps.sleep(at - now);
  }
}

/** The run's hold: taken once, extended when a third of it has gone, let go at the end. */
class RunHold {
  lost = false;
  private until = 0;
  private extending?: Promise<boolean>;

  constructor(
    private readonly job: string,
    private readonly period: string,
    private readonly ms: number,
    private readonly deps: Pick<OutboxDeps, 'notices' | 'now' | 'sender'>,
  ) {}

  async take(): Promise<boolean> {
    const now = this.deps.now();
    const taken = await this.deps.notices.takeRun(this.job, this.period, this.deps.sender, now, new Date(now.getTime() + this.ms));
    if (taken) this.until = now.getTime() + this.ms;
    return taken;
  }

  /** True while the hold is ours; extends it when less than two thirds are left. */
  async keep(): Promise<boolean> {
    if (this.lost) return false;
    if (this.deps.now().getTime() < this.until - (2 * this.ms) / 3) return true;
    this.extending ??= this.take().finally(() => (this.extending = undefined));
    if (!(await this.extending)) this.lost = true;
    return !this.lost;
  }

  async release(): Promise<void> {
    if (!this.lost) await this.deps.notices.releaseRun(this.job, this.period, this.deps.sender);
  }
}

/**
 * Outcomes written in batches of about what is sent in 25 ms at the run's rate (one at 40 a second,
 * 25 at 1,000), or whatever has waited 25 ms, one write in flight at a time. A process that dies
 * leaves unsettled at most what it sent in its last moments (one message at the drills' 40 a
 * second); the next run sends those again, and nothing is lost.
 */
const LINGER_MS = 25;

class Settler {
  private queue: Notice[] = [];
  private oldestAt = 0;
  private writing?: Promise<void>;
  private closing = false;
  private error: unknown;
  private readonly batch: number;

  constructor(
    private readonly notices: NoticeLog,
    rate: number,
    private readonly deps: Pick<OutboxDeps, 'now' | 'sleep'>,
  ) {
    this.batch = Math.max(1, Math.min(25, Math.ceil((rate * LINGER_MS) / 1000)));
  }

  add(outcome: Notice): void {
    if (!this.queue.length) this.oldestAt = this.deps.now().getTime();
    this.queue.push(outcome);
    this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        while (!this.closing && this.queue.length < this.batch) {
          const left = this.oldestAt + LINGER_MS - this.deps.now().getTime();
          if (left <= 0) break;
          await this.deps.sleep(Math.min(left, 5));
        }
        const batch = this.queue.slice();
        await this.notices.settleAll(batch);
        this.queue.splice(0, batch.length);
        if (this.queue.length) this.oldestAt = this.deps.now().getTime();
      }
    } catch (error) {
      // Kept for flush to throw: the queue still holds what was not written.
      this.error = error;
    } finally {
      this.writing = undefined;
    }
  }

  /** Writes what is left now; throws if an outcome could not be written. */
  async flush(): Promise<void> {
    this.closing = true;
    try {
      if (this.writing) await this.writing;
      if (this.queue.length && this.error === undefined) {
        this.writing = this.drain();
        await this.writing;
      }
    } finally {
      this.closing = false;
    }
    if (this.error !== undefined) {
      const error = this.error;
      this.error = undefined;
      throw error;
    }
  }
}
