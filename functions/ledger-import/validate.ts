/**
 * Turns the raw tables of a 台账 into a validated Ledger, or into the full list of what is wrong
 * with it, each problem naming its sheet, row and column in Chinese. Collects every problem in one
 * pass, so the office fixes the workbook once.
 */
import * as z from 'zod';
import type { WorkdayCalendar } from '../core/calendar.ts';
import { parseDeadlineText, parseMilestonesText, resolveDeadline, resolveMilestones } from '../core/deadline.ts';
import {
  defaultOfficeWords,
  groupMembers,
  parseUnitKind,
  personRoles,
  taskCodeSchema,
  unitKindNames,
  unitKindOf,
  type Indicator,
  type OfficeWords,
  type Ledger,
  type Person,
  type PersonRole,
  type RecurringDuty,
  type Task,
  type Unit,
} from '../core/ledger.ts';
import { readChannels } from './channels.ts';
import { parseDutyCadence } from '../core/duties.ts';
import { DUTIES, INDICATORS, OFFICE, PEOPLE, TASKS, UNITS, officeItems, sheetSpecs, splitList, type RawRow, type RawTable } from './sheets.ts';

export interface ImportIssue {
  sheet: string;
  row?: number;
  column?: string;
  message: string;
}

export function describeIssue(issue: ImportIssue): string {
  const where = [`“${issue.sheet}”表`, issue.row ? `第${issue.row}行` : '', issue.column ? `“${issue.column}”列` : ''].join('');
  return `${where}：${issue.message}`;
}

/** At most this many problems are listed; the rest are counted (a workbook wrong on every row is one mistake repeated). */
export const MAX_LISTED_ISSUES = 100;

/** The lines the office reads: each listed problem, then how many more there are. */
export function describeIssues(issues: ImportIssue[], issueCount = issues.length): string[] {
  const lines = issues.map(describeIssue);
  if (issueCount > issues.length) lines.push(`另有 ${issueCount - issues.length} 处错误未列出`);
  return lines;
}

/** Collects problems: the first MAX_LISTED_ISSUES are kept, every one is counted. */
export class IssueList {
  readonly listed: ImportIssue[] = [];
  count = 0;
  add(issue: ImportIssue): void {
    this.count++;
    if (this.listed.length < MAX_LISTED_ISSUES) this.listed.push(issue);
  }
}

const emailSchema = z.string().email();

export interface ValidateOptions {
  calendar: WorkdayCalendar;
  /** The Shanghai date the ledger is imported on: 立行立改 counts from it. */
  enteredOn: string;
  /** Deadlines already stored, by task code: an unchanged 立行立改 keeps the date it first entered. */
  storedDeadlines?: Map<string, Task['deadline']>;
}

export type ValidateResult = { ok: true; ledger: Ledger } | { ok: false; issues: ImportIssue[]; issueCount: number };

