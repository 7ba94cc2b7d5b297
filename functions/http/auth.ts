/**
 * Who is calling. API calls carry `Authorization: Bearer <token>` (a unit's or the office's token,
 * stored only as a hash); pages opened from an email carry a signed link. Tokens are issued by
 * `npx duban token`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DubanError } from '../core/errors.ts';
import type { Principal, Store } from '../core/ports.ts';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function issueToken(store: Store, principal: Principal, at: Date): Promise<string> {
  const token = `dbn_${randomBytes(24).toString('base64url')}`;
  await store.saveToken(hashToken(token), principal, at.toISOString());
  return token;
}

export class UnauthenticatedError extends DubanError {
  constructor(message = '缺少或无效的访问令牌：请在请求头中提供 Authorization: Bearer <令牌>（令牌由整改办发放）') {
    super('UNAUTHENTICATED', message, 'Authorization');
  }
}

export async function principalOf(header: string | undefined, store: Store): Promise<Principal> {
  const match = /^Bearer\s+(dbn_[A-Za-z0-9_-]{10,100})$/.exec(header?.trim() ?? '');
  if (!match) throw new UnauthenticatedError();
  const principal = await store.principalOfToken(hashToken(match[1]!));
  if (!principal) throw new UnauthenticatedError('访问令牌无效或已停用：请向整改办重新申领');
  return principal;
}
