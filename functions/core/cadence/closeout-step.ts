/**
 * The close-out step of the daily 08:30 run (it runs with the escalation check, every workday).
 * Input: the instant. Output: the notices it sent.
 *
 * - Each task whose 公示 ended before today without objection closes (已销号): its units and the
 *   office are told, and its 回头看 days are set (60 and 120 workdays by default).
 * - Each 回头看 that falls due asks the task's lead units to confirm the result holds; lead units
 *   that have not answered `lookbackChaseWorkdays` workdays later are chased, and again after as
 *   many, until they answer.
 * Reads only the tasks under 公示 and the 回头看 due (two queries); notices are recorded and sent
 * before the tasks are written, so a run cut short is redone by the next one without sending twice.
 */
import { AlreadyExistsError, VersionConflictError } from '../errors.ts';
import { isActiveUnit, unitsOfTask, type Task, type Unit } from '../ledger.ts';
import type { CloseOut } from '../closeout-model.ts';
import { currentLookback, expectedAnswers, nextLookbackOn, scheduleLookbacks } from '../lookback.ts';
import { unversioned, type Versioned } from '../ports.ts';
import { localDateOf } from '../time.ts';
import { send, type DeliveryReport, type JobDeps, type JobResult, type NoticeDraft } from './job.ts';
import { liaisonOf, peopleWithRole } from './snapshot.ts';
import { chineseDay } from './week.ts';

type Job = (at: Date, deps: JobDeps) => Promise<JobResult>;

/** Runs `job`, then the close-out step, as one run: the result counts both runs' notices. */
export function withCloseOutStep(job: Job): Job {
  return async (at, deps) => {
    const result = await job(at, deps);
    const step = await closeOutStep(at, deps);
    if (!step) return result;
    return { ...result, delivery: result.delivery ? addDeliveries(result.delivery, step) : step };
  };
}

interface Write {
  task: Versioned<Task>;
  value: Task;
  type: string;
  detail: Record<string, unknown>;
}

