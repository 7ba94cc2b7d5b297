/**
 * The Chinese statutory workday calendar: weekends off, statutory holidays off, 调休 make-up
 * workdays on. It knows the years it was given and refuses to guess about any other: the State
 * Council publishes a year's arrangement late in the year before, and the office loads it.
 * Every walk (next workday, N workdays later, workdays between) refuses as soon as it steps into
 * a year it does not know.
 */
import * as z from 'zod';
import { DubanError, ValidationError } from './errors.ts';
import { addDays, daysBetween, isLocalDate, isoWeekday, monthEnd, monthStart, weekEnd, weekStart, type LocalDate } from './time.ts';

export interface CalendarYear {
  year: number;
  /** Statutory days off, including weekend days inside a holiday block where the source lists them. */
  holidays: LocalDate[];
  /** 调休: Saturdays and Sundays that are worked. */
  makeupWorkdays: LocalDate[];
  /** Where the arrangement comes from (a State Council notice, a package version). */
  source: string;
}

const FIELD_NAMES = { holidays: '节假日（holidays）', makeupWorkdays: '调休上班日（makeupWorkdays）' } as const;

const dateList = (field: keyof typeof FIELD_NAMES) =>
  z.array(z.string({ error: `${FIELD_NAMES[field]}的每一项应为日期文字，如 2027-01-01` }), {
    error: `${FIELD_NAMES[field]}应为日期列表，如 ["2027-01-01"]`,
  });

const yearFields = {
  year: z
    .number({ error: '年份（year）应为数字，如 2027' })
    .int({ error: '年份（year）应为整数，如 2027' })
    .min(2000, { error: '年份（year）应在 2000–2100 之间' })
    .max(2100, { error: '年份（year）应在 2000–2100 之间' }),
  holidays: dateList('holidays'),
  makeupWorkdays: dateList('makeupWorkdays').default([]),
  source: z
    .string({ error: '来源（source）应为文字，如“国办发明电〔2026〕×号”' })
    .min(1, { error: '来源（source）不能为空' })
    .default('整改办载入'),
};

/** A year file as the office loads it; every message names the field and the item at fault. */
export const calendarYearSchema = z
  .object(yearFields, { error: '年度安排应为一个 JSON 对象，含 year、holidays、makeupWorkdays、source' })
  .superRefine((value, ctx) => {
    for (const field of ['holidays', 'makeupWorkdays'] as const) {
      const seen = new Set<string>();
      value[field].forEach((date, i) => {
        const at = `${FIELD_NAMES[field]}第${i + 1}项“${date}”`;
        const issue = (message: string) => ctx.addIssue({ code: 'custom', path: [field, i], message });
        if (!isLocalDate(date)) issue(`日期应写作 YYYY-MM-DD，且须为真实日期：${FIELD_NAMES[field]}第${i + 1}项为“${date}”`);
        else if (!date.startsWith(`${value.year}-`)) issue(`${at}不在${value.year}年内`);
        else if (seen.has(date)) issue(`${at}重复`);
        else if (field === 'makeupWorkdays' && value.holidays.includes(date)) issue(`${at}同时列在节假日中，一天不能既放假又调休上班`);
        else if (field === 'makeupWorkdays' && isoWeekday(date) < 6) issue(`${at}不是周六或周日，平日本就上班，不是调休上班日`);
        seen.add(date);
      });
    }
    // A year without its fixed statutory days is not an arrangement: it would silently turn the
    // year into plain Monday–Friday weeks.
    if (value.holidays.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['holidays'], message: `${FIELD_NAMES.holidays}为空：${value.year}年不可能没有法定节假日，请按国务院办公厅通知填写` });
      return;
    }
    const missing = STATUTORY_DAYS.filter(([day]) => !value.holidays.includes(`${value.year}-${day}`));
    if (missing.length) {
      const names = missing.map(([day, name]) => `${name}${Number(day.slice(0, 2))}月${Number(day.slice(3))}日`).join('、');
      ctx.addIssue({ code: 'custom', path: ['holidays'], message: `${FIELD_NAMES.holidays}缺少法定节假日：${names}（每年固定放假），请检查是否填写完整` });
    }
  });

/** Days off every year by law (全国年节及纪念日放假办法), whatever the 调休. */
const STATUTORY_DAYS: readonly (readonly [string, string])[] = [
  ['01-01', '元旦'],
  ['05-01', '劳动节'],
  ['10-01', '国庆节'],
  ['10-02', '国庆节'],
  ['10-03', '国庆节'],
];

export class UnknownCalendarYearError extends DubanError {
  constructor(readonly year: number) {
    super(
      'CALENDAR_YEAR_UNKNOWN',
      `工作日历尚未载入${year}年的法定节假日安排，无法判断工作日；请先载入该年度安排（国务院办公厅节假日通知）`,
    );
  }
}

interface KnownYear {
  holidays: Set<LocalDate>;
  makeup: Set<LocalDate>;
  source: string;
}

export class WorkdayCalendar {
  private readonly years: Map<number, KnownYear>;

