/**
 * The years duban knows out of the box: the State Council's arrangements for 2004–2026 as the
 * chinese-days package records them. chinese-days answers for later years too, by guessing that
 * every weekday is a workday; only the years listed here are taken from it.
 */
import data from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import { WorkdayCalendar, type CalendarYear } from './calendar.ts';

export const BUILTIN_YEARS = { first: 2004, last: 2026 } as const;

export function builtinCalendarYears(): CalendarYear[] {
  const source = data as { holidays: Record<string, string>; workdays: Record<string, string> };
  const years: CalendarYear[] = [];
  for (let year = BUILTIN_YEARS.first; year <= BUILTIN_YEARS.last; year++) {
    const prefix = `${year}-`;
    years.push({
      year,
      holidays: Object.keys(source.holidays).filter((d) => d.startsWith(prefix)).sort(),
      makeupWorkdays: Object.keys(source.workdays).filter((d) => d.startsWith(prefix)).sort(),
      source: 'chinese-days 1.5.7',
    });
  }
  return years;
}

/** The built-in years plus any the office loaded (a loaded year replaces a built-in one). */
export function defaultCalendar(loaded: CalendarYear[] = []): WorkdayCalendar {
  return loaded.reduce((calendar, year) => calendar.withYear(year), new WorkdayCalendar(builtinCalendarYears()));
}
