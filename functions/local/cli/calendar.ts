/**
 * `npx duban calendar`: the years the workday calendar knows; `calendar notice <file.txt>` loads a
 * year from the State Council's notice as pasted (UTF-8 or GB18030); `calendar load <year.json>`
 * loads a year file. Both refuse a year that disagrees with what the calendar already says unless
 * `--replace` is given, and record who loaded it from what.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeDisagreement, loadCalendarYear, type CalendarLoadResult } from '../../core/calendar-load.ts';
import type { CalendarYear } from '../../core/calendar.ts';
import { ValidationError } from '../../core/errors.ts';
import { readHolidayNotice } from '../../core/holiday-notice.ts';
import { decodeText } from '../../ledger-import/read-source.ts';
import { loadCalendar } from '../../wiring.ts';
import { withSession } from './session.ts';
import type { CliIo, Verb } from './verb.ts';

function readFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new ValidationError(`无法读取文件“${file}”：请检查路径`, 'file');
  }
}

/** Month by month: 1月 放假 1日–3日；调休上班 4日（周日） */
export function monthlySummary(year: Pick<CalendarYear, 'holidays' | 'makeupWorkdays'>): string[] {
  const lines: string[] = [];
  const weekday = (d: string) => '日一二三四五六'[new Date(`${d}T00:00:00Z`).getUTCDay()];
  const runs = (days: string[]) => {
    const parts: string[] = [];
    let start: string | undefined;
    let prev: string | undefined;
    const flush = () => start && parts.push(start === prev ? `${Number(start.slice(8))}日` : `${Number(start.slice(8))}–${Number(prev!.slice(8))}日`);
    for (const d of days) {
      if (prev && Number(d.slice(8)) === Number(prev.slice(8)) + 1) prev = d;
      else {
        flush();
        start = prev = d;
      }
    }
    flush();
    return parts.join('、');
  };
  for (let m = 1; m <= 12; m++) {
    const inMonth = (dates: string[]) => dates.filter((d) => Number(d.slice(5, 7)) === m);
    const off = inMonth(year.holidays);
    const on = inMonth(year.makeupWorkdays);
    if (!off.length && !on.length) continue;
    const parts = [off.length ? `放假 ${runs(off)}` : '', on.length ? `调休上班 ${on.map((d) => `${Number(d.slice(8))}日（周${weekday(d)}）`).join('、')}` : ''];
    lines.push(`  ${String(m).padStart(2)}月  ${parts.filter(Boolean).join('；')}`);
  }
  lines.push(`  合计：放假 ${year.holidays.length} 天（含节内周末），调休上班 ${year.makeupWorkdays.length} 天`);
  return lines;
}

function printLoaded(result: CalendarLoadResult, io: CliIo): void {
  const { year } = result;
  if (result.disagreements.length) io.out(`已替换 ${year.year} 年原有安排，改动 ${result.disagreements.length} 天：${result.disagreements.map(describeDisagreement).join('；')}`);
  io.out(`已载入 ${year.year} 年工作日历（${year.source}）：节假日 ${year.holidays.length} 天，调休上班 ${year.makeupWorkdays.length} 天`);
  const before = result.previousYear;
  if (before?.changed.length) io.out(`同时调整 ${before.year.year} 年年末：${before.changed.map(describeDisagreement).join('；')}`);
}

async function noticeVerb(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'dry-run': { type: 'boolean', default: false }, replace: { type: 'boolean', default: false } },
  });
  const file = positionals[0];
  if (!file) {
    io.err('请指定通知文件：npx duban calendar notice 通知.txt（国务院办公厅节假日安排通知的全文，UTF-8 或 GB18030）');
    return 2;
  }
  const arrangement = readHolidayNotice(decodeText(readFile(file)));
  const { previousYear, ...year } = arrangement;
  if (values['dry-run']) {
    // stdout is the year file `calendar load` takes, and nothing else: it can be piped and checked.
    io.out(JSON.stringify(year, null, 2));
    io.err(`${year.year} 年法定节假日安排（${year.source}）：`);
    for (const line of monthlySummary(year)) io.err(line);
    if (previousYear) io.err(`另：通知还安排了 ${previousYear.year} 年年末（放假 ${previousYear.holidays.join('、') || '无'}；调休上班 ${previousYear.makeupWorkdays.join('、') || '无'}），载入时一并写入 ${previousYear.year} 年`);
    io.err('（--dry-run：只核对，未载入）');
    return 0;
  }
  io.out(`${year.year} 年法定节假日安排（${year.source}）：`);
  for (const line of monthlySummary(year)) io.out(line);
  return withSession(io, env, { announce: true }, async ({ deps: { store }, at }) => {
    const result = await loadCalendarYear(arrangement, { by: 'cli', at, via: file, replace: values.replace }, { store, calendar: await loadCalendar(store) });
    printLoaded(result, io);
    return 0;
  });
}

async function loadVerb(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { replace: { type: 'boolean', default: false } } });
  const file = positionals[0];
  if (!file) {
    io.err('请指定年度安排文件：npx duban calendar load 2027.json');
    return 2;
  }
  let json: unknown;
  try {
    json = JSON.parse(readFile(file).toString('utf8'));
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(`无法读取 ${file}：不是有效的 JSON 文件`, 'file');
  }
  return withSession(io, env, { announce: true }, async ({ deps: { store }, at }) => {
    const result = await loadCalendarYear(json as CalendarYear, { by: 'cli', at, via: file, replace: values.replace }, { store, calendar: await loadCalendar(store) });
    printLoaded(result, io);
    return 0;
  });
}

export const calendarVerb: Verb = {
  name: 'calendar',
  usage: `  calendar                                  列出工作日历已载入的年份及来源
  calendar notice <通知.txt> [--dry-run] [--replace]
                                            从国务院办公厅节假日安排通知的全文载入该年（--dry-run 只输出读出的年度安排 JSON）
  calendar load <年度安排.json> [--replace]   载入某一年的法定节假日与调休安排（JSON）`,
  async run(args, io, env) {
    if (args[0] === 'notice') return noticeVerb(args.slice(1), io, env);
    if (args[0] === 'load') return loadVerb(args.slice(1), io, env);
    if (args[0]) {
      io.err(`未知的 calendar 子命令“${args[0]}”：应为 notice 或 load`);
      return 2;
    }
    return withSession(io, env, {}, async ({ deps: { store } }) => {
      const calendar = await loadCalendar(store);
      const years = calendar.knownYears();
      io.out(`工作日历已载入：${years[0]}–${years.at(-1)} 年（共 ${years.length} 年）`);
      for (const y of years.filter((y) => calendar.sourceOf(y) !== calendar.sourceOf(years[0]!))) io.out(`  ${y} 年：${calendar.sourceOf(y)}`);
      return 0;
    });
  },
};
