/**
 * The working week as the cadence sees it: the dispatch day (first workday), the report-due and
 * chase days (Thursday, or the last workday before it that week), the circular day (last workday).
 */
import type { WorkdayCalendar } from '../calendar.ts';
import { addDays, isoWeekday, weekStart, type LocalDate } from '../time.ts';
import type { CadenceConfig } from './config.ts';

/** The workday on `weekday` of d's week, or the last workday before it in that week. */
export function workdayOnOrBefore(d: LocalDate, weekday: number, calendar: WorkdayCalendar): LocalDate | undefined {
  const start = weekStart(d);
  for (let day = addDays(start, weekday - 1); day >= start; day = addDays(day, -1)) {
    if (calendar.isWorkday(day)) return day;
  }
  return undefined;
}

export function reportDueDay(d: LocalDate, calendar: WorkdayCalendar, config: CadenceConfig): LocalDate | undefined {
  return workdayOnOrBefore(d, config.reportDueWeekday, calendar) ?? calendar.lastWorkdayOfWeek(d);
}

export function chaseDay(d: LocalDate, calendar: WorkdayCalendar, config: CadenceConfig): LocalDate | undefined {
  const day = workdayOnOrBefore(d, config.chaseWeekday, calendar);
  // No chase on the dispatch day itself: units have had no time to report.
  return day && day !== calendar.firstWorkdayOfWeek(d) ? day : undefined;
}

const weekdayNames = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];

/** 7月12日（周四） */
export function chineseDay(d: LocalDate): string {
  const [, m, day] = d.split('-').map(Number);
  return `${m}月${day}日（${weekdayNames[isoWeekday(d)]}）`;
}

/** 2018年第28周（7月9日—7月15日） */
export function chineseWeek(week: string, start: LocalDate, end: LocalDate): string {
  const [year, n] = week.split('-W');
  const md = (d: LocalDate) => `${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;
  return `${year}年第${Number(n)}周（${md(start)}—${md(end)}）`;
}
