/**
 * Reads 整改时限 and 阶段节点 as offices write them (DESIGN.md section 3) and resolves them on the
 * workday calendar: a due date on a holiday or weekend moves to the next workday, the way Chinese
 * law counts the end of a period (民事诉讼法：期间届满的最后一日是法定休假日的，以法定休假日后的第一日为期间届满的日期).
 * Reading is strict: text it cannot read for certain is refused with a message, never guessed at.
 */
import type { WorkdayCalendar } from './calendar.ts';
import { isLocalDate, monthEnd, type LocalDate } from './time.ts';

export type DeadlineText =
  | { kind: 'date'; nominal: LocalDate; ongoingAfter: boolean }
  | { kind: 'immediate'; ongoingAfter: boolean }
  | { kind: 'ongoing' };

export type Deadline =
  | { kind: 'date'; text: string; nominal: LocalDate; due: LocalDate; ongoingAfter: boolean }
  | { kind: 'immediate'; text: string; enteredOn: LocalDate; due: LocalDate; ongoingAfter: boolean }
  | { kind: 'ongoing'; text: string };

export interface MilestoneText {
  nominal: LocalDate;
  content: string;
}

export interface ResolvedMilestone extends MilestoneText {
  due: LocalDate;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const FORMS = '2018年12月31日前、2018年9月底前、2018年底前、2020年、立行立改、长期坚持，或“2018年9月底前，长期坚持”';
const MILESTONE_FORM = '每个节点写作“日期 内容”，多个节点用；分隔，如：2018年9月底前 完成排查；2018年12月31日前 完成整治';

const ONGOING = '(?:长期坚持|持续推进|常态化推进|常态化|长期)';
const ONGOING_ONLY = new RegExp(`^${ONGOING}$`);
/** 长期坚持 after a date or 立行立改: `，长期坚持`, `、长期坚持`, `并长期坚持`. */
const ONGOING_TAIL = new RegExp(`[,、;]?(?:并且?)?${ONGOING}$`);
const IMMEDIATE_ONLY = /^(?:立行立改|立即整改|立查立改)$/;
/** What may follow a date in 整改时限: 完成…, as in 2018年12月31日前完成整改. */
const COMPLETION = /^[,、]?(?:全面|基本|全部)?完成/;
/** A second date inside trailing text: the stages belong in 阶段节点. */
const ANOTHER_DATE = /\d{4}\s*年\s*(?:\d|[底末上第一二三四])|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}/;
/** Text right after …年 or …月 that shows the date went on (上半年 is read; 下半年, 中旬, 年初 are not). */
const DATE_WENT_ON = /^(?:[上下]半年|[上中下]旬|[初中]|第?[一二三四1-4]季度)/;

