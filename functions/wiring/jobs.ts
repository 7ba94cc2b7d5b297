/**
 * The cadence jobs' wiring (the jobs function, the sandbox's scheduler, the CLI): every channel's
 * sender (SES, the office's SMTP server, the robots), the email composer, the outbox, and the report
 * archive that compiles. The renderers (the hand-drawn charts, our .xlsx and .docx writers) and the
 * referral workbook load on first use, so a job that compiles no report does not pay for them.
 */
import { rootCertificates } from 'node:tls';
import type { JobDeps } from '../core/cadence/job.ts';
import type { WorkdayCalendar } from '../core/calendar.ts';
import type { Mailer } from '../core/ports.ts';
import { ChannelMailer } from '../notify/channel-mailer.ts';
import { EMAIL_TEMPLATE_DIR, TemplateComposer } from '../notify/composer.ts';
import { deliver } from '../notify/outbox.ts';
import { sendRate } from '../notify/send-rate.ts';
import { RobotMailer } from '../notify/robots.ts';
import { SesMailer } from '../notify/ses-mailer.ts';
import { SmtpMailer } from '../notify/smtp-mailer.ts';
import type { EvidenceDeps } from '../core/evidence-files.ts';
import { ArchivePublisher } from '../reports/publish.ts';
import { reportEvidenceSource } from './evidence.ts';
import { appLinks, buildBaseDeps, readConfig, reportArchive, smtpPassword, type BaseDeps, type Config } from './common.ts';

export interface Deps extends BaseDeps {
  /** Compiled reports: S3 when a bucket is configured, else a folder. */
  reports: ArchivePublisher;
  /** The 佐证材料 records and files, for the reports the jobs compile (photos are processed elsewhere: evidence-processing.ts). */
  evidence?: Pick<EvidenceDeps, 'log' | 'files'>;
}

/** `env` names the evidence bucket (DUBAN_EVIDENCE_BUCKET): the process's, or a deployed stack's output (local/stack.ts). */
export function buildDeps(config: Config = readConfig(), env: NodeJS.ProcessEnv = process.env): Deps {
  const base = buildBaseDeps(config);
  // The 台账 links each task's 佐证材料, the circular shows the photos of the tasks closed that week.
  const evidence = reportEvidenceSource(config, base.dynamo, env);
  return { ...base, evidence, reports: new ArchivePublisher(reportArchive(config), evidence) };
}

/** The SMTP sender, when a server is configured. */
export function smtpMailer(config: Config): SmtpMailer | undefined {
  if (!config.DUBAN_SMTP_HOST) return undefined;
  return new SmtpMailer({
    host: config.DUBAN_SMTP_HOST,
    port: config.DUBAN_SMTP_PORT ?? (config.DUBAN_SMTP_TLS === 'tls' ? 465 : 587),
    security: config.DUBAN_SMTP_TLS,
    user: config.DUBAN_SMTP_USER,
    password: config.DUBAN_SMTP_PASSWORD ?? (config.DUBAN_SMTP_PASSWORD_ARN ? () => smtpPassword(config) : undefined),
    from: config.DUBAN_MAIL_FROM,
    // Node's `ca` replaces the trusted list: the office's CA is added to it, not put in its place.
    ...(config.DUBAN_SMTP_CA ? { tls: { ca: [...rootCertificates, config.DUBAN_SMTP_CA] } } : {}),
  });
}

/** `now` is real time, given by the edge that sends (robots sign and pace by it). */
export function robotMailer(config: Config, now: () => Date, sleep?: (ms: number) => Promise<void>): RobotMailer {
  const at = (config.DUBAN_DINGTALK_AT ?? '').split(/[,，、\s]+/).filter(Boolean);
  return new RobotMailer({
    extraHosts: (config.DUBAN_ROBOT_HOSTS ?? '').split(/[,\s]+/).filter(Boolean),
    sink: config.DUBAN_ROBOT_SINK,
    clock: now,
    sleep,
    dingtalk: { keyword: config.DUBAN_DINGTALK_KEYWORD, atAll: at.includes('all'), atMobiles: at.filter((a) => a !== 'all') },
  });
}

/** Every channel behind one Mailer: SES for email, SMTP when configured, the robots. */
export function channelMailer(deps: BaseDeps, now: () => Date, sleep?: (ms: number) => Promise<void>): ChannelMailer {
  return new ChannelMailer({
    email: new SesMailer(deps.ses, deps.config.DUBAN_MAIL_FROM, deps.config.DUBAN_SES_CONFIGURATION_SET),
    smtp: smtpMailer(deps.config),
    robots: robotMailer(deps.config, now, sleep),
  });
}

export interface JobRuntime {
  calendar: WorkdayCalendar;
  linkSecret: string;
  /** Identifies this run's sender in the outbox (claims). */
  sender: string;
  /** The outbox's clock for claims and pacing, given by the edge that runs the job (real time there). */
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  mailer?: Mailer;
  log?: (msg: string, extra?: object) => void;
}

const composer = new TemplateComposer(EMAIL_TEMPLATE_DIR);

/** Everything a cadence job needs, from the process's dependencies. */
export function jobDeps(deps: Deps, runtime: JobRuntime): JobDeps {
  const mailer = runtime.mailer ?? channelMailer(deps, runtime.now, runtime.sleep);
  return {
    store: deps.store,
    calendar: runtime.calendar,
    config: deps.cadence,
    composer,
    links: appLinks(deps.config.DUBAN_APP_URL, runtime.linkSecret),
    reports: deps.reports,
    // Loaded on first use: only where a confirmed 追责问责 needs its referral workbook.
    referrals: { file: async (record) => new (await import('../reports/referral.ts')).ArchiveReferrals(deps.reports.archive).file(record) },
    deliver: (notices) =>
      deliver(notices, {
        notices: deps.store.notices,
        mailer,
        archive: deps.reports.archive,
        now: runtime.now,
        sleep: runtime.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
        // Set, or on AWS the SES quota's rate (an emulator endpoint has no quota to read).
        ratePerSecond: sendRate(deps.cadence.sendRatePerSecond, deps.config.DUBAN_SES_ENDPOINT ? undefined : deps.ses, runtime.log),
        claimMs: deps.cadence.claimSeconds * 1000,
        sender: runtime.sender,
        log: runtime.log,
      }),
    warn: (message) => runtime.log?.('warning', { message }),
  };
}
