/**
 * `npx duban <verb>`: the office's command line. One module per verb in this folder; this file
 * dispatches, prints the usage and maps every error to a Chinese line: known errors print their
 * message, anything else `命令失败：…` without a stack. Exit codes: 0 done, 1 refused, 2 wrong usage.
 */
import { DubanError } from '../../core/errors.ts';
import { SourceError } from '../../ledger-import/read-source.ts';
import { LocalError } from '../errors.ts';
import { calendarVerb } from './calendar.ts';
import { closeOutVerb } from './closeout.ts';
import { dutyVerb } from './duty.ts';
import { evidenceVerb } from './evidence.ts';
import { extensionVerb } from './extension.ts';
import { importVerb } from './import.ts';
import { interviewVerb } from './interview.ts';
import { escalationVerb } from './escalation.ts';
import { replayVerb } from './replay.ts';
import { reportVerb } from './report.ts';
import { runVerb } from './run.ts';
import { templateVerb } from './template.ts';
import { tokenVerb } from './token.ts';
import { STACK_SETTING } from './session.ts';
import type { CliEnv, CliIo, Verb } from './verb.ts';

export type { CliIo } from './verb.ts';
export { printImport } from './import.ts';

const verbs: Verb[] = [importVerb, templateVerb, runVerb, replayVerb, reportVerb, tokenVerb, interviewVerb, escalationVerb, closeOutVerb, dutyVerb, evidenceVerb, extensionVerb, calendarVerb];

/** Verbs that act on a store, and so on a deployed stack with --stack (the others are local only). */
const stackVerbs = new Set(['import', 'run', 'report', 'token', 'interview', 'closeout', 'duty', 'evidence', 'extension', 'calendar']);

export const usage = `用法：npx duban [--stack <栈名>] <命令>\n${verbs.map((v) => v.usage).join('\n')}\n  --stack <栈名>                              对已部署的系统执行 ${[...stackVerbs].join('、')}：数据表、存储桶、链接密钥和发信设置取自该栈的输出（使用本机的 AWS 凭证和 AWS_REGION）`;

export const consoleIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  now: () => new Date(),
  progress: (line) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
  },
};

export async function runCli(argv: string[], io: CliIo = consoleIo, env: CliEnv = process.env): Promise<number> {
  const stack = stackOption(argv);
  // `--stack import …`: the stack's name was left out.
  if (stack === null || (stack && verbs.some((v) => v.name === stack.name))) {
    io.err(`参数有误：--stack 后应跟部署栈的名称，如 --stack DubanStateless\n${usage}`);
    return 2;
  }
  const [name, ...rest] = stack ? stack.rest : argv;
  const verb = verbs.find((v) => v.name === name);
  if (!verb) {
    io.err(name ? `未知命令“${name}”\n${usage}` : usage);
    return 2;
  }
  if (stack && !stackVerbs.has(verb.name)) {
    io.err(`命令 ${verb.name} 只用于本机沙盒，不能加 --stack 对已部署的系统运行`);
    return 2;
  }
  try {
    return await verb.run(rest, io, stack ? { ...env, [STACK_SETTING]: stack.name } : env);
  } catch (error) {
    return reportFailure(error, io);
  }
}

/** A leading `--stack <name>` or `--stack=<name>`: undefined when absent, null when it names no stack. */
function stackOption(argv: string[]): { name: string; rest: string[] } | undefined | null {
  const [first, second, ...rest] = argv;
  if (first?.startsWith('--stack=')) return first.slice(8) ? { name: first.slice(8), rest: argv.slice(1) } : null;
  if (first !== '--stack') return undefined;
  return second && !second.startsWith('-') ? { name: second, rest } : null;
}

/** One place where a command's failure becomes what the office reads: never a stack trace. */
export function reportFailure(error: unknown, io: Pick<CliIo, 'err'>): number {
  if (error instanceof DubanError || error instanceof SourceError || error instanceof LocalError) {
    io.err(`错误：${error.message}`);
    return 1;
  }
  const usageFault = usageErrorOf(error);
  if (usageFault) {
    io.err(`参数有误：${usageFault}\n${usage}`);
    return 2;
  }
  const fileFault = fileErrorOf(error);
  io.err(fileFault ? `错误：${fileFault}` : `命令失败：${firstLine(error)}`);
  return 1;
}

/** A file the command could not read or write, said in Chinese with its path. */
const fileFaults: Record<string, string> = {
  ENOENT: '找不到文件或文件夹',
  ENOTDIR: '路径中有一段不是文件夹',
  EISDIR: '这是文件夹，不是文件',
  EACCES: '没有读写权限',
  EPERM: '没有读写权限',
  ENOSPC: '磁盘已满',
  EROFS: '文件系统只读',
};

function fileErrorOf(error: unknown): string | undefined {
  const { code, path } = (error ?? {}) as NodeJS.ErrnoException;
  const fault = code ? fileFaults[code] : undefined;
  return fault && path ? `${fault}：${path}` : undefined;
}

/** node:util parseArgs refuses an unknown option or a missing value with an English message: say it in Chinese. */
function usageErrorOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return undefined;
  const option = /'(-[^' ]+)/.exec((error as Error).message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `未知选项“${option ?? ''}”`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `选项“${option ?? ''}”缺少取值或取值有误`;
  return '多余的参数';
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n').find((l) => l.trim()) ?? '未知错误').trim() || '未知错误';
}
