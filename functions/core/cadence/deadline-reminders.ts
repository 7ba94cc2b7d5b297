/**
 * Deadline reminders. Input: the instant it fires. Output: one message per unit whose open tasks or
 * milestones fall due in exactly 7, 3 or 1 workdays (configurable), listing all of them. Reads only
 * the due-date index for the days ahead: its cost follows what is due, not the size of the ledger.
 * Runs on workdays (a make-up Sunday included). The same run chases the 常态化工作 periods that
 * ended without their occurrences (duty-chase.ts).
 */
import { unitsOfTask, type Task } from '../ledger.ts';
import type { Versioned } from '../ports.ts';
import { addDays, localDateOf } from '../time.ts';
import { send, skipped, type JobDeps, type JobResult, type NoticeDraft } from './job.ts';
import { liaisonOf } from './snapshot.ts';
import { chineseDay } from './week.ts';
import { missedDutyChases } from './duty-chase.ts';

export async function deadlineReminders(at: Date, deps: JobDeps): Promise<JobResult> {
  const today = localDateOf(at);
  if (!deps.calendar.isWorkday(today)) return skipped('deadline-reminders', at, today, 'not a workday');
  const offsets = new Map(deps.config.deadlineReminderOffsets.map((n) => [deps.calendar.addWorkdays(today, n), n]));
  const last = [...offsets.keys()].sort().at(-1);
  const due = last ? (await deps.store.dueBetween(addDays(today, 1), last)).filter((d) => offsets.has(d.due)) : [];
  // The same daily step chases 常态化工作 periods that ended without their occurrences.
  const duties = await missedDutyChases(at, deps);

  const tasks = new Map<string, Versioned<Task>>();
  for (const code of new Set(due.map((d) => d.code))) {
    const task = await deps.store.tasks.get(code);
    if (task?.status === 'open') tasks.set(code, task);
  }
  const byUnit = new Map<string, { code: string; title: string; label: string; content: string; day: string; left: number; lead: boolean }[]>();
  for (const item of due) {
    const task = tasks.get(item.code);
    if (!task) continue;
    for (const unit of unitsOfTask(task)) {
      const rows = byUnit.get(unit) ?? [];
      rows.push({
        code: task.code,
        title: task.title,
        label: item.kind === 'task' ? '整改时限' : '阶段节点',
        content: item.kind === 'task' ? task.deadline.text : item.content,
        day: chineseDay(item.due),
        left: offsets.get(item.due)!,
        lead: task.leadUnits.includes(unit),
      });
      byUnit.set(unit, rows);
    }
  }
  const drafts: NoticeDraft[] = [];
  for (const [name, items] of byUnit) {
    const unit = await deps.store.units.get(name);
    if (!unit) continue;
    items.sort((a, b) => a.left - b.left || a.code.localeCompare(b.code, 'en', { numeric: true }));
    drafts.push({
      kind: 'deadline-reminder',
      to: liaisonOf(unit),
      data: { unit: name, items, soonest: items[0]!.left, reportUrl: deps.links.reportForm(name, at) },
    });
  }
  if (!drafts.length && !duties.drafts.length && offsets.size === 0) return skipped('deadline-reminders', at, today, 'no reminder offsets configured');
  const result = await send('deadline-reminders', today, at, [...drafts, ...duties.drafts], deps);
  for (const chase of duties.chases) await deps.store.recordDutyChase(chase);
  return result;
}
