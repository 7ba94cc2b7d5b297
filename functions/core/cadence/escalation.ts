/**
 * 督办升级, every workday. Input: the instant it fires. Output: each lead unit with lagging tasks
 * (overdue, a missed milestone, a missing weekly report) has one escalation that lists them all and
 * climbs one level when the level has stood its workdays (or, at L1, when a second weekly report is
 * missed). A level in `auto` mode takes effect and its people get one message each, listing every
 * escalation that concerns them; a level in `propose` mode waits for the office's decision
 * (escalations.ts): each 整改办 person gets one message the run a proposal appears (which unit, which
 * level, why, where to decide), and the level's people hear of it in the first run after the office
 * confirms. When
 * every cause has gone L1–L2 clear; L3 and above stay, marked 可摘牌, until the office lifts them.
 * L3 opens one 约谈 record per unit, listing its tasks; a task that starts lagging while it is open
 * joins it. A confirmed L5 sends the 纪委监委 the unit's referral workbook. A 约谈 nobody followed up
 * within 5 workdays reminds the office.
 *
 * Only lead units are escalated: a responsible unit that does not report is chased (chase.ts) and
 * its 催办 are recorded for 考核. An approved 延期 moves the task's due date, and the cause follows it.
 * Notices are recorded and sent before the new state is written, so a run cut short is redone
 * whole by the next one, without sending twice.
 */
import { AlreadyExistsError, VersionConflictError } from '../errors.ts';
import type { Task } from '../ledger.ts';
import { unversioned, type ChangeEvent, type Versioned } from '../ports.ts';
import { referralRecord } from '../referral.ts';
import { localDateOf } from '../time.ts';
import { escalationId, escalationSchema, interviewId, ladderDelays, levelNames, type Escalation, type Interview, type LaggingTask } from './escalation-model.ts';
import { send, skipped, type JobDeps, type JobResult, type NoticeDraft, type Recipient } from './job.ts';
import { missedMilestones } from './lights.ts';
import { headOf, liaisonOf, loadSnapshot, peopleWithRole, type Snapshot } from './snapshot.ts';
import { chineseDay } from './week.ts';

interface Lag {
  task: Task;
  reasons: string[];
  missedWeeks: number;
}

interface Change {
  before?: Versioned<Escalation>;
  after: Escalation;
  type: string;
  /** The level whose people this run tells (0: none). */
  notify: number;
}

