/** 工作日历: the years the calendar knows, and loading a year by pasting the State Council's notice (the same use case as `PUT /api/calendar/{year}`). */
import type { Context, Hono } from 'hono';
import { describeDisagreement, loadCalendarYear } from '../../core/calendar-load.ts';
import { readHolidayNotice } from '../../core/holiday-notice.ts';
import type { AppDeps } from '../deps.ts';
import { calendarNoticeBody } from '../calendar.ts';
import { parse } from '../schemas.ts';
import { formOf, officeOf, textField, type ConsoleEnv } from '../session.ts';
import { consolePage, officeOnly, refusal } from './office.ts';

export function calendarSection(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  const page = async (c: Context<ConsoleEnv>, extra: object = {}, status: 200 | 201 | 400 | 409 | 503 = 200) => {
    const calendar = await deps.calendar();
    const years = calendar.knownYears().map((year) => ({ year, source: calendar.sourceOf(year) ?? '' }));
    return consolePage(c, '/calendar', 'console-calendar', '工作日历', { years, ...extra }, status);
  };

  app.get('/calendar', async (c) => {
    officeOnly(c);
    return page(c);
  });

  app.post('/calendar', async (c) => {
    const principal = officeOf(c, '载入工作日历');
    const form = await formOf(c);
    const notice = textField(form, 'notice');
    try {
      const body = parse(calendarNoticeBody, { notice, replace: !!textField(form, 'replace') });
      const arrangement = readHolidayNotice(body.notice);
      const result = await loadCalendarYear(
        arrangement,
        { by: principal.kind === 'office' ? principal.name : '', at: deps.clock(), via: 'console', replace: body.replace },
        { store: deps.store, calendar: await deps.calendar() },
      );
      return page(c, { notice: `已载入${result.year}年的法定节假日安排。${result.replaced ? '（已替换原有安排）' : ''}` }, 201);
    } catch (error) {
      const { status, message } = refusal(error);
      return page(c, { error: message, text: notice }, status as 400);
    }
  });
}
