/**
 * 常态化工作: recurring duties that never end (a weekly TV slot, a weekly newspaper column, a
 * quarterly disclosure). Each has a cadence read from the office's own words (频次 and 要求:
 * 每周、每月、每季度, 不少于N次, 每次不少于N分钟), responsible units, and what counts as evidence.
 *
 * - A unit records each occurrence (the day it happened, evidence, a line of detail, minutes when
 *   the duty asks for them); it counts for the period holding that day, never a future one.
 * - A duty is asked from the first period that begins after it entered the ledger (isAskedIn).
 * - A period is done for a unit when it has at least the duty's count of occurrences (each of the
 *   minimum minutes, when the duty sets them); missed when it ended without; a week with no workday
 *   at all (a Golden Week) asks nothing, as it asks no weekly report.
 * - A missed period is chased on the first workday after it ends (missedDutyChases, run by the
 *   daily deadline-reminder job), once per unit and period.
 * - A duty's history (dutyHistory) shows it a window of periods at a time: each unit's status, the
 *   occurrences, the missed periods and the duty's changes (the office's deletions with reasons).
 * Reading is strict, like 整改时限: what cannot be read for certain is refused, never guessed.
 */
import { createHash } from 'node:crypto';
import type { WorkdayCalendar } from './calendar.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { isEvidenceId } from './evidence.ts';
import { isActiveUnit, type DutyCadence, type DutyPeriod, type RecurringDuty } from './ledger.ts';
import type { AuditEvent, DutyChase, DutyOccurrence, Principal, Store, Versioned } from './ports.ts';
import { ForbiddenError } from './reporting.ts';
import { addDays, isLocalDate, isoWeekOf, localDateOf, monthEnd, parseWeekPeriod, type LocalDate } from './time.ts';

type Parsed<T> = { ok: true; value: T } | { ok: false; column: '频次' | '要求'; message: string };

const PERIOD_WORDS: Record<string, DutyPeriod> = { 每周: 'week', 每月: 'month', 每季度: 'quarter', 每季: 'quarter' };
const PERIOD_NAMES: Record<DutyPeriod, string> = { week: '每周', month: '每月', quarter: '每季度' };
const NUM = '([0-9]{1,3}|[一二两三四五六七八九十]{1,3})';
const AT_LEAST = '(?:不少于|不低于|至少)?';
const FREQUENCY = new RegExp(`^(每周|每月|每季度|每季)(?:${AT_LEAST}${NUM}次(?:以上)?)?(?:[,;、]?每次${AT_LEAST}${NUM}分钟(?:以上)?)?$`);
const FORMS = '每周、每月、每季度，可加次数和时长，如“每周不少于1次”“每周不少于2次，每次不少于3分钟”';

/** Full-width forms to ASCII and no spaces: ２次，每次 → 2次,每次. */
const normalise = (text: string) =>
  text
    .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\s+/g, '')
    .replace(/[。.]+$/, '');

const DIGITS: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** 3, 三, 十, 十二, 二十: a count in digits or Chinese numerals; undefined when it is not one. */
function numberOf(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const m = /^([一二两三四五六七八九])?(十)?([一二三四五六七八九])?$/.exec(text);
  if (!m || (!m[2] && m[3])) return undefined;
  if (!m[2]) return m[1] ? DIGITS[m[1]] : undefined;
  return (m[1] ? DIGITS[m[1]]! : 1) * 10 + (m[3] ? DIGITS[m[3]]! : 0);
}

/**
 * 频次 and 要求 read together: 频次 gives the period (and may give a count and minutes); 要求 may
 * give them too (“每周不少于1次”, “每周安排不少于3分钟”), but may not contradict 频次.
 */