export function validateLedger(tables: RawTable[], options: ValidateOptions): ValidateResult {
  const issues = new IssueList();
  const failed = () => ({ ok: false as const, issues: issues.listed, issueCount: issues.count });
  const bySheet = new Map(tables.map((t) => [t.sheet, t]));
  for (const spec of sheetSpecs) {
    const table = bySheet.get(spec.name);
    if (!table) {
      if (spec.required) issues.add({ sheet: spec.name, message: '缺少此工作表（或同名 CSV 文件）' });
      continue;
    }
    for (const col of spec.columns.filter((c) => c.required && !table.headers.includes(c.header))) {
      issues.add({ sheet: spec.name, row: 1, column: col.header, message: '缺少此列（表头须与模板一致）' });
    }
    if (table.rows.length > spec.maxRows) {
      issues.add({ sheet: spec.name, message: `行数超过上限：最多 ${spec.maxRows.toLocaleString('en-US')} 行，本表有 ${table.rows.length.toLocaleString('en-US')} 行` });
    }
  }
  if (issues.count) return failed();
  for (const spec of sheetSpecs) {
    const table = bySheet.get(spec.name);
    if (table) bySheet.set(spec.name, withinLengths(table, spec.columns, issues));
  }

  const rowsOf = (sheet: string) => bySheet.get(sheet)?.rows ?? [];
  const check = checker(issues);
  const office = bySheet.has(OFFICE) ? readOffice(rowsOf(OFFICE), check) : undefined;

  const units = readUnits(rowsOf(UNITS), check);
  const groups = groupMembers(units);
  const unitNames = new Set(units.map((u) => u.name));
  for (const unit of units) {
    for (const group of unit.groups.filter((g) => unitNames.has(g))) {
      check.fail(UNITS, undefined, '所属分组', `分组名称“${group}”与某个单位名称相同，请改用不同的名称`);
    }
  }
  const people = readPeople(rowsOf(PEOPLE), check);
  const resolveUnits = (sheet: string, row: RawRow, column: string): string[] => {
    const names: string[] = [];
    for (const name of splitList(row.cells[column] ?? '')) {
      if (unitNames.has(name)) names.push(name);
      else if (groups.has(name)) names.push(...groups.get(name)!);
      else check.fail(sheet, row.row, column, `未知单位或分组“${name}”：请先在“责任单位”表中登记该单位，或在某些单位的“所属分组”中写上它`);
    }
    return [...new Set(names)];
  };

  const tasks = readTasks(rowsOf(TASKS), check, resolveUnits, people, options);
  const indicators = readIndicators(rowsOf(INDICATORS), check, resolveUnits);
  const duties = readDuties(rowsOf(DUTIES), check, resolveUnits);

  if (issues.count) return failed();
  return { ok: true, ledger: { ...(office ? { office } : {}), units, people, tasks, indicators, duties } };
}

/**
 * Refuses a cell longer than its column allows (a 5 MB cell must not reach the store, whose items
 * hold 400 KB) and goes on with the cell cut to the limit, so one long cell is one problem.
 */
function withinLengths(table: RawTable, columns: { header: string; max: number }[], issues: IssueList): RawTable {
  const limits = new Map(columns.map((c) => [c.header, c.max]));
  const rows = table.rows.map((row) => {
    let cells = row.cells;
    for (const [column, value] of Object.entries(row.cells)) {
      const max = limits.get(column);
      if (max === undefined || value.length <= max) continue;
      issues.add({ sheet: table.sheet, row: row.row, column, message: `内容过长：最多 ${max.toLocaleString('en-US')} 个字，本格有 ${value.length.toLocaleString('en-US')} 个字` });
      cells = { ...cells, [column]: value.slice(0, max) };
    }
    return cells === row.cells ? row : { ...row, cells };
  });
  return { ...table, rows };
}

type Check = ReturnType<typeof checker>;

function checker(issues: IssueList) {
  return {
    fail(sheet: string, row: number | undefined, column: string | undefined, message: string) {
      issues.add({ sheet, row, column, message });
    },
    required(sheet: string, row: RawRow, column: string): string {
      const value = row.cells[column] ?? '';
      if (!value) issues.add({ sheet, row: row.row, column, message: '必填，不能为空' });
      return value;
    },
    email(sheet: string, row: RawRow, column: string): string {
      const value = (row.cells[column] ?? '').trim();
      if (!value) issues.add({ sheet, row: row.row, column, message: '必填，不能为空' });
      else if (!emailSchema.safeParse(value).success) {
        issues.add({ sheet, row: row.row, column, message: `邮箱格式不正确：“${value}”` });
      }
      return value.toLowerCase();
    },
    /** 接收方式 and 接收地址; undefined when the row leaves them empty (email). */
    channels(sheet: string, row: RawRow, email: string) {
      const { channels, problems } = readChannels(row.cells, email);
      for (const p of problems) issues.add({ sheet, row: row.row, column: p.column, message: p.message });
      return channels;
    },
    unique(sheet: string, row: RawRow, column: string, seen: Map<string, number>, value: string) {
      if (!value) return;
      const first = seen.get(value);
      if (first !== undefined) issues.add({ sheet, row: row.row, column, message: `“${value}”与第${first}行重复` });
      else seen.set(value, row.row);
    },
  };
}

