/**
 * What the office decides about escalations. Input: the office's decision and its reason.
 * - `decide`: a proposed level (L4 挂牌督办 and L5 追责问责 by default) is confirmed, and takes
 *   effect (its people are told in the next escalation run, the 纪委监委 with the referral file), or
 *   declined, and the level's delay counts again from today before it is proposed again.
 * - `lift`: an L3 and above is lifted (结束约谈 / 摘牌): the escalation closes; if the unit still
 *   lags, the ladder starts again from 催办 on the next run.
 * Output: the escalation as stored; every decision, with who and why, in its record and audit events.
 */
import { escalationSchema, levelNames, liftNames, type Escalation } from './cadence/escalation-model.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { unversioned, type Principal, type Store, type Versioned } from './ports.ts';
import { ForbiddenError } from './reporting.ts';
import { localDateOf } from './time.ts';

export const escalationStatuses = ['open', 'proposed', 'liftable'] as const;
export type EscalationStatus = (typeof escalationStatuses)[number];

/** The office's lists: open escalations, proposals awaiting it, and those it may lift (可摘牌). */
export async function listEscalations(status: EscalationStatus, principal: Principal, store: Store): Promise<Versioned<Escalation>[]> {
  officeOnly(principal, '只有整改办可以查看督办升级');
  if (status === 'proposed') return store.proposedEscalations();
  const open = await store.openEscalations();
  return status === 'liftable' ? open.filter((e) => e.liftable) : open;
}

export async function decideEscalation(
  id: string,
  input: { decision: 'confirm' | 'decline'; reason: string },
  principal: Principal,
  at: Date,
  store: Store,
): Promise<Versioned<Escalation>> {
  const by = officeOnly(principal, '只有整改办可以决定督办升级');
  const reason = reasonOf(input.reason);
  const current = await escalationOf(id, store);
  const proposal = current.proposal;
  if (!current.open || !proposal) throw new ValidationError(`“${current.unit}”没有待决定的升级建议（可能已由他人决定，或原因已消除）`, 'decision');
  const today = localDateOf(at);
  const { proposal: _, ...rest } = unversioned(current);
  const decision = { level: proposal.level, decision: input.decision, reason, by, at: at.toISOString() };
  const next: Escalation =
    input.decision === 'confirm'
      ? { ...rest, level: proposal.level, levelSince: today, steps: [...rest.steps, { level: proposal.level, on: today, why: `${proposal.why}；整改办确认：${reason}`, by }], decisions: [...rest.decisions, decision] }
      : { ...rest, declinedOn: today, decisions: [...rest.decisions, decision] };
  const type = input.decision === 'confirm' ? 'escalation.confirmed' : 'escalation.declined';
  return store.escalations.update(id, current.version, next, { type, by, at: at.toISOString(), detail: { level: proposal.level, levelName: levelNames[proposal.level], reason } });
}

export async function liftEscalation(id: string, input: { reason: string }, principal: Principal, at: Date, store: Store): Promise<Versioned<Escalation>> {
  const by = officeOnly(principal, '只有整改办可以摘牌或结束约谈');
  const reason = reasonOf(input.reason);
  const current = await escalationOf(id, store);
  if (!current.open || current.level < 3) {
    throw new ValidationError(`“${current.unit}”没有约谈、挂牌督办或追责问责可以解除（催办、通报在原因消除后自动解除）`, 'id');
  }
  const today = localDateOf(at);
  const { proposal: _, ...rest } = unversioned(current);
  const lifted = liftNames[current.level];
  const next: Escalation = {
    ...rest,
    level: 0,
    open: false,
    tasks: [],
    levelSince: today,
    notified: 0,
    liftable: false,
    steps: [...rest.steps, { level: 0, on: today, why: `整改办${lifted}：${reason}`, by }],
    decisions: [...rest.decisions, { level: current.level, decision: 'lift', reason, by, at: at.toISOString() }],
  };
  return store.escalations.update(id, current.version, next, { type: 'escalation.lifted', by, at: at.toISOString(), detail: { from: current.level, lifted, reason } });
}

function officeOnly(principal: Principal, message: string): string {
  if (principal.kind !== 'office') throw new ForbiddenError(message);
  return principal.name;
}

function reasonOf(reason: string): string {
  const text = reason.trim();
  if (!text) throw new ValidationError('请填写“理由”', 'reason');
  return text;
}

async function escalationOf(id: string, store: Store): Promise<Versioned<Escalation>> {
  const found = await store.escalations.get(id);
  if (!found || !escalationSchema.safeParse(found).success) throw new NotFoundError(`没有“${id}”的督办升级记录`);
  return found;
}