export function parseDutyCadence(frequencyText: string, requirementText = ''): Parsed<DutyCadence> {
  const frequency = normalise(frequencyText);
  const m = FREQUENCY.exec(frequency);
  if (!m) return { ok: false, column: '频次', message: `无法识别的频次“${frequencyText.trim()}”，可写作：${FORMS}` };
  const period = PERIOD_WORDS[m[1]!]!;
  let minCount = m[2] ? numberOf(m[2]) : undefined;
  let minMinutes = m[3] ? numberOf(m[3]) : undefined;
  if ((m[2] && !minCount) || (m[3] && !minMinutes)) return { ok: false, column: '频次', message: `频次“${frequencyText.trim()}”中的数字无法识别，请写阿拉伯数字，如“每周不少于2次”` };

  const requirement = normalise(requirementText);
  for (const word of requirement.match(/每(?:周|月|季度|季|年|半年|日|天)/g) ?? []) {
    if (PERIOD_WORDS[word] !== period) {
      return { ok: false, column: '要求', message: `要求中写的是“${word}”，与频次“${frequencyText.trim()}”不一致：请把两列改为同一周期（${FORMS}）` };
    }
  }
  const countText = new RegExp(`(?:不少于|不低于|至少)${NUM}次`).exec(requirement)?.[1];
  const minutesText = new RegExp(`(?:不少于|不低于|至少)${NUM}分钟`).exec(requirement)?.[1];
  for (const [text, given, what] of [
    [countText, minCount, '次数'],
    [minutesText, minMinutes, '时长'],
  ] as const) {
    if (text === undefined) continue;
    const value = numberOf(text);
    if (!value) return { ok: false, column: '要求', message: `要求中的${what}“${text}”无法识别，请写阿拉伯数字` };
    if (given !== undefined && given !== value) return { ok: false, column: '要求', message: `要求中的${what}（${value}）与频次“${frequencyText.trim()}”（${given}）不一致` };
  }
  minCount ??= countText ? numberOf(countText) : undefined;
  minMinutes ??= minutesText ? numberOf(minutesText) : undefined;
  return { ok: true, value: { period, minCount: minCount ?? 1, ...(minMinutes ? { minMinutes } : {}) } };
}

/** The duty's cadence: as read at import, or (duties stored before it was read) from 频次 alone. */
export function cadenceOf(duty: Pick<RecurringDuty, 'cadence' | 'frequency'>): DutyCadence {
  if (duty.cadence) return duty.cadence;
  const parsed = parseDutyCadence(duty.frequency);
  return parsed.ok ? parsed.value : { period: 'week', minCount: 1 };
}

/** 每周不少于1次，每次不少于3分钟 */
export function cadenceText(cadence: DutyCadence): string {
  return `${PERIOD_NAMES[cadence.period]}不少于${cadence.minCount}次${cadence.minMinutes ? `，每次不少于${cadence.minMinutes}分钟` : ''}`;
}

