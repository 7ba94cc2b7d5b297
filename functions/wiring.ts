/**
 * Builds the real dependencies from configuration, once per process (cold start). The only
 * difference between AWS and a laptop is the endpoint each SDK client is given.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { signLink } from './core/signed-link.ts';
import { SESClient } from '@aws-sdk/client-ses';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ArchivePublisher } from './reports/publish.ts';
import { FolderArchive } from './store/folder-archive.ts';
import { S3Archive } from './store/s3-archive.ts';
import { z } from 'zod';
import { defaultCalendar } from './core/calendar-data.ts';
import type { WorkdayCalendar } from './core/calendar.ts';
import type { JobDeps, Links } from './core/cadence/job.ts';
import { cadenceConfig, type CadenceConfig } from './core/cadence/config.ts';
import type { Mailer, Store } from './core/ports.ts';
import { EMAIL_TEMPLATE_DIR, TemplateComposer } from './notify/composer.ts';
import { deliver } from './notify/outbox.ts';
import { SesMailer } from './notify/ses-mailer.ts';
import { ChannelMailer } from './notify/channel-mailer.ts';
import { RobotMailer } from './notify/robots.ts';
import { SmtpMailer } from './notify/smtp-mailer.ts';
import { DynamoStore } from './store/dynamo-store.ts';
import type { ConsoleDeps } from './http/deps.ts';

const configSchema = z.object({
  DUBAN_TABLE: z.string().min(1).default('duban'),
  /** Set by Lambda; the default (the CLI, local runs) is Singapore: SES is not offered in the China regions. */
  AWS_REGION: z.string().min(1).default('ap-southeast-1'),
  /** Set locally (dynalite / the SES emulator); unset on AWS. */
  DUBAN_DYNAMODB_ENDPOINT: z.string().url().optional(),
  DUBAN_SES_ENDPOINT: z.string().url().optional(),
  /** The verified SES sender. */
  DUBAN_MAIL_FROM: z.string().email().default('duban@example.org'),
  /** The SES configuration set whose bounces and complaints feed the suppression list (AWS only). */
  DUBAN_SES_CONFIGURATION_SET: z.string().optional(),
  /** Where people open the app (links in every email). */
  DUBAN_APP_URL: z.string().url().default('http://127.0.0.1:7700'),
  /** Cadence settings as JSON, merged over the defaults (functions/core/cadence/config.ts). */
  DUBAN_CADENCE: z.string().optional(),
  /** The S3 bucket of compiled reports (AWS); unset, reports are kept in DUBAN_REPORTS_DIR. */
  DUBAN_REPORTS_BUCKET: z.string().min(3).optional(),
  DUBAN_REPORTS_DIR: z.string().min(1).default('.data/reports'),
  /** Set locally when S3 is an emulator. */
  DUBAN_S3_ENDPOINT: z.string().url().optional(),
  /** Signs email links; if unset, the secret below, else a key kept in the table. */
  DUBAN_LINK_SECRET: z.string().min(32).optional(),
  /** On AWS: the Secrets Manager secret holding the link key (created by the stack), read once per process. */
  DUBAN_LINK_SECRET_ARN: z.string().min(1).optional(),
  /** The office's SMTP server, for people whose 接收方式 is SMTP (the sandbox sets its SMTP sink). */
  DUBAN_SMTP_HOST: z.string().min(1).optional(),
  DUBAN_SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** `tls` (from the first byte, port 465), `starttls` (required upgrade, port 587) or `none` (the sandbox's sink). */
  DUBAN_SMTP_TLS: z.enum(['tls', 'starttls', 'none']).default('starttls'),
  DUBAN_SMTP_USER: z.string().min(1).optional(),
  /** Never logged. On AWS the stack passes the secret below instead. */
  DUBAN_SMTP_PASSWORD: z.string().optional(),
  /** On AWS: the Secrets Manager secret holding the SMTP password, read once per process at the first SMTP message. */
  DUBAN_SMTP_PASSWORD_ARN: z.string().min(1).optional(),
  /** `host:port` of robot receivers allowed besides qyapi.weixin.qq.com and oapi.dingtalk.com, comma-separated. */
  DUBAN_ROBOT_HOSTS: z.string().optional(),
  /** The sandbox's robot receiver (base URL): every robot message goes there, official webhooks included. */
  DUBAN_ROBOT_SINK: z.string().url().optional(),
  /** 钉钉: a keyword the robots' security setting requires; phone numbers to @, comma-separated; or @all. */
  DUBAN_DINGTALK_KEYWORD: z.string().min(1).optional(),
  DUBAN_DINGTALK_AT: z.string().optional(),
});
export type Config = z.infer<typeof configSchema>;