export async function escalate(at: Date, deps: JobDeps): Promise<JobResult> {
  const today = localDateOf(at);
  if (!deps.calendar.isWorkday(today)) return skipped('escalation', at, today, 'not a workday');
  // Whether a task reported this week is its latest week: no week's reports are read.
  const snapshot = await loadSnapshot(at, deps, { reports: 'none' });
  const stored = await deps.store.openEscalations();
  const open = new Map(stored.filter((e) => escalationSchema.safeParse(e).success).map((e) => [e.id, e]));
  const openInterviews = new Map((await deps.store.openInterviews()).map((i) => [i.id, i]));
  const causes = causesOf(snapshot);
  const changes: Change[] = stored.filter((e) => !open.has(e.id)).map(retireOldShape(today));

  for (const [unit, lags] of causes) {
    const id = escalationId(unit);
    const current = open.get(id) ?? (await reopened(id, deps));
    changes.push(withCause(current, unit, lags, today, deps));
  }
  for (const current of open.values()) {
    if (!causes.has(current.unit)) changes.push(withoutCause(current, today));
  }
  for (const change of changes) {
    change.notify = change.after.open && change.after.level > change.after.notified ? change.after.level : 0;
    if (change.notify) change.after = { ...change.after, notified: change.after.level };
  }

  // What the notices need before they go: the 约谈 record of a unit reaching L3, the referral file of an L5.
  const interviewWrites: (() => Promise<unknown>)[] = [];
  const event = (type: string): ChangeEvent => ({ type, by: 'rule:escalation', at: at.toISOString() });
  for (const change of changes) {
    const { after } = change;
    const latest = after.interviews.at(-1);
    const running = latest ? openInterviews.get(latest) : undefined;
    if (change.notify === 3 && !running) {
      const interview: Interview = {
        id: interviewId(after.unit, today),
        unit: after.unit,
        codes: after.tasks.map((t) => t.code),
        openedOn: today,
        followUpBy: deps.calendar.addWorkdays(today, 5),
        status: 'open',
        attendees: [],
        commitments: [],
      };
      if (!after.interviews.includes(interview.id)) change.after = { ...after, interviews: [...after.interviews, interview.id] };
      interviewWrites.push(() => deps.store.interviews.create(interview, { ...event('interview.opened'), detail: { codes: interview.codes } }));
    } else if (running && after.open && after.level >= 3) {
      const joining = after.tasks.map((t) => t.code).filter((code) => !running.codes.includes(code));
      if (joining.length) {
        interviewWrites.push(() =>
          deps.store.interviews.update(running.id, running.version, { ...unversioned(running), codes: [...running.codes, ...joining] }, { ...event('interview.tasks-joined'), detail: { codes: joining } }),
        );
      }
    }
    if (change.notify === 5 && !change.after.referral && deps.referrals) {
      const referral = await deps.referrals.file(await referralRecord(change.after, today, deps.store));
      change.after = { ...change.after, referral };
    }
  }

  const interviews = await interviewsDue(today, snapshot, deps);
  const drafts = [...draftsFor(changes, snapshot, deps), ...proposalDrafts(changes, snapshot, deps), ...interviews.drafts];
  const result = await send('escalation', today, at, drafts, deps);

  for (const write of interviewWrites) await unlessRaced(write);
  for (const change of changes) {
    if (change.before && JSON.stringify(unversioned(change.before)) === JSON.stringify(change.after)) continue; // nothing moved today
    const detail = { ...event(change.type), detail: detailOf(change) };
    await unlessRaced(() =>
      change.before ? deps.store.escalations.update(change.after.id, change.before.version, change.after, detail) : deps.store.escalations.create(change.after, detail),
    );
  }
  for (const interview of interviews.reminded) {
    await unlessRaced(() => deps.store.interviews.update(interview.id, interview.version, { ...unversioned(interview), remindedOn: today }, event('interview.reminded')));
  }
  return result;
}

function detailOf({ before, after, notify }: Change): Record<string, unknown> {
  return {
    from: before?.open ? before.level : 0,
    to: after.level,
    tasks: after.tasks.map((t) => ({ code: t.code, reasons: t.reasons })),
    ...(after.proposal ? { proposal: after.proposal.level } : {}),
    ...(notify ? { notified: notify } : {}),
    ...(after.liftable ? { liftable: true } : {}),
  };
}

/** A closed escalation of the unit is reopened with its history; none yet: a new one. */
async function reopened(id: string, deps: JobDeps): Promise<Versioned<Escalation> | undefined> {
  const closed = await deps.store.escalations.get(id);
  return closed && escalationSchema.safeParse(closed).success ? closed : undefined;
}

