/**
 * What every cadence job shares: its dependencies (passed in, never imported), the draft of a
 * notice before it is rendered, the deterministic notice id, and the result a run reports.
 */
import { createHash } from 'node:crypto';
import type { WorkdayCalendar } from '../calendar.ts';
import { channelsOf, type Channel, type ChannelKind, type OfficeWords } from '../ledger.ts';
import { bodyRef, type BodyFill } from '../notice-body.ts';
import type { Notice, Store } from '../ports.ts';
import type { CadenceConfig } from './config.ts';
import type { JobName } from './schedule.ts';
import type { ReportPublisher } from '../reports/model.ts';
import type { ReferralFiler } from './escalation-model.ts';

export interface Recipient {
  name: string;
  email: string;
  /** Why they get it: 联络员, 主要负责人, 督办领导, 领导小组, 整改办, 纪委监委. */
  role: string;
  unit?: string;
  /** Where they read notices (the ledger's 接收方式); absent: email to `email`. */
  channels?: Channel[];
}

/** A notice before rendering: which template, for whom, with what data. */
export interface NoticeDraft {
  kind: string;
  to: Recipient;
  data: Record<string, unknown>;
  /** Archived files to send with it (the compiled 台账 to leaders). */
  attachments?: Notice['attachments'];
  /** The office's own words (基本信息) for the subject, the footer and the why-line; read once per run. */
  office?: OfficeWords;
}

export interface Composer {
  /**
   * Email (html and text) by default; for a robot channel, its markdown message in `text` and no html.
   * With `fills`, html and text hold stand-ins for the recipient's words (notice-body.ts), so that
   * the same body serves every recipient of the same content.
   */
  compose(draft: NoticeDraft, channel?: ChannelKind): { subject: string; html: string; text: string; fills?: BodyFill[] };
}

export interface DeliveryReport {
  recorded: number;
  sent: number;
  alreadySent: number;
  failed: number;
  suppressed: number;
  deferred: number;
  recipients: number;
  /** The distinct addresses of the run's notices. */
  addresses: string[];
}

export interface Links {
  /** Where a unit reports for the period that contains `at` (a signed link once the HTTP app signs them). */
  reportForm(unit: string, at: Date): string;
  task(code: string): string;
  home(): string;
  /** A file of an archived report, signed for the people its email goes to. */
  report(kind: string, period: string, file: string, at: Date): string;
  /** The list of archived reports (the office's). */
  archive(at: Date): string;
}

export interface JobDeps {
  store: Store;
  calendar: WorkdayCalendar;
  config: CadenceConfig;
  composer: Composer;
  deliver(notices: Notice[]): Promise<DeliveryReport>;
  links: Links;
  /** Renders and archives compiled reports (周通报, 月交账). */
  reports: ReportPublisher;
  /** Files the 追责问责 referral workbook of a confirmed L5; absent, the notice goes without it. */
  referrals?: ReferralFiler;
  /** Warnings for the office (e.g. the calendar does not know next year); logged and put in its digest. */
  warn?(message: string): void;
}

export interface JobResult {
  job: JobName;
  at: string;
  period: string;
  /** Why nothing ran, e.g. 'not the first workday of the week'. */
  skipped?: string;
  delivery?: DeliveryReport;
}

/**
 * The notice's id from job, period, recipient and kind, and for any channel but email the channel
 * and its address: each (recipient, channel, address) is its own notice, so a rerun never sends
 * twice and a failure on one channel does not hold up another. Email keeps the id it always had.
 */
export function noticeId(job: string, period: string, email: string, kind: string, channel?: Pick<Channel, 'kind' | 'address'>): string {
  const parts = [job, period, email.toLowerCase(), kind];
  if (channel && channel.kind !== 'email') parts.push(channel.kind, channel.address);
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}

/** Each channel of a recipient once (same kind and address: one notice). */
function channelsOfRecipient(to: Recipient): Channel[] {
  const seen = new Set<string>();
  return channelsOf(to.email, to.channels).filter((c) => {
    const key = `${c.kind}\n${c.kind === 'email' || c.kind === 'smtp' ? c.address.toLowerCase() : c.address}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Notices rendered before they are recorded in one batch (and their bodies let go). */
const RECORD_BATCH = 100;

/**
 * Renders drafts into notices with their deterministic ids and records them in batches as they are
 * rendered, keeping only their headers in memory (a province's circular is a thousand messages of
 * 100 KB; the outbox reads the bodies back, each distinct one once, when it sends). A notice the
 * outbox already holds is taken as recorded (a rerun neither re-renders nor changes what was sent).
 */
export async function toNotices(job: JobName, period: string, at: Date, drafts: NoticeDraft[], deps: Pick<JobDeps, 'composer' | 'store'>): Promise<Notice[]> {
  const recorded = new Map((await deps.store.notices.ofRun(job, period, { bodies: false })).map((n) => [n.id, n]));
  const office = await deps.store.officeWords();
  const notices: Notice[] = [];
  let rendered: Notice[] = [];
  const flush = async () => {
    if (rendered.length) await deps.store.notices.recordAll(rendered);
    rendered = [];
  };
  for (const draft of drafts) {
    for (const channel of channelsOfRecipient(draft.to)) {
      const known = recorded.get(noticeId(job, period, draft.to.email, draft.kind, channel));
      if (known) {
        notices.push(known);
        continue;
      }
      const notice = render(job, period, at, { office, ...draft }, channel, deps.composer);
      rendered.push(notice);
      notices.push({ ...headerOf(notice), bodyRef: bodyRef(notice) });
      if (rendered.length >= RECORD_BATCH) await flush();
    }
  }
  await flush();
  // A notice recorded by an earlier, interrupted run of this job and period is still owed.
  const ids = new Set(notices.map((n) => n.id));
  return [...notices, ...[...recorded.values()].filter((n) => n.status === 'pending' && !ids.has(n.id))];
}

/** A recorded notice without its body: the outbox takes the body from the record when it sends. */
export function headerOf(notice: Notice): Notice {
  return { ...notice, html: '', text: '' };
}

function render(job: JobName, period: string, at: Date, draft: NoticeDraft, channel: Channel, composer: Composer): Notice {
  const { channels, ...to } = draft.to;
  const robot = channel.kind === 'wecom' || channel.kind === 'dingtalk';
  return {
    id: noticeId(job, period, draft.to.email, draft.kind, channel),
    job,
    period,
    kind: draft.kind,
    // Email keeps the shape notices always had; other channels name themselves and their address.
    to: channel.kind === 'email' ? to : { ...to, channel: channel.kind, address: channel.address, ...(channel.secret ? { secret: channel.secret } : {}) },
    ...composer.compose(draft, channel.kind),
    // A robot carries no files: its message links to the archived report instead.
    ...(draft.attachments?.length && !robot ? { attachments: draft.attachments } : {}),
    status: 'pending',
    attempts: 0,
    createdAt: at.toISOString(),
  };
}

/** Renders and delivers a run's drafts through the outbox. */
export async function send(job: JobName, period: string, at: Date, drafts: NoticeDraft[], deps: JobDeps): Promise<JobResult> {
  const delivery = await deps.deliver(await toNotices(job, period, at, drafts, deps));
  return { job, at: at.toISOString(), period, delivery };
}

export function skipped(job: JobName, at: Date, period: string, why: string): JobResult {
  return { job, at: at.toISOString(), period, skipped: why };
}
