/**
 * The public page: `GET /public/gongshi`, the 销号公示. No sign-in; the only page with ledger
 * content anyone may open. It lists the tasks under 公示 (status `notice`, one query) with what
 * core/closeout.ts lets out — the problem, the target, what was done, the evidence in counts and
 * kinds, the period — and how to object (the office's phone and email from 基本信息). No unit,
 * no person, no other task, no link into the console.
 */
import type { Hono } from 'hono';
import { publicNoticeEntry } from '../core/closeout.ts';
import type { AppDeps } from './deps.ts';
import { renderPage } from './pages.ts';
import type { ConsoleEnv } from './session.ts';

export function publicRoutes(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  app.get('/public/gongshi', async (c) => {
    const [tasks, office] = await Promise.all([deps.store.tasksUnderPublicNotice(), deps.store.officeWords()]);
    const entries = tasks
      .filter((t) => t.closeOut?.state === 'publicNotice')
      .map(publicNoticeEntry)
      .sort((a, b) => a.until.localeCompare(b.until) || a.code.localeCompare(b.code, 'en', { numeric: true }));
    const contact = { name: office.officeName, phone: office.phone.trim(), email: office.email.trim() };
    return c.html(renderPage('gongshi', `${office.programme}销号公示`, { programme: office.programme, entries, contact }));
  });
}
