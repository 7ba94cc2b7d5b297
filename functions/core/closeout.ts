/**
 * 销号 (close-out), from a unit's request to the 公示 (closeout-model.ts has the states).
 *
 * - requestCloseOut: a unit of the task asks with what was done and evidence. Where the task has
 *   several lead units, each confirms its part the same way (`POST …/closeout` with its own
 *   summary and evidence); the request goes to the office once every lead unit has, and until
 *   then the status names who is still missing.
 * - reviewCloseOut: the office returns it with a reason, or approves: the 公示 starts (status
 *   `notice`, out of the cadence, on the public page) for the configured workdays.
 * - recordObjection: during the 公示 the office records an objection; the task goes back to 整改中.
 * - The daily job closes what ended without objection (closeout-step.ts).
 * Every change is one versioned write of the task, so its history holds who did what and when.
 */
import type { WorkdayCalendar } from './calendar.ts';
import { closeOutStateNames, type CloseOut, type CloseOutPart } from './closeout-model.ts';
import { ValidationError } from './errors.ts';
import { isEvidenceId } from './evidence.ts';
import type { Task } from './ledger.ts';
import { unversioned, type Principal, type Store, type Versioned } from './ports.ts';
import { ForbiddenError, taskFor } from './task-access.ts';
import { localDateOf } from './time.ts';

/** How long a 公示 runs: the office's calendar and its configured workdays. */
export interface PublicNoticeRules {
  calendar: WorkdayCalendar;
  workdays: number;
}

/** The lead units that have not yet confirmed their part of the current request. */
export function missingConfirmations(task: Pick<Task, 'leadUnits' | 'closeOut'>): string[] {
  const confirmed = new Set((task.closeOut?.confirmations ?? []).map((c) => c.unit));
  return task.leadUnits.filter((unit) => !confirmed.has(unit));
}

/** Where a task's close-out stands, as people read it (who is missing, the 公示 period, the reason). */
export function closeOutStatus(task: Pick<Task, 'leadUnits' | 'closeOut' | 'status'>): string {
  const closeOut = task.closeOut;
  if (!closeOut) return task.status === 'closed' ? '已销号' : '整改中';
  const name = closeOutStateNames[closeOut.state];
  switch (closeOut.state) {
    case 'asked':
    case 'confirming':
      return `${name}（尚待确认：${missingConfirmations(task).join('、')}）`;
    case 'publicNotice':
      return `${name}（${closeOut.publicNotice?.from} 至 ${closeOut.publicNotice?.until}）`;
    case 'closed':
      return `${name}（${closeOut.closedOn ?? ''}）`;
    case 'returned':
      return `${name}：${closeOut.reason ?? ''}`;
    default:
      return name;
  }
}

const partOf = (unit: string, input: { summary: string; evidence: string[] }, at: Date): CloseOutPart => ({
  unit,
  by: unit,
  at: at.toISOString(),
  summary: input.summary,
  evidence: input.evidence,
});

/**
 * A unit asks for 销号, or a lead unit confirms its part of a request already made. Refused while
 * the office reviews, during the 公示 and once closed; a responsible unit cannot confirm for a lead.
 */
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
  if (task.status === 'notice') throw new ValidationError(`任务 ${code} 的销号正在公示（至 ${task.closeOut?.publicNotice?.until ?? ''}）`, 'code');
  const current = task.closeOut;
  if (current?.state === 'requested') throw new ValidationError(`任务 ${code} 已有待审核的销号申请`, 'code');
  const part = partOf(principal.unit, input, at);
  const leads = new Set(task.leadUnits);
  const confirming = current?.state === 'asked' || current?.state === 'confirming';
  let closeOut: CloseOut;
  let type: string;
  if (confirming) {
    if (!leads.has(principal.unit)) {
      throw new ValidationError(`任务 ${code} 已有销号申请，正待牵头单位确认（尚待：${missingConfirmations(task).join('、')}）`, 'code');
    }
    if (!missingConfirmations(task).includes(principal.unit)) {
      throw new ValidationError(`${principal.unit}已确认任务 ${code} 的销号申请，尚待：${missingConfirmations(task).join('、')}`, 'code');
    }
    closeOut = { ...current!, confirmations: [...(current!.confirmations ?? []), part] };
    type = 'closeout.confirmed';
  } else {
    closeOut = { state: 'asked', ...part, confirmations: leads.has(principal.unit) ? [part] : [] };
    type = 'closeout.requested';
  }
  const missing = missingConfirmations({ leadUnits: task.leadUnits, closeOut });
  closeOut.state = missing.length === 0 ? 'requested' : closeOut.confirmations!.length ? 'confirming' : 'asked';
  return store.tasks.update(code, task.version, { ...unversioned(task), closeOut }, {
    type,
    by: principal.unit,
    at: at.toISOString(),
    detail: { summary: input.summary, evidence: input.evidence, state: closeOut.state, ...(missing.length ? { missing } : {}) },
  });
}

