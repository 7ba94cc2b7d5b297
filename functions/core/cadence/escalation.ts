/**
 * 督办升级, every workday. Input: the instant it fires. Output: each lead unit of a task that is
 * overdue or missing its weekly report climbs the ladder one level when the level's workdays have
 * passed (or, at L1, when a second weekly report is missed); the right people get one message each,
 * listing everything that concerns them; an escalation whose cause has gone drops to 0 with its
 * history kept; L3 opens a 约谈 record, and a 约谈 nobody followed up within 5 workdays reminds the office.
 * Notices are recorded and sent before the new state is written, so a run cut short is redone
 * whole by the next one, without sending twice.
 */
import { AlreadyExistsError, VersionConflictError } from '../errors.ts';
import type { Task } from '../ledger.ts';
import { unversioned, type ChangeEvent, type Versioned } from '../ports.ts';
import { localDateOf } from '../time.ts';
import { escalationId, ladderDelays, levelNames, type Escalation, type Interview } from './escalation-model.ts';
import { send, skipped, type JobDeps, type JobResult, type NoticeDraft, type Recipient } from './job.ts';
import { headOf, liaisonOf, loadSnapshot, peopleWithRole, type Snapshot } from './snapshot.ts';
import { chineseDay } from './week.ts';

interface Cause {
  task: Versioned<Task>;
  unit: string;
  reasons: string[];
  missedWeeks: number;
}

interface Change {
  before?: Versioned<Escalation>;
  after: Escalation;
  notify: boolean;
}

export async function escalate(at: Date, deps: JobDeps): Promise<JobResult> {
  const today = localDateOf(at);
  if (!deps.calendar.isWorkday(today)) return skipped('escalation', at, today, 'not a workday');
  const snapshot = await loadSnapshot(at, deps);
  const open = new Map((await deps.store.openEscalations()).map((e) => [e.id, e]));
  const causes = causesOf(snapshot);
  const changes: Change[] = [];

  for (const [id, cause] of causes) {
    const current = open.get(id) ?? undefined;
    const reasons = cause.reasons;
    if (!current) {
      const closed = await deps.store.escalations.get(id);
      const steps = [...(closed?.steps ?? []), { level: 1, on: today, why: reasons.join('；') }];
      changes.push({ before: closed, after: { id, code: cause.task.code, unit: cause.unit, level: 1, open: true, reasons, levelSince: today, steps }, notify: true });
      continue;
    }
    const waited = deps.calendar.workdaysBetween(current.levelSince, today);
    const climb = current.level < 5 && (waited >= ladderDelays[current.level]! || (current.level === 1 && cause.missedWeeks >= 2));
    if (climb) {
      const level = current.level + 1;
      const why = current.level === 1 && waited < ladderDelays[1] ? `连续${cause.missedWeeks}周未报送进展` : `${levelNames[current.level]}后${waited}个工作日仍未整改到位：${reasons.join('；')}`;
      changes.push({ before: current, after: { ...unversioned(current), level, reasons, levelSince: today, steps: [...current.steps, { level, on: today, why }] }, notify: true });
    } else if (reasons.join() !== current.reasons.join()) {
      changes.push({ before: current, after: { ...unversioned(current), reasons }, notify: false });
    }
  }
  for (const current of open.values()) {
    if (causes.has(current.id)) continue;
    const steps = [...current.steps, { level: 0, on: today, why: '原因已消除（已报送、已按期完成或已销号）' }];
    changes.push({ before: current, after: { ...unversioned(current), level: 0, open: false, reasons: [], levelSince: today, steps }, notify: false });
  }

  const interviews = await interviewsDue(today, snapshot, deps);
  const drafts = [...draftsFor(changes.filter((c) => c.notify), snapshot, deps), ...interviews.drafts];
  const result = await send('escalation', today, at, drafts, deps);

  const event = (type: string): ChangeEvent => ({ type, by: 'rule:escalation', at: at.toISOString() });
  for (const change of changes) {
    const type = change.after.open ? (change.before?.open ? (change.after.level !== change.before.level ? 'escalation.raised' : 'escalation.updated') : 'escalation.opened') : 'escalation.dropped';
    const detail = { ...event(type), detail: { from: change.before?.open ? change.before.level : 0, to: change.after.level, reasons: change.after.reasons } };
    const written = await unlessRaced(() =>
      change.before ? deps.store.escalations.update(change.after.id, change.before.version, change.after, detail) : deps.store.escalations.create(change.after, detail),
    );
    if (written && change.after.level === 3 && change.before?.level !== 3 && change.after.open) {
      const id = `${change.after.id}|${today}`;
      await unlessRaced(() =>
        deps.store.interviews.create(
          { id, code: change.after.code, unit: change.after.unit, openedOn: today, followUpBy: deps.calendar.addWorkdays(today, 5), status: 'open', attendees: [], commitments: [] },
          event('interview.opened'),
        ),
      );
    }
  }
  for (const interview of interviews.reminded) {
    await unlessRaced(() => deps.store.interviews.update(interview.id, interview.version, { ...unversioned(interview), remindedOn: today }, event('interview.reminded')));
  }
  return result;
}

