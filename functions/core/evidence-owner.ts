/**
 * What a 佐证材料 file belongs to, and who may touch it: a task (its lead and responsible units, the
 * office), or a 常态化工作 duty (the unit that recorded the occurrence, the office). The use cases
 * of evidence-files.ts ask here instead of reading the task themselves, so a duty's file is checked
 * against the duty's unit, kept under the duty's prefix and its deletion written in the duty's
 * history, while a task's file stays exactly as it was.
 */
import { dutyFor, dutyOfUnit } from './duties.ts';
import { ValidationError } from './errors.ts';
import { ownerOf, submissionKindNames, type EvidenceItem, type EvidenceOwner, type SubmissionKind } from './evidence.ts';
import { unitsOfTask } from './ledger.ts';
import { unversioned, type ChangeEvent, type Principal, type Store } from './ports.ts';
import { taskFor } from './task-access.ts';

/**
 * The owner of the files a unit asks to upload: the duty it is responsible for (kind `duty`), else
 * a task it leads or shares. Refused in Chinese, naming the field, when the request names neither
 * or names the wrong one.
 */
export async function uploadOwner(input: { task?: string; duty?: string; kind: SubmissionKind }, principal: Principal & { kind: 'unit' }, store: Store): Promise<EvidenceOwner> {
  if (input.kind === 'duty') {
    if (!input.duty?.trim()) throw new ValidationError('为常态化工作上传文件时须写明“常态化工作事项”（duty）', 'duty');
    if (input.task !== undefined) throw new ValidationError('为常态化工作上传文件时不填“任务编号”（task）', 'task');
    return { duty: (await dutyOfUnit(store, input.duty, principal.unit)).name };
  }
  if (input.duty !== undefined) throw new ValidationError('“常态化工作事项”（duty）只用于报送类型 duty', 'duty');
  if (!input.task) throw new ValidationError('请写明“任务编号”（task）', 'task');
  return { task: (await taskFor(store, input.task, principal)).code };
}

export const sameOwner = (a: EvidenceOwner, b: EvidenceOwner) => (a.duty !== undefined ? a.duty === b.duty : b.duty === undefined && a.task === b.task);

/**
 * Why a file cannot be used in a submission, in Chinese: what it was uploaded for (and by whom, for
 * a duty, whose files are each unit's own), and what it was named in.
 */
export function misuseText(item: EvidenceItem, submission: { unit: string; kind: SubmissionKind } & EvidenceOwner): string {
  const owner = ownerOf(item);
  const from = owner.duty !== undefined ? `${item.unit}为常态化工作“${owner.duty}”` : `为${sameOwner(owner, submission) ? '' : `任务 ${owner.task} 的`}${submissionKindNames[item.kind]}`;
  const to = submission.duty !== undefined ? `${submission.unit}记录的常态化工作“${submission.duty}”` : `${submission.unit}的任务 ${submission.task} 的${submissionKindNames[submission.kind]}`;
  return `文件“${item.name}”是${from}上传的，不能用于${to}`;
}

/** Whether a unit may open a kept file: any unit of its task; for a duty, only the unit whose occurrence it is. */
export async function unitMayOpen(item: EvidenceItem, unit: string, store: Store): Promise<boolean> {
  const owner = ownerOf(item);
  if (owner.duty !== undefined) return item.unit === unit;
  const task = await store.tasks.get(owner.task);
  return task !== undefined && unitsOfTask(task).includes(unit);
}

/** The task a file belongs to, for what only a task's file can be (a 销号's file on the 公示 page). */
export function taskOfItem(item: EvidenceItem): string {
  if (item.task === undefined) throw new ValidationError(`文件“${item.name}”是常态化工作的佐证材料，不在销号公示中展示`, 'id');
  return item.task;
}

/**
 * Writes an office action on a kept file into its owner's history (a new version of the task or of
 * the duty, with who, when and why). The office acts on any owner.
 */
export async function recordOnOwner(item: EvidenceItem, event: ChangeEvent, principal: Principal, store: Store): Promise<void> {
  const owner = ownerOf(item);
  if (owner.duty !== undefined) {
    const duty = await dutyFor(store, owner.duty);
    await store.duties.update(duty.name, duty.version, unversioned(duty), event);
    return;
  }
  const task = await taskFor(store, owner.task, principal);
  await store.tasks.update(task.code, task.version, unversioned(task), event);
}
