/**
 * Dates and instants in Asia/Shanghai (UTC+8 all year, no daylight saving since 1991).
 * A LocalDate is 'YYYY-MM-DD' on the Shanghai calendar; instants are Dates. Pure string arithmetic:
 * nothing here reads the clock, and nothing depends on the machine's own time zone.
 */
import { ValidationError } from './errors.ts';

export type LocalDate = string;
export const TIME_ZONE = 'Asia/Shanghai';
const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A real calendar date written 'YYYY-MM-DD' (years 1000–9999). */
export function isLocalDate(s: string): boolean {
  const m = /^([1-9]\d{3})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function toUtcMidnight(d: LocalDate): number {
  const [y, m, day] = d.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, day);
}

function fromUtcMidnight(ms: number): LocalDate {
  const date = new Date(ms);
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

export function localDateOf(at: Date): LocalDate {
  return fromUtcMidnight(Math.floor((at.getTime() + OFFSET_MS) / DAY_MS) * DAY_MS);
}

/** Shanghai wall-clock time of an instant, 'HH:MM'. */
export function localTimeOf(at: Date): string {
  const shifted = new Date(at.getTime() + OFFSET_MS);
  return `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}`;
}

/** The instant of a Shanghai wall-clock time ('HH:MM') on a date. */
export function instantAt(date: LocalDate, time = '00:00'): Date {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!isLocalDate(date)) throw new ValidationError(`日期“${date}”无效，应写作 YYYY-MM-DD`);
  if (!m) throw new ValidationError(`时间“${time}”无效，应写作 HH:MM（00:00–23:59）`);
  return new Date(toUtcMidnight(date) + (Number(m[1]) * 60 + Number(m[2])) * 60_000 - OFFSET_MS);
}

export function addDays(d: LocalDate, n: number): LocalDate {
  return fromUtcMidnight(toUtcMidnight(d) + n * DAY_MS);
}

/** Calendar days from a to b (negative when b is before a). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((toUtcMidnight(b) - toUtcMidnight(a)) / DAY_MS);
}

export function compareDates(a: LocalDate, b: LocalDate): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** ISO weekday: Monday 1 … Sunday 7. */
export function isoWeekday(d: LocalDate): number {
  const day = new Date(toUtcMidnight(d)).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The Monday of d's week. */
export function weekStart(d: LocalDate): LocalDate {
  return addDays(d, 1 - isoWeekday(d));
}

/** The Sunday of d's week. */
export function weekEnd(d: LocalDate): LocalDate {
  return addDays(weekStart(d), 6);
}

/** ISO week, e.g. 2018-07-09 → 2018-W28 (the year is the year of that week's Thursday). */
export function isoWeekOf(d: LocalDate): string {
  const thursday = addDays(weekStart(d), 3);
  const year = Number(thursday.slice(0, 4));
  const week = Math.floor(daysBetween(`${year}-01-01`, thursday) / 7) + 1;
  return `${year}-W${pad(week)}`;
}

/** '2018-W28' → its Monday and Sunday. */
export function parseWeekPeriod(period: string): { start: LocalDate; end: LocalDate } {
  const refuse = () => new ValidationError(`“${period}”不是有效的周次，应写作如 2018-W28`);
  const m = /^([1-9]\d{3})-W(\d{2})$/.exec(period);
  if (!m) throw refuse();
  const start = addDays(weekStart(`${m[1]}-01-04`), (Number(m[2]) - 1) * 7);
  if (isoWeekOf(start) !== period) throw refuse();
  return { start, end: addDays(start, 6) };
}

/** '2018-07-09' → '2018-07'. */
export function monthOf(d: LocalDate): string {
  return d.slice(0, 7);
}

export function monthStart(d: LocalDate): LocalDate {
  return `${d.slice(0, 7)}-01`;
}

export function monthEnd(d: LocalDate): LocalDate {
  const [y, m] = d.split('-').map(Number) as [number, number];
  return fromUtcMidnight(Date.UTC(y, m, 0));
}

/** '2018-07' → its first and last day. */
export function parseMonthPeriod(period: string): { start: LocalDate; end: LocalDate } {
  if (!/^[1-9]\d{3}-(0[1-9]|1[0-2])$/.test(period)) throw new ValidationError(`“${period}”不是有效的月份，应写作如 2018-07`);
  return { start: `${period}-01`, end: monthEnd(`${period}-01`) };
}
