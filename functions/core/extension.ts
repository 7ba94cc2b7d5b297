/**
 * 延期: a lead unit asks for more time on an open task; the office approves or returns it.
 *
 * - requestExtension: input the date asked for and the reason; the task's deadline must be a date
 *   (立行立改 included; 长期坚持 has none), the date later than both the current deadline and
 *   today, and no request pending. A unit asks at most once per task, unless the office gave
 *   leave for another when it reviewed the last one.
 * - reviewExtension: approve (the deadline moves to the date asked for, moved off holidays like
 *   any deadline; the original is kept in `originalDeadline` and in the history; the due-date
 *   index moves with it, so reminders, lights and escalation follow the new date) or return with
 *   a reason (nothing moves).
 * Escalation reads the current deadline (`deadline.due`): an approved extension ends the
 * "overdue" cause of the missed original date by itself. 考核 reads `originalDeadline`.
 */
import type { WorkdayCalendar } from './calendar.ts';
import { ValidationError } from './errors.ts';
import type { Extension, Task } from './ledger.ts';
import { unversioned, type Principal, type Store, type Versioned } from './ports.ts';
import { ForbiddenError, taskFor } from './reporting.ts';
import { isLocalDate, localDateOf, type LocalDate } from './time.ts';

export interface ExtensionRequest {
  until: string;
  reason: string;
}

export interface ExtensionDecision {
  approve: boolean;
  reason?: string;
  /** Leave for the unit to ask once more later. */
  allowAnother?: boolean;
}

const chineseDate = (d: LocalDate) => `${d.slice(0, 4)}年${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;

export async function requestExtension(
  code: string,
  input: ExtensionRequest,
  principal: Principal,
  at: Date,
  deps: { store: Store; calendar: WorkdayCalendar },
): Promise<Versioned<Task>> {
  if (principal.kind !== 'unit') throw new ForbiddenError('延期由牵头单位申请；整改办可直接审核或修改台账');
  const task = await taskFor(deps.store, code, principal);
  if (!task.leadUnits.includes(principal.unit)) throw new ForbiddenError(`延期由牵头单位申请：${principal.unit}不是任务 ${code} 的牵头单位`);
  if (task.status !== 'open') throw new ValidationError(`任务 ${code} 已不在整改中（已申请销号通过或已销号），无需延期`, 'code');
  if (task.deadline.kind === 'ongoing') throw new ValidationError(`任务 ${code} 的整改时限为“${task.deadline.text}”，没有到期日，无需延期`, 'code');
  const previous = task.extension;
  if (previous?.state === 'requested') throw new ValidationError(`任务 ${code} 已有待审核的延期申请（申请延至 ${previous.until}）`, 'code');
  if (previous && !previous.leave) throw new ForbiddenError(`任务 ${code} 已申请过延期；每项任务只能申请一次，确需再次延期的，请先征得整改办同意`);
  if (!isLocalDate(input.until)) throw new ValidationError(`“延期至”不是真实存在的日期：${input.until}`, 'until');
  const today = localDateOf(at);
  const due = task.deadline.due;
  if (input.until <= due) throw new ValidationError(`“延期至”（${input.until}）应晚于现在的整改时限（${due}）`, 'until');
  if (input.until <= today) throw new ValidationError(`“延期至”（${input.until}）应晚于今天（${today}）`, 'until');
  // The calendar must know the year asked for: the new deadline is moved off holidays (refused, never guessed).
  deps.calendar.nextWorkdayOnOrAfter(input.until);
  const extension: Extension = {
    state: 'requested',
    until: input.until,
    reason: input.reason,
    unit: principal.unit,
    at: at.toISOString(),
    from: due,
    requests: (previous?.requests ?? 0) + 1,
  };
  return deps.store.tasks.update(code, task.version, { ...unversioned(task), extension }, {
    type: 'extension.requested',
    by: principal.unit,
    at: at.toISOString(),
    detail: { until: input.until, reason: input.reason, from: due },
  });
}

export async function reviewExtension(
  code: string,
  decision: ExtensionDecision,
  principal: Principal,
  at: Date,
  deps: { store: Store; calendar: WorkdayCalendar },
): Promise<Versioned<Task>> {
  if (principal.kind !== 'office') throw new ForbiddenError('只有整改办可以审核延期申请');
  const task = await taskFor(deps.store, code, principal);
  const request = task.extension;
  if (request?.state !== 'requested') throw new ValidationError(`任务 ${code} 没有待审核的延期申请`, 'code');
  if (!decision.approve && !decision.reason?.trim()) throw new ValidationError('退回延期申请须写明理由', 'reason');
  if (task.status !== 'open' || task.deadline.kind === 'ongoing') throw new ValidationError(`任务 ${code} 已不在整改中，不能再延期`, 'code');
  const reviewed: Extension = {
    ...request,
    state: decision.approve ? 'approved' : 'returned',
    reviewedBy: principal.name,
    reviewedAt: at.toISOString(),
    ...(decision.reason ? { reviewReason: decision.reason } : {}),
    ...(decision.allowAnother ? { leave: true } : {}),
  };
  const plain = unversioned(task);
  if (!decision.approve) {
    return deps.store.tasks.update(code, task.version, { ...plain, extension: reviewed }, {
      type: 'extension.returned',
      by: principal.name,
      at: at.toISOString(),
      detail: { until: request.until, reason: decision.reason, allowAnother: decision.allowAnother ?? false },
    });
  }
  const original = task.originalDeadline ?? task.deadline;
  const due = deps.calendar.nextWorkdayOnOrAfter(request.until);
  const deadline: Task['deadline'] = {
    kind: 'date',
    text: `${chineseDate(request.until)}前（经批准延期；原整改时限：${original.text}）`,
    nominal: request.until,
    due,
    ongoingAfter: task.deadline.ongoingAfter,
  };
  return deps.store.tasks.update(code, task.version, { ...plain, deadline, originalDeadline: original, extension: reviewed }, {
    type: 'extension.approved',
    by: principal.name,
    at: at.toISOString(),
    detail: { from: task.deadline.due, to: due, until: request.until, original: original.text, originalDue: original.kind === 'ongoing' ? undefined : original.due, reason: decision.reason },
  });
}

/** An extension as the circular lists it: asked for, approved or returned in the period, or still pending. */
export interface ExtensionRow {
  code: string;
  title: string;
  unit: string;
  original: string;
  until: string;
  state: string;
  reason: string;
  reviewReason: string;
}

const stateNames: Record<Extension['state'], string> = { requested: '待审核', approved: '已批准', returned: '已退回' };

/** The extensions to list for a period [start, end]: pending ones, and those asked or decided in it. */
export function extensionRows(tasks: Pick<Task, 'code' | 'title' | 'extension' | 'originalDeadline' | 'deadline'>[], start: LocalDate, end: LocalDate): ExtensionRow[] {
  const within = (iso?: string) => {
    if (!iso) return false;
    const day = localDateOf(new Date(iso));
    return day >= start && day <= end;
  };
  return tasks
    .filter((t) => t.extension && (t.extension.state === 'requested' || within(t.extension.at) || within(t.extension.reviewedAt)))
    .map((t) => {
      const e = t.extension!;
      const original = t.originalDeadline ?? t.deadline;
      return {
        code: t.code,
        title: t.title,
        unit: e.unit,
        original: original.kind === 'ongoing' ? original.text : `${original.text}（${original.due}）`,
        until: e.until,
        state: stateNames[e.state],
        reason: e.reason,
        reviewReason: e.reviewReason ?? '',
      };
    })
    .sort((a, b) => a.code.localeCompare(b.code, 'en', { numeric: true }));
}
