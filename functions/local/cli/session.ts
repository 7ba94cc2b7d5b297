/**
 * What every verb that touches the ledger shares: the connection to the sandbox's store (or the
 * data folder, when no sandbox holds it) and the instant the command acts at.
 */
import { localDateOf, localTimeOf } from '../../core/time.ts';
import { connectLocal, type LocalConnection } from '../local-env.ts';
import { connectStack, type DeployedStack } from '../stack.ts';
import { instantOn } from '../clock.ts';
import { anchorOf } from '../sandbox-state.ts';
import { readLocalSettings } from '../settings.ts';
import type { CliEnv, CliIo } from './verb.ts';

export interface Session extends LocalConnection {
  /** The instant the command acts at: --at, else the sandbox's clock, else the real now. */
  at: Date;
  /** The deployed stack, with --stack. */
  stack?: DeployedStack;
}

export interface SessionOptions {
  /** An instant given with --at. */
  at?: Date;
  /** Print the instant the command acts at (verbs that write or decide by time). */
  announce?: boolean;
}

/** `--stack <name>` (or DUBAN_STACK): the deployed stack the command acts on instead of the sandbox. */
export const STACK_SETTING = 'DUBAN_STACK';

export async function withSession<T>(io: CliIo, env: CliEnv, options: SessionOptions, use: (session: Session) => Promise<T>): Promise<T> {
  const stackName = env[STACK_SETTING];
  const deployed = stackName ? await connectStack(stackName, env) : undefined;
  const local: LocalConnection = deployed ?? (await connectLocal(readLocalSettings(env)));
  try {
    if (deployed) io.err(`已连接部署栈 ${deployed.stack.name}（区域 ${deployed.stack.region}，数据表 ${deployed.stack.table}）`);
    const at = options.at ?? (local.sandbox ? instantOn(anchorOf(local.sandbox), io.now()) : io.now());
    const by = options.at ? '指定时刻' : local.sandbox ? '沙盒时钟' : '当前时间';
    if (options.announce) io.err(`按${by} ${describeInstant(at)}执行`);
    return await use({ ...local, at, ...(deployed ? { stack: deployed.stack } : {}) });
  } finally {
    await local.close();
  }
}

/** 2018-07-09 09:00（北京时间） */
export const describeInstant = (at: Date) => `${localDateOf(at)} ${localTimeOf(at)}（北京时间）`;

/** An ISO instant as the office types it; one without a zone is Shanghai time. Undefined if unreadable. */
export function parseInstant(text: string | undefined): Date | undefined {
  if (!text || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.test(text)) return undefined;
  const date = new Date(/(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}+08:00`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The --at option: undefined when not given, null (reported) when unreadable. */
export function readAtOption(text: string | undefined, io: CliIo): Date | undefined | null {
  if (text === undefined) return undefined;
  const at = parseInstant(text);
  if (!at) io.err(`--at 应为 ISO 时刻，如 2018-07-09T09:00+08:00（收到“${text}”）`);
  return at ?? null;
}