/**
 * 基本信息: two columns, 项目 and 内容, one row per item (项目名称, 整改办全称 …). An item left out
 * or left empty takes its neutral default; an item the product does not know is refused.
 */
function readOffice(rows: RawRow[], check: Check): OfficeWords {
  const office: OfficeWords = { ...defaultOfficeWords };
  const seen = new Map<string, number>();
  for (const row of rows) {
    const item = (row.cells['项目'] ?? '').replace(/\s+/g, '').replace(/[：:]$/, '');
    const value = row.cells['内容'] ?? '';
    if (!item) {
      if (value) check.fail(OFFICE, row.row, '项目', '必填，不能为空');
      continue;
    }
    const spec = officeItems.find((i) => i.item === item);
    if (!spec) {
      check.fail(OFFICE, row.row, '项目', `“${item}”不是可填写的项目，应为：${officeItems.map((i) => i.item).join('、')}`);
      continue;
    }
    check.unique(OFFICE, row, '项目', seen, item);
    if (!value) continue;
    if (value.length > spec.max) {
      check.fail(OFFICE, row.row, '内容', `${item}最多 ${spec.max} 个字，本格有 ${value.length} 个字`);
      continue;
    }
    if (spec.key === 'email' && !emailSchema.safeParse(value).success) {
      check.fail(OFFICE, row.row, '内容', `联系邮箱格式不正确：“${value}”`);
      continue;
    }
    if (spec.key === 'phone' && !/^[0-9+()（）\-—\s转,，、]+$/.test(value)) {
      check.fail(OFFICE, row.row, '内容', `联系电话只能含数字、空格和 - + ( ) 转，收到“${value}”`);
      continue;
    }
    office[spec.key] = value;
  }
  return office;
}

function readUnits(rows: RawRow[], check: Check): Unit[] {
  const seen = new Map<string, number>();
  return rows.map((row) => {
    const name = check.required(UNITS, row, '单位名称');
    check.unique(UNITS, row, '单位名称', seen, name);
    // The office's own word, kept as written; the kind is read from it unless 单位类别 says.
    const type = check.required(UNITS, row, '单位类型');
    const kindText = row.cells['单位类别'] ?? '';
    const kind = kindText ? parseUnitKind(kindText) : unitKindOf(type);
    if (!kind) {
      check.fail(UNITS, row.row, '单位类别', `“${kindText}”不是可用的单位类别，应为：${Object.values(unitKindNames).join('、')}（也可不填，按单位类型识别）`);
    }
    const liaison = { name: check.required(UNITS, row, '联系人'), email: check.email(UNITS, row, '联系人邮箱') };
    // 接收方式 and 接收地址 are the unit's: its liaison gets the unit's notices there.
    const channels = check.channels(UNITS, row, liaison.email);
    return {
      name,
      type,
      kind: kind ?? 'other',
      liaison,
      head: { name: check.required(UNITS, row, '主要负责人'), email: check.email(UNITS, row, '负责人邮箱') },
      groups: splitList(row.cells['所属分组'] ?? ''),
      ...(channels ? { channels } : {}),
    };
  });
}

/** One person may appear on several rows, one per role; the rows merge into one person. */
function readPeople(rows: RawRow[], check: Check): Person[] {
  const people = new Map<string, Person & { row: number }>();
  for (const row of rows) {
    const name = check.required(PEOPLE, row, '姓名');
    const email = check.email(PEOPLE, row, '邮箱');
    const roles: PersonRole[] = [];
    for (const role of splitList(check.required(PEOPLE, row, '角色'))) {
      if ((personRoles as readonly string[]).includes(role)) roles.push(role as PersonRole);
      else check.fail(PEOPLE, row.row, '角色', `“${role}”不是可用的角色，应为：${personRoles.join('、')}`);
    }
    const channels = check.channels(PEOPLE, row, email);
    const existing = people.get(name);
    if (existing) {
      if (channels) existing.channels = [...(existing.channels ?? []), ...channels.filter((c) => !existing.channels?.some((e) => e.kind === c.kind && e.address === c.address))];
      if (existing.email !== email) {
        check.fail(PEOPLE, row.row, '邮箱', `“${name}”在第${existing.row}行的邮箱是 ${existing.email}，同一人的邮箱须一致`);
      }
      existing.roles = [...new Set([...existing.roles, ...roles])];
      if (!existing.title) existing.title = row.cells['职务'] ?? '';
    } else if (name) {
      people.set(name, { name, title: row.cells['职务'] ?? '', email, roles, row: row.row, ...(channels ? { channels } : {}) });
    }
  }
  return [...people.values()].map(({ row, ...person }) => person);
}

