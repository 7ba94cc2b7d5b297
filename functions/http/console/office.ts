/**
 * The office's console sections: 导入台账, 销号审核 (with 公示 and 延期), 约谈, 督办升级, 常态化工作,
 * 单位与联系人, 工作日历, 报告. Each action calls the same use case as the API and the CLI with the
 * signed-in person as the principal, so every audit event names them. A leader opens 报告, 督办升级 and 常态化工作 (read only); every other
 * section is the office's.
 */
import type { Context, Hono } from 'hono';
import type { ConsoleEnv } from '../session.ts';
import type { AppDeps } from '../deps.ts';
import { importSection } from './import.ts';
import { closeOutSection } from './closeouts.ts';
import { interviewSection } from './interviews.ts';
import { unitSection } from './units.ts';
import { calendarSection } from './calendar.ts';
import { archiveSection } from './archive.ts';
import { escalationSection } from './escalations.ts';
import { dutySection } from './duties.ts';
import { renderPage } from '../pages.ts';
import { chromeOf, sessionIn } from '../session.ts';
import { DubanError } from '../../core/errors.ts';
import { ForbiddenError } from '../../core/reporting.ts';

/** Renders a console page for the signed-in person; `office` pages refuse a leader. */
export function consolePage(c: Context<ConsoleEnv>, path: string, name: string, title: string, context: object, status: 200 | 201 | 400 | 403 | 404 | 409 | 503 = 200): Response {
  return c.html(renderPage(name, title, context, chromeOf(sessionIn(c), path)), status);
}

export function officeOnly(c: Context<ConsoleEnv>): void {
  if (sessionIn(c).role !== 'office') throw new ForbiddenError('此页面仅限整改办使用；领导账号可查看总览、台账、督办升级、常态化工作和报告');
}

/** The status a refused action answers with, and its message for the page. */
export function refusal(error: unknown): { status: 400 | 404 | 409 | 503; message: string } {
  if (!(error instanceof DubanError)) throw error;
  // Refusals of who may act become the error page (403, 401); the rest show on the section's page.
  if (error.code === 'FORBIDDEN' || error.code === 'UNAUTHENTICATED') throw error;
  const statuses: Partial<Record<string, 404 | 409 | 503>> = { NOT_FOUND: 404, VERSION_CONFLICT: 409, ALREADY_EXISTS: 409, CALENDAR_CONFLICT: 409, CALENDAR_YEAR_UNKNOWN: 503 };
  const status = statuses[error.code] ?? 400;
  return { status, message: error.message };
}

export function consoleOfficeRoutes(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  importSection(app, deps);
  closeOutSection(app, deps);
  interviewSection(app, deps);
  escalationSection(app, deps);
  dutySection(app, deps);
  unitSection(app, deps);
  calendarSection(app, deps);
  archiveSection(app, deps);
}
