/**
 * The office loads a year into the workday calendar by sending the State Council's notice as it
 * was copied: `PUT /api/calendar/{year}` with `{"notice": "…", "replace"?, "dryRun"?}` (or the
 * notice as text/plain). The same use case as `npx duban calendar notice`.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import * as z from 'zod';
import { loadCalendarYear } from '../core/calendar-load.ts';
import type { WorkdayCalendar } from '../core/calendar.ts';
import { ValidationError } from '../core/errors.ts';
import { readHolidayNotice } from '../core/holiday-notice.ts';
import type { Principal, Store } from '../core/ports.ts';
import { ForbiddenError } from '../core/reporting.ts';
import { pathParam } from './params.ts';
import { parse } from './schemas.ts';

export const calendarNoticeBody = z
  .object({
    notice: z
      .string({ error: '通知全文（notice）应为文字：请粘贴国务院办公厅节假日安排通知的全文' })
      .min(20, { error: '通知全文（notice）太短：请粘贴通知的全文，从标题到落款' })
      .max(20_000, { error: '通知全文（notice）不能超过 20000 字' }),
    replace: z.boolean({ error: '替换（replace）应为 true 或 false' }).optional(),
    dryRun: z.boolean({ error: '只核对（dryRun）应为 true 或 false' }).optional(),
  })
  .strict();

interface CalendarRouteDeps {
  store: Store;
  clock: () => Date;
  calendar: () => Promise<WorkdayCalendar>;
}

type Env = { Variables: { principal: Principal } };

export function calendarRoutes(app: Hono<Env>, deps: CalendarRouteDeps, limit: MiddlewareHandler): void {
  app.put('/api/calendar/:year', limit, async (c) => {
    const principal = c.get('principal');
    if (principal.kind !== 'office') throw new ForbiddenError('只有整改办可以载入工作日历');
    const yearText = pathParam(c, 'year', '年份', 4);
    if (!/^\d{4}$/.test(yearText)) throw new ValidationError(`路径中的年份应为四位数字，如 2027（收到“${yearText}”）`, 'year');
    const text = (c.req.header('Content-Type') ?? '').startsWith('text/plain')
      ? { notice: await c.req.text() }
      : await c.req.json().catch(() => {
          throw new ValidationError('请求体应为 JSON：{"notice": "通知全文"}，或以 text/plain 发送通知全文', 'body');
        });
    const body = parse(calendarNoticeBody, text);
    const arrangement = readHolidayNotice(body.notice);
    if (arrangement.year !== Number(yearText)) {
      throw new ValidationError(`通知是${arrangement.year}年的安排，与地址中的${yearText}年不符`, 'year');
    }
    const result = await loadCalendarYear(
      arrangement,
      { by: principal.name, at: deps.clock(), via: 'api', replace: body.replace, dryRun: body.dryRun },
      { store: deps.store, calendar: await deps.calendar() },
    );
    return c.json(
      {
        year: result.year,
        loaded: !result.dryRun,
        replaced: result.replaced,
        disagreements: result.disagreements,
        ...(result.previousYear ? { previousYear: { year: result.previousYear.year.year, changed: result.previousYear.changed } } : {}),
      },
      result.dryRun ? 200 : 201,
    );
  });
}