/** A setting that cannot be used; `variable` names it, so each edge can say so in its own words. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration ${variable}: ${detail}`);
  }
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(issue.path.join('.'), issue.message);
  }
  try {
    cadenceConfig(parsed.data.DUBAN_CADENCE);
  } catch (error) {
    throw new ConfigError('DUBAN_CADENCE', (error as Error).message);
  }
  return parsed.data;
}

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export function dynamoClient(config: Config): DynamoDBClient {
  return new DynamoDBClient({
    region: config.AWS_REGION,
    ...(config.DUBAN_DYNAMODB_ENDPOINT ? { endpoint: config.DUBAN_DYNAMODB_ENDPOINT, credentials: localCredentials } : {}),
  });
}

export function sesClient(config: Config): SESClient {
  return new SESClient({
    region: config.AWS_REGION,
    ...(config.DUBAN_SES_ENDPOINT ? { endpoint: config.DUBAN_SES_ENDPOINT, credentials: localCredentials } : {}),
  });
}

export function s3Client(config: Config): S3Client {
  return new S3Client({
    region: config.AWS_REGION,
    ...(config.DUBAN_S3_ENDPOINT ? { endpoint: config.DUBAN_S3_ENDPOINT, forcePathStyle: true, credentials: localCredentials } : {}),
  });
}

export interface Deps {
  config: Config;
  cadence: CadenceConfig;
  dynamo: DynamoDBClient;
  ses: SESClient;
  store: Store;
  /** Compiled reports: S3 when a bucket is configured, else a folder. */
  reports: ArchivePublisher;
}

export function buildDeps(config: Config = readConfig()): Deps {
  const dynamo = dynamoClient(config);
  return {
    config,
    cadence: cadenceConfig(config.DUBAN_CADENCE),
    dynamo,
    ses: sesClient(config),
    store: new DynamoStore(dynamo, config.DUBAN_TABLE),
    reports: new ArchivePublisher(config.DUBAN_REPORTS_BUCKET ? new S3Archive(s3Client(config), config.DUBAN_REPORTS_BUCKET) : new FolderArchive(config.DUBAN_REPORTS_DIR)),
  };
}

/** Leaders open a circular long after it came: links to reports last a year. */
export const ARCHIVE_LINK_DAYS = 366;

export function appLinks(appUrl: string, secret: string): Links {
  const base = appUrl.replace(/\/$/, '');
  return {
    reportForm: (unit, at) => `${base}/report?${signLink(secret, unit, 'report', at)}`,
    task: (code) => `${base}/tasks/${encodeURIComponent(code)}`,
    home: () => `${base}/`,
    report: (kind, period, file, at) =>
      `${base}/reports/${kind}/${period}/${encodeURIComponent(file)}?${signLink(secret, `${kind}/${period}`, 'archive', at, ARCHIVE_LINK_DAYS)}`,
    archive: (at) => `${base}/reports?${signLink(secret, '*', 'archive', at, ARCHIVE_LINK_DAYS)}`,
  };
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
export function channelMailer(deps: Deps, now: () => Date, sleep?: (ms: number) => Promise<void>): ChannelMailer {
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
    // Loaded on first use: exceljs only where a confirmed 追责问责 needs its referral workbook.
    referrals: { file: async (record) => new (await import('./reports/referral.ts')).ArchiveReferrals(deps.reports.archive).file(record) },
    deliver: (notices) =>
      deliver(notices, {
        notices: deps.store.notices,
        mailer,
        archive: deps.reports.archive,
        now: runtime.now,
        sleep: runtime.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
        ratePerSecond: deps.cadence.sendRatePerSecond,
        claimMs: deps.cadence.claimSeconds * 1000,
        sender: runtime.sender,
        log: runtime.log,
      }),
    warn: (message) => runtime.log?.('warning', { message }),
  };
}

