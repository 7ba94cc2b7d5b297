/**
 * 回头看 (look-back) and reopening a closed task.
 *
 * - When a task closes, its look-backs are set `lookbackWorkdays` workdays after the day it closed
 *   (60 and 120 by default). The daily job asks its lead units on the due day, and chases those
 *   who have not answered every `lookbackChaseWorkdays` workdays after (closeout-step.ts).
 * - answerLookback: a lead unit confirms, with evidence, that the result holds (or says it does
 *   not: the office then decides whether to reopen). A look-back is done when every lead unit has
 *   answered; the next one waits for its own day.
 * - reopenTask: the office reopens any closed task with a reason. It is back in the cadence (the
 *   next dispatch lists it) and its missing reports and escalation count from the day it reopened.
 * The day the job next acts on a closed task (`nextLookbackOn`) is kept on its close-out: the store
 * indexes it, so the job reads only the look-backs that fall due, never the closed history.
 */
import { UnknownCalendarYearError, type WorkdayCalendar } from './calendar.ts';
import type { CloseOut, Lookback } from './closeout-model.ts';
import { ValidationError } from './errors.ts';
import { isActiveUnit, type Task } from './ledger.ts';
import { unversioned, type Principal, type Store, type Versioned } from './ports.ts';
import { ForbiddenError, taskFor } from './task-access.ts';
import { localDateOf, type LocalDate } from './time.ts';

/** The day `n` workdays after `day`, or undefined while the calendar does not know a year on the way. */
export function workdaysAfter(day: LocalDate, n: number, calendar: WorkdayCalendar): LocalDate | undefined {
  try {
    return calendar.addWorkdays(day, n);
  } catch (error) {
    if (error instanceof UnknownCalendarYearError) return undefined;
    throw error;
  }
}

/** The first day of the first year after `day` the calendar does not know: when a look-back without a date is looked at again. */
function firstUnknownDay(day: LocalDate, calendar: WorkdayCalendar): LocalDate {
  let year = Number(day.slice(0, 4));
  while (calendar.knows(year)) year++;
  return `${year}-01-01`;
}

export function scheduleLookbacks(closedOn: LocalDate, workdays: readonly number[], calendar: WorkdayCalendar): Lookback[] {
  return [...workdays].sort((a, b) => a - b).map((n) => {
    const due = workdaysAfter(closedOn, n, calendar);
    return { workdays: n, ...(due ? { due } : {}), answers: [] };
  });
}

/** The lead units that must answer a look-back: those still active in the ledger. */
export function expectedAnswers(task: Pick<Task, 'leadUnits'>, activeUnits?: ReadonlySet<string>): string[] {
  return activeUnits ? task.leadUnits.filter((u) => activeUnits.has(u)) : [...task.leadUnits];
}

export function isAnswered(lookback: Lookback, expected: readonly string[]): boolean {
  const answered = new Set(lookback.answers.map((a) => a.unit));
  return expected.every((u) => answered.has(u));
}

/** The look-back in progress: the first one not answered by every lead unit. */
export function currentLookback(closeOut: CloseOut | undefined, expected: readonly string[]): { index: number; lookback: Lookback } | undefined {
  const index = (closeOut?.lookbacks ?? []).findIndex((l) => !isAnswered(l, expected));
  return index < 0 ? undefined : { index, lookback: closeOut!.lookbacks![index]! };
}

/**
 * The next day the daily job has something to do: the current look-back's due day (or, without
 * one, the first day of the year the calendar must learn first), or, once asked, its next chase.
 */
export function nextLookbackOn(closeOut: CloseOut, expected: readonly string[], calendar: WorkdayCalendar, chaseWorkdays: number, from: LocalDate): LocalDate | undefined {
  const current = currentLookback(closeOut, expected);
  if (!current) return undefined;
  const { lookback } = current;
  if (!lookback.askedOn) return lookback.due ?? firstUnknownDay(from, calendar);
  const last = lookback.chasedOn?.at(-1) ?? lookback.askedOn;
  return workdaysAfter(last, chaseWorkdays, calendar) ?? firstUnknownDay(last, calendar);
}

