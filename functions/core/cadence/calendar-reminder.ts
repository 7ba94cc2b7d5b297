/**
 * The office is reminded, by email and once a week (the weekly circular's run sends it), that next year's holidays are not loaded.
 * Input: the instant a weekly job runs. Output: one message to each person of the office (整改办)
 * from 1 October until the year is loaded (and on into the new year if it still is not), saying
 * which jobs stop on which date and how to load the State Council's notice.
 * It asks the calendar only about the year it knows, so it still goes out in the last week of the
 * year, when the weekly jobs themselves can no longer run.
 */
import { UnknownCalendarYearError, type WorkdayCalendar } from '../calendar.ts';
import type { CadenceConfig } from './config.ts';
import { addDays, isoWeekday, localDateOf, weekStart, type LocalDate } from '../time.ts';
import type { JobDeps, NoticeDraft } from './job.ts';
import { peopleWithRole } from './snapshot.ts';
import { chineseDay } from './week.ts';

export interface MissingYear {
  year: number;
  /** What stops, from which day (in the year the calendar knows), already passed or not. */
  stops: { what: string; from: LocalDate }[];
}

/** The first day in [from, to] on which `probe` steps into an unknown year. */
function firstRefusal(from: LocalDate, to: LocalDate, probe: (d: LocalDate) => unknown): LocalDate | undefined {
  for (let d = from; d <= to; d = addDays(d, 1)) {
    try {
      probe(d);
    } catch (error) {
      if (error instanceof UnknownCalendarYearError) return d;
      throw error;
    }
  }
  return undefined;
}

/** Next year (from 1 October) or this year, if the calendar does not know it. */
export function missingYear(today: LocalDate, calendar: WorkdayCalendar, config: Pick<CadenceConfig, 'deadlineReminderOffsets'>): MissingYear | undefined {
  const thisYear = Number(today.slice(0, 4));
  if (!calendar.knows(thisYear)) return { year: thisYear, stops: [{ what: '所有定时任务（周调度、周通报、催办、月交账、到期提醒、督办升级）', from: `${thisYear}-01-01` }] };
  const year = thisYear + 1;
  if (today.slice(5) < '10-01' || calendar.knows(year)) return undefined;
  const december = `${thisYear}-12-01`;
  const last = `${thisYear}-12-31`;
  const ahead = Math.max(0, ...config.deadlineReminderOffsets);
  const reminders = firstRefusal(december, last, (d) => calendar.isWorkday(d) && calendar.addWorkdays(d, ahead));
  const crossingWeek = weekStart(`${year}-01-01`);
  const stops = [
    ...(reminders ? [{ what: `到期提醒（提前 ${ahead} 个工作日）`, from: reminders }] : []),
    ...(crossingWeek <= last ? [{ what: '跨年一周的周调度、催办和周通报', from: crossingWeek }] : []),
    { what: `${year}年的整改时限导入、月交账、督办升级等其余定时任务`, from: `${year}-01-01` },
  ];
  return { year, stops };
}

/** The week's reminder to each person of the office, if a year is missing; none otherwise. */
export async function calendarReminders(at: Date, deps: Pick<JobDeps, 'calendar' | 'config' | 'store' | 'warn'>): Promise<NoticeDraft[]> {
  const today = localDateOf(at);
  const missing = missingYear(today, deps.calendar, deps.config);
  if (!missing) return [];
  // Once a week, on a working day of the year it knows (Monday to Friday when it knows none).
  const thisYear = Number(today.slice(0, 4));
  if (deps.calendar.knows(thisYear) ? !deps.calendar.isWorkday(today) : isoWeekday(today) > 5) return [];
  const message = `工作日历尚未载入${missing.year}年的法定节假日安排`;
  deps.warn?.(`${message}; reminding the office`);
  const people = peopleWithRole(await deps.store.people.list(), '整改办');
  return people.map((to) => ({
    kind: 'calendar-reminder',
    to,
    data: {
      year: missing.year,
      stops: missing.stops.map((s) => ({ what: s.what, from: chineseDay(s.from), passed: s.from <= today })),
      noticeTitle: `国务院办公厅关于${missing.year}年部分节假日安排的通知`,
      apiPath: `/api/calendar/${missing.year}`,
    },
  }));
}
