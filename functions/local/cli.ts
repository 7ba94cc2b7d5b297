/**
 * `npx duban <verb>`: the office's command line. It talks to the same store and email endpoints
 * as the sandbox (see local-env.ts). Verbs print Chinese for the office; exit codes: 0 done,
 * 1 refused (bad input, reported), 2 wrong usage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { calendarYearSchema } from '../core/calendar.ts';
import { DubanError } from '../core/errors.ts';
import { importLedger, type ImportSummary } from '../ledger-import/import-ledger.ts';
import { readLedgerSource, SourceError } from '../ledger-import/read-source.ts';
import { templateWorkbook } from '../ledger-import/template.ts';
import { describeIssue } from '../ledger-import/validate.ts';
import { loadCalendar } from '../wiring.ts';
import { connectLocal } from './local-env.ts';
import { readLocalSettings } from './settings.ts';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  now(): Date;
}

const consoleIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  now: () => new Date(),
};

const usage = `用法：npx duban <命令>
  import <台账.xlsx | 文件夹> [--dry-run]   导入台账（--dry-run 只检查，不写入）
  template <输出.xlsx>                      生成空白台账模板
  calendar                                  列出工作日历已载入的年份
  calendar load <年度安排.json>              载入某一年的法定节假日与调休安排`;

export async function runCli(argv: string[], io: CliIo = consoleIo, env = process.env): Promise<number> {
  const [verb, ...rest] = argv;
  try {
    switch (verb) {
      case 'import':
        return await importVerb(rest, io, env);
      case 'template':
        return await templateVerb(rest, io);
      case 'calendar':
        return await calendarVerb(rest, io, env);
      default:
        io.err(verb ? `未知命令“${verb}”\n${usage}` : usage);
        return 2;
    }
  } catch (error) {
    if (error instanceof DubanError || error instanceof SourceError) {
      io.err(`错误：${error.message}`);
      return 1;
    }
    throw error;
  }
}

async function importVerb(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'dry-run': { type: 'boolean', default: false }, by: { type: 'string', default: 'cli' } },
  });
  const source = positionals[0];
  if (!source) {
    io.err('请指定要导入的台账：npx duban import <台账.xlsx | 文件夹>');
    return 2;
  }
  const tables = await readLedgerSource(source);
  const local = await connectLocal(readLocalSettings(env));
  try {
    const { store } = local.deps;
    const summary = await importLedger(
      tables,
      { at: io.now(), by: values.by!, source, dryRun: values['dry-run'] },
      { store, calendar: await loadCalendar(store) },
    );
    printImport(summary, io);
    return summary.ok ? 0 : 1;
  } finally {
    await local.close();
  }
}

export function printImport(summary: ImportSummary, io: Pick<CliIo, 'out' | 'err'>): void {
  if (!summary.ok) {
    io.err(`台账有 ${summary.issues.length} 处错误，未导入任何内容：`);
    for (const issue of summary.issues) io.err(`  - ${describeIssue(issue)}`);
    return;
  }
  const t = (label: string, x: { created: number; updated: number; unchanged: number }) =>
    `  ${label}：新增 ${x.created}，更新 ${x.updated}，未变 ${x.unchanged}`;
  io.out(summary.dryRun ? '检查通过（--dry-run，未写入）：' : '导入完成：');
  io.out(t('整改任务', summary.tasks));
  io.out(t('责任单位', summary.units));
  io.out(t('领导与联系人', summary.people));
  io.out(t('目标指标', summary.indicators));
  io.out(t('常态化工作', summary.duties));
  if (summary.missingFromWorkbook.length) {
    io.out(`  注意：以下任务已在系统中但本次台账未列出，已保留：${summary.missingFromWorkbook.join('、')}`);
  }
}

async function templateVerb(args: string[], io: CliIo): Promise<number> {
  const out = args[0];
  if (!out) {
    io.err('请指定输出文件：npx duban template 台账模板.xlsx');
    return 2;
  }
  const workbook = await templateWorkbook();
  writeFileSync(out, Buffer.from(await workbook.xlsx.writeBuffer()));
  io.out(`已生成空白台账模板：${out}`);
  return 0;
}

async function calendarVerb(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const local = await connectLocal(readLocalSettings(env));
  try {
    const { store } = local.deps;
    if (args[0] === 'load') {
      const file = args[1];
      if (!file) {
        io.err('请指定年度安排文件：npx duban calendar load 2027.json');
        return 2;
      }
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        io.err(`错误：无法读取 ${file}：不是有效的 JSON 文件`);
        return 1;
      }
      const parsed = calendarYearSchema.safeParse(json);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) io.err(`错误：${issue.path.join('.') || '文件'}：${issue.message}`);
        return 1;
      }
      await store.saveCalendarYear(parsed.data, { type: 'calendar.loaded', by: 'cli', at: io.now().toISOString(), detail: { file } });
      io.out(`已载入 ${parsed.data.year} 年工作日历：节假日 ${parsed.data.holidays.length} 天，调休上班 ${parsed.data.makeupWorkdays.length} 天`);
      return 0;
    }
    const years = (await loadCalendar(store)).knownYears();
    io.out(`工作日历已载入：${years[0]}–${years.at(-1)} 年（共 ${years.length} 年）`);
    return 0;
  } finally {
    await local.close();
  }
}