/**
 * Two runs of the same day (a retry beside a late first run) compute the same changes from the
 * same ledger: when the other run has written one first, this one leaves it (and its mail was
 * already deduplicated by the outbox) instead of failing the invocation.
 */
async function unlessRaced<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof AlreadyExistsError || error instanceof VersionConflictError) return undefined;
    throw error;
  }
}

/** Lead units of overdue tasks, and of tasks whose weekly report is missing (unless it came in this week). */
function causesOf(snapshot: Snapshot): Map<string, Cause> {
  const causes = new Map<string, Cause>();
  const reportedNow = new Set((snapshot.reported.get(snapshot.week) ?? []).map((r) => r.code));
  for (const view of snapshot.tasks) {
    const { task } = view;
    const reasons: string[] = [];
    if (task.deadline.kind !== 'ongoing' && snapshot.today > task.deadline.due && task.closeOut?.state !== 'requested') {
      reasons.push(`已超过整改时限（${task.deadline.due}）`);
    }
    if (view.missedWeeks >= 1 && !reportedNow.has(task.code)) reasons.push(`连续${view.missedWeeks}周未报送进展`);
    if (!reasons.length) continue;
    for (const unit of task.leadUnits) causes.set(escalationId(task.code, unit), { task, unit, reasons, missedWeeks: view.missedWeeks });
  }
  return causes;
}

function recipientsFor(level: number, unitName: string, task: Task, snapshot: Snapshot): Recipient[] {
  const unit = snapshot.units.find((u) => u.unit.name === unitName)?.unit;
  const overseers = peopleWithRole(snapshot.people, '督办领导').filter((p) => task.overseers.includes(p.name));
  if (!unit) return [];
  switch (level) {
    case 1:
      return [liaisonOf(unit)];
    case 2:
      return [headOf(unit)];
    case 3:
      return [headOf(unit), ...overseers];
    case 4:
      return [...peopleWithRole(snapshot.people, '整改办'), ...overseers];
    default:
      return peopleWithRole(snapshot.people, '纪委监委');
  }
}

/** One message per recipient, listing every escalation that concerns them in this run. */
function draftsFor(changes: Change[], snapshot: Snapshot, deps: JobDeps): NoticeDraft[] {
  const byRecipient = new Map<string, { to: Recipient; items: object[]; top: number }>();
  for (const { after } of changes) {
    const view = snapshot.byCode.get(after.code);
    if (!view) continue;
    for (const to of recipientsFor(after.level, after.unit, view.task, snapshot)) {
      const key = to.email.toLowerCase();
      const entry = byRecipient.get(key) ?? { to, items: [], top: 0 };
      entry.items.push({ level: after.level, levelName: levelNames[after.level], code: after.code, title: view.task.title, unit: after.unit, reasons: after.reasons.join('；'), url: deps.links.task(after.code) });
      entry.top = Math.max(entry.top, after.level);
      byRecipient.set(key, entry);
    }
  }
  return [...byRecipient.values()].map(({ to, items, top }) => ({
    kind: 'escalation',
    to,
    data: { items, topName: levelNames[top], top, unit: to.unit, reportUrl: to.unit ? deps.links.reportForm(to.unit, snapshot.at) : deps.links.home() },
  }));
}

/** 约谈 records past their follow-up day with nothing recorded: remind the office, once. */
async function interviewsDue(today: string, snapshot: Snapshot, deps: JobDeps) {
  const stale = (await deps.store.openInterviews()).filter((i) => today >= i.followUpBy && !i.scheduledAt && !i.heldAt && !i.remindedOn);
  if (!stale.length) return { drafts: [] as NoticeDraft[], reminded: [] as Versioned<Interview>[] };
  const items = stale.map((i) => ({ id: i.id, code: i.code, unit: i.unit, openedOn: chineseDay(i.openedOn), followUpBy: chineseDay(i.followUpBy) }));
  const drafts = peopleWithRole(snapshot.people, '整改办').map((to) => ({ kind: 'interview-reminder', to, data: { items, home: deps.links.home() } }));
  return { drafts, reminded: stale };
}
