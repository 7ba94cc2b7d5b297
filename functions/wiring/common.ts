/**
 * What every function builds from configuration, once per process (cold start): the settings, the
 * SDK clients, the store, the archive, the link secret and the calendar. The only difference between
 * AWS and a laptop is the endpoint each SDK client is given. Each edge adds its own parts on top
 * (wiring/jobs.ts, wiring/http.ts), so a function bundles only what it runs: nothing here reaches
 * the report renderers, the email composer or an SMTP client.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { cadenceConfig, type CadenceConfig } from '../core/cadence/config.ts';
import type { Links } from '../core/cadence/job.ts';
import { defaultCalendar } from '../core/calendar-data.ts';
import type { WorkdayCalendar } from '../core/calendar.ts';
import type { ReportArchive, Store } from '../core/ports.ts';
import { signLink } from '../core/signed-link.ts';
import { DynamoStore } from '../store/dynamo-store.ts';
import { FolderArchive } from '../store/folder-archive.ts';
import { S3Archive } from '../store/s3-archive.ts';

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
  /** PEM certificate(s) of a CA to trust for the SMTP server besides the usual ones (a government mail server signed by its own CA). */
  DUBAN_SMTP_CA: z.string().includes('-----BEGIN CERTIFICATE-----', { message: 'must be a PEM certificate (-----BEGIN CERTIFICATE-----)' }).optional(),
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

/**
 * What every DynamoDB client of the app is built with. The SDK otherwise rebuilds its middleware
 * chain on every call; cached, it builds it once per command type: about a quarter of the CPU of a
 * PutItem, which is most of what a report submission costs. (No middleware is added to these
 * clients after their first call, which the cache would not see.)
 */
export const dynamoClientOptions = { cacheMiddleware: true } as const;

export function dynamoClient(config: Config): DynamoDBClient {
  return new DynamoDBClient({
    ...dynamoClientOptions,
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

export interface BaseDeps {
  config: Config;
  cadence: CadenceConfig;
  dynamo: DynamoDBClient;
  ses: SESClient;
  store: Store;
}

export function buildBaseDeps(config: Config = readConfig()): BaseDeps {
  const dynamo = dynamoClient(config);
  return {
    config,
    cadence: cadenceConfig(config.DUBAN_CADENCE),
    dynamo,
    ses: sesClient(config),
    store: new DynamoStore(dynamo, config.DUBAN_TABLE),
  };
}

/** Compiled reports and uploads: S3 when a bucket is configured, else a folder. */
export function reportArchive(config: Config): ReportArchive {
  return config.DUBAN_REPORTS_BUCKET ? new S3Archive(s3Client(config), config.DUBAN_REPORTS_BUCKET) : new FolderArchive(config.DUBAN_REPORTS_DIR);
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

/** Secrets read from Secrets Manager, once per process (at cold start on Lambda). */
const secretsRead = new Map<string, Promise<string>>();

/**
 * The key that signs email links: DUBAN_LINK_SECRET; on AWS the Secrets Manager secret the stack
 * made (DUBAN_LINK_SECRET_ARN), read once per process and refused if shorter than 32 characters,
 * so a function fails at its first call rather than signing with a weak key; else one kept in the
 * table (made on first use: the sandbox and the CLI).
 */
export function linkSecret(deps: BaseDeps): Promise<string> {
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
