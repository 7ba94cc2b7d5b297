/**
 * Who may still act for a unit. The office can revoke a unit's credentials (every API token, and
 * every email link signed before now) and deactivate a unit (it then gets no mail, and no token
 * or link of it opens anything); a re-import that drops a unit deactivates it the same way.
 * Tokens and links are checked here against the unit as stored. Time is passed in.
 */
import { DubanError, NotFoundError, ValidationError } from './errors.ts';
import { isActiveUnit, type Unit } from './ledger.ts';
import { unversioned, type Principal, type Store, type Versioned } from './ports.ts';
import { ForbiddenError } from './reporting.ts';

export class RevokedError extends DubanError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}


function inactiveMessage(unit: Unit): string {
  if (unit.deactivated) return `“${unit.name}”已被整改办停用（${unit.deactivated.reason}），其令牌和邮件链接不再有效`;
  return `“${unit.name}”已不在当前台账中，其令牌和邮件链接不再有效；如有疑问请联系整改办`;
}

/**
 * Whether a credential of `unitName` issued at `issuedAt` (ISO instant; undefined for an old link
 * that does not say) still opens the unit's pages and API. Throws a typed error in Chinese if not.
 */
export async function checkUnitCredential(store: Store, unitName: string, issuedAt: string | undefined, what: '令牌' | '链接'): Promise<Versioned<Unit>> {
  // The request path's read: up to 30 s old when another process changed the unit, current after a change here.
  const unit = await store.accessUnit(unitName);
  if (!unit) throw new ForbiddenError(`台账中没有“${unitName}”这个单位，此${what}不再有效；如有疑问请联系整改办`);
  if (!isActiveUnit(unit)) throw new ForbiddenError(inactiveMessage(unit));
  if (unit.credentialsValidFrom && (issuedAt === undefined || issuedAt < unit.credentialsValidFrom)) {
    throw new RevokedError(`此${what}已被整改办收回：${what === '令牌' ? '请向整改办重新申领令牌' : '请使用此后收到的邮件中的链接'}`);
  }
  return unit;
}

/** A unit may be issued a token only while it is active. */
export async function assertCanIssue(store: Store, unitName: string): Promise<void> {
  const unit = await store.units.get(unitName);
  if (!unit) throw new NotFoundError(`台账中没有“${unitName}”这个单位`);
  if (!isActiveUnit(unit)) throw new ForbiddenError(`${inactiveMessage(unit)}，不能为其发放令牌`);
}

export interface Revocation {
  unit: string;
  revokedTokens: number;
  /** Links signed and tokens issued before this instant are refused. */
  validFrom: string;
}

/** The office revokes every token and email link of a unit; new ones (issued after `at`) work. */
export async function revokeUnitCredentials(store: Store, name: string, reason: string | undefined, principal: Principal, at: Date): Promise<Revocation> {
  if (principal.kind !== 'office') throw new ForbiddenError('只有整改办可以收回单位的令牌和链接');
  return revoke(store, name, principal.name, at, { type: 'unit.credentials-revoked', reason });
}

/** The office deactivates a unit: it gets no more mail, and none of its tokens or links opens anything. */
export async function deactivateUnit(store: Store, name: string, reason: string, principal: Principal, at: Date): Promise<Revocation> {
  if (principal.kind !== 'office') throw new ForbiddenError('只有整改办可以停用单位');
  if (!reason.trim()) throw new ValidationError('停用单位须写明原因', 'reason');
  return revoke(store, name, principal.name, at, { type: 'unit.deactivated', reason, deactivate: true });
}

async function revoke(store: Store, name: string, by: string, at: Date, change: { type: string; reason?: string; deactivate?: boolean }): Promise<Revocation> {
  const unit = await store.units.get(name);
  if (!unit) throw new NotFoundError(`台账中没有“${name}”这个单位`);
  const validFrom = at.toISOString();
  const next: Unit = {
    ...unversioned(unit),
    credentialsValidFrom: unit.credentialsValidFrom && unit.credentialsValidFrom > validFrom ? unit.credentialsValidFrom : validFrom,
    ...(change.deactivate ? { active: false, deactivated: { at: validFrom, by, reason: change.reason ?? '' } } : {}),
  };
  await store.units.update(name, unit.version, next, { type: change.type, by, at: validFrom, detail: { reason: change.reason ?? '' } });
  const revokedTokens = await store.revokeTokens(name, validFrom);
  return { unit: name, revokedTokens, validFrom };
}
