/**
 * The ledger as a job sees it at an instant: the open tasks with their lights, every unit with the
 * open tasks it leads or shares, the people by role, and who reported in the recent weeks.
 * Reads only open tasks, the units, each task's latest weekly report (how many weeks a task has gone
 * unreported is a subtraction, not a walk through history) and the reports of the weeks the job
 * asks for (none for the dispatch and the escalation check): its cost follows the ledger, not the
 * weeks behind it.
 */
import type { OfficeWords, Person, PersonRole, Task, Unit } from '../ledger.ts';
import { isActiveUnit, unitsOfTask } from '../ledger.ts';
import type { LatestReport, PeriodReport, Versioned } from '../ports.ts';
import { addDays, isoWeekOf, localDateOf, weekStart, type LocalDate } from '../time.ts';
import type { WorkdayCalendar } from '../calendar.ts';
import type { JobDeps, Recipient } from './job.ts';
import { taskLight, type TaskLight } from './lights.ts';

export interface TaskView {
  task: Versioned<Task>;
  light: TaskLight;
  missedWeeks: number;
  /** The ISO week of the task's latest weekly report, if it ever reported. */
  lastReportedWeek?: string;
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
  /** This week's reports, if the job asked for them (by week). */
  reported: Map<string, PeriodReport[]>;
  /** Each task's latest weekly report, with what it said (the roll-up; this week's included). */
  latest: Map<string, LatestReport>;
  /** Each unit's first report this week (unit → instant), unless the job read no week's reports. */
  firstReports: Map<string, string>;
  /** The office's own words (基本信息), for report titles and signatures. */
  office: OfficeWords;
}

/**
 * Which weeks' reports (by unit and task) a job reads: `none` (the lights need only each task's
 * latest week), `firsts` (only when each unit first reported this week, kept with the roll-up: the
 * circular's ranking) or `thisWeek` (this week's reports). Each task's latest progress comes from
 * the roll-up, read in every case. Default `thisWeek`.
 */
export type SnapshotReports = 'none' | 'firsts' | 'thisWeek';

export async function loadSnapshot(at: Date, deps: Pick<JobDeps, 'store' | 'calendar' | 'config'>, options: { reports?: SnapshotReports } = {}): Promise<Snapshot> {
  const { store, calendar, config } = deps;
  const today = localDateOf(at);
  const week = isoWeekOf(today);
  const [open, allUnits, people, office, lastReports] = await Promise.all([
    store.openTasks(),
    store.units.list(),
    store.people.list(),
    store.officeWords(),
    store.latestWeeklyReports(),
  ]);
  // A unit the ledger no longer lists is kept with its history but gets no more mail.
  const units = allUnits.filter(isActiveUnit);

  const reported = new Map<string, PeriodReport[]>();
  const reads = options.reports ?? 'thisWeek';
  if (reads === 'thisWeek') reported.set(week, await store.reportedInPeriod(week));
  // Read after the roll-up above is brought up to date (it keeps the firsts too).
  const firstReports = reads === 'firsts' ? await store.firstReportsOfWeek(week) : new Map<string, string>();
  for (const r of reported.get(week) ?? []) if (!firstReports.has(r.unit) || r.at < firstReports.get(r.unit)!) firstReports.set(r.unit, r.at);

  // Each task's latest weekly report: the roll-up's, or (for reports stored before it) this week's, whichever is later.
  const latest = new Map(lastReports.map((r) => [r.code, r]));
  const lastReported = new Map(lastReports.map((r) => [r.code, r.period]));
  for (const [w, reports] of reported) {
    for (const r of reports) if ((lastReported.get(r.code) ?? '') < w) lastReported.set(r.code, w);
  }
  const tasks = taskViews(open, lastReported, today, deps);
  const byCode = new Map(tasks.map((t) => [t.task.code, t]));

  const unitViews = units.map((unit): UnitView => ({ unit, tasks: [] }));
  const byUnit = new Map(unitViews.map((u) => [u.unit.name, u]));
  for (const view of tasks) {
    const lead = new Set(view.task.leadUnits);
    for (const name of unitsOfTask(view.task)) byUnit.get(name)?.tasks.push({ view, role: lead.has(name) ? 'lead' : 'responsible' });
  }
  return { at, today, week, tasks, byCode, units: unitViews, people, reported, latest, firstReports, office };
}

/** Open tasks with their lights, given each one's latest reported week (by code). */
export function taskViews(open: Versioned<Task>[], lastReported: Map<string, string>, today: LocalDate, deps: Pick<JobDeps, 'calendar' | 'config'>): TaskView[] {
  const { calendar, config } = deps;
  const weeks = dispatchWeeks(today, open.map((t) => localDateOf(new Date(t.createdAt))), calendar);
  return open.map((task): TaskView => {
    // A reopened task starts afresh: the weeks before the office reopened it are not counted as missed.
    const since = task.reopened?.on ?? localDateOf(new Date(task.createdAt));
    const lastReportedWeek = lastReported.get(task.code);
    let missedWeeks = 0;
    for (const w of weeks) {
      // A week counts only if the task was in the ledger when that week's dispatch went out.
      if (w.dispatch < since) break;
      if (lastReportedWeek && w.week <= lastReportedWeek) break;
      missedWeeks++;
    }
    const light = taskLight({ task, today, missedWeeks, lastReportedWeek, closeOutPending: task.closeOut?.state === 'requested' }, calendar, config);
    return { task, missedWeeks, lastReportedWeek, light };
  });
}

/**
 * The completed weeks that had a dispatch, most recent first, back to the week the oldest open task
 * came into the ledger (or the first year the calendar knows): the weeks a task can have missed.
 * Computed once per run from the calendar; each task's count is then a walk down to its latest
 * report, with no store reads.
 */
function dispatchWeeks(today: LocalDate, starts: LocalDate[], calendar: WorkdayCalendar): { week: string; dispatch: LocalDate }[] {
  const oldest = starts.reduce((a, b) => (b < a ? b : a), today);
  const weeks: { week: string; dispatch: LocalDate }[] = [];
  for (let start = addDays(weekStart(today), -7); start >= weekStart(oldest); start = addDays(start, -7)) {
    if (!calendar.knows(Number(start.slice(0, 4)))) break;
    const dispatch = calendar.firstWorkdayOfWeek(start);
    if (dispatch) weeks.push({ week: isoWeekOf(start), dispatch });
  }
  return weeks;
}

export function liaisonOf(unit: Unit): Recipient {
  return { name: unit.liaison.name, email: unit.liaison.email, role: '联络员', unit: unit.name, ...(unit.channels ? { channels: unit.channels } : {}) };
}

export function headOf(unit: Unit): Recipient {
  return { name: unit.head.name, email: unit.head.email, role: '主要负责人', unit: unit.name };
}

export function peopleWithRole(people: Person[], ...roles: PersonRole[]): Recipient[] {
  return people
    .filter((p) => p.roles.some((r) => roles.includes(r)))
    .map((p) => ({ name: p.name, email: p.email, role: roles.find((r) => p.roles.includes(r))!, ...(p.channels ? { channels: p.channels } : {}) }));
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
