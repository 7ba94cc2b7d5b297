/**
 * The Chinese statutory workday calendar: weekends off, statutory holidays off, 调休 make-up
 * workdays on. It knows the years it was given and refuses to guess about any other: the State
 * Council publishes a year's arrangement late in the year before, and the office loads it.
 */
import { z } from 'zod';
import { DubanError } from './errors.ts';
import { addDays, isLocalDate, isoWeekday, monthEnd, monthStart, weekEnd, weekStart, type LocalDate } from './time.ts';

export interface CalendarYear {
  year: number;
  holidays: LocalDate[];
  makeupWorkdays: LocalDate[];
  source: string;
}

const dateList = z.array(z.string().refine(isLocalDate, { message: '日期应写作 YYYY-MM-DD，且须为真实日期' }));

export const calendarYearSchema = z
  .object({
    year: z.number({ message: 'year 应为年份数字，如 2027' }).int().min(2000).max(2100),
    holidays: dateList,
    makeupWorkdays: dateList.default([]),
    source: z.string().default('整改办载入'),
  })
  .superRefine((value, ctx) => {
    for (const field of ['holidays', 'makeupWorkdays'] as const) {
      value[field].forEach((date, i) => {
        if (!date.startsWith(`${value.year}-`)) {
          ctx.addIssue({ code: 'custom', path: [field, i], message: `${date} 不在 ${value.year} 年内` });
        }
      });
    }
    const holidays = new Set(value.holidays);
    value.makeupWorkdays.forEach((date, i) => {
      if (holidays.has(date)) ctx.addIssue({ code: 'custom', path: ['makeupWorkdays', i], message: `${date} 不能既是节假日又是调休上班日` });
      if (isLocalDate(date) && isoWeekday(date) < 6) {
        ctx.addIssue({ code: 'custom', path: ['makeupWorkdays', i], message: `${date} 不是周六或周日，不需要调休上班` });
      }
    });
  });

export class UnknownCalendarYearError extends DubanError {
  constructor(readonly year: number) {
    super(
      'CALENDAR_YEAR_UNKNOWN',
      `工作日历尚未载入${year}年的法定节假日安排，无法判断工作日；请先载入该年度安排（国务院办公厅节假日通知），如：npx duban calendar load ${year}.json`,
    );
  }
}

export class WorkdayCalendar {
  private readonly years: Map<number, { holidays: Set<LocalDate>; makeup: Set<LocalDate>; source: string }>;

  constructor(private readonly given: CalendarYear[]) {
    this.years = new Map(
      given.map((y) => [y.year, { holidays: new Set(y.holidays), makeup: new Set(y.makeupWorkdays), source: y.source }]),
    );
  }

  knownYears(): number[] {
    return [...this.years.keys()].sort((a, b) => a - b);
  }

  knows(year: number): boolean {
    return this.years.has(year);
  }

  /** A calendar that also knows `year` (replacing what it knew of that year). */
  withYear(year: CalendarYear): WorkdayCalendar {
    return new WorkdayCalendar([...this.given.filter((y) => y.year !== year.year), year]);
  }

  private yearOf(d: LocalDate) {
    const year = Number(d.slice(0, 4));
    const known = this.years.get(year);
    if (!known) throw new UnknownCalendarYearError(year);
    return known;
  }

  isWorkday(d: LocalDate): boolean {
    const year = this.yearOf(d);
    if (year.makeup.has(d)) return true;
    if (year.holidays.has(d)) return false;
    return isoWeekday(d) <= 5;
  }

  /** A statutory holiday (not an ordinary weekend). */
  isHoliday(d: LocalDate): boolean {
    return this.yearOf(d).holidays.has(d);
  }

  nextWorkdayOnOrAfter(d: LocalDate): LocalDate {
    let day = d;
    while (!this.isWorkday(day)) day = addDays(day, 1);
    return day;
  }

  previousWorkdayOnOrBefore(d: LocalDate): LocalDate {
    let day = d;
    while (!this.isWorkday(day)) day = addDays(day, -1);
    return day;
  }

  /** The workday n workdays after d (n < 0: before); d itself is not counted. */
  addWorkdays(d: LocalDate, n: number): LocalDate {
    const step = n >= 0 ? 1 : -1;
    let day = d;
    for (let left = Math.abs(n); left > 0; ) {
      day = addDays(day, step);
      if (this.isWorkday(day)) left--;
    }
    return day;
  }

  /** Workdays in (a, b]; negative when b is before a. */
  workdaysBetween(a: LocalDate, b: LocalDate): number {
    if (b < a) return -this.workdaysBetween(b, a);
    let count = 0;
    for (let day = addDays(a, 1); day <= b; day = addDays(day, 1)) if (this.isWorkday(day)) count++;
    return count;
  }

  private firstWorkdayIn(from: LocalDate, to: LocalDate): LocalDate | undefined {
    for (let day = from; day <= to; day = addDays(day, 1)) if (this.isWorkday(day)) return day;
    return undefined;
  }

  private lastWorkdayIn(from: LocalDate, to: LocalDate): LocalDate | undefined {
    for (let day = to; day >= from; day = addDays(day, -1)) if (this.isWorkday(day)) return day;
    return undefined;
  }

  /** Undefined for a week with no workday at all. */
  firstWorkdayOfWeek(d: LocalDate): LocalDate | undefined {
    return this.firstWorkdayIn(weekStart(d), weekEnd(d));
  }

  lastWorkdayOfWeek(d: LocalDate): LocalDate | undefined {
    return this.lastWorkdayIn(weekStart(d), weekEnd(d));
  }

  firstWorkdayOfMonth(d: LocalDate): LocalDate | undefined {
    return this.firstWorkdayIn(monthStart(d), monthEnd(d));
  }

  lastWorkdayOfMonth(d: LocalDate): LocalDate | undefined {
    return this.lastWorkdayIn(monthStart(d), monthEnd(d));
  }
}
