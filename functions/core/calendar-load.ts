/**
 * Loading a year into the workday calendar, from a State Council notice or a year file.
 *
 * Input: the year's arrangement (and, from a notice, the days it arranges at the end of the year
 * before), who loads it and when, whether it may replace what the calendar already says.
 * Output: what was loaded, every date on which it disagrees with the calendar as it stood, and
 * what changed in the year before.
 * Primary course: check the arrangement whole (real dates of that year, make-up days on weekends,
 * the fixed statutory days present); where the year is already known (built in or loaded), list
 * the disagreements and refuse unless told to replace; store the year with an audit event naming
 * its source. A 元旦 block that starts in December amends the year before (if it is known).
 */
import { calendarYearSchema, type CalendarYear, type WorkdayCalendar } from './calendar.ts';
import { DubanError, ValidationError } from './errors.ts';
import type { NoticeArrangement } from './holiday-notice.ts';
import type { Store } from './ports.ts';
import { addDays, isoWeekday, type LocalDate } from './time.ts';

export interface Disagreement {
  date: LocalDate;
  /** What the calendar said before, and what the new arrangement says. */
  before: 'workday' | 'off';
  after: 'workday' | 'off';
}

export interface CalendarLoadResult {
  year: CalendarYear;
  /** True when the year was known before (built in or loaded) and is now replaced. */
  replaced: boolean;
  disagreements: Disagreement[];
  /** The year before, amended by the notice's December days, when that year is known. */
  previousYear?: { year: CalendarYear; changed: Disagreement[] };
  /** True for a dry run: nothing was stored. */
  dryRun: boolean;
}

export interface CalendarLoadOptions {
  by: string;
  at: Date;
  /** Where the text came from: a file name, 'api', 'console'. */
  via: string;
  replace?: boolean;
  dryRun?: boolean;
}

export class CalendarConflictError extends DubanError {
  constructor(
    readonly year: number,
    readonly disagreements: Disagreement[],
  ) {
    super(
      'CALENDAR_CONFLICT',
      `工作日历已有${year}年的安排，与本次载入的有 ${disagreements.length} 天不一致：${disagreements.map(describeDisagreement).join('；')}。核对无误后，请用 --replace（或 replace: true）替换`,
      'replace',
    );
  }
}

const LABEL = { workday: '上班', off: '休息' } as const;

export function describeDisagreement(d: Disagreement): string {
  return `${d.date}（原为${LABEL[d.before]}，现为${LABEL[d.after]}）`;
}

/** Checks a year as the office gives it; every message names the field and the item at fault. */
export function checkCalendarYear(input: unknown): CalendarYear {
  const parsed = calendarYearSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    throw new ValidationError(issues.map((i) => i.message).join('；'), issues[0]!.path.join('.') || 'year');
  }
  return parsed.data;
}

const workdayIn = (year: Pick<CalendarYear, 'holidays' | 'makeupWorkdays'>) => {
  const holidays = new Set(year.holidays);
  const makeup = new Set(year.makeupWorkdays);
  return (d: LocalDate) => (makeup.has(d) ? true : holidays.has(d) ? false : isoWeekday(d) <= 5);
};

function compare(calendar: WorkdayCalendar, year: number, next: (d: LocalDate) => boolean, only?: Set<LocalDate>): Disagreement[] {
  const out: Disagreement[] = [];
  for (let d = `${year}-01-01`; d.startsWith(`${year}-`); d = addDays(d, 1)) {
    if (only && !only.has(d)) continue;
    const before = calendar.isWorkday(d);
    const after = next(d);
    if (before !== after) out.push({ date: d, before: before ? 'workday' : 'off', after: after ? 'workday' : 'off' });
  }
  return out;
}

/**
 * A year's notice arranges nothing after its 国庆节 block; the last days of December come with the
 * next year's notice (its 元旦 item), and the calendar may know them already. Those days are kept.
 */
function keepYearEnd(year: CalendarYear, calendar: WorkdayCalendar): CalendarYear {
  const known = calendar.arrangementOf(year.year);
  if (!known) return year;
  const lastArranged = [...year.holidays, ...year.makeupWorkdays].sort().at(-1)!;
  const tail = (dates: LocalDate[]) => dates.filter((d) => d > lastArranged && d >= `${year.year}-12-01`);
  const holidays = tail(known.holidays);
  const makeup = tail(known.makeupWorkdays);
  if (!holidays.length && !makeup.length) return year;
  return { ...year, holidays: [...year.holidays, ...holidays].sort(), makeupWorkdays: [...year.makeupWorkdays, ...makeup].sort() };
}

export async function loadCalendarYear(
  input: CalendarYear | NoticeArrangement,
  options: CalendarLoadOptions,
  deps: { store: Pick<Store, 'saveCalendarYear'>; calendar: WorkdayCalendar },
): Promise<CalendarLoadResult> {
  const { calendar } = deps;
  const spill = 'previousYear' in input ? input.previousYear : undefined;
  const year = keepYearEnd(checkCalendarYear({ year: input.year, holidays: input.holidays, makeupWorkdays: input.makeupWorkdays, source: input.source }), calendar);
  const known = calendar.knows(year.year);
  const disagreements = known ? compare(calendar, year.year, workdayIn(year)) : [];
  if (disagreements.length && !options.replace) throw new CalendarConflictError(year.year, disagreements);

  let previousYear: CalendarLoadResult['previousYear'];
  const before = spill && calendar.arrangementOf(spill.year);
  if (spill && before) {
    const holidays = new Set([...before.holidays, ...spill.holidays]);
    const makeup = new Set([...before.makeupWorkdays, ...spill.makeupWorkdays]);
    spill.makeupWorkdays.forEach((d) => holidays.delete(d));
    spill.holidays.forEach((d) => makeup.delete(d));
    const amended: CalendarYear = {
      year: spill.year,
      holidays: [...holidays].sort(),
      makeupWorkdays: [...makeup].sort(),
      source: before.source.includes(year.source) ? before.source : `${before.source}；年末按${year.source}`,
    };
    const changed = compare(calendar, spill.year, workdayIn(amended), new Set([...spill.holidays, ...spill.makeupWorkdays]));
    previousYear = { year: amended, changed };
  }

  if (!options.dryRun) {
    const event = (loaded: CalendarYear, detail: Record<string, unknown>) => ({
      type: 'calendar.loaded',
      by: options.by,
      at: options.at.toISOString(),
      detail: { source: loaded.source, via: options.via, ...detail },
    });
    await deps.store.saveCalendarYear(year, event(year, { replaced: known, disagreements: disagreements.map((d) => d.date) }));
    if (previousYear && previousYear.changed.length) {
      await deps.store.saveCalendarYear(previousYear.year, event(previousYear.year, { amendedBy: year.source, changed: previousYear.changed.map((d) => d.date) }));
    }
  }
  return { year, replaced: known, disagreements, previousYear, dryRun: options.dryRun ?? false };
}
