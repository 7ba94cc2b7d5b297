/**
 * Dates and instants in Asia/Shanghai (UTC+8 all year, no daylight saving since 1991).
 * A LocalDate is 'YYYY-MM-DD' on the Shanghai calendar; instants are Dates. Pure string arithmetic.
 */
export type LocalDate = string;
export const TIME_ZONE = 'Asia/Shanghai';
const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function isLocalDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
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

export function localTimeOf(at: Date): string {
  const shifted = new Date(at.getTime() + OFFSET_MS);
  return `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}`;
}

/** The instant of a Shanghai wall-clock time on a date. */
export function instantAt(date: LocalDate, time = '00:00'): Date {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return new Date(toUtcMidnight(date) + (h * 60 + m) * 60_000 - OFFSET_MS);
}

export function addDays(d: LocalDate, n: number): LocalDate {
  return fromUtcMidnight(toUtcMidnight(d) + n * DAY_MS);
}

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

export function weekStart(d: LocalDate): LocalDate {
  return addDays(d, 1 - isoWeekday(d));
}

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

export function parseWeekPeriod(period: string): { start: LocalDate; end: LocalDate } {
  const match = /^(\d{4})-W(\d{2})$/.exec(period);
  if (!match) throw new Error(`Not an ISO week: ${period}`);
  const jan4 = `${match[1]}-01-04`;
  const start = addDays(weekStart(jan4), (Number(match[2]) - 1) * 7);
  if (isoWeekOf(start) !== period) throw new Error(`Not an ISO week: ${period}`);
  return { start, end: addDays(start, 6) };
}

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

export function parseMonthPeriod(period: string): { start: LocalDate; end: LocalDate } {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) throw new Error(`Not a month: ${period}`);
  return { start: `${period}-01`, end: monthEnd(`${period}-01`) };
}
