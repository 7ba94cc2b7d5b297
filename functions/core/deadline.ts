/**
 * Reads 整改时限 and 阶段节点 as offices write them (DESIGN.md section 3) and resolves them on the
 * workday calendar: a due date on a holiday or weekend moves to the next workday, the way Chinese
 * law counts the end of a period (民事诉讼法：期间届满的最后一日是法定休假日的，以法定休假日后的第一日为期间届满的日期).
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

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const FORMS = '2018年12月31日前、2018年9月底前、2018年底前、2020年、立行立改、长期坚持，或“2018年9月底前，长期坚持”';
const IMMEDIATE = /^立行立改|^立即整改/;
const ONGOING = /^(长期坚持|长期|持续推进|常态化)/;
const BEFORE = '(?:前|以前|之前)?';

/** Full-width digits and spaces to ASCII, so １２月 reads like 12月. */
function toAsciiDigits(text: string): string {
  return text.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
}

function normalise(text: string): string {
  return toAsciiDigits(text).replace(/[\s\u3000]+/g, '');
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A date expression at the start of `text`: the nominal date and what follows it. */
function leadingDate(text: string): { nominal: LocalDate; rest: string } | { invalid: string } | undefined {
  const patterns: [RegExp, (m: RegExpExecArray) => string][] = [
    [new RegExp(`^(\\d{4})年(\\d{1,2})月(\\d{1,2})日${BEFORE}`), (m) => `${m[1]}-${pad(+m[2]!)}-${pad(+m[3]!)}`],
    [new RegExp(`^(\\d{4})[-/.](\\d{1,2})[-/.](\\d{1,2})${BEFORE}`), (m) => `${m[1]}-${pad(+m[2]!)}-${pad(+m[3]!)}`],
    [new RegExp(`^(\\d{4})年(\\d{1,2})月(?:底|末)?${BEFORE}`), (m) => (+m[2]! >= 1 && +m[2]! <= 12 ? monthEnd(`${m[1]}-${pad(+m[2]!)}-01`) : 'x')],
    [new RegExp(`^(\\d{4})年(?:底|末)?${BEFORE}`), (m) => `${m[1]}-12-31`],
  ];
  for (const [pattern, toDate] of patterns) {
    const m = pattern.exec(text);
    if (!m) continue;
    const nominal = toDate(m);
    if (!isLocalDate(nominal)) return { invalid: m[0] };
    return { nominal, rest: text.slice(m[0].length) };
  }
  return undefined;
}

const PAIR_SEPARATOR = /^[，,、；;]?/;

export function parseDeadlineText(raw: string): Parsed<DeadlineText> {
  const text = normalise(raw);
  const refuse = (why = ''): Parsed<DeadlineText> => ({ ok: false, message: `无法识别的整改时限“${raw}”${why}，可写作：${FORMS}` });
  if (!text) return refuse();
  if (ONGOING.test(text)) return { ok: true, value: { kind: 'ongoing' } };
  const immediate = IMMEDIATE.exec(text);
  if (immediate) {
    const rest = text.slice(immediate[0].length).replace(PAIR_SEPARATOR, '');
    if (rest && !ONGOING.test(rest)) return refuse();
    return { ok: true, value: { kind: 'immediate', ongoingAfter: ONGOING.test(rest) } };
  }
  const date = leadingDate(text);
  if (!date) return refuse();
  if ('invalid' in date) return refuse(`（“${date.invalid}”不是有效日期）`);
  // What follows may be 完成…, then an optional pair with 长期坚持.
  const rest = date.rest.replace(/^完成[^，,、；;]*/, '').replace(PAIR_SEPARATOR, '');
  if (rest && !ONGOING.test(rest)) return refuse();
  return { ok: true, value: { kind: 'date', nominal: date.nominal, ongoingAfter: ONGOING.test(rest) } };
}

export function resolveDeadline(text: string, parsed: DeadlineText, calendar: WorkdayCalendar, enteredOn: LocalDate, immediateWorkdays = 10): Deadline {
  switch (parsed.kind) {
    case 'ongoing':
      return { kind: 'ongoing', text };
    case 'immediate':
      return { kind: 'immediate', text, enteredOn, due: calendar.addWorkdays(enteredOn, immediateWorkdays), ongoingAfter: parsed.ongoingAfter };
    case 'date':
      return { kind: 'date', text, nominal: parsed.nominal, due: calendar.nextWorkdayOnOrAfter(parsed.nominal), ongoingAfter: parsed.ongoingAfter };
  }
}

export interface MilestoneText {
  nominal: LocalDate;
  content: string;
}

export function parseMilestonesText(raw: string): Parsed<MilestoneText[]> {
  const items: MilestoneText[] = [];
  for (const part of raw.split(/[；;\n]+/).map((p) => p.trim()).filter(Boolean)) {
    const date = leadingDate(toAsciiDigits(part));
    if (!date || 'invalid' in date) {
      return { ok: false, message: `无法识别阶段节点“${part}”：每个节点写作“日期 内容”，多个节点用；分隔，如：2018年9月底前 完成排查；2018年12月31日前 完成整治` };
    }
    const content = date.rest.replace(/^[\s\u3000：:，,]+/, '').trim();
    if (!content) return { ok: false, message: `阶段节点“${part}”缺少内容：写作“日期 内容”` };
    items.push({ nominal: date.nominal, content });
  }
  return { ok: true, value: items };
}

export function resolveMilestones(items: MilestoneText[], calendar: WorkdayCalendar) {
  return items.map((item) => ({ nominal: item.nominal, due: calendar.nextWorkdayOnOrAfter(item.nominal), content: item.content }));
}

/** The workdays, N before `due`, on which its units are reminded. */
export function deadlineReminderDates(due: LocalDate, calendar: WorkdayCalendar, offsets = [7, 3, 1]): LocalDate[] {
  return offsets.map((n) => calendar.addWorkdays(due, -n));
}