/** The unit lags: its tasks are brought up to date and it climbs when its level has stood long enough. */
function withCause(current: Versioned<Escalation> | undefined, unit: string, lags: Lag[], today: string, deps: JobDeps): Change {
  const live = current?.open ? current : undefined;
  const since = new Map((live?.tasks ?? []).map((t) => [t.code, t.since]));
  const tasks: LaggingTask[] = lags.map((l) => ({ code: l.task.code, title: l.task.title, reasons: l.reasons, since: since.get(l.task.code) ?? today }));
  const base: Escalation = live
    ? { ...unversioned(live), tasks, liftable: false }
    : {
        id: escalationId(unit),
        unit,
        level: 0,
        open: true,
        tasks,
        levelSince: today,
        notified: 0,
        liftable: false,
        steps: current?.steps ?? [],
        decisions: current?.decisions ?? [],
        interviews: current?.interviews ?? [],
      };
  const missed = Math.max(...lags.map((l) => l.missedWeeks));
  const waited = deps.calendar.workdaysBetween(base.declinedOn && base.declinedOn > base.levelSince ? base.declinedOn : base.levelSince, today);
  const due = base.level === 0 || waited >= ladderDelays[base.level]! || (base.level === 1 && missed >= 2);
  if (base.level >= 5 || base.proposal || !due) {
    return { before: current, after: base, type: !live ? 'escalation.opened' : 'escalation.updated', notify: 0 };
  }
  const level = base.level + 1;
  const why =
    base.level === 0
      ? tasks.map((t) => `${t.code}：${t.reasons.join('；')}`).join('；')
      : base.level === 1 && waited < ladderDelays[1]
        ? `连续${missed}周未报送进展`
        : `${levelNames[base.level]}后${waited}个工作日仍未整改到位（${tasks.length}项任务）`;
  if (deps.config.escalationModes[`L${level}` as 'L1'] === 'propose') {
    return { before: current, after: { ...base, proposal: { level, on: today, why } }, type: 'escalation.proposed', notify: 0 };
  }
  const after: Escalation = { ...base, level, levelSince: today, steps: [...base.steps, { level, on: today, why }] };
  return { before: current, after, type: live ? 'escalation.raised' : 'escalation.opened', notify: 0 };
}

/** Every cause has gone: L1–L2 (and a proposal alone) clear; L3 and above wait for the office, marked 可摘牌. */
function withoutCause(current: Versioned<Escalation>, today: string): Change {
  const { proposal, ...rest } = unversioned(current);
  if (current.level >= 3) {
    return { before: current, after: { ...rest, tasks: [], liftable: true }, type: current.liftable ? 'escalation.updated' : 'escalation.liftable', notify: 0 };
  }
  const steps = current.level > 0 ? [...current.steps, { level: 0, on: today, why: '原因已消除（已报送、已按期完成或已销号）' }] : current.steps;
  return { before: current, after: { ...rest, level: 0, open: false, tasks: [], levelSince: today, notified: 0, liftable: false, steps }, type: 'escalation.dropped', notify: 0 };
}

