/** 约谈: the open records; the office records scheduling, holding, attendees, commitments (a dated one becomes a milestone) and the outcome. */
import type { Context, Hono } from 'hono';
import { followUpInterview } from '../../core/interviews.ts';
import type { AppDeps } from '../deps.ts';
import { pathParam } from '../params.ts';
import { interviewBody, parse } from '../schemas.ts';
import { formOf, officeOf, textField, type ConsoleEnv } from '../session.ts';
import { consolePage, officeOnly, refusal } from './office.ts';

/** Commitment rows on the form. */
const COMMITMENT_ROWS = 3;

export function interviewSection(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  const page = async (c: Context<ConsoleEnv>, extra: { notice?: string; error?: string; errorId?: string } = {}, status: 200 | 400 | 404 | 409 | 503 = 200) => {
    const interviews = (await deps.store.openInterviews()).map((i) => ({ ...i, attendeesText: i.attendees.join('、'), rows: Array.from({ length: COMMITMENT_ROWS }, (_, n) => n) }));
    return consolePage(c, '/interviews', 'console-interviews', '约谈', { interviews, ...extra }, status);
  };

  app.get('/interviews', async (c) => {
    officeOnly(c);
    return page(c);
  });

  app.post('/interviews/:id', async (c) => {
    const principal = officeOf(c, '登记约谈');
    const id = pathParam(c, 'id', '约谈记录编号', 300);
    const form = await formOf(c);
    const field = (name: string) => textField(form, name);
    try {
      const commitments = Array.from({ length: COMMITMENT_ROWS }, (_, n) => ({ content: field(`commitment:${n}`), due: field(`due:${n}`) }))
        .filter((r) => r.content || r.due)
        .map((r) => ({ content: r.content, ...(r.due ? { due: r.due } : {}) }));
      const update = parse(interviewBody, {
        ...(field('scheduledAt') ? { scheduledAt: field('scheduledAt') } : {}),
        ...(field('heldAt') ? { heldAt: field('heldAt') } : {}),
        ...(field('attendees') ? { attendees: field('attendees').split(/[、，,\s]+/).filter(Boolean) } : {}),
        ...(commitments.length ? { commitments } : {}),
        ...(field('outcome') ? { outcome: field('outcome') } : {}),
        ...(field('close') ? { close: true } : {}),
      });
      await followUpInterview(id, update, principal, deps.clock(), { store: deps.store, calendar: await deps.calendar() }, field('key') || undefined);
    } catch (error) {
      const { status, message } = refusal(error);
      return page(c, { error: message, errorId: id }, status as 400);
    }
    return page(c, { notice: `已登记${id.split('|')[0]}的约谈情况。` });
  });
}
