/**
 * The 约谈 record the ladder opens at L3, one per unit, listing its lagging tasks; followed up by
 * the office: when it is scheduled, that it was held, who attended, the commitments made and the
 * outcome. A commitment with a date becomes a milestone of the task it names (`code`), or of every
 * task of the 约谈 when it names none, so deadline reminders and the ladder hold the unit to it.
 */
import { createHash } from 'node:crypto';
import type { Interview } from './cadence/escalation-model.ts';
import type { WorkdayCalendar } from './calendar.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { unversioned, type Principal, type Store, type Versioned } from './ports.ts';
import { ForbiddenError } from './reporting.ts';
import { isLocalDate } from './time.ts';

export interface InterviewUpdate {
  scheduledAt?: string;
  heldAt?: string;
  attendees?: string[];
  commitments?: { content: string; due?: string; code?: string }[];
  outcome?: string;
  close?: boolean;
}

/** Key of a follow-up: the caller's Idempotency-Key, else a digest of the update itself. */
export function followUpKey(update: InterviewUpdate, idempotencyKey?: string): string {
  if (idempotencyKey) return `key:${idempotencyKey}`;
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]))
        : value;
  return `body:${createHash('sha256').update(JSON.stringify(canonical(update))).digest('hex').slice(0, 32)}`;
}

/** Every date real, every commitment's year known to the calendar: checked before anything is written. */
function validate(update: InterviewUpdate, calendar: WorkdayCalendar): void {
  const dates: [string | undefined, string, string][] = [
    [update.scheduledAt, 'scheduledAt', '约谈时间'],
    [update.heldAt, 'heldAt', '举行时间'],
    ...(update.commitments ?? []).map((c, i): [string | undefined, string, string] => [c.due, `commitments.${i}.due`, '承诺完成日期']),
  ];
  for (const [date, field, label] of dates) {
    if (date !== undefined && !isLocalDate(date)) throw new ValidationError(`“${label}”不是真实存在的日期：${date}`, field);
  }
  for (const [i, c] of (update.commitments ?? []).entries()) {
    const year = c.due ? Number(c.due.slice(0, 4)) : undefined;
    if (year !== undefined && !calendar.knows(year)) {
      throw new ValidationError(
        `“承诺完成日期”${c.due}所在的${year}年节假日安排尚未载入，无法确定到期的工作日；请整改办先载入${year}年日历，本次未保存任何内容`,
        `commitments.${i}.due`,
      );
    }
  }
}

/**
 * Records a follow-up. The whole update is validated before anything is written, and a retry of
 * the same update (the same Idempotency-Key, or the same body) is recognised from the record's
 * history: its commitments are appended once.
 */
export async function followUpInterview(
  id: string,
  update: InterviewUpdate,
  principal: Principal,
  at: Date,
  deps: { store: Store; calendar: WorkdayCalendar },
  idempotencyKey?: string,
): Promise<Versioned<Interview>> {
  if (principal.kind !== 'office') throw new ForbiddenError('只有整改办可以登记约谈情况');
  validate(update, deps.calendar);
  const interview = await deps.store.interviews.get(id);
  if (!interview) throw new NotFoundError(`没有编号为“${id}”的约谈记录`);
  for (const [i, c] of (update.commitments ?? []).entries()) {
    if (c.code && !interview.codes.includes(c.code)) {
      throw new ValidationError(`“承诺对应任务”${c.code}不在本次约谈的任务中（${interview.codes.join('、')}），本次未保存任何内容`, `commitments.${i}.code`);
    }
  }
  const key = followUpKey(update, idempotencyKey);
  const done = (await deps.store.auditEvents(`INTERVIEW#${id}`)).some((e) => e.type === 'interview.followed-up' && e.detail?.key === key);
  if (done) {
    // A retry: the record already has it; make sure the milestones landed too (a crash may have come between).
    await addMilestones(interview, update, principal.name, at, deps);
    return interview;
  }
  if (update.close && !(update.heldAt ?? interview.heldAt)) throw new ValidationError('约谈尚未登记举行时间，不能办结', 'heldAt');
  const by = principal.name;
  const event = { type: 'interview.followed-up', by, at: at.toISOString(), detail: { ...update, key } };
  const next: Interview = {
    ...unversioned(interview),
    ...(update.scheduledAt ? { scheduledAt: update.scheduledAt } : {}),
    ...(update.heldAt ? { heldAt: update.heldAt } : {}),
    ...(update.attendees ? { attendees: update.attendees } : {}),
    ...(update.outcome ? { outcome: update.outcome } : {}),
    commitments: [...interview.commitments, ...(update.commitments ?? [])],
    status: update.close ? 'closed' : interview.status,
  };
  const saved = await deps.store.interviews.update(id, interview.version, next, event);
  await addMilestones(interview, update, by, at, deps);
  return saved;
}

/** Dated commitments become milestones of their task (or of every task of the 约谈); one already there is not added again. */
async function addMilestones(interview: Interview, update: InterviewUpdate, by: string, at: Date, deps: { store: Store; calendar: WorkdayCalendar }) {
  const dated = (update.commitments ?? []).filter((c) => c.due);
  for (const code of interview.codes) {
    const task = await deps.store.tasks.get(code);
    if (!task) continue;
    const wanted = dated
      .filter((c) => !c.code || c.code === code)
      .map((m) => ({ nominal: m.due!, due: deps.calendar.nextWorkdayOnOrAfter(m.due!), content: `约谈承诺（${interview.unit}）：${m.content}` }))
      .filter((m) => !task.milestones.some((t) => t.nominal === m.nominal && t.content === m.content));
    if (!wanted.length) continue;
    const milestones = [...task.milestones, ...wanted].sort((a, b) => a.due.localeCompare(b.due));
    await deps.store.tasks.update(task.code, task.version, { ...unversioned(task), milestones }, { type: 'interview.commitments', by, at: at.toISOString(), detail: { interview: interview.id } });
  }
}
