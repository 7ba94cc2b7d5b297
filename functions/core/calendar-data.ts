/**
 * The years duban knows out of the box: the State Council's arrangements for 2004–2026 as the
 * chinese-days package records them (its `holidays` map: days off; its `workdays` map: 调休
 * make-up workdays). chinese-days answers for later years too, by guessing that every weekday is
 * a workday; only the years listed here are taken from it, so a later year must be loaded.
 * The JSON import attribute works under tsx, vitest and esbuild bundles (ESM and CJS).
 */
import data from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import { WorkdayCalendar, type CalendarYear } from './calendar.ts';

export const BUILTIN_YEARS = { first: 2004, last: 2026 } as const;
const SOURCE = 'chinese-days 1.5.7';

const byYear = (dates: Record<string, string>, year: number) =>
  Object.keys(dates)
    .filter((d) => d.startsWith(`${year}-`))
    .sort();

export function builtinCalendarYears(): CalendarYear[] {
  const years: CalendarYear[] = [];
  for (let year = BUILTIN_YEARS.first; year <= BUILTIN_YEARS.last; year++) {
    years.push({ year, holidays: byYear(data.holidays, year), makeupWorkdays: byYear(data.workdays, year), source: SOURCE });
  }
  return years;
}

/** The built-in years plus any the office loaded (a loaded year replaces a built-in one). */
export function defaultCalendar(extra: CalendarYear[] = []): WorkdayCalendar {
  return extra.reduce((calendar, year) => calendar.withYear(year), new WorkdayCalendar(builtinCalendarYears()));
}
