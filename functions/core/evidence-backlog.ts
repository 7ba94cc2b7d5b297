/**
 * Files kept before photos were processed as they are kept (or while the evidence function was
 * down): the office or an operator runs the processing over a task's evidence (`npx duban evidence
 * process <任务编号>…`). The files of a task are those its submissions name: its progress reports,
 * its 销号 request and confirmations, and its 回头看 answers. What was processed is left as it is.
 */
import { closeOutEvidenceIds } from './evidence-files.ts';
import { isEvidenceId } from './evidence.ts';
import { processEvidence, type ProcessingDeps, type ProcessingOutcome } from './evidence-processing.ts';
import { NotFoundError } from './errors.ts';
import type { Store } from './ports.ts';

/** The evidence ids a task's submissions name, each once. */
export async function taskEvidenceIds(code: string, store: Pick<Store, 'tasks' | 'progressOf'>): Promise<string[]> {
  const task = await store.tasks.get(code);
  if (!task) throw new NotFoundError(`任务 ${code} 不存在`);
  const reports = await store.progressOf(code);
  const lookbacks = (task.closeOut?.lookbacks ?? []).flatMap((l) => l.answers.flatMap((a) => a.evidence));
  return [...new Set([...reports.flatMap((r) => r.evidence), ...closeOutEvidenceIds(task), ...lookbacks].filter(isEvidenceId))];
}

/** Processes the evidence of each task in `codes`; returns each file's outcome. */
export async function processTaskEvidence(codes: readonly string[], at: Date, deps: ProcessingDeps & { store: Pick<Store, 'tasks' | 'progressOf'> }): Promise<ProcessingOutcome[]> {
  const ids: string[] = [];
  for (const code of codes) ids.push(...(await taskEvidenceIds(code, deps.store)));
  return processEvidence(ids, at, deps);
}
