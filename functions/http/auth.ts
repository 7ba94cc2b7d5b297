/**
 * Who is calling. API calls carry `Authorization: Bearer <token>` (a unit's or the office's token,
 * stored only as a hash); pages opened from an email carry a signed link. Tokens are issued by
 * `npx duban token`; the office revokes them (one, or all of a unit's) over the API. A unit's token
 * or link opens nothing once the unit is deactivated or its credentials were revoked after it was
 * issued.
 */
import { createHash, randomBytes } from 'node:crypto';
import { assertCanIssue, checkUnitCredential } from '../core/access.ts';
import { DubanError } from '../core/errors.ts';
import type { Principal, Store } from '../core/ports.ts';
import { verifyLink, type LinkClaims, type LinkPurpose } from '../core/signed-link.ts';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Issues a token (printed once; only its hash is kept). A deactivated or removed unit gets none. */
export async function issueToken(store: Store, principal: Principal, at: Date): Promise<string> {
  if (principal.kind === 'unit') await assertCanIssue(store, principal.unit);
  const token = `dbn_${randomBytes(24).toString('base64url')}`;
  await store.saveToken(hashToken(token), principal, at.toISOString());
  return token;
}

export class UnauthenticatedError extends DubanError {
  constructor(message = '缺少或无效的访问令牌：请在请求头中提供 Authorization: Bearer <令牌>（令牌由整改办发放）') {
    super('UNAUTHENTICATED', message, 'Authorization');
  }
}

export const TOKEN_PATTERN = /^dbn_[A-Za-z0-9_-]{10,100}$/;

export async function principalOf(header: string | undefined, store: Store): Promise<Principal> {
  const match = /^Bearer\s+(\S+)$/.exec(header?.trim() ?? '');
  if (!match || !TOKEN_PATTERN.test(match[1]!)) throw new UnauthenticatedError();
  const token = await store.tokenOf(hashToken(match[1]!));
  // A deactivated unit is told so (403) before a revoked token is (401).
  if (!token) throw new UnauthenticatedError('访问令牌无效或已停用：请向整改办重新申领');
  if (token.principal.kind === 'unit') {
    try {
      await checkUnitCredential(store, token.principal.unit, token.at, '令牌');
    } catch (error) {
      if (error instanceof DubanError && error.code === 'UNAUTHENTICATED') throw new UnauthenticatedError(error.message);
      throw error;
    }
  }
  if (token.revokedAt) throw new UnauthenticatedError('访问令牌已被整改办收回：请向整改办重新申领');
  return token.principal;
}

/** A unit's signed link for `purpose`, refused when the unit is deactivated or revoked its links since it was signed. */
export async function unitOfLink(secret: string, params: URLSearchParams, now: Date, purpose: LinkPurpose, store: Store): Promise<LinkClaims> {
  const claims = verifyLink(secret, params, now, purpose);
  await checkUnitCredential(store, claims.unit, claims.iat === undefined ? undefined : new Date(claims.iat).toISOString(), '链接');
  return claims;
}