/** The period holding a day: 2018-W28, 2018-07 or 2018-Q3. */
export function dutyPeriodOf(period: DutyPeriod, day: LocalDate): string {
  if (period === 'week') return isoWeekOf(day);
  if (period === 'month') return day.slice(0, 7);
  return `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
}

/** A period's first and last day. */
export function dutyPeriodRange(period: string): { start: LocalDate; end: LocalDate } {
  if (/-W\d{2}$/.test(period)) return parseWeekPeriod(period);
  const quarter = /^(\d{4})-Q([1-4])$/.exec(period);
  if (quarter) {
    const first = (Number(quarter[2]) - 1) * 3 + 1;
    const start = `${quarter[1]}-${String(first).padStart(2, '0')}-01`;
    return { start, end: monthEnd(`${quarter[1]}-${String(first + 2).padStart(2, '0')}-01`) };
  }
  if (/^\d{4}-\d{2}$/.test(period)) return { start: `${period}-01`, end: monthEnd(`${period}-01`) };
  throw new ValidationError(`“${period}”不是有效的周期，应写作如 2018-W28、2018-07 或 2018-Q3`, 'period');
}

/** 2018年第28周（7月9日—7月15日）, 2018年7月, 2018年第3季度. */
export function dutyPeriodLabel(period: string): string {
  const { start, end } = dutyPeriodRange(period);
  const md = (d: LocalDate) => `${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;
  if (period.includes('-W')) return `${period.slice(0, 4)}年第${Number(period.slice(6))}周（${md(start)}—${md(end)}）`;
  if (period.includes('-Q')) return `${period.slice(0, 4)}年第${period.slice(6)}季度`;
  return `${period.slice(0, 4)}年${Number(period.slice(5))}月`;
}

/** The period before. */
export function previousDutyPeriod(period: string): string {
  return dutyPeriodOf(periodKind(period), addDays(dutyPeriodRange(period).start, -1));
}

const periodKind = (period: string): DutyPeriod => (period.includes('-W') ? 'week' : period.includes('-Q') ? 'quarter' : 'month');

/** The current period and the `before` ones preceding it, oldest first. */
export function recentDutyPeriods(cadence: DutyCadence, today: LocalDate, before = 2): string[] {
  const periods = [dutyPeriodOf(cadence.period, today)];
  while (periods.length <= before) periods.unshift(previousDutyPeriod(periods[0]!));
  return periods;
}

/** The periods a monthly account shows: weeks that ended in the month, the month, or its quarter. */
export function dutyPeriodsOfMonth(cadence: DutyCadence, month: string): string[] {
  const start = `${month}-01`;
  const end = monthEnd(start);
  if (cadence.period === 'month') return [month];
  if (cadence.period === 'quarter') return [dutyPeriodOf('quarter', start)];
  const weeks: string[] = [];
  for (let day = start; day <= end; day = addDays(day, 1)) if (dutyPeriodRange(isoWeekOf(day)).end === day) weeks.push(isoWeekOf(day));
  return weeks;
}

/**
 * The duty is asked of its units from the first period that begins on or after the day it entered
 * the ledger: a duty imported on a Wednesday is first due the next week (as a new task's first
 * weekly report is), a quarterly one imported in July first in the fourth quarter.
 */
export function isAskedIn(duty: Pick<Versioned<RecurringDuty>, 'createdAt'>, period: string): boolean {
  return dutyPeriodRange(period).start >= localDateOf(new Date(duty.createdAt));
}

/** A period asks for the duty only if it holds a workday: a week that is all holiday asks nothing. */
export function isDutyPeriodRequired(period: string, calendar: WorkdayCalendar): boolean {
  const { start, end } = dutyPeriodRange(period);
  for (let day = start; day <= end; day = addDays(day, 1)) if (calendar.isWorkday(day)) return true;
  return false;
}

/** The first workday after a period ends: when a missed one is chased. */
export function dutyChaseDay(period: string, calendar: WorkdayCalendar): LocalDate {
  return calendar.nextWorkdayOnOrAfter(addDays(dutyPeriodRange(period).end, 1));
}

export type DutyStatus = 'done' | 'missed' | 'open' | 'exempt';
export const dutyStatusNames: Record<DutyStatus, string> = { done: '已完成', missed: '未完成', open: '进行中', exempt: '无工作日，不作要求' };

/** Occurrences that count toward the cadence: those of the minimum minutes, when the duty sets them. */
export function countsToward(cadence: DutyCadence, occurrence: Pick<DutyOccurrence, 'minutes'>): boolean {
  return !cadence.minMinutes || (occurrence.minutes ?? 0) >= cadence.minMinutes;
}

/** Where a unit stands on a duty in a period, on a day. */
export function dutyStatus(cadence: DutyCadence, period: string, occurrences: Pick<DutyOccurrence, 'minutes'>[], today: LocalDate, calendar: WorkdayCalendar): { status: DutyStatus; count: number } {
  const count = occurrences.filter((o) => countsToward(cadence, o)).length;
  if (count >= cadence.minCount) return { status: 'done', count };
  const { end } = dutyPeriodRange(period);
  if (today <= end) return { status: 'open', count };
  return { status: isDutyPeriodRequired(period, calendar) ? 'missed' : 'exempt', count };
}

export interface DutyRecordRow {
  duty: string;
  unit: string;
  cadence: string;
  requirement: string;
  /** Per period; `evidence`: the files (upload ids) the unit's occurrences of the period name. */
  periods: { period: string; label: string; status: DutyStatus; statusText: string; count: number; chased: boolean; evidence: string[] }[];
}

/**
 * Each duty's record for each of its active units over the given periods: done, missed (and
 * whether it was chased), open, or exempt. Two queries per duty, whatever the periods.
 */
export async function dutyRecords(
  today: LocalDate,
  periodsOf: (cadence: DutyCadence) => string[],
  deps: { store: Store; calendar: WorkdayCalendar },
  unitFilter?: (unit: string) => boolean,
): Promise<DutyRecordRow[]> {
  const [duties, units] = await Promise.all([deps.store.duties.list(), deps.store.units.list()]);
  const active = new Set(units.filter(isActiveUnit).map((u) => u.name));
  const rows: DutyRecordRow[] = [];
  for (const duty of duties) {
    const periods = periodsOf(cadenceOf(duty)).filter((p) => isAskedIn(duty, p));
    if (!periods.length) continue;
    const [occurrences, chases] = await Promise.all([deps.store.dutyOccurrences(duty.name, periods[0]!, periods.at(-1)!), deps.store.dutyChases(duty.name, periods[0]!, periods.at(-1)!)]);
    const units = duty.responsibleUnits.filter((u) => active.has(u) && (!unitFilter || unitFilter(u)));
    rows.push(...recordOf(duty, units, periods, occurrences, chases, today, deps.calendar));
  }
  return rows;
}

/** One duty's record for the given units over the given periods, from the occurrences and chases read for them. */
function recordOf(duty: RecurringDuty, units: readonly string[], periods: readonly string[], occurrences: readonly DutyOccurrence[], chases: readonly DutyChase[], today: LocalDate, calendar: WorkdayCalendar): DutyRecordRow[] {
  const cadence = cadenceOf(duty);
  return units.map((unit) => ({
    duty: duty.name,
    unit,
    cadence: cadenceText(cadence),
    requirement: duty.requirement,
    periods: periods.map((period) => {
      const mine = occurrences.filter((o) => o.unit === unit && o.period === period);
      const { status, count } = dutyStatus(cadence, period, mine, today, calendar);
      const evidence = [...new Set(mine.flatMap((o) => o.evidence).filter(isEvidenceId))];
      const chased = chases.some((c) => c.unit === unit && c.period === period);
      const countText = status === 'open' && count ? `（已记录${count}次）` : '';
      return { period, label: dutyPeriodLabel(period), status, statusText: `${dutyStatusNames[status]}${countText}${chased ? '（已催办）' : ''}`, count, chased, evidence };
    }),
  }));
}

export interface OccurrenceInput {
  /** The day it happened (YYYY-MM-DD). */
  date: string;
  /** What shows it happened: links, the issue and page of a newspaper, or uploaded files (ev_…, kept by the caller first). */
  evidence: string[];
  detail: string;
  minutes?: number;
  /** The unit it is recorded for: the office names it; a unit records for itself. */
  unit?: string;
}

export async function dutyFor(store: Store, name: string): Promise<Versioned<RecurringDuty>> {
  const duty = await store.duties.get(name);
  if (!duty) throw new NotFoundError(`没有名为“${name}”的常态化工作`);
  return duty;
}

/**
 * What recording an occurrence checks, without storing anything: the duty exists, the unit is one
 * of its responsible units (a unit records for itself, the office names the unit), the day is real
 * and not after today, the minutes are given where the duty asks for them. Callers that keep
 * uploaded files check this first, so a refused occurrence keeps no file.
 */
export async function checkOccurrence(name: string, input: Pick<OccurrenceInput, 'date' | 'minutes' | 'unit'>, principal: Principal, at: Date, store: Store): Promise<{ duty: Versioned<RecurringDuty>; unit: string }> {
  const duty = await dutyFor(store, name);
  let unit: string;
  if (principal.kind === 'unit') {
    if (input.unit !== undefined && input.unit !== principal.unit) throw new ForbiddenError(`${principal.unit}只能为本单位记录常态化工作`);
    unit = principal.unit;
  } else {
    if (!input.unit) throw new ValidationError('整改办代为记录时须写明“单位”（unit）', 'unit');
    unit = input.unit;
  }
  if (!duty.responsibleUnits.includes(unit)) throw new ForbiddenError(`${unit}不是常态化工作“${duty.name}”的责任单位`);
  if (!isLocalDate(input.date)) throw new ValidationError(`“日期”不是真实存在的日期：${input.date}`, 'date');
  const today = localDateOf(at);
  if (input.date > today) throw new ValidationError(`“日期”（${input.date}）不能晚于今天（${today}）：只记录已经做过的工作`, 'date');
  const cadence = cadenceOf(duty);
  if (cadence.minMinutes && input.minutes === undefined) {
    throw new ValidationError(`“${duty.name}”要求每次不少于${cadence.minMinutes}分钟，请填写“时长（分钟）”（minutes）`, 'minutes');
  }
  return { duty, unit };
}

/** The duty, for a unit that may attach files to its occurrences: refused unless the unit is one of its responsible units. */
export async function dutyOfUnit(store: Store, name: string, unit: string): Promise<Versioned<RecurringDuty>> {
  const duty = await dutyFor(store, name);
  if (!duty.responsibleUnits.includes(unit)) throw new ForbiddenError(`${unit}不是常态化工作“${duty.name}”的责任单位，不能为其上传或查看佐证材料`);
  return duty;
}

/**
 * Records one occurrence of a duty. Input: the duty's name, the occurrence, who records it, the
 * server's instant and an idempotency key (absent: the occurrence's own content, so a double tap
 * stores once). Output: the occurrence and whether it was new. A unit records only duties it is
 * responsible for; the office records for a unit it names.
 */
export async function recordDutyOccurrence(
  name: string,
  input: OccurrenceInput,
  principal: Principal,
  at: Date,
  store: Store,
  idempotencyKey?: string,
): Promise<{ occurrence: DutyOccurrence; created: boolean }> {
  const { duty, unit } = await checkOccurrence(name, input, principal, at, store);
  const cadence = cadenceOf(duty);
  const period = dutyPeriodOf(cadence.period, input.date);
  const key = idempotencyKey ?? JSON.stringify([input.date, input.detail, input.evidence, input.minutes ?? null]);
  const id = createHash('sha256').update([duty.name, unit, key].join('\n')).digest('hex').slice(0, 32);
  const occurrence: DutyOccurrence = {
    id,
    duty: duty.name,
    unit,
    date: input.date,
    period,
    evidence: input.evidence,
    detail: input.detail,
    ...(input.minutes !== undefined ? { minutes: input.minutes } : {}),
    by: principal.kind === 'unit' ? principal.unit : principal.name,
    at: at.toISOString(),
  };
  if (await store.recordDutyOccurrence(occurrence)) return { occurrence, created: true };
  const stored = (await store.dutyOccurrences(duty.name, period, period)).find((o) => o.id === id);
  return { occurrence: stored ?? occurrence, created: false };
}

/**
 * The duties as a unit (its own) or the office (all) sees them: cadence, requirement, units and
 * the record of the current period and the two before it.
 */
export async function listDuties(principal: Principal, at: Date, deps: { store: Store; calendar: WorkdayCalendar }) {
  const today = localDateOf(at);
  const duties = (await deps.store.duties.list()).filter((d) => principal.kind === 'office' || d.responsibleUnits.includes(principal.unit));
  const mine = principal.kind === 'unit' ? (u: string) => u === principal.unit : undefined;
  const records = await dutyRecords(today, (c) => recentDutyPeriods(c, today), deps, mine);
  return duties.map((d) => ({
    name: d.name,
    frequency: d.frequency,
    cadence: cadenceOf(d),
    cadenceText: cadenceText(cadenceOf(d)),
    requirement: d.requirement,
    responsibleUnits: d.responsibleUnits,
    records: records.filter((r) => r.duty === d.name).map((r) => ({ unit: r.unit, periods: r.periods })),
  }));
}

/** How many periods one page of a duty's history shows, newest first. */
export const HISTORY_PERIODS = 12;

export interface DutyHistoryPeriod {
  period: string;
  label: string;
  /** False for the period the duty entered the ledger in (asked from the next one): no unit owes it. */
  asked: boolean;
  units: { unit: string; status: DutyStatus; statusText: string; chased: boolean }[];
  /** Newest first. */
  occurrences: DutyOccurrence[];
}

export interface DutyHistory {
  name: string;
  cadenceText: string;
  requirement: string;
  responsibleUnits: string[];
  /** The window shown, newest period first. */
  periods: DutyHistoryPeriod[];
  /** The periods a unit left undone in the window, newest first, and whether it was chased. */
  missed: { period: string; label: string; unit: string; chased: boolean }[];
  /** The duty's changes (the office's deletions with their reasons, re-imports), newest first; for the office only. */
  events: AuditEvent[];
  /** The last period of the window before this one, or of the one after; absent at either end. */
  earlier?: string;
  later?: string;
}

/** Whether `text` names a real period of this kind (2018-W28 for a weekly duty, not 2018-W60 or 2018-07). */
function isPeriodOf(kind: DutyPeriod, text: string): boolean {
  try {
    const { start } = dutyPeriodRange(text);
    return isLocalDate(start) && dutyPeriodOf(kind, start) === text;
  } catch {
    return false;
  }
}

const nextDutyPeriod = (period: string) => dutyPeriodOf(periodKind(period), addDays(dutyPeriodRange(period).end, 1));

/**
 * One duty's history, a window of HISTORY_PERIODS periods ending with `upTo` (the current period
 * when absent; never later): each period's record per unit and its occurrences, the missed ones,
 * and the changes made to the duty. The office (leaders read as the office) sees every unit; a unit
 * only its own record and occurrences, and only of a duty it is responsible for. Two queries for
 * the window, whatever the history's length.
 */
export async function dutyHistory(name: string, principal: Principal, at: Date, deps: { store: Store; calendar: WorkdayCalendar }, upTo?: string): Promise<DutyHistory> {
  const duty = principal.kind === 'unit' ? await dutyOfUnit(deps.store, name, principal.unit) : await dutyFor(deps.store, name);
  const cadence = cadenceOf(duty);
  const today = localDateOf(at);
  const current = dutyPeriodOf(cadence.period, today);
  if (upTo !== undefined && !isPeriodOf(cadence.period, upTo)) {
    throw new ValidationError(`“${name}”按${PERIOD_NAMES[cadence.period]}记录，“周期”应写作如 ${current}，不是“${upTo}”`, 'period');
  }
  const last = upTo === undefined || upTo > current ? current : upTo;
  const first = dutyPeriodOf(cadence.period, localDateOf(new Date(duty.createdAt)));
  const window = recentDutyPeriods(cadence, dutyPeriodRange(last).start, HISTORY_PERIODS - 1).filter((p) => p >= first);
  const from = window[0] ?? last;
  const mine = (unit: string) => principal.kind !== 'unit' || unit === principal.unit;
  const [occurrences, chases, units, events] = await Promise.all([
    deps.store.dutyOccurrences(duty.name, from, last),
    deps.store.dutyChases(duty.name, from, last),
    deps.store.units.list(),
    principal.kind === 'office' ? deps.store.auditEvents(`DUTY#${duty.name}`) : Promise.resolve([]),
  ]);
  const active = new Set(units.filter(isActiveUnit).map((u) => u.name));
  const asked = window.filter((p) => isAskedIn(duty, p));
  const records = recordOf(duty, duty.responsibleUnits.filter((u) => active.has(u) && mine(u)), asked, occurrences, chases, today, deps.calendar);
  const periods = [...window].reverse().map((period) => ({
    period,
    label: dutyPeriodLabel(period),
    asked: asked.includes(period),
    units: records.flatMap((r) => r.periods.filter((p) => p.period === period).map(({ status, statusText, chased }) => ({ unit: r.unit, status, statusText, chased }))),
    occurrences: occurrences.filter((o) => o.period === period && mine(o.unit)).reverse(),
  }));
  let later: string | undefined;
  for (let p = last, i = 0; p < current && i < HISTORY_PERIODS; i++) later = p = nextDutyPeriod(p);
  return {
    name: duty.name,
    cadenceText: cadenceText(cadence),
    requirement: duty.requirement,
    responsibleUnits: duty.responsibleUnits.filter(mine),
    periods,
    missed: periods.flatMap((p) => p.units.filter((u) => u.status === 'missed').map((u) => ({ period: p.period, label: p.label, unit: u.unit, chased: u.chased }))),
    events: [...events].reverse(),
    ...(from > first ? { earlier: previousDutyPeriod(from) } : {}),
    ...(later ? { later } : {}),
  };
}
