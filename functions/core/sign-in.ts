/**
 * Sign-in to the office's console: nothing anonymous.
 *
 * - requestSignIn: a person types an email. If it is the address of someone in 领导与联系人 with a
 *   console role (整改办: the office; 督办领导 or 领导小组: a leader, read-only), a one-time link is
 *   made (HMAC over address, nonce and expiry; 15 minutes) and its nonce recorded; the caller mails
 *   it through the outbox. The caller answers the same whether or not the address is known, and a
 *   per-address counter stops more than a few requests an hour (no mail then, same answer).
 * - completeSignIn: the link is checked (whole, unaltered, unexpired), its nonce used once, the
 *   person looked up again; a session of 12 hours is kept by the hash of its id.
 * - sessionOf / signOut: a session is live until it expires, is signed out, or its person no
 *   longer holds a console role.
 * Time is passed in.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DubanError } from './errors.ts';
import type { Person } from './ledger.ts';
import type { ConsoleSession, Store } from './ports.ts';

export const SIGN_IN_LINK_MINUTES = 15;
export const SESSION_HOURS = 12;
/** Sign-in requests an address may make in one hour. */
export const SIGN_IN_REQUESTS_PER_HOUR = 5;

export type ConsoleRole = ConsoleSession['role'];

export const roleNames: Record<ConsoleRole, string> = { office: '整改办', leader: '领导（只读）' };

export class SignInError extends DubanError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The console role a person holds: the office if 整改办, else a leader if 督办领导 or 领导小组. */
export function consoleRoleOf(roles: readonly Person['roles'][number][]): ConsoleRole | undefined {
  if (roles.includes('整改办')) return 'office';
  if (roles.includes('督办领导') || roles.includes('领导小组')) return 'leader';
  return undefined;
}

/** Everyone with a console role at this address (the ledger lists a person once per role). */
async function personAt(store: Store, email: string): Promise<{ name: string; email: string; role: ConsoleRole } | undefined> {
  const address = email.trim().toLowerCase();
  const rows = (await store.people.list()).filter((p) => p.email.toLowerCase() === address);
  if (!rows.length) return undefined;
  const role = consoleRoleOf(rows.flatMap((p) => p.roles));
  return role ? { name: rows[0]!.name, email: rows[0]!.email, role } : undefined;
}

const mac = (secret: string, email: string, nonce: string, exp: number) =>
  createHmac('sha256', secret).update(`sign-in\n${email.toLowerCase()}\n${nonce}\n${exp}`).digest('base64url');

export interface SignInRequest {
  person: { name: string; email: string; role: ConsoleRole };
  /** The link's query: e (address), n (nonce), exp (seconds), sig. */
  params: URLSearchParams;
  /** For the notice's deterministic id: one notice per link. */
  nonce: string;
}

/**
 * The one-time link for `email`, or undefined when the address has no console role or asked too
 * often this hour. The caller must answer the same in every case.
 */
export async function requestSignIn(email: string, at: Date, deps: { store: Store; secret: string }): Promise<SignInRequest | undefined> {
  const address = email.trim().toLowerCase();
  const window = at.toISOString().slice(0, 13); // the UTC hour
  if ((await deps.store.signIns.countRequest(address, window)) > SIGN_IN_REQUESTS_PER_HOUR) return undefined;
  const person = await personAt(deps.store, address);
  if (!person) return undefined;
  const nonce = randomBytes(18).toString('base64url');
  const exp = Math.floor(at.getTime() / 1000) + SIGN_IN_LINK_MINUTES * 60;
  await deps.store.signIns.saveNonce(sha256(nonce), address, new Date(exp * 1000).toISOString());
  const params = new URLSearchParams({ e: address, n: nonce, exp: String(exp), sig: mac(deps.secret, address, nonce, exp) });
  return { person, params, nonce };
}

/** Opens a session from a sign-in link. Returns the cookie's value (kept only as a hash) and the session. */
export async function completeSignIn(
  params: URLSearchParams,
  at: Date,
  deps: { store: Store; secret: string },
): Promise<{ id: string; session: ConsoleSession }> {
  const email = params.get('e') ?? '';
  const nonce = params.get('n') ?? '';
  const exp = Number(params.get('exp'));
  const sig = params.get('sig') ?? '';
  if (!email || !nonce || !Number.isInteger(exp) || !sig) throw new SignInError('登录链接不完整：请从邮件中打开完整的链接，或重新获取登录链接');
  const expected = Buffer.from(mac(deps.secret, email, nonce, exp));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new SignInError('登录链接无效或已被修改：请重新获取登录链接');
  if (at.getTime() / 1000 > exp) throw new SignInError(`登录链接已过期（有效期 ${SIGN_IN_LINK_MINUTES} 分钟）：请重新获取登录链接`);
  if (!(await deps.store.signIns.useNonce(sha256(nonce), at.toISOString()))) throw new SignInError('此登录链接已使用过，每个链接只能使用一次：请重新获取登录链接');
  const person = await personAt(deps.store, email);
  if (!person) throw new SignInError('该邮箱已不在“领导与联系人”名单中，不能登录：如有疑问请联系整改办');
  const id = randomBytes(32).toString('base64url');
  const session: ConsoleSession = {
    hash: sha256(id),
    person: person.name,
    email: person.email,
    role: person.role,
    csrf: randomBytes(18).toString('base64url'),
    createdAt: at.toISOString(),
    expiresAt: new Date(at.getTime() + SESSION_HOURS * 3_600_000).toISOString(),
  };
  await deps.store.signIns.saveSession(session);
  return { id, session };
}

/** The live session behind a cookie's value, or undefined (expired, signed out, or the person lost the role). */
export async function sessionOf(id: string | undefined, at: Date, store: Store): Promise<ConsoleSession | undefined> {
  if (!id || id.length > 100) return undefined;
  const session = await store.signIns.session(sha256(id));
  if (!session || session.revokedAt || session.expiresAt <= at.toISOString()) return undefined;
  const person = await personAt(store, session.email);
  if (!person) return undefined;
  return { ...session, role: person.role };
}

export async function signOut(id: string, at: Date, store: Store): Promise<void> {
  await store.signIns.revokeSession(sha256(id), at.toISOString());
}
