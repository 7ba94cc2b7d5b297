/**
 * The sandbox's and CLI's settings, from the environment (flags may override), with defaults
 * chosen not to clash with each other or with the usual local tools (8000, 8080, 3000, 4567).
 */
import { resolve } from 'node:path';
import * as z from 'zod';
import { LocalError } from './errors.ts';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const settingsSchema = z.object({
  DUBAN_DATA_DIR: z.string().min(1).default('.data'),
  DUBAN_HTTP_PORT: port(7700),
  DUBAN_DYNAMODB_PORT: port(7701),
  DUBAN_SES_PORT: port(7702),
  /** The inbox of every channel (GET /store) and the robots' webhook receiver; the SMTP sink. */
  DUBAN_INBOX_PORT: port(7703),
  DUBAN_SMTP_PORT: port(7704),
  DUBAN_CLOCK: z.string().datetime({ offset: true }).optional(),
  DUBAN_LEDGER: z.string().optional(),
  DUBAN_TABLE: z.string().min(1).default('duban'),
  DUBAN_SCHEDULER_TICK_MS: z.coerce.number().int().min(100).default(15_000),
});

const portRule = '应为 0–65535 之间的端口号';
/** What each setting must be, as the message for a bad value says it. */
const settingRules: Record<string, string> = {
  DUBAN_DATA_DIR: '应为数据文件夹的路径',
  DUBAN_HTTP_PORT: portRule,
  DUBAN_DYNAMODB_PORT: portRule,
  DUBAN_SES_PORT: portRule,
  DUBAN_INBOX_PORT: portRule,
  DUBAN_SMTP_PORT: portRule,
  DUBAN_CLOCK: '应为带时区的 ISO 时刻，如 2018-07-09T09:00:00+08:00',
  DUBAN_TABLE: '应为表名',
  DUBAN_SCHEDULER_TICK_MS: '应为不小于 100 的整数（毫秒）',
};

export interface LocalSettings {
  dataDir: string;
  httpPort: number;
  dynamoPort: number;
  sesPort: number;
  inboxPort: number;
  smtpPort: number;
  clockStart?: Date;
  ledger?: string;
  table: string;
  schedulerTickMs: number;
}

export function readLocalSettings(env: NodeJS.ProcessEnv = process.env): LocalSettings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    throw new LocalError('SETTING_INVALID', `环境变量 ${name} 的值“${env[name] ?? ''}”无效：${settingRules[name] ?? '请检查'}`, name);
  }
  const s = parsed.data;
  return {
    dataDir: resolve(s.DUBAN_DATA_DIR),
    httpPort: s.DUBAN_HTTP_PORT,
    dynamoPort: s.DUBAN_DYNAMODB_PORT,
    sesPort: s.DUBAN_SES_PORT,
    inboxPort: s.DUBAN_INBOX_PORT,
    smtpPort: s.DUBAN_SMTP_PORT,
    clockStart: s.DUBAN_CLOCK ? new Date(s.DUBAN_CLOCK) : undefined,
    ledger: s.DUBAN_LEDGER,
    table: s.DUBAN_TABLE,
    schedulerTickMs: s.DUBAN_SCHEDULER_TICK_MS,
  };
}

/** The sample ledger shipped with duban (the Mianzhu plan of 2018). */
export const SAMPLE_LEDGER = resolve(import.meta.dirname, '../../data/sample-ledger');