export async function closeOutStep(at: Date, deps: JobDeps): Promise<DeliveryReport | undefined> {
  const today = localDateOf(at);
  if (!deps.calendar.isWorkday(today)) return undefined;
  const [underNotice, lookbacksDue] = await Promise.all([deps.store.tasksUnderPublicNotice(), deps.store.lookbacksDueBy(today)]);
  const ended = underNotice.filter((t) => t.closeOut?.state === 'publicNotice' && t.closeOut.publicNotice && t.closeOut.publicNotice.until < today);
  if (!ended.length && !lookbacksDue.length) return undefined;

  const [units, people] = await Promise.all([deps.store.units.list(), deps.store.people.list()]);
  const activeUnits = new Map(units.filter(isActiveUnit).map((u) => [u.name, u]));
  const active = new Set(activeUnits.keys());
  const writes: Write[] = [];
  const drafts: NoticeDraft[] = [];

  // 公示 ended: closed, with its 回头看 days.
  const closedItems: { task: Task; item: Record<string, unknown> }[] = [];
  for (const task of ended) {
    const lookbacks = scheduleLookbacks(today, deps.config.lookbackWorkdays, deps.calendar);
    const closeOut: CloseOut = { ...task.closeOut!, state: 'closed', closedAt: at.toISOString(), closedOn: today, lookbacks };
    const next = nextLookbackOn(closeOut, expectedAnswers(task, active), deps.calendar, deps.config.lookbackChaseWorkdays, today);
    if (next) closeOut.nextLookbackOn = next;
    writes.push({ task, value: { ...unversioned(task), status: 'closed', closeOut }, type: 'closeout.closed', detail: { publicNotice: task.closeOut!.publicNotice, lookbacks: lookbacks.map((l) => l.due ?? null) } });
    closedItems.push({
      task,
      item: {
        code: task.code,
        title: task.title,
        publicNotice: `${chineseDay(task.closeOut!.publicNotice!.from)}至${chineseDay(task.closeOut!.publicNotice!.until)}`,
        closedOn: chineseDay(today),
        lookbacks: lookbacks.map((l) => (l.due ? `${l.due.slice(0, 4)}年${chineseDay(l.due)}` : `销号后第${l.workdays}个工作日`)).join('、'),
        url: deps.links.task(task.code),
      },
    });
  }
  for (const [unit, items] of byUnit(closedItems.map(({ task, item }) => ({ units: unitsOfTask(task), item })), activeUnits)) {
    drafts.push({ kind: 'closeout-closed', to: liaisonOf(unit), data: { unit: unit.name, items } });
  }
  if (closedItems.length) {
    for (const to of peopleWithRole(people, '整改办')) drafts.push({ kind: 'closeout-closed', to, data: { items: closedItems.map((c) => c.item), home: deps.links.home() } });
  }

  // 回头看: ask on the due day, chase the silent lead units after.
  const asked: { units: string[]; item: Record<string, unknown> }[] = [];
  const chased: { units: string[]; item: Record<string, unknown> }[] = [];
  for (const task of lookbacksDue) {
    if (task.status !== 'closed' || !task.closeOut) continue;
    const expected = expectedAnswers(task, active);
    const current = currentLookback(task.closeOut, expected);
    const closeOut: CloseOut = { ...task.closeOut, lookbacks: [...(task.closeOut.lookbacks ?? [])] };
    let type = 'lookback.rescheduled';
    if (current) {
      const lookback = { ...current.lookback };
      if (!lookback.due) {
        const [scheduled] = scheduleLookbacks(task.closeOut.closedOn ?? today, [lookback.workdays], deps.calendar);
        if (scheduled?.due) lookback.due = scheduled.due;
      }
      const answered = new Set(lookback.answers.map((a) => a.unit));
      const missing = expected.filter((u) => !answered.has(u));
      const item = {
        code: task.code,
        title: task.title,
        round: current.index + 1,
        closedOn: task.closeOut.closedOn ? chineseDay(task.closeOut.closedOn) : '',
        workdays: lookback.workdays,
        askedOn: lookback.askedOn ? chineseDay(lookback.askedOn) : chineseDay(today),
        url: deps.links.task(task.code),
      };
      if (lookback.due && lookback.due <= today && !lookback.askedOn) {
        lookback.askedOn = today;
        asked.push({ units: missing, item });
        type = 'lookback.asked';
      } else if (lookback.askedOn && missing.length) {
        lookback.chasedOn = [...(lookback.chasedOn ?? []), today];
        chased.push({ units: missing, item });
        type = 'lookback.chased';
      }
      closeOut.lookbacks![current.index] = lookback;
    }
    const next = nextLookbackOn(closeOut, expected, deps.calendar, deps.config.lookbackChaseWorkdays, today);
    if (next && next > today) closeOut.nextLookbackOn = next;
    else delete closeOut.nextLookbackOn;
    writes.push({ task, value: { ...unversioned(task), closeOut }, type, detail: { nextLookbackOn: closeOut.nextLookbackOn ?? null } });
  }
  for (const [unit, items] of byUnit(asked, activeUnits)) {
    drafts.push({ kind: 'lookback-request', to: liaisonOf(unit), data: { unit: unit.name, items, chaseWorkdays: deps.config.lookbackChaseWorkdays, reportUrl: deps.links.reportForm(unit.name, at) } });
  }
  for (const [unit, items] of byUnit(chased, activeUnits)) {
    drafts.push({ kind: 'lookback-chase', to: liaisonOf(unit), data: { unit: unit.name, items, reportUrl: deps.links.reportForm(unit.name, at) } });
  }

  const result = drafts.length ? await send('escalation', today, at, drafts, deps) : undefined;
  for (const write of writes) {
    try {
      await deps.store.tasks.update(write.task.code, write.task.version, write.value, { type: write.type, by: 'rule:closeout', at: at.toISOString(), detail: write.detail });
    } catch (error) {
      // Another run of the same day wrote it first (its mail was deduplicated by the outbox).
      if (!(error instanceof VersionConflictError || error instanceof AlreadyExistsError)) throw error;
    }
  }
  return result?.delivery;
}

/** Items grouped by the active units they concern, in ledger order. */
function byUnit(entries: { units: string[]; item: Record<string, unknown> }[], activeUnits: Map<string, Versioned<Unit>>): Map<Versioned<Unit>, Record<string, unknown>[]> {
  const grouped = new Map<Versioned<Unit>, Record<string, unknown>[]>();
  for (const { units, item } of entries) {
    for (const name of units) {
      const unit = activeUnits.get(name);
      if (unit) grouped.set(unit, [...(grouped.get(unit) ?? []), item]);
    }
  }
  return grouped;
}

function addDeliveries(a: DeliveryReport, b: DeliveryReport): DeliveryReport {
  return {
    recorded: a.recorded + b.recorded,
    sent: a.sent + b.sent,
    alreadySent: a.alreadySent + b.alreadySent,
    failed: a.failed + b.failed,
    suppressed: a.suppressed + b.suppressed,
    deferred: a.deferred + b.deferred,
    recipients: a.recipients + b.recipients,
    addresses: [...new Set([...a.addresses, ...b.addresses])],
  };
}
