/**
 * 销号审核: the close-out queue with its evidence (the office approves or returns with a reason);
 * the tasks under 公示 with a form to record an objection; the pending 延期 requests (approve, or
 * return with a reason); and reopening a closed task with a reason (from the task's page). The
 * same use cases as the API (core/closeout.ts, core/lookback.ts, core/extension.ts).
 */
import type { Context, Hono } from 'hono';
import { recordObjection } from '../../core/closeout.ts';
import { reopenTask } from '../../core/lookback.ts';
import { reviewExtension } from '../../core/extension.ts';
import { reviewCloseOut } from '../../core/reporting.ts';
import type { AppDeps } from '../deps.ts';
import { extensionReviewBody } from '../duties.ts';
import { pathParamOf } from '../params.ts';
import { objectionBody, parse, reopenBody, taskCode } from '../schemas.ts';
import { renderPage } from '../pages.ts';
import { chromeOf, formOf, officeOf, sessionIn, textField, type ConsoleEnv } from '../session.ts';
import { closeOutEvidenceIds } from '../../core/evidence-files.ts';
import { consoleEvidence, evidenceCsp } from '../evidence.ts';
import { consolePage, officeOnly, refusal } from './office.ts';
import { shanghai } from './overview.ts';

type Extra = { notice?: string; error?: string; errorCode?: string };

export function closeOutSection(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  const page = async (c: Context<ConsoleEnv>, extra: Extra = {}, status: 200 | 201 | 400 | 404 | 409 | 503 = 200) => {
    const [open, underNotice] = await Promise.all([deps.store.openTasks(), deps.store.tasksUnderPublicNotice()]);
    const byCode = (a: { code: string }, b: { code: string }) => a.code.localeCompare(b.code, 'en', { numeric: true });
    const queue = await Promise.all(
      open
        .filter((t) => t.closeOut?.state === 'requested')
        .sort((a, b) => a.closeOut!.at.localeCompare(b.closeOut!.at))
        .map(async (t) => {
          const closeOut = t.closeOut!;
          // Every lead unit's part, with its photos side by side; a photo taken long before the request is flagged.
          const parts = [{ unit: closeOut.unit, at: closeOut.at, summary: closeOut.summary, evidence: closeOut.evidence }, ...(closeOut.confirmations ?? []).filter((p) => p.unit !== closeOut.unit || p.at !== closeOut.at)];
          const shown = await Promise.all(parts.map(async (p) => ({ unit: p.unit, at: shanghai(p.at), summary: p.summary, ...(await consoleEvidence(deps, p.evidence, new Date(p.at))) })));
          return { code: t.code, title: t.title, unit: closeOut.unit, at: shanghai(closeOut.at), summary: closeOut.summary, evidence: closeOut.evidence, parts: shown };
        }),
    );
    c.header('Content-Security-Policy', evidenceCsp(deps));
    // Each task under 公示 with its files: the office ticks which the public page shows.
    const notices = await Promise.all(
      underNotice
        .filter((t) => t.closeOut?.state === 'publicNotice')
        .sort(byCode)
        .map(async (t) => ({
          code: t.code,
          title: t.title,
          leadUnits: t.leadUnitsText,
          from: t.closeOut!.publicNotice?.from ?? '',
          until: t.closeOut!.publicNotice?.until ?? '',
          files: (await consoleEvidence(deps, closeOutEvidenceIds(t), new Date(t.closeOut!.at))).files,
        })),
    );
    const extensions = open
      .filter((t) => t.extension?.state === 'requested')
      .sort(byCode)
      .map((t) => ({ code: t.code, title: t.title, unit: t.extension!.unit, at: shanghai(t.extension!.at), deadline: t.deadline.text, due: t.deadline.kind === 'ongoing' ? '' : t.deadline.due, until: t.extension!.until, reason: t.extension!.reason }));
    return consolePage(c, '/closeouts', 'console-closeouts', '销号审核', { queue, notices, extensions, ...extra }, status);
  };

  /** Runs an office action; a refusal shows on the page beside the task's code, nothing written. */
  const act = async (c: Context<ConsoleEnv>, code: string, run: () => Promise<string>) => {
    try {
      const notice = await run();
      return page(c, { notice });
    } catch (error) {
      const { status, message } = refusal(error);
      return page(c, { error: message, errorCode: code }, status as 400);
    }
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
    return act(c, code, async () => {
      await reviewCloseOut(code, { approve, reason: textField(form, 'reason') || undefined }, principal, deps.clock(), deps.store, { calendar: await deps.calendar(), workdays: deps.cadence.publicNoticeWorkdays });
      return approve ? `已同意任务 ${code} 销号，进入公示。` : `已退回任务 ${code} 的销号申请。`;
    });
  });

  app.post('/closeouts/:code/objection', async (c) => {
    const principal = officeOf(c, '登记公示异议');
    const code = pathParamOf(c, 'code', '任务编号', taskCode);
    const form = await formOf(c);
    return act(c, code, async () => {
      const source = textField(form, 'source');
      const body = parse(objectionBody, { content: textField(form, 'content'), ...(source ? { source } : {}) });
      await recordObjection(code, body, principal, deps.clock(), deps.store);
      return `已登记任务 ${code} 的公示异议，任务退回整改中。`;
    });
  });

  app.post('/closeouts/:code/extension', async (c) => {
    const principal = officeOf(c, '审核延期申请');
    const code = pathParamOf(c, 'code', '任务编号', taskCode);
    const form = await formOf(c);
    return act(c, code, async () => {
      const reason = textField(form, 'reason');
      const body = parse(extensionReviewBody, { decision: textField(form, 'decision'), ...(reason ? { reason } : {}), ...(textField(form, 'allowAnother') ? { allowAnother: true } : {}) });
      const approve = body.decision === 'approve';
      const task = await reviewExtension(code, { approve, reason: body.reason, allowAnother: body.allowAnother }, principal, deps.clock(), { store: deps.store, calendar: await deps.calendar() });
      return approve ? `已同意任务 ${code} 延期，整改时限改为 ${task.deadline.kind === 'ongoing' ? task.deadline.text : task.deadline.due}。` : `已退回任务 ${code} 的延期申请。`;
    });
  });

  /** Reopening a closed task: the form is on the task's page; the answer is the task's page again (its history names the reopening). */
  app.post('/tasks/:code/reopen', async (c) => {
    const principal = officeOf(c, '重新打开任务');
    const code = pathParamOf(c, 'code', '任务编号', taskCode);
    const form = await formOf(c);
    try {
      await reopenTask(code, parse(reopenBody, { reason: textField(form, 'reason') }), principal, deps.clock(), deps.store);
    } catch (error) {
      const { status, message } = refusal(error);
      return c.html(renderPage('message', '无法重新打开任务', { heading: '无法重新打开任务', text: `${code}：${message}` }, chromeOf(sessionIn(c), '/tasks')), status);
    }
    return c.redirect(`/tasks/${encodeURIComponent(code)}`, 303);
  });
}
