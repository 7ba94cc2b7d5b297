/**
 * 催办 of missing weekly reports. Input: the instant it fires. Output: one reminder to the liaison
 * of each unit with open tasks (as lead or responsible unit) that has sent no progress report this
 * week, and a record of it with the unit, which 考核 counts. Escalation stays with lead units. Runs on the chase day
 * (Thursday, or the last workday before it that week; never on the dispatch day).
 *
 * Reads the units and this week's reports, then only the silent units' open tasks and those tasks'
 * latest weekly reports (for their lights): not the whole ledger.
 */
import { isActiveUnit } from '../ledger.ts';
import type { Task, Unit } from '../ledger.ts';
import type { Versioned } from '../ports.ts';
import { isoWeekOf, localDateOf, type LocalDate } from '../time.ts';
import { send, skipped, type JobDeps, type JobResult } from './job.ts';
import { byLight, liaisonOf, taskViews, type TaskView } from './snapshot.ts';
import { taskRow } from './weekly-dispatch.ts';
import { chaseDay, chineseDay, reportDueDay } from './week.ts';

export async function chaseMissingReports(at: Date, deps: JobDeps): Promise<JobResult> {
  const today = localDateOf(at);
  const week = isoWeekOf(today);
  if (!deps.calendar.isWorkday(today) || chaseDay(today, deps.calendar, deps.config) !== today) {
    return skipped('chase', at, week, 'not the chase day of the week');
  }
  const [units, reports] = await Promise.all([deps.store.units.list(), deps.store.reportedInPeriod(week)]);
  const reported = new Set(reports.map((r) => r.unit));
  const silent = await silentUnits(units.filter((u) => isActiveUnit(u) && !reported.has(u.name)), new Set(reports.map((r) => r.code)), today, deps);
  const due = reportDueDay(today, deps.calendar, deps.config)!;
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

/** The units that did not report, each with its open tasks and their lights; a unit with none is not chased. */
async function silentUnits(units: Versioned<Unit>[], reportedCodes: Set<string>, today: LocalDate, deps: JobDeps) {
  const links = await Promise.all(units.map(async (unit) => ({ unit, links: await deps.store.unitOpenTasks(unit.name) })));
  const codes = [...new Set(links.flatMap((l) => l.links.map((link) => link.code)))];
  const [tasks, latest] = await Promise.all([
    Promise.all(codes.map((code) => deps.store.tasks.get(code))),
    deps.store.lastReportsOf(codes),
  ]);
  const open = tasks.filter((t): t is Versioned<Task> => t?.status === 'open');
  // A task reported this week by another of its units counts as reported this week.
  const lastReported = new Map(latest.map((r) => [r.code, r.period]));
  for (const code of reportedCodes) lastReported.set(code, isoWeekOf(today));
  const views = new Map<string, TaskView>(taskViews(open, lastReported, today, deps).map((v) => [v.task.code, v]));
  return links
    .map(({ unit, links }) => ({ unit, tasks: links.flatMap((l) => (views.has(l.code) ? [{ view: views.get(l.code)!, role: l.role }] : [])) }))
    .filter((u) => u.tasks.length > 0);
}
