/**
 * Sign-in and the gate. Every page but the sign-in page, a unit's signed report form, signed
 * report links and the public 公示 needs a session; without one the answer is the sign-in page
 * (401) with no ledger data. The email form answers the same whether or not the address is known.
 * The emailed link opens a page with one button: a mail scanner that fetches the link does not
 * use it up; the button does, once.
 */
import type { Hono } from 'hono';
import * as z from 'zod';
import { noticeId, type NoticeDraft } from '../../core/cadence/job.ts';
import { completeSignIn, requestSignIn, roleNames, sessionOf, signOut, SIGN_IN_LINK_MINUTES } from '../../core/sign-in.ts';
import type { Notice } from '../../core/ports.ts';
import type { AppDeps } from '../deps.ts';
import { renderPage } from '../pages.ts';
import { clearSessionCookie, sessionCookieOf, setSessionCookie, textField, type ConsoleEnv } from '../session.ts';

/** Paths open without a session: each checks its own credential or shows nothing of the ledger. */
const OPEN = [/^\/health$/, /^\/api\//, /^\/sign-in(\/|$)/, /^\/report(\/|$)/, /^\/evidence\/upload$/, /^\/reports(\/|$)/, /^\/public\//];

const emailField = z.email({ error: '请填写有效的邮箱地址' }).max(254, { error: '邮箱地址过长' });

const SENT = `如果该邮箱属于已登记的整改办工作人员或领导，登录链接已发送到该邮箱，${SIGN_IN_LINK_MINUTES} 分钟内有效，只能使用一次。请查收邮件（也请查看垃圾邮件）。`;

const signInPage = (extra: { message?: string; error?: string; email?: string; sent?: boolean } = {}) => renderPage('sign-in', '登录', extra);

export function signInRoutes(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  app.use('*', async (c, next) => {
    const path = c.req.path;
    if (OPEN.some((p) => p.test(path))) return next();
    const session = await sessionOf(sessionCookieOf(c), deps.clock(), deps.store);
    if (!session) {
      if (sessionCookieOf(c)) clearSessionCookie(c);
      return c.html(signInPage(path === '/' ? {} : { message: '请先登录后再查看此页面。' }), path === '/' ? 200 : 401);
    }
    c.set('session', session);
    return next();
  });

  app.get('/sign-in', (c) => c.html(signInPage()));

  app.post('/sign-in', async (c) => {
    const form = (await c.req.parseBody().catch(() => ({}))) as Record<string, string | File>;
    const email = textField(form, 'email');
    const parsed = emailField.safeParse(email);
    if (!parsed.success) return c.html(signInPage({ error: `“邮箱”：${parsed.error.issues[0]!.message}`, email }), 400);
    const at = deps.clock();
    const request = await requestSignIn(parsed.data, at, { store: deps.store, secret: await deps.linkSecret() });
    if (request && deps.console) {
      const link = `${deps.console.appUrl.replace(/\/$/, '')}/sign-in/link?${request.params}`;
      const draft: NoticeDraft = {
        kind: 'sign-in',
        to: { name: request.person.name, email: request.person.email, role: request.person.role === 'office' ? '整改办' : '督办领导' },
        data: { link, minutes: SIGN_IN_LINK_MINUTES, roleName: roleNames[request.person.role] },
        office: await deps.store.officeWords(),
      };
      const id = noticeId('sign-in', request.nonce, request.person.email, 'sign-in');
      const notice: Notice = {
        id,
        job: 'sign-in',
        period: request.nonce,
        kind: 'sign-in',
        to: { name: draft.to.name, email: draft.to.email, role: draft.to.role },
        ...deps.console.composer.compose(draft),
        status: 'pending',
        attempts: 0,
        createdAt: at.toISOString(),
      };
      await deps.console.deliver([notice]);
    } else if (request) {
      console.warn(JSON.stringify({ level: 'warn', msg: 'sign-in requested but no mail is configured for the app' }));
    }
    return c.html(signInPage({ sent: true, message: SENT }));
  });

  app.get('/sign-in/link', (c) => {
    const query = new URL(c.req.url).searchParams;
    const link = Object.fromEntries(['e', 'n', 'exp', 'sig'].map((k) => [k, query.get(k) ?? '']));
    return c.html(renderPage('sign-in-confirm', '确认登录', { link }));
  });

  app.post('/sign-in/link', async (c) => {
    const form = (await c.req.parseBody().catch(() => ({}))) as Record<string, string | File>;
    const params = new URLSearchParams(Object.fromEntries(['e', 'n', 'exp', 'sig'].map((k) => [k, textField(form, k)])));
    const { id } = await completeSignIn(params, deps.clock(), { store: deps.store, secret: await deps.linkSecret() });
    setSessionCookie(c, id);
    return c.redirect('/', 303);
  });

  app.post('/sign-out', async (c) => {
    const id = sessionCookieOf(c);
    const form = (await c.req.parseBody().catch(() => ({}))) as Record<string, string | File>;
    const session = c.get('session');
    if (id && session && form._csrf === session.csrf) await signOut(id, deps.clock(), deps.store);
    clearSessionCookie(c);
    return c.html(signInPage({ message: '您已退出登录。' }));
  });
}
