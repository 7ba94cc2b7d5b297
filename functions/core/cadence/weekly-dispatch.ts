/**
 * 周调度. Input: the instant it fires. Output: one message per unit with open tasks, to its liaison,
 * listing its tasks with their lights, what falls due soon, and where to report by Thursday 17:00.
 * Runs only on the first workday of the week (a make-up workday counts; a week with none has no
 * dispatch).
 */
import { isoWeekOf, localDateOf, parseWeekPeriod } from '../time.ts';
import { send, skipped, type JobDeps, type JobResult } from './job.ts';
import { lightNames } from './lights.ts';
import { byLight, liaisonOf, loadSnapshot, type TaskView } from './snapshot.ts';
import { chineseDay, chineseWeek, reportDueDay } from './week.ts';

export async function weeklyDispatch(at: Date, deps: JobDeps): Promise<JobResult> {
  const today = localDateOf(at);
  if (deps.calendar.firstWorkdayOfWeek(today) !== today) {
    return skipped('weekly-dispatch', at, isoWeekOf(today), 'not the first workday of the week');
  }
  // The lights need each task's latest week only: no week's reports are read.
  const snapshot = await loadSnapshot(at, deps, { reports: 'none' });
  const { start, end } = parseWeekPeriod(snapshot.week);
  const due = reportDueDay(today, deps.calendar, deps.config)!;
  const soonUntil = deps.calendar.addWorkdays(today, deps.config.yellowWithinWorkdays);
  const dueSoon = await deps.store.dueBetween(today, soonUntil);

  const drafts = snapshot.units
    .filter((u) => u.tasks.length > 0)
    .map((u) => {
      const codes = new Set(u.tasks.map((t) => t.view.task.code));
      return {
        kind: 'weekly-dispatch',
        to: liaisonOf(u.unit),
        data: {
          unit: u.unit.name,
          week: chineseWeek(snapshot.week, start, end),
          reportBy: `${chineseDay(due)}${deps.config.reportDueTime}`,
          reportUrl: deps.links.reportForm(u.unit.name, at),
          counts: countLights(u.tasks.map((t) => t.view)),
          tasks: byLight(u.tasks).map((t) => taskRow(t.view, t.role, deps)),
          dueSoon: dueSoon
            .filter((d) => codes.has(d.code))
            .map((d) => ({ ...d, label: d.kind === 'task' ? '整改时限' : '阶段节点', day: chineseDay(d.due) })),
        },
      };
    });
  return send('weekly-dispatch', snapshot.week, at, drafts, deps);
}

export function taskRow(view: TaskView, role: 'lead' | 'responsible' | undefined, deps: Pick<JobDeps, 'links'>) {
  const { task, light } = view;
  return {
    code: task.code,
    title: task.title,
    role: role === 'lead' ? '牵头' : role === 'responsible' ? '责任' : '',
    light: light.light,
    lightName: lightNames[light.light],
    reasons: light.reasons.join('；'),
    deadline: task.deadline.text,
    due: task.deadline.kind === 'ongoing' ? '' : task.deadline.due,
    leadUnits: task.leadUnitsText,
    url: deps.links.task(task.code),
  };
}

export function countLights(views: TaskView[]) {
  const count = (light: string) => views.filter((v) => v.light.light === light).length;
  return { total: views.length, red: count('red'), yellow: count('yellow'), green: count('green') };
}
