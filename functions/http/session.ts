/**
 * The console's session: the cookie, who is signed in, what they may open, and the headers every
 * page carries. Nothing of the ledger is shown without a session; a leader reads, only the office
 * acts; every form of a session carries its CSRF token.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { ValidationError } from '../core/errors.ts';
import type { ConsoleSession, Principal } from '../core/ports.ts';
import { ForbiddenError } from '../core/reporting.ts';
import { roleNames, SESSION_HOURS } from '../core/sign-in.ts';
import type { Chrome } from './pages.ts';

export const SESSION_COOKIE = 'duban_session';

export type ConsoleEnv = { Variables: { principal: Principal; session?: ConsoleSession } };

/** Console sections: who may open each (a leader: 总览, 台账, 报告). */
export const sections = [
  { href: '/', label: '总览', leader: true },
  { href: '/tasks', label: '台账', leader: true },
  { href: '/import', label: '导入台账', leader: false },
  { href: '/closeouts', label: '销号审核', leader: false },
  { href: '/interviews', label: '约谈', leader: false },
  { href: '/escalations', label: '督办升级', leader: true },
  { href: '/duties', label: '常态化工作', leader: true },
  { href: '/units', label: '单位与联系人', leader: false },
  { href: '/calendar', label: '工作日历', leader: false },
  { href: '/archive', label: '报告', leader: true },
] as const;

export function chromeOf(session: ConsoleSession, path: string): Chrome {
  const active = (href: string) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`));
  return {
    person: session.person,
    roleName: roleNames[session.role],
    csrf: session.csrf,
    nav: sections.filter((s) => session.role === 'office' || s.leader).map((s) => ({ href: s.href, label: s.label, active: active(s.href) })),
  };
}

export function setSessionCookie(c: Context, id: string): void {
  setCookie(c, SESSION_COOKIE, id, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: new URL(c.req.url).protocol === 'https:',
    maxAge: SESSION_HOURS * 3600,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: new URL(c.req.url).protocol === 'https:' });
}

export const sessionCookieOf = (c: Context) => getCookie(c, SESSION_COOKIE);

/** The session of a console page: the middleware has put it there, or the page was answered with the sign-in page. */
export function sessionIn(c: Context<ConsoleEnv>): ConsoleSession {
  const session = c.get('session');
  if (!session) throw new ForbiddenError('请先登录');
  return session;
}

/** The office's principal for a use case; a leader is refused. The name is the person's, for the audit event. */
export function officeOf(c: Context<ConsoleEnv>, what: string): Principal {
  const session = sessionIn(c);
  if (session.role !== 'office') throw new ForbiddenError(`领导账号为只读，不能${what}；如需办理请联系整改办`);
  return { kind: 'office', name: session.person };
}

/** A console form's fields, the CSRF token checked first. */
export async function formOf(c: Context<ConsoleEnv>): Promise<Record<string, string | File>> {
  const session = sessionIn(c);
  const form = (await c.req.parseBody().catch(() => {
    throw new ValidationError('表单内容无法读取：请刷新页面后重新提交', 'body');
  })) as Record<string, string | File>;
  if (form._csrf !== session.csrf) throw new ForbiddenError('表单已失效（可能已在别处退出登录或页面打开过久）：请刷新页面后重新提交');
  return form;
}

export const textField = (form: Record<string, string | File>, name: string) => (typeof form[name] === 'string' ? (form[name] as string).trim() : '');

/** CSP, no framing, no sniffing, no referrer beyond the origin: on every answer that did not set its own. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const headers = c.res.headers;
  if (!headers.has('Content-Security-Policy')) {
    headers.set(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
  }
  headers.set('X-Content-Type-Options', 'nosniff');
  headers.set('X-Frame-Options', 'DENY');
  headers.set('Referrer-Policy', 'no-referrer');
  if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
};
