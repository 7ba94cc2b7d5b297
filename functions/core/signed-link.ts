/**
 * Signed links in emails: HMAC-SHA256 over the unit, the purpose and the expiry, so a liaison can
 * open the report form from the email on a phone with no account, and nobody can change the unit
 * or stretch the expiry. Time is passed in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DubanError } from './errors.ts';

/** report: a unit's report form; archive: a compiled report (unit is then `kind/period`, or `*` for the list). */
export const linkPurposes = ['report', 'archive'] as const;
export type LinkPurpose = (typeof linkPurposes)[number];

export interface LinkClaims {
  unit: string;
  purpose: LinkPurpose;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export const LINK_LIFETIME_DAYS = 14;

const mac = (secret: string, c: LinkClaims) => createHmac('sha256', secret).update(`${c.purpose}\n${c.unit}\n${c.exp}`).digest('base64url');

export function signLink(secret: string, unit: string, purpose: LinkPurpose, at: Date, days = LINK_LIFETIME_DAYS): URLSearchParams {
  const claims = { unit, purpose, exp: Math.floor(at.getTime() / 1000) + days * 86_400 };
  return new URLSearchParams({ u: unit, p: purpose, exp: String(claims.exp), sig: mac(secret, claims) });
}

export class LinkError extends DubanError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}

export function verifyLink(secret: string, params: URLSearchParams, now: Date): LinkClaims {
  const unit = params.get('u');
  const purpose = params.get('p');
  const exp = Number(params.get('exp'));
  const sig = params.get('sig') ?? '';
  if (!unit || !purpose || !linkPurposes.includes(purpose as LinkPurpose) || !Number.isInteger(exp) || !sig) {
    throw new LinkError('链接不完整：请从邮件中重新打开完整的链接');
  }
  const claims = { unit, purpose: purpose as LinkPurpose, exp };
  const expected = Buffer.from(mac(secret, claims));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new LinkError('链接无效或已被修改：请从邮件中重新打开链接');
  }
  if (now.getTime() / 1000 > exp) throw new LinkError('链接已过期：请使用最新一期周调度或提醒邮件中的链接');
  return claims;
}
