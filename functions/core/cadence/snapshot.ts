/**
 * The ledger as a job sees it at an instant: the open tasks with their lights, every unit with the
 * open tasks it leads or shares, the people by role, and who reported in the recent weeks.
 * Reads only open tasks and the recent weeks' report markers: its cost follows what is open.
 */
import type { OfficeWords, Person, PersonRole, Task, Unit } from '../ledger.ts';
import { isActiveUnit, unitsOfTask } from '../ledger.ts';
import type { PeriodReport, Versioned } from '../ports.ts';
import { addDays, isoWeekOf, localDateOf, parseWeekPeriod, weekStart, type LocalDate } from '../time.ts';
import type { JobDeps, Recipient } from './job.ts';
import { taskLight, type TaskLight } from './lights.ts';

export interface TaskView {
  task: Versioned<Task>;
  light: TaskLight;
  missedWeeks: number;
}

export interface UnitView {
  unit: Versioned<Unit>;
  tasks: { view: TaskView; role: 'lead' | 'responsible' }[];
}

export interface Snapshot {
  at: Date;
  today: LocalDate;
  week: string;
  tasks: TaskView[];
  byCode: Map<string, TaskView>;
  units: UnitView[];
  people: Versioned<Person>[];
  /** The completed weeks looked back on, most recent first (weeks without a workday are passed over). */
  recentWeeks: string[];
  reported: Map<string, PeriodReport[]>;
  /** The office's own words (基本信息), for report titles and signatures. */
  office: OfficeWords;
}

const LOOK_BACK_WEEKS = 2;

export async function loadSnapshot(at: Date, deps: Pick<JobDeps, 'store' | 'calendar' | 'config'>): Promise<Snapshot> {
  const { store, calendar, config } = deps;
  const today = localDateOf(at);
  const week = isoWeekOf(today);
  const [open, allUnits, people, office] = await Promise.all([store.openTasks(), store.units.list(), store.people.list(), store.officeWords()]);
  // A unit the ledger no longer lists is kept with its history but gets no more mail.
  const units = allUnits.filter(isActiveUnit);

  const recentWeeks: string[] = [];
  for (let start = addDays(weekStart(today), -7); recentWeeks.length < LOOK_BACK_WEEKS && start > addDays(today, -70); start = addDays(start, -7)) {
    if (calendar.firstWorkdayOfWeek(start)) recentWeeks.push(isoWeekOf(start));
  }
  const reported = new Map<string, PeriodReport[]>();
  for (const w of [week, ...recentWeeks]) reported.set(w, await store.reportedInPeriod(w));

  const tasks = open.map((task): TaskView => {
    const since = localDateOf(new Date(task.createdAt));
    let missedWeeks = 0;
    for (const w of recentWeeks) {
      // A week counts only if the task was in the ledger when that week's dispatch went out.
      if (calendar.firstWorkdayOfWeek(parseWeekPeriod(w).start)! < since) break;
      if (reported.get(w)!.some((r) => r.code === task.code)) break;
      missedWeeks++;
    }
    return { task, missedWeeks, light: taskLight({ task, today, missedWeeks, closeOutPending: task.closeOut?.state === 'requested' }, calendar, config) };
  });
  const byCode = new Map(tasks.map((t) => [t.task.code, t]));

  const unitViews = units.map((unit): UnitView => ({ unit, tasks: [] }));
  const byUnit = new Map(unitViews.map((u) => [u.unit.name, u]));
  for (const view of tasks) {
    const lead = new Set(view.task.leadUnits);
    for (const name of unitsOfTask(view.task)) byUnit.get(name)?.tasks.push({ view, role: lead.has(name) ? 'lead' : 'responsible' });
  }
  return { at, today, week, tasks, byCode, units: unitViews, people, recentWeeks, reported, office };
}

export function liaisonOf(unit: Unit): Recipient {
  return { name: unit.liaison.name, email: unit.liaison.email, role: '联络员', unit: unit.name };
}

export function headOf(unit: Unit): Recipient {
  return { name: unit.head.name, email: unit.head.email, role: '主要负责人', unit: unit.name };
}

export function peopleWithRole(people: Person[], ...roles: PersonRole[]): Recipient[] {
  return people
    .filter((p) => p.roles.some((r) => roles.includes(r)))
    .map((p) => ({ name: p.name, email: p.email, role: roles.find((r) => p.roles.includes(r))! }));
}

export const lightOrder = { red: 0, yellow: 1, green: 2, grey: 3 } as const;

/** Tasks red first, then yellow, then green; by code within a light. */
export function byLight<T extends { view: TaskView } | TaskView>(items: T[]): T[] {
  const viewOf = (item: T): TaskView => ('view' in item ? item.view : (item as TaskView));
  return [...items].sort(
    (a, b) =>
      lightOrder[viewOf(a).light.light] - lightOrder[viewOf(b).light.light] ||
      viewOf(a).task.code.localeCompare(viewOf(b).task.code, 'en', { numeric: true }),
  );
}
