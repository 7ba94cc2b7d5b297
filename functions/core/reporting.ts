/**
 * What units and the office do through the app.
 *
 * - submitProgress: a unit reports on one of its tasks for the period that contains `at` (the ISO
 *   week; a monthly account counts for the month). The same idempotency key stores once.
 * - requestCloseOut / reviewCloseOut: a unit asks to close a task out (销号) with evidence; the
 *   office approves (the task closes and stops getting reminders) or sends it back with a reason.
 * Authorisation lives here, not in the HTTP layer: a unit acts only on tasks it leads or shares.
 */
import { createHash } from 'node:crypto';
import { DubanError, NotFoundError, ValidationError } from './errors.ts';
import { unitsOfTask, type Task } from './ledger.ts';
import { unversioned, type Principal, type ProgressReport, type Store, type Versioned } from './ports.ts';
import { isoWeekOf, localDateOf, monthOf } from './time.ts';

export class ForbiddenError extends DubanError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export interface ProgressInput {
  summary: string;
  percent?: number;
  evidence?: string[];
  /** A monthly account (月交账) rather than a weekly report. */
  monthly?: boolean;
}

export async function taskFor(store: Store, code: string, principal: Principal): Promise<Versioned<Task>> {
  const task = await store.tasks.get(code);
  if (!task) throw new NotFoundError(`没有编号为“${code}”的整改任务`);
  if (principal.kind === 'unit' && !unitsOfTask(task).includes(principal.unit)) {
    throw new ForbiddenError(`${principal.unit}不是任务 ${code} 的牵头单位或责任单位，不能查看或报送该任务`);
  }
  return task;
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
  const task = await taskFor(store, code, principal);
  if (task.status === 'closed') throw new ValidationError(`任务 ${code} 已销号，无需再报送进展`, 'code');
  const period = input.monthly ? monthOf(localDateOf(at)) : isoWeekOf(localDateOf(at));
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

export async function requestCloseOut(
  code: string,
  input: { summary: string; evidence: string[] },
  principal: Principal,
  at: Date,
  store: Store,
): Promise<Versioned<Task>> {
  if (principal.kind !== 'unit') throw new ForbiddenError('销号申请由责任单位提出');
  const task = await taskFor(store, code, principal);
  if (task.status === 'closed') throw new ValidationError(`任务 ${code} 已销号`, 'code');
  if (task.closeOut?.state === 'requested') throw new ValidationError(`任务 ${code} 已有待审核的销号申请`, 'code');
  return store.tasks.update(
    code,
    task.version,
    { ...unversioned(task), closeOut: { state: 'requested', unit: principal.unit, by: principal.unit, at: at.toISOString(), summary: input.summary, evidence: input.evidence } },
    { type: 'closeout.requested', by: principal.unit, at: at.toISOString(), detail: { summary: input.summary, evidence: input.evidence } },
  );
}

export async function reviewCloseOut(
  code: string,
  decision: { approve: boolean; reason?: string },
  principal: Principal,
  at: Date,
  store: Store,
): Promise<Versioned<Task>> {
  if (principal.kind !== 'office') throw new ForbiddenError('只有整改办可以审核销号申请');
  const task = await taskFor(store, code, principal);
  if (task.closeOut?.state !== 'requested') throw new ValidationError(`任务 ${code} 没有待审核的销号申请`, 'code');
  if (!decision.approve && !decision.reason?.trim()) throw new ValidationError('退回销号申请须写明理由', 'reason');
  const plain = unversioned(task);
  const reviewed = { ...task.closeOut, reviewedBy: principal.name, reviewedAt: at.toISOString(), reason: decision.reason };
  return store.tasks.update(
    code,
    task.version,
    decision.approve ? { ...plain, status: 'closed', closeOut: reviewed } : { ...plain, closeOut: { ...reviewed, state: 'returned' } },
    { type: decision.approve ? 'closeout.approved' : 'closeout.returned', by: principal.name, at: at.toISOString(), detail: { reason: decision.reason } },
  );
}
