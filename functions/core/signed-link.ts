/**
 * Signed links in emails: HMAC-SHA256 over the unit, the purpose, the expiry and the instant it was
 * signed, so a liaison can open the report form from the email on a phone with no account, and
 * nobody can change the unit, use a link for another purpose or stretch the expiry. Links are
 * stateless: the office revokes a unit's links by setting the instant before which they are
 * refused (see access.ts), which is why a link carries when it was signed. Time is passed in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DubanError } from './errors.ts';

/** report: a unit's report form; archive: a compiled report (unit is then `kind/period`, or `*` for the list). */
export const linkPurposes = ['report', 'archive'] as const;
export type LinkPurpose = (typeof linkPurposes)[number];

const purposeNames: Record<LinkPurpose, string> = { report: '报送进展', archive: '查看通报与交账' };

export interface LinkClaims {
  unit: string;
  purpose: LinkPurpose;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** When it was signed, milliseconds since the epoch (absent from links signed before it was carried). */
  iat?: number;
}

export const LINK_LIFETIME_DAYS = 14;

const mac = (secret: string, c: LinkClaims) =>
  createHmac('sha256', secret)
    .update(`${c.purpose}\n${c.unit}\n${c.exp}${c.iat === undefined ? '' : `\n${c.iat}`}`)
    .digest('base64url');

export function signLink(secret: string, unit: string, purpose: LinkPurpose, at: Date, days = LINK_LIFETIME_DAYS): URLSearchParams {
  const claims = { unit, purpose, exp: Math.floor(at.getTime() / 1000) + days * 86_400, iat: at.getTime() };
  return new URLSearchParams({ u: unit, p: purpose, exp: String(claims.exp), iat: String(claims.iat), sig: mac(secret, claims) });
}

export class LinkError extends DubanError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}

/** The link's claims if it is whole, unaltered, unexpired and made for `purpose`. */
export function verifyLink(secret: string, params: URLSearchParams, now: Date, purpose: LinkPurpose): LinkClaims {
  const unit = params.get('u');
  const given = params.get('p');
  const exp = Number(params.get('exp'));
  const iatText = params.get('iat');
  const iat = iatText === null ? undefined : Number(iatText);
  const sig = params.get('sig') ?? '';
  if (!unit || !given || !linkPurposes.includes(given as LinkPurpose) || !Number.isInteger(exp) || (iat !== undefined && !Number.isSafeInteger(iat)) || !sig) {
    throw new LinkError('链接不完整：请从邮件中重新打开完整的链接');
  }
  const claims: LinkClaims = { unit, purpose: given as LinkPurpose, exp, ...(iat !== undefined ? { iat } : {}) };
  const expected = Buffer.from(mac(secret, claims));
  const presented = Buffer.from(sig);
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
    throw new LinkError('链接无效或已被修改：请从邮件中重新打开链接');
  }
  if (claims.purpose !== purpose) {
    throw new LinkError(`此链接用于${purposeNames[claims.purpose]}，不能用来${purposeNames[purpose]}：请使用邮件中对应的链接`);
  }
  if (now.getTime() / 1000 > exp) throw new LinkError('链接已过期：请使用最新一期周调度或提醒邮件中的链接');
  return claims;
}

/** The parameters that carry a link (for a form's hidden fields or a cookie). */
export function linkParams(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['u', 'p', 'exp', 'iat', 'sig']) {
    const value = params.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}