/** An escalation kept per task before escalations were kept per unit: closed, its history kept. */
function retireOldShape(today: string) {
  return (old: Versioned<Escalation>): Change => ({
    before: old,
    after: { ...(unversioned(old) as Escalation), open: false, level: 0, levelSince: today },
    type: 'escalation.dropped',
    notify: 0,
  });
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

/**
 * Each lead unit's lagging tasks: overdue (no close-out pending), a missed milestone (the rule the
 * light uses), or a weekly report missing (unless one came in this week).
 */
function causesOf(snapshot: Snapshot): Map<string, Lag[]> {
  const causes = new Map<string, Lag[]>();
  for (const view of snapshot.tasks) {
    const { task } = view;
    const reasons: string[] = [];
    if (task.deadline.kind !== 'ongoing' && snapshot.today > task.deadline.due && task.closeOut?.state !== 'requested') {
      reasons.push(`已超过整改时限（${task.deadline.due}）`);
    }
    for (const m of missedMilestones(task, snapshot.today, view.lastReportedWeek)) reasons.push(`阶段节点“${m.content}”（${m.due}）已逾期`);
    if (view.missedWeeks >= 1 && view.lastReportedWeek !== snapshot.week) reasons.push(`连续${view.missedWeeks}周未报送进展`);
    if (!reasons.length) continue;
    for (const unit of task.leadUnits) causes.set(unit, [...(causes.get(unit) ?? []), { task, reasons, missedWeeks: view.missedWeeks }]);
  }
  return causes;
}

function recipientsFor(level: number, escalation: Escalation, snapshot: Snapshot): Recipient[] {
  const unit = snapshot.units.find((u) => u.unit.name === escalation.unit)?.unit;
  if (!unit) return [];
  const overseerNames = new Set(escalation.tasks.flatMap((t) => snapshot.byCode.get(t.code)?.task.overseers ?? []));
  const overseers = peopleWithRole(snapshot.people, '督办领导').filter((p) => overseerNames.has(p.name));
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

/** One message per recipient, listing every unit (and its tasks) whose level concerns them in this run. */
function draftsFor(changes: Change[], snapshot: Snapshot, deps: JobDeps): NoticeDraft[] {
  type Entry = { to: Recipient; items: object[]; units: object[]; top: number; attachments: NonNullable<NoticeDraft['attachments']> };
  const byRecipient = new Map<string, Entry>();
  for (const { after, notify } of changes) {
    if (!notify) continue;
    const tasks = after.tasks.map((t) => ({ level: notify, levelName: levelNames[notify], code: t.code, title: t.title, unit: after.unit, reasons: t.reasons.join('；'), since: t.since, url: deps.links.task(t.code) }));
    for (const to of recipientsFor(notify, after, snapshot)) {
      const key = to.email.toLowerCase();
      const entry = byRecipient.get(key) ?? { to, items: [], units: [], top: 0, attachments: [] };
      entry.items.push(...tasks);
      entry.units.push({ unit: after.unit, level: notify, levelName: levelNames[notify], why: after.steps.at(-1)?.why ?? '', tasks, referral: notify === 5 ? after.referral?.name : undefined });
      if (notify === 5 && after.referral) entry.attachments.push({ filename: after.referral.name, key: after.referral.key, contentType: after.referral.contentType });
      entry.top = Math.max(entry.top, notify);
      byRecipient.set(key, entry);
    }
  }
  return [...byRecipient.values()].map(({ to, items, units, top, attachments }) => ({
    kind: 'escalation',
    to,
    data: { items, units, topName: levelNames[top], top, clearsItself: top < 3, unit: to.unit, reportUrl: to.unit ? deps.links.reportForm(to.unit, snapshot.at) : deps.links.home() },
    ...(attachments.length ? { attachments } : {}),
  }));
}

/**
 * The proposals that appeared in this run, in one message to each 整改办 person. A proposal appears
 * once (the next run finds it stored), and a rerun of the same day gets the same notice id, so each
 * proposal is announced exactly once.
 */
function proposalDrafts(changes: Change[], snapshot: Snapshot, deps: JobDeps): NoticeDraft[] {
  const units = changes
    .filter((c) => c.type === 'escalation.proposed' && c.after.proposal)
    .map(({ after }) => ({
      unit: after.unit,
      level: after.proposal!.level,
      levelName: levelNames[after.proposal!.level],
      currentName: levelNames[after.level] || '未升级',
      why: after.proposal!.why,
      since: chineseDay(after.levelSince),
      tasks: after.tasks.map((t) => ({ code: t.code, title: t.title, reasons: t.reasons.join('；'), since: t.since, url: deps.links.task(t.code) })),
    }));
  if (!units.length) return [];
  const consoleUrl = `${deps.links.home().replace(/\/$/, '')}/escalations`;
  return peopleWithRole(snapshot.people, '整改办').map((to) => ({ kind: 'escalation-proposal', to, data: { units, first: units[0], consoleUrl } }));
}

/** 约谈 records past their follow-up day with nothing recorded: remind the office, once. */
async function interviewsDue(today: string, snapshot: Snapshot, deps: JobDeps) {
  const stale = (await deps.store.openInterviews()).filter((i) => today >= i.followUpBy && !i.scheduledAt && !i.heldAt && !i.remindedOn);
  if (!stale.length) return { drafts: [] as NoticeDraft[], reminded: [] as Versioned<Interview>[] };
  const items = stale.map((i) => ({ id: i.id, code: (i.codes ?? []).join('、'), unit: i.unit, openedOn: chineseDay(i.openedOn), followUpBy: chineseDay(i.followUpBy) }));
  const drafts = peopleWithRole(snapshot.people, '整改办').map((to) => ({ kind: 'interview-reminder', to, data: { items, home: deps.links.home() } }));
  return { drafts, reminded: stale };
}