/** The office's review of a request every lead unit has confirmed: return with a reason, or approve and start the 公示. */
export async function reviewCloseOut(
  code: string,
  decision: { approve: boolean; reason?: string },
  principal: Principal,
  at: Date,
  store: Store,
  rules: PublicNoticeRules,
): Promise<Versioned<Task>> {
  if (principal.kind !== 'office') throw new ForbiddenError('只有整改办可以审核销号申请');
  const task = await taskFor(store, code, principal);
  if (task.closeOut?.state !== 'requested') {
    const waiting = task.closeOut?.state === 'asked' || task.closeOut?.state === 'confirming';
    throw new ValidationError(
      waiting ? `任务 ${code} 的销号申请尚待牵头单位确认（${missingConfirmations(task).join('、')}），确认齐全后才能审核` : `任务 ${code} 没有待审核的销号申请`,
      'code',
    );
  }
  if (!decision.approve && !decision.reason?.trim()) throw new ValidationError('退回销号申请须写明理由', 'reason');
  const plain = unversioned(task);
  const reviewed: CloseOut = { ...task.closeOut, reviewedBy: principal.name, reviewedAt: at.toISOString(), reason: decision.reason };
  if (!decision.approve) {
    return store.tasks.update(code, task.version, { ...plain, closeOut: { ...reviewed, state: 'returned' } }, {
      type: 'closeout.returned',
      by: principal.name,
      at: at.toISOString(),
      detail: { reason: decision.reason },
    });
  }
  const day = localDateOf(at);
  const publicNotice = { from: rules.calendar.addWorkdays(day, 1), until: rules.calendar.addWorkdays(day, rules.workdays) };
  return store.tasks.update(code, task.version, { ...plain, status: 'notice', closeOut: { ...reviewed, state: 'publicNotice', publicNotice } }, {
    type: 'closeout.approved',
    by: principal.name,
    at: at.toISOString(),
    detail: { publicNotice },
  });
}

/** An objection to a task under 公示: the task goes back to 整改中, the objection stays in its close-out and history. */
export async function recordObjection(
  code: string,
  input: { content: string; source?: string },
  principal: Principal,
  at: Date,
  store: Store,
): Promise<Versioned<Task>> {
  if (principal.kind !== 'office') throw new ForbiddenError('只有整改办可以登记公示异议');
  const task = await taskFor(store, code, principal);
  if (task.status !== 'notice' || task.closeOut?.state !== 'publicNotice') throw new ValidationError(`任务 ${code} 不在公示期内，不能登记异议`, 'code');
  const objection = { content: input.content, ...(input.source ? { source: input.source } : {}), by: principal.name, at: at.toISOString() };
  const closeOut: CloseOut = {
    ...task.closeOut,
    state: 'returned',
    reason: `公示期间收到异议：${input.content}`,
    objections: [...(task.closeOut.objections ?? []), objection],
  };
  return store.tasks.update(code, task.version, { ...unversioned(task), status: 'open', closeOut }, {
    type: 'closeout.objected',
    by: principal.name,
    at: at.toISOString(),
    detail: { content: input.content, ...(input.source ? { source: input.source } : {}) },
  });
}

/** What the public page shows of a task under 公示, and nothing more: no unit, no person, no other field. */
export interface PublicNoticeEntry {
  code: string;
  title: string;
  problem: string;
  target: string;
  done: string[];
  evidence: string;
  from: string;
  until: string;
}

/** `uploaded` gives the type of each kept upload its 销号 names (an `ev_…` id), so it is counted as what it is. */
export function publicNoticeEntry(task: Pick<Task, 'code' | 'title' | 'problem' | 'target' | 'closeOut'>, uploaded: ReadonlyMap<string, string> = new Map()): PublicNoticeEntry {
  const closeOut = task.closeOut!;
  const parts = [{ summary: closeOut.summary, evidence: closeOut.evidence }, ...(closeOut.confirmations ?? [])];
  const done = [...new Set(parts.map((p) => p.summary.trim()).filter(Boolean))];
  const links = [...new Set(parts.flatMap((p) => p.evidence))];
  return {
    code: task.code,
    title: task.title,
    problem: task.problem,
    target: task.target,
    done,
    evidence: evidenceSummary(links, uploaded),
    from: closeOut.publicNotice?.from ?? '',
    until: closeOut.publicNotice?.until ?? '',
  };
}

const kindsOfLink: [RegExp, string][] = [
  [/\.pdf$/i, 'PDF文件'],
  [/\.(jpe?g|png|gif|webp|bmp|tiff?)$/i, '图片'],
  [/\.(docx?|wps|odt)$/i, '文档'],
  [/\.(xlsx?|et|ods|csv)$/i, '表格'],
  [/\.(mp4|mov|avi|mkv)$/i, '视频'],
];

/** An upload's kind by the type its content was found to be. */
const kindOfUpload = (mime: string) =>
  mime.startsWith('image/') ? '图片' : mime === 'application/pdf' ? 'PDF文件' : mime.includes('wordprocessingml') ? '文档' : mime.includes('spreadsheetml') ? '表格' : '文件';

/**
 * 佐证材料 3 份：PDF文件 2 份、网页 1 份 (the links themselves stay with the office). An uploaded
 * file (`uploaded`: its id → the type its content was found to be) counts as what it is; one no
 * longer kept is left out.
 */
export function evidenceSummary(links: readonly string[], uploaded: ReadonlyMap<string, string> = new Map()): string {
  links = links.filter((link) => !isEvidenceId(link) || uploaded.has(link));
  if (!links.length) return '无';
  const counts = new Map<string, number>();
  for (const link of links) {
    const path = link.replace(/[?#].*$/, '');
    const type = uploaded.get(link);
    const kind = type ? kindOfUpload(type) : (kindsOfLink.find(([pattern]) => pattern.test(path))?.[1] ?? '网页');
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return `佐证材料${links.length}份：${[...counts].map(([kind, n]) => `${kind}${n}份`).join('、')}`;
}
