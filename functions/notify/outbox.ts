/**
 * Delivers a job run's notices exactly once each.
 *
 * Input: the run's notices (ids derived from job, period, recipient and kind). Output: what was sent,
 * what had been sent before, what failed for good, what was suppressed, what waits for the next run.
 * Primary course: record every notice before sending anything (so a crash loses nothing; a job
 * records its notices as it renders them and passes only their headers); then for each pending
 * one: claim it, which reads the recorded notice with its body (so a second run at the same time
 * does not send it too), check the suppression list right before sending, send at the configured rate, retry throttling with backoff,
 * and write the outcome. A run repeated after a crash sends only what was not sent. Every channel
 * (SES, SMTP, 企业微信 and 钉钉 robots) goes through here: the mailer routes each notice to its
 * channel, and a robot's errors are retried or failed like mail's.
 */
import type { DeliveryReport } from '../core/cadence/job.ts';
import { displayAddress, isRobot } from '../core/ledger.ts';
import { MailError, type Attachment, type Mailer, type Notice, type NoticeLog, type ReportArchive } from '../core/ports.ts';

export interface OutboxDeps {
  notices: NoticeLog;
  mailer: Mailer;
  /** Where attached files are read from, right before the send (a notice keeps only their keys). */
  archive?: Pick<ReportArchive, 'get'>;
  /** The outbox's own clock, for claims and pacing (an adapter, so it may be real time). */
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Messages per second. */
  ratePerSecond: number;
  /** Who is sending (a run id): a claim held by someone else is left alone until it lapses. */
  sender: string;
  claimMs?: number;
  maxAttempts?: number;
  backoffMs?: number;
  log?: (msg: string, extra?: object) => void;
}


export async function deliver(notices: Notice[], deps: OutboxDeps): Promise<DeliveryReport> {
  // Each channel's address is its own recipient; a robot's is shown without its key.
  const addresses = [...new Set(notices.map((n) => (isRobot(n.to.channel ?? 'email') ? displayAddress(n.to.channel, n.to.address ?? '') : (n.to.address ?? n.to.email).toLowerCase())))];
  const report: DeliveryReport = { recorded: 0, sent: 0, alreadySent: 0, failed: 0, suppressed: 0, deferred: 0, recipients: addresses.length, addresses };
  for (const notice of notices) {
    // A notice without a body was recorded by the job as it was rendered (its header is all that
    // was kept in memory); the rest are recorded here, before anything is sent.
    if (!notice.html) report.recorded++;
    else if (await deps.notices.record(notice)) report.recorded++;
  }
  const interval = 1000 / deps.ratePerSecond;
  let lastSend = 0;
  for (const notice of notices) {
    const now = deps.now();
    const claimed = await deps.notices.claim(notice.id, deps.sender, now, new Date(now.getTime() + (deps.claimMs ?? 120_000)));
    if (!claimed) {
      const stored = await deps.notices.get(notice.id);
      if (stored?.status === 'pending') report.deferred++;
      else report.alreadySent++;
      continue;
    }
    // The suppression list holds mailboxes that bounced or complained: it stops mail, not a robot.
    if (!isRobot(claimed.to.channel ?? 'email') && (await deps.notices.isSuppressed(claimed.to.address ?? claimed.to.email))) {
      await deps.notices.settle({ ...claimed, status: 'suppressed', error: '该地址曾退信或投诉，已停止发送' });
      report.suppressed++;
      continue;
    }
    const outcome = await sendWithRetry(claimed, deps, async () => {
      const wait = lastSend + interval - deps.now().getTime();
      if (wait > 0) await deps.sleep(wait);
      lastSend = deps.now().getTime();
    });
    await deps.notices.settle(outcome);
    if (outcome.status === 'sent') report.sent++;
    else if (outcome.status === 'failed') report.failed++;
    else report.deferred++;
  }
  return report;
}

async function sendWithRetry(notice: Notice, deps: OutboxDeps, pace: () => Promise<void>): Promise<Notice> {
  const maxAttempts = deps.maxAttempts ?? 6;
  const backoff = deps.backoffMs ?? 200;
  let attempts = notice.attempts;
  const attachments = await attachmentsOf(notice, deps);
  for (let tries = 0; tries < maxAttempts; tries++) {
    await pace();
    attempts++;
    try {
      const { messageId } = await deps.mailer.send({
        to: notice.to.address ?? notice.to.email,
        ...(notice.to.channel ? { channel: notice.to.channel } : {}),
        ...(notice.to.secret ? { secret: notice.to.secret } : {}),
        subject: notice.subject,
        html: notice.html,
        text: notice.text,
        attachments,
      });
      return { ...notice, status: 'sent', attempts, messageId, sentAt: deps.now().toISOString(), error: undefined };
    } catch (error) {
      // Anything but a classified mail error is a fault of this process: stop the run. The claim
      // lapses and the next run sends this notice; nothing is marked failed that did not fail.
      if (!(error instanceof MailError)) throw error;
      const mailError = error;
      deps.log?.('send failed', { notice: notice.id, code: mailError.code, retryable: mailError.retryable, attempts });
      if (!mailError.retryable) {
        return { ...notice, status: 'failed', attempts, error: `${mailError.code}: ${mailError.message}` };
      }
      await deps.sleep(backoff * 2 ** tries + Math.floor(Math.random() * backoff));
    }
  }
  // Still throttled: leave it pending for the next run rather than retrying forever.
  return { ...notice, status: 'pending', attempts };
}

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
