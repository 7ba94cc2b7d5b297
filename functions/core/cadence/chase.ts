/**
 * 催办 of missing weekly reports. Input: the instant it fires. Output: one reminder to the liaison
 * of each unit with open tasks (as lead or responsible unit) that has sent no progress report this
 * week, and a record of it with the unit, which 考核 counts. Escalation stays with lead units. Runs on the chase day
 * (Thursday, or the last workday before it that week; never on the dispatch day).
 */
import { isoWeekOf, localDateOf } from '../time.ts';
import { send, skipped, type JobDeps, type JobResult } from './job.ts';
import { byLight, liaisonOf, loadSnapshot } from './snapshot.ts';
import { taskRow } from './weekly-dispatch.ts';
import { chaseDay, chineseDay, reportDueDay } from './week.ts';

export async function chaseMissingReports(at: Date, deps: JobDeps): Promise<JobResult> {
  const today = localDateOf(at);
  const week = isoWeekOf(today);
  if (!deps.calendar.isWorkday(today) || chaseDay(today, deps.calendar, deps.config) !== today) {
    return skipped('chase', at, week, 'not the chase day of the week');
  }
  const snapshot = await loadSnapshot(at, deps);
  const reported = new Set(snapshot.reported.get(week)!.map((r) => r.unit));
  const due = reportDueDay(today, deps.calendar, deps.config)!;
  const silent = snapshot.units.filter((u) => u.tasks.length > 0 && !reported.has(u.unit.name));
  const drafts = silent.map((u) => ({
    kind: 'chase',
    to: liaisonOf(u.unit),
    data: {
      unit: u.unit.name,
      reportBy: `${chineseDay(due)}${deps.config.reportDueTime}`,
      reportUrl: deps.links.reportForm(u.unit.name, at),
      tasks: byLight(u.tasks).map((t) => taskRow(t.view, t.role, deps)),
    },
  }));
  const result = await send('chase', week, at, drafts, deps);
  // Each 催办 is kept with the unit (lead or responsible): 考核 counts them, a referral lists them.
  for (const u of silent) {
    await deps.store.recordChase({ unit: u.unit.name, period: week, on: today, tasks: u.tasks.map((t) => ({ code: t.view.task.code, role: t.role })) });
  }
  return result;
}
