/**
 * The 约谈 record the ladder opens at L3, followed up by the office: when it is scheduled, that it
 * was held, who attended, the commitments made and the outcome. A commitment with a date becomes a
 * milestone of the task, so deadline reminders and the ladder hold the unit to it.
 */
import type { Interview } from './cadence/escalation-model.ts';
import type { WorkdayCalendar } from './calendar.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { unversioned, type Principal, type Store, type Versioned } from './ports.ts';
import { ForbiddenError } from './reporting.ts';

export interface InterviewUpdate {
  scheduledAt?: string;
  heldAt?: string;
  attendees?: string[];
  commitments?: { content: string; due?: string }[];
  outcome?: string;
  close?: boolean;
}

export async function followUpInterview(
  id: string,
  update: InterviewUpdate,
  principal: Principal,
  at: Date,
  deps: { store: Store; calendar: WorkdayCalendar },
): Promise<Versioned<Interview>> {
  if (principal.kind !== 'office') throw new ForbiddenError('只有整改办可以登记约谈情况');
  const interview = await deps.store.interviews.get(id);
  if (!interview) throw new NotFoundError(`没有编号为“${id}”的约谈记录`);
  if (update.close && !(update.heldAt ?? interview.heldAt)) throw new ValidationError('约谈尚未登记举行时间，不能办结', 'heldAt');
  const by = principal.name;
  const event = { type: 'interview.followed-up', by, at: at.toISOString(), detail: { ...update } };
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

  const dated = (update.commitments ?? []).filter((c) => c.due);
  if (dated.length) {
    const task = (await deps.store.tasks.get(interview.code))!;
    const milestones = [
      ...task.milestones,
      ...dated.map((m) => ({ nominal: m.due!, due: deps.calendar.nextWorkdayOnOrAfter(m.due!), content: `约谈承诺（${interview.unit}）：${m.content}` })),
    ].sort((a, b) => a.due.localeCompare(b.due));
    await deps.store.tasks.update(task.code, task.version, { ...unversioned(task), milestones }, { type: 'interview.commitments', by, at: at.toISOString(), detail: { interview: id } });
  }
  return saved;
}