/** A lead unit answers the look-back that is due: the result holds (or not), with evidence. */
export async function answerLookback(
  code: string,
  input: { summary: string; evidence: string[]; holds: boolean },
  principal: Principal,
  at: Date,
  store: Store,
): Promise<Versioned<Task>> {
  if (principal.kind !== 'unit') throw new ForbiddenError('回头看由牵头单位报送');
  const task = await taskFor(store, code, principal);
  if (task.status !== 'closed' || !task.closeOut?.lookbacks?.length) throw new ValidationError(`任务 ${code} 未销号，没有回头看`, 'code');
  if (!task.leadUnits.includes(principal.unit)) throw new ForbiddenError(`回头看由任务 ${code} 的牵头单位报送，${principal.unit}是责任单位`);
  const today = localDateOf(at);
  const current = currentLookback(task.closeOut, task.leadUnits);
  if (!current) throw new ValidationError(`任务 ${code} 的回头看均已完成`, 'code');
  const { index, lookback } = current;
  if (!lookback.askedOn && !(lookback.due && lookback.due <= today)) {
    throw new ValidationError(`任务 ${code} 的下一次回头看${lookback.due ? `在 ${lookback.due}` : '尚未到期'}，届时再报送`, 'code');
  }
  if (lookback.answers.some((a) => a.unit === principal.unit)) throw new ValidationError(`${principal.unit}已报送任务 ${code} 本次回头看`, 'code');
  const answer = { unit: principal.unit, by: principal.unit, at: at.toISOString(), summary: input.summary, evidence: input.evidence, holds: input.holds };
  const lookbacks = task.closeOut.lookbacks.map((l, i) => (i === index ? { ...l, answers: [...l.answers, answer] } : l));
  const closeOut: CloseOut = { ...task.closeOut, lookbacks };
  // The next look-back's own day, once this one is answered by every lead unit (no calendar needed:
  // its day was set when the task closed; one without a day keeps the day the job set).
  const active = new Set((await Promise.all(task.leadUnits.map((u) => store.units.get(u)))).filter((u) => u && isActiveUnit(u)).map((u) => u!.name));
  const expected = expectedAnswers(task, active);
  const next = currentLookback(closeOut, expected);
  if (!next) delete closeOut.nextLookbackOn;
  else if (next.index !== index) {
    if (next.lookback.due) closeOut.nextLookbackOn = next.lookback.due;
  }
  return store.tasks.update(code, task.version, { ...unversioned(task), closeOut }, {
    type: 'lookback.answered',
    by: principal.unit,
    at: at.toISOString(),
    detail: { round: index + 1, holds: input.holds, summary: input.summary, evidence: input.evidence },
  });
}

/** The office reopens a closed task: back in the cadence, its close-out kept in the history. */
export async function reopenTask(code: string, input: { reason: string }, principal: Principal, at: Date, store: Store): Promise<Versioned<Task>> {
  if (principal.kind !== 'office') throw new ForbiddenError('只有整改办可以重新打开已销号的任务');
  const task = await taskFor(store, code, principal);
  if (task.status !== 'closed') throw new ValidationError(`任务 ${code} 尚未销号，无需重新打开`, 'code');
  const { closeOut, ...rest } = unversioned(task);
  const closedOn = closeOut?.closedOn ?? (closeOut?.reviewedAt ? localDateOf(new Date(closeOut.reviewedAt)) : undefined);
  const reopened = { at: at.toISOString(), on: localDateOf(at), by: principal.name, reason: input.reason, ...(closedOn ? { closedOn } : {}) };
  return store.tasks.update(code, task.version, { ...rest, status: 'open', reopened }, {
    type: 'task.reopened',
    by: principal.name,
    at: at.toISOString(),
    detail: { reason: input.reason, ...(closedOn ? { closedOn } : {}), ...(closeOut ? { closeOut } : {}) },
  });
}