/** Full-width forms (digits, ，；：（）／－．) to ASCII, so ２０１８年１２月 reads like 2018年12月. */
function toAscii(text: string): string {
  return text.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

const pad = (n: number) => String(n).padStart(2, '0');
const ymd = (y: string, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;
const endOfMonth = (y: string, m: number) => (m >= 1 && m <= 12 ? monthEnd(ymd(y, m, 1)) : 'invalid');
const QUARTERS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 1: 1, 2: 2, 3: 3, 4: 4 };

const S = '\\s*';
const PREFIX = `^(?:截至|截止到?|到|于|在)?${S}`;
const BEFORE = `(?:${S}(?:前|以前|之前))?`;
const DATE_FORMS: [RegExp, (m: RegExpExecArray) => string][] = [
  [new RegExp(`${PREFIX}(\\d{4})${S}年${S}(\\d{1,2})${S}月${S}(\\d{1,2})${S}[日号]${BEFORE}`), (m) => ymd(m[1]!, +m[2]!, +m[3]!)],
  [new RegExp(`${PREFIX}(\\d{4})([-/.])(\\d{1,2})\\2(\\d{1,2})${BEFORE}`), (m) => ymd(m[1]!, +m[3]!, +m[4]!)],
  [new RegExp(`${PREFIX}(\\d{4})${S}年${S}(\\d{1,2})${S}月份?(?:${S}[底末])?${BEFORE}`), (m) => endOfMonth(m[1]!, +m[2]!)],
  [new RegExp(`${PREFIX}(\\d{4})${S}年${S}上半年(?:${S}[底末])?${BEFORE}`), (m) => ymd(m[1]!, 6, 30)],
  [new RegExp(`${PREFIX}(\\d{4})${S}年${S}第?([一二三四1-4])季度(?:${S}[底末])?${BEFORE}`), (m) => endOfMonth(m[1]!, QUARTERS[m[2]!]! * 3)],
  [new RegExp(`${PREFIX}(\\d{4})${S}年度?(?:${S}年?[底末])?${BEFORE}`), (m) => ymd(m[1]!, 12, 31)],
];

type LeadingDate = { nominal: LocalDate; rest: string } | { invalid: string } | undefined;

/** A date expression at the start of `text`: the nominal date and what follows it. */
function leadingDate(text: string): LeadingDate {
  for (const [pattern, toDate] of DATE_FORMS) {
    const m = pattern.exec(text);
    if (!m) continue;
    const nominal = toDate(m);
    if (!isLocalDate(nominal)) return { invalid: m[0].trim() };
    const rest = text.slice(m[0].length);
    return /[年月份]$/.test(m[0].trim()) && DATE_WENT_ON.test(rest.trimStart()) ? undefined : { nominal, rest };
  }
  return undefined;
}

export function parseDeadlineText(raw: string): Parsed<DeadlineText> {
  const text = toAscii(raw).replace(/\s+/g, '').replace(/[。.]+$/, '');
  const refuse = (why = ''): Parsed<DeadlineText> => ({ ok: false, message: `无法识别的整改时限“${raw.trim()}”${why}，可写作：${FORMS}` });
  if (!text) return { ok: false, message: `整改时限未填写，可写作：${FORMS}` };
  if (ONGOING_ONLY.test(text)) return { ok: true, value: { kind: 'ongoing' } };

  const tail = ONGOING_TAIL.exec(text);
  const head = tail ? text.slice(0, tail.index) : text;
  const ongoingAfter = tail !== null;
  if (IMMEDIATE_ONLY.test(head)) return { ok: true, value: { kind: 'immediate', ongoingAfter } };

  const date = leadingDate(head);
  if (!date) return refuse();
  if ('invalid' in date) return refuse(`（“${date.invalid}”不是有效日期）`);
  if (ANOTHER_DATE.test(date.rest)) return refuse('（含有多个日期；分阶段的时间请写在“阶段节点”列）');
  if (date.rest && !COMPLETION.test(date.rest)) return refuse();
  return { ok: true, value: { kind: 'date', nominal: date.nominal, ongoingAfter } };
}

/** Resolves a read 整改时限 on the calendar; throws UnknownCalendarYearError for a year it does not know. */
export function resolveDeadline(
  text: string,
  parsed: DeadlineText,
  calendar: WorkdayCalendar,
  enteredOn: LocalDate,
  immediateWorkdays = 10,
): Deadline {
  switch (parsed.kind) {
    case 'ongoing':
      return { kind: 'ongoing', text };
    case 'immediate':
      return { kind: 'immediate', text, enteredOn, due: calendar.addWorkdays(enteredOn, immediateWorkdays), ongoingAfter: parsed.ongoingAfter };
    case 'date':
      return { kind: 'date', text, nominal: parsed.nominal, due: calendar.nextWorkdayOnOrAfter(parsed.nominal), ongoingAfter: parsed.ongoingAfter };
  }
}

/** 阶段节点: `日期 内容` items separated by ；, ; or new lines. Empty text has no milestones. */
export function parseMilestonesText(raw: string): Parsed<MilestoneText[]> {
  const items: MilestoneText[] = [];
  for (const part of raw.split(/[；;\r\n]+/).map((p) => p.trim()).filter(Boolean)) {
    const item = toAscii(part).replace(/^(?:\(\d{1,2}\)|\d{1,2}[.、)]|[①-⑳])\s*/, '');
    const date = leadingDate(item);
    if (!date) return { ok: false, message: `无法识别阶段节点“${part}”：${MILESTONE_FORM}` };
    if ('invalid' in date) return { ok: false, message: `阶段节点“${part}”中的“${date.invalid}”不是有效日期` };
    const content = date.rest.replace(/^[\s:,、]+/, '').replace(/[。.]+$/, '').trim();
    if (!content) return { ok: false, message: `阶段节点“${part}”缺少内容：${MILESTONE_FORM}` };
    if (ANOTHER_DATE.test(content)) return { ok: false, message: `阶段节点“${part}”含有多个日期：${MILESTONE_FORM}` };
    items.push({ nominal: date.nominal, content });
  }
  return { ok: true, value: items };
}

/** Each milestone's due date, moved off holidays and weekends like a deadline. */
export function resolveMilestones(items: MilestoneText[], calendar: WorkdayCalendar): ResolvedMilestone[] {
  return items.map((item) => ({ nominal: item.nominal, due: calendar.nextWorkdayOnOrAfter(item.nominal), content: item.content }));
}

/** The workdays N workdays before `due` (one per offset, in the offsets' order) on which units are reminded. */
export function deadlineReminderDates(due: LocalDate, calendar: WorkdayCalendar, offsets: readonly number[] = [7, 3, 1]): LocalDate[] {
  return offsets.map((n) => calendar.addWorkdays(due, -n));
}

/** 长期坚持, alone or after a date (完成+长期坚持): the task keeps a reporting duty once closed. */
export function keepsReporting(deadline: Deadline | { kind: string; ongoingAfter?: boolean }): boolean {
  return deadline.kind === 'ongoing' || ('ongoingAfter' in deadline && deadline.ongoingAfter === true);
}

/**
 * A continuing duty: a closed task whose 整改时限 says 长期坚持. It never silently disappears: it
 * reports every month (the cycle it keeps), appears in the monthly account and is chased when silent.
 */
export function isContinuing(task: { status: string; deadline: Deadline | { kind: string; ongoingAfter?: boolean } }): boolean {
  return task.status === 'closed' && keepsReporting(task.deadline);
}
