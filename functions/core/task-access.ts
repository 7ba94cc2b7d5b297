/**
 * Who may see and act on a task: the office any task, a unit only the tasks it leads or shares.
 * Every use case on a task (progress, 销号, 回头看) reads the task through here.
 */
import { DubanError, NotFoundError } from './errors.ts';
import { unitsOfTask, type Task } from './ledger.ts';
import type { Principal, Store, Versioned } from './ports.ts';

export class ForbiddenError extends DubanError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export async function taskFor(store: Store, code: string, principal: Principal): Promise<Versioned<Task>> {
  return allowed(await store.tasks.get(code), code, principal);
}

/**
 * The same check for a submission, on the task as the request path keeps it (`store.accessTask`:
 * up to 30 s old when another process changed it). Only for reading: never update what it returns.
 */
export async function taskToReport(store: Store, code: string, principal: Principal): Promise<Versioned<Task>> {
  return allowed(await store.accessTask(code), code, principal);
}

function allowed(task: Versioned<Task> | undefined, code: string, principal: Principal): Versioned<Task> {
  if (!task) throw new NotFoundError(`没有编号为“${code}”的整改任务`);
  if (principal.kind === 'unit' && !unitsOfTask(task).includes(principal.unit)) {
    throw new ForbiddenError(`${principal.unit}不是任务 ${code} 的牵头单位或责任单位，不能查看或报送该任务`);
  }
  return task;
}