/**
 * The console's mail (sign-in links through the outbox) and upload keeping, for the HTTP app. `now`
 * is the outbox's real-time clock for claims and pacing, given by the edge that serves.
 */
export function consoleDeps(deps: Deps, now: () => Date, sender = `http-${process.pid}`): ConsoleDeps {
  const mailer = channelMailer(deps, now);
  return {
    appUrl: deps.config.DUBAN_APP_URL,
    composer,
    uploads: deps.reports.archive,
    deliver: (notices) =>
      deliver(notices, {
        notices: deps.store.notices,
        mailer,
        now,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        ratePerSecond: deps.cadence.sendRatePerSecond,
        sender,
      }),
  };
}

/** Secrets read from Secrets Manager, once per process (at cold start on Lambda). */
const secretsRead = new Map<string, Promise<string>>();

/**
 * The key that signs email links: DUBAN_LINK_SECRET; on AWS the Secrets Manager secret the stack
 * made (DUBAN_LINK_SECRET_ARN), read once per process and refused if shorter than 32 characters,
 * so a function fails at its first call rather than signing with a weak key; else one kept in the
 * table (made on first use: the sandbox and the CLI).
 */
export function linkSecret(deps: Deps): Promise<string> {
  const { DUBAN_LINK_SECRET: given, DUBAN_LINK_SECRET_ARN: arn } = deps.config;
  if (given) return Promise.resolve(given);
  if (arn) return secretOnce(deps.config, arn, readLinkSecret);
  return deps.store.linkSecret(() => randomBytes(32).toString('base64url'));
}

/** The SMTP password from the secret the stack names (DUBAN_SMTP_PASSWORD_ARN), once per process. */
export function smtpPassword(config: Config): Promise<string> {
  const arn = config.DUBAN_SMTP_PASSWORD_ARN;
  if (!arn) return Promise.reject(new Error('DUBAN_SMTP_PASSWORD_ARN is not set'));
  return secretOnce(config, arn, readSmtpPassword);
}

function secretOnce(config: Config, arn: string, read: (client: SecretsManagerClient, arn: string) => Promise<string>): Promise<string> {
  let value = secretsRead.get(arn);
  if (!value) {
    value = read(new SecretsManagerClient({ region: config.AWS_REGION }), arn);
    secretsRead.set(arn, value);
    value.catch(() => secretsRead.delete(arn)); // a later call tries again
  }
  return value;
}

/** The office's SMTP password: refused when the secret is empty (put-secret-value not yet run). */
export async function readSmtpPassword(client: SecretsManagerClient, arn: string): Promise<string> {
  const { SecretString: value } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  if (!value) throw new Error(`The SMTP password secret ${arn} is empty: put the password into it (aws secretsmanager put-secret-value)`);
  return value;
}

export async function readLinkSecret(client: SecretsManagerClient, arn: string): Promise<string> {
  const { SecretString: value } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  if (!value || value.length < 32) throw new Error(`The link secret ${arn} is empty or shorter than 32 characters`);
  return value;
}

/** The built-in calendar plus the years the office loaded into the store. */
export async function loadCalendar(store: Store): Promise<WorkdayCalendar> {
  return defaultCalendar(await store.calendarYears());
}