type ResolveUnits = (sheet: string, row: RawRow, column: string) => string[];

function readTasks(rows: RawRow[], check: Check, resolveUnits: ResolveUnits, people: Person[], options: ValidateOptions): Task[] {
  const seen = new Map<string, number>();
  const overseers = new Set(people.filter((p) => p.roles.includes('督办领导')).map((p) => p.name));
  const known = new Set(people.map((p) => p.name));
  const tasks: Task[] = [];
  for (const row of rows) {
    const code = check.required(TASKS, row, '任务编号');
    const codeCheck = code ? taskCodeSchema.safeParse(code) : undefined;
    if (codeCheck && !codeCheck.success) check.fail(TASKS, row.row, '任务编号', `“${code}”不可用：${codeCheck.error.issues[0]!.message}`);
    check.unique(TASKS, row, '任务编号', seen, code);
    const title = check.required(TASKS, row, '整改任务');
    const leadUnitsText = check.required(TASKS, row, '牵头单位');
    const leadUnits = resolveUnits(TASKS, row, '牵头单位');
    const responsibleUnitsText = row.cells['责任单位'] ?? '';
    const lead = new Set(leadUnits);
    const responsibleUnits = resolveUnits(TASKS, row, '责任单位').filter((u) => !lead.has(u));

    const taskOverseers = splitList(row.cells['督办领导'] ?? '');
    for (const name of taskOverseers) {
      if (!known.has(name)) check.fail(TASKS, row.row, '督办领导', `“${name}”不在“领导与联系人”表中`);
      else if (!overseers.has(name)) check.fail(TASKS, row.row, '督办领导', `“${name}”在“领导与联系人”表中的角色不含“督办领导”`);
    }

    const deadlineText = check.required(TASKS, row, '整改时限');
    let deadline: Task['deadline'] | undefined;
    if (deadlineText) {
      const parsed = parseDeadlineText(deadlineText);
      if (!parsed.ok) check.fail(TASKS, row.row, '整改时限', parsed.message);
      else {
        const stored = options.storedDeadlines?.get(code);
        const enteredOn = stored?.kind === 'immediate' && stored.text === deadlineText ? stored.enteredOn : options.enteredOn;
        deadline = tryCalendar(check, row, '整改时限', () => resolveDeadline(deadlineText, parsed.value, options.calendar, enteredOn));
      }
    }
    let milestones: Task['milestones'] = [];
    const milestoneText = row.cells['阶段节点'] ?? '';
    if (milestoneText) {
      const parsed = parseMilestonesText(milestoneText);
      if (!parsed.ok) check.fail(TASKS, row.row, '阶段节点', parsed.message);
      else milestones = tryCalendar(check, row, '阶段节点', () => resolveMilestones(parsed.value, options.calendar)) ?? [];
    }
    if (!deadline) continue;
    tasks.push({
      code,
      category: row.cells['类别'] ?? '',
      problem: row.cells['督察反馈问题'] ?? '',
      title,
      target: row.cells['整改目标'] ?? '',
      measures: row.cells['整改措施'] ?? '',
      leadUnitsText,
      responsibleUnitsText,
      leadUnits,
      responsibleUnits,
      overseers: taskOverseers,
      deadline,
      milestones,
      notes: row.cells['备注'] ?? '',
      status: 'open',
    });
  }
  return tasks;
}

