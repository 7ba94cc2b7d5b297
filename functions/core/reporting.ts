/**
 * What units and the office do through the app.
 *
 * - submitProgress: a unit reports on one of its tasks for the period that contains `at` (the ISO
 *   week; a monthly account counts for the month). The same idempotency key stores once. The
 *   report is one conditional write, and the only call to the store when the task is kept in
 *   memory (`store.accessTask`); a retry reads the stored report back.
 * - 销号 (close-out: request, lead units' confirmations, review, 公示, objection) is in
 *   closeout.ts, 回头看 and reopening in lookback.ts; both are re-exported here.
 * Authorisation lives in the core, not in the HTTP layer: a unit acts only on tasks it leads or
 * shares (task-access.ts).
 */
import { createHash } from 'node:crypto';
import { isContinuing } from './deadline.ts';
import { ValidationError } from './errors.ts';
import type { Principal, ProgressReport, Store } from './ports.ts';
import { ForbiddenError, taskToReport } from './task-access.ts';
import { isoWeekOf, localDateOf, monthOf } from './time.ts';

export { ForbiddenError, taskFor } from './task-access.ts';
export { recordObjection, requestCloseOut, reviewCloseOut } from './closeout.ts';
export { answerLookback, reopenTask } from './lookback.ts';

export interface ProgressInput {
  summary: string;
  percent?: number;
  evidence?: string[];
  /** A monthly account (月交账) rather than a weekly report. */
  monthly?: boolean;
}

export async function submitProgress(
  code: string,
  input: ProgressInput,
  principal: Principal,
  at: Date,
  idempotencyKey: string,
  store: Store,
): Promise<{ report: ProgressReport; created: boolean }> {
  if (principal.kind !== 'unit') throw new ForbiddenError('进展由责任单位报送；整改办账号不能代为报送');
  const task = await taskToReport(store, code, principal);
  // 完成+长期坚持 keeps a monthly reporting duty after it closes: its report counts for the month.
  const continuing = isContinuing(task);
  if (task.status === 'closed' && !continuing) throw new ValidationError(`任务 ${code} 已销号，无需再报送进展`, 'code');
  const period = input.monthly || continuing ? monthOf(localDateOf(at)) : isoWeekOf(localDateOf(at));
  const id = createHash('sha256').update([principal.unit, code, idempotencyKey].join('\n')).digest('hex').slice(0, 32);
  const report: ProgressReport = {
    id,
    code,
    unit: principal.unit,
    period,
    summary: input.summary,
    ...(input.percent !== undefined ? { percent: input.percent } : {}),
    evidence: input.evidence ?? [],
    by: principal.unit,
    at: at.toISOString(),
  };
  if (await store.recordProgress(report)) return { report, created: true };
  const stored = (await store.progressInPeriod(code, period)).find((r) => r.id === id);
  return { report: stored ?? report, created: false };
}