  constructor(private readonly given: readonly CalendarYear[]) {
    this.years = new Map();
    for (const y of given) {
      const stray = [...y.holidays, ...y.makeupWorkdays].find((d) => !isLocalDate(d) || !d.startsWith(`${y.year}-`));
      if (stray) throw new ValidationError(`${y.year}年工作日历中的“${stray}”不是该年内的有效日期`);
      this.years.set(y.year, { holidays: new Set(y.holidays), makeup: new Set(y.makeupWorkdays), source: y.source });
    }
  }

  knownYears(): number[] {
    return [...this.years.keys()].sort((a, b) => a - b);
  }

  knows(year: number): boolean {
    return this.years.has(year);
  }

  /** Where a known year's arrangement came from; undefined for an unknown year. */
  sourceOf(year: number): string | undefined {
    return this.years.get(year)?.source;
  }

  /** A known year's arrangement as it was given; undefined for an unknown year. */
  arrangementOf(year: number): CalendarYear | undefined {
    return this.given.find((y) => y.year === year);
  }

  /** A new calendar that also knows `year`, replacing what this one knew of that year. */
  withYear(year: CalendarYear): WorkdayCalendar {
    return new WorkdayCalendar([...this.given.filter((y) => y.year !== year.year), year]);
  }

  private yearOf(d: LocalDate): KnownYear {
    if (!isLocalDate(d)) throw new ValidationError(`日期“${d}”无效，应写作 YYYY-MM-DD`);
    const year = Number(d.slice(0, 4));
    const known = this.years.get(year);
    if (!known) throw new UnknownCalendarYearError(year);
    return known;
  }

  /** A make-up day is worked; a holiday is not; otherwise Monday to Friday. */
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

  /** The day n workdays after d (n < 0: before), counting workdays only; d itself is not counted. */
  addWorkdays(d: LocalDate, n: number): LocalDate {
    if (!Number.isInteger(n)) throw new ValidationError(`工作日天数应为整数，收到 ${n}`);
    this.yearOf(d);
    const step = n >= 0 ? 1 : -1;
    let day = d;
    for (let left = Math.abs(n); left > 0; ) {
      day = addDays(day, step);
      if (this.isWorkday(day)) left--;
    }
    return day;
  }

  /**
   * Workdays in (a, b]; negative when b is before a. Counted from each year's running totals (made
   * once per year), not day by day: the lights ask it for every open task, deadlines a year off.
   */
  workdaysBetween(a: LocalDate, b: LocalDate): number {
    if (b < a) return -this.workdaysBetween(b, a) || 0; // 0, not -0, when no workday lies between
    this.yearOf(a);
    const [ya, yb] = [Number(a.slice(0, 4)), Number(b.slice(0, 4))];
    let count = -this.workdaysThrough(a);
    for (let y = ya; y < yb; y++) count += this.workdaysThrough(`${y}-12-31`);
    return count + this.workdaysThrough(b);
  }

  /** Workdays from 1 January of d's year through d. */
  private workdaysThrough(d: LocalDate): number {
    this.yearOf(d);
    const year = Number(d.slice(0, 4));
    let totals = this.runningTotals.get(year);
    if (!totals) {
      const days = daysBetween(`${year}-01-01`, `${year}-12-31`) + 1;
      totals = new Uint16Array(days);
      let count = 0;
      for (let i = 0, day = `${year}-01-01`; i < days; i++, day = addDays(day, 1)) totals[i] = count += this.isWorkday(day) ? 1 : 0;
      this.runningTotals.set(year, totals);
    }
    return totals[daysBetween(`${year}-01-01`, d)]!;
  }
  private readonly runningTotals = new Map<number, Uint16Array>();

  /** Undefined for a week with no workday at all. */
  firstWorkdayOfWeek(d: LocalDate): LocalDate | undefined {
    this.yearOf(d);
    return this.firstWorkdayIn(weekStart(d), weekEnd(d));
  }

  lastWorkdayOfWeek(d: LocalDate): LocalDate | undefined {
    this.yearOf(d);
    return this.lastWorkdayIn(weekStart(d), weekEnd(d));
  }

  firstWorkdayOfMonth(d: LocalDate): LocalDate | undefined {
    this.yearOf(d);
    return this.firstWorkdayIn(monthStart(d), monthEnd(d));
  }

  lastWorkdayOfMonth(d: LocalDate): LocalDate | undefined {
    this.yearOf(d);
    return this.lastWorkdayIn(monthStart(d), monthEnd(d));
  }

  /** Walks day by day, so it refuses only when the walk itself steps into an unknown year. */
  private firstWorkdayIn(from: LocalDate, to: LocalDate): LocalDate | undefined {
    for (let day = from; day <= to; day = addDays(day, 1)) if (this.isWorkday(day)) return day;
    return undefined;
  }

  private lastWorkdayIn(from: LocalDate, to: LocalDate): LocalDate | undefined {
    for (let day = to; day >= from; day = addDays(day, -1)) if (this.isWorkday(day)) return day;
    return undefined;
  }
}