/** A date in a year the calendar does not know is the office's to fix (load that year), not a crash. */
function tryCalendar<T>(check: Check, row: RawRow, column: string, run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    check.fail(TASKS, row.row, column, (error as Error).message);
    return undefined;
  }
}

function readIndicators(rows: RawRow[], check: Check, resolveUnits: ResolveUnits): Indicator[] {
  const seen = new Map<string, number>();
  return rows.map((row) => {
    const name = check.required(INDICATORS, row, '指标名称');
    check.unique(INDICATORS, row, '指标名称', seen, name);
    const targetText = check.required(INDICATORS, row, '目标值').replace(/[%％]$/, '');
    const target = Number(targetText);
    if (targetText && !Number.isFinite(target)) check.fail(INDICATORS, row.row, '目标值', `“${targetText}”不是数字`);
    const directionText = check.required(INDICATORS, row, '方向');
    const direction = ({ '≤': '≤', '<=': '≤', '不高于': '≤', '≥': '≥', '>=': '≥', '不低于': '≥' } as const)[directionText as '≤'];
    if (directionText && !direction) check.fail(INDICATORS, row.row, '方向', `“${directionText}”应为 ≤ 或 ≥`);
    const yearText = check.required(INDICATORS, row, '目标年份').replace(/年$/, '');
    const year = Number(yearText);
    if (yearText && !/^\d{4}$/.test(yearText)) check.fail(INDICATORS, row.row, '目标年份', `“${yearText}”应为四位年份，如 2020`);
    const baseline = readBaseline(row, check, year);
    return {
      name,
      measureUnit: row.cells['计量单位'] ?? '',
      target,
      direction: direction ?? '≤',
      year,
      responsibleUnits: resolveUnits(INDICATORS, row, '责任单位'),
      ...baseline,
    };
  });
}

/** 基准值 and 基准年份, both or neither: where an indicator's trajectory to its target starts. */
function readBaseline(row: RawRow, check: Check, targetYear: number): { baseline?: number; baselineYear?: number } {
  const valueText = (row.cells['基准值'] ?? '').trim().replace(/[%％]$/, '');
  const yearText = (row.cells['基准年份'] ?? '').trim().replace(/年$/, '');
  if (!valueText && !yearText) return {};
  const problem = (column: string, message: string) => {
    check.fail(INDICATORS, row.row, column, message);
    return {};
  };
  if (!valueText) return problem('基准值', '填写了基准年份，须同时填写基准值');
  if (!yearText) return problem('基准年份', '填写了基准值，须同时填写基准年份，如 2017');
  const baseline = Number(valueText);
  if (!Number.isFinite(baseline)) return problem('基准值', `“${valueText}”不是数字`);
  if (!/^\d{4}$/.test(yearText)) return problem('基准年份', `“${yearText}”应为四位年份，如 2017`);
  const baselineYear = Number(yearText);
  if (Number.isInteger(targetYear) && baselineYear >= targetYear) return problem('基准年份', `基准年份（${baselineYear}）应早于目标年份（${targetYear}）`);
  return { baseline, baselineYear };
}

function readDuties(rows: RawRow[], check: Check, resolveUnits: ResolveUnits): RecurringDuty[] {
  const seen = new Map<string, number>();
  return rows.map((row) => {
    const name = check.required(DUTIES, row, '事项');
    check.unique(DUTIES, row, '事项', seen, name);
    const frequency = check.required(DUTIES, row, '频次');
    // 频次 and 要求 in the office's words (每周不少于1次、每次不少于3分钟): read for certain or refused.
    const cadence = frequency ? parseDutyCadence(frequency, row.cells['要求'] ?? '') : undefined;
    if (cadence && !cadence.ok) check.fail(DUTIES, row.row, cadence.column, cadence.message);
    check.required(DUTIES, row, '责任单位');
    return {
      name,
      frequency,
      ...(cadence?.ok ? { cadence: cadence.value } : {}),
      requirement: row.cells['要求'] ?? '',
      responsibleUnits: resolveUnits(DUTIES, row, '责任单位'),
    };
  });
}
