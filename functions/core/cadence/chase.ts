/**
 * 催办 of missing weekly reports. Input: the instant it fires. Output: one reminder to the liaison
 * of each unit with open tasks that has sent no progress report this week. Runs on the chase day
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
  const drafts = snapshot.units
    .filter((u) => u.tasks.length > 0 && !reported.has(u.unit.name))
    .map((u) => ({
      kind: 'chase',
      to: liaisonOf(u.unit),
      data: {
        unit: u.unit.name,
        reportBy: `${chineseDay(due)}${deps.config.reportDueTime}`,
        reportUrl: deps.links.reportForm(u.unit.name, at),
        tasks: byLight(u.tasks).map((t) => taskRow(t.view, t.role, deps)),
      },
    }));
  return send('chase', week, at, drafts, deps);
}
