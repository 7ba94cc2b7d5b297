/** 销号审核: the close-out queue with its evidence; the office approves or returns with a reason. */
import type { Context, Hono } from 'hono';
import { reviewCloseOut } from '../../core/reporting.ts';
import type { AppDeps } from '../deps.ts';
import { pathParamOf } from '../params.ts';
import { taskCode } from '../schemas.ts';
import { formOf, officeOf, textField, type ConsoleEnv } from '../session.ts';
import { consolePage, officeOnly, refusal } from './office.ts';
import { shanghai } from './overview.ts';

export function closeOutSection(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  const page = async (c: Context<ConsoleEnv>, extra: { notice?: string; error?: string; errorCode?: string } = {}, status: 200 | 400 | 404 | 409 | 503 = 200) => {
    const queue = (await deps.store.openTasks())
      .filter((t) => t.closeOut?.state === 'requested')
      .sort((a, b) => a.closeOut!.at.localeCompare(b.closeOut!.at))
      .map((t) => ({ code: t.code, title: t.title, unit: t.closeOut!.unit, at: shanghai(t.closeOut!.at), summary: t.closeOut!.summary, evidence: t.closeOut!.evidence }));
    return consolePage(c, '/closeouts', 'console-closeouts', '销号审核', { queue, ...extra }, status);
  };

  app.get('/closeouts', async (c) => {
    officeOnly(c);
    return page(c);
  });

  app.post('/closeouts/:code', async (c) => {
    const principal = officeOf(c, '审核销号');
    const code = pathParamOf(c, 'code', '任务编号', taskCode);
    const form = await formOf(c);
    const approve = textField(form, 'decision') === 'approve';
    try {
      await reviewCloseOut(code, { approve, reason: textField(form, 'reason') || undefined }, principal, deps.clock(), deps.store, { calendar: await deps.calendar(), workdays: deps.cadence.publicNoticeWorkdays });
    } catch (error) {
      const { status, message } = refusal(error);
      return page(c, { error: message, errorCode: code }, status as 400);
    }
    return page(c, { notice: approve ? `已同意任务 ${code} 销号，进入公示。` : `已退回任务 ${code} 的销号申请。` });
  });
}
