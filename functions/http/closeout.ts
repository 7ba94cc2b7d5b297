/**
 * 销号 and 回头看 over the API. Thin: parse, call one use case (core/closeout.ts, core/lookback.ts),
 * answer with the task and its close-out status in words (who is still missing, the 公示 period).
 *
 * - POST /api/tasks/{code}/closeout          a unit asks, or a lead unit confirms its part (202)
 * - POST /api/tasks/{code}/closeout/review   the office returns with a reason, or approves: 公示
 * - POST /api/tasks/{code}/objections        the office records an objection during 公示 (201)
 * - POST /api/tasks/{code}/reopen            the office reopens a closed task with a reason
 * - POST /api/tasks/{code}/lookback          a lead unit answers the 回头看 that is due (201)
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { closeOutStatus, recordObjection, requestCloseOut, reviewCloseOut } from '../core/closeout.ts';
import type { Task } from '../core/ledger.ts';
import { answerLookback, reopenTask } from '../core/lookback.ts';
import type { Versioned } from '../core/ports.ts';
import type { AppDeps } from './deps.ts';
import { keptEvidence } from './evidence.ts';
import { jsonBody, pathParamOf } from './params.ts';
import { closeOutBody, lookbackBody, objectionBody, parse, reopenBody, reviewBody, taskCode } from './schemas.ts';
import type { ConsoleEnv } from './session.ts';

const codeOf = (c: Context) => pathParamOf(c, 'code', '任务编号', taskCode);
const answer = (task: Versioned<Task>) => ({ task, status: closeOutStatus(task) });

export function closeOutRoutes(app: Hono<ConsoleEnv>, deps: AppDeps, limit: MiddlewareHandler): void {
  app.post('/api/tasks/:code/closeout', limit, async (c) => {
    const code = codeOf(c);
    const body = parse(closeOutBody, await jsonBody(c));
    const evidence = await keptEvidence(deps, c.get('principal'), code, 'closeout', body.evidence);
    const task = await requestCloseOut(code, { ...body, evidence }, c.get('principal'), deps.clock(), deps.store);
    return c.json(answer(task), 202);
  });

  app.post('/api/tasks/:code/closeout/review', limit, async (c) => {
    const code = codeOf(c);
    const body = parse(reviewBody, await jsonBody(c));
    const rules = { calendar: await deps.calendar(), workdays: deps.cadence.publicNoticeWorkdays };
    const task = await reviewCloseOut(code, { approve: body.decision === 'approve', reason: body.reason }, c.get('principal'), deps.clock(), deps.store, rules);
    return c.json(answer(task));
  });

  app.post('/api/tasks/:code/objections', limit, async (c) => {
    const code = codeOf(c);
    const task = await recordObjection(code, parse(objectionBody, await jsonBody(c)), c.get('principal'), deps.clock(), deps.store);
    return c.json(answer(task), 201);
  });

  app.post('/api/tasks/:code/reopen', limit, async (c) => {
    const code = codeOf(c);
    const task = await reopenTask(code, parse(reopenBody, await jsonBody(c)), c.get('principal'), deps.clock(), deps.store);
    return c.json(answer(task));
  });

  app.post('/api/tasks/:code/lookback', limit, async (c) => {
    const code = codeOf(c);
    const body = parse(lookbackBody, await jsonBody(c));
    const evidence = await keptEvidence(deps, c.get('principal'), code, 'lookback', body.evidence);
    const task = await answerLookback(code, { ...body, evidence }, c.get('principal'), deps.clock(), deps.store);
    return c.json(answer(task), 201);
  });
}
