/**
 * The office's console over real HTTP handling, on dynalite and the SES emulator: nothing of the
 * ledger without a session; sign-in by a one-time emailed link; leaders read only; every page
 * carries the security headers; forms need their CSRF token.
 */
import { describe, expect, it } from 'vitest';
import { requestCloseOut } from '../functions/core/reporting.ts';
import { APP_URL, useConsoleBench } from './support/console.ts';

const console_ = useConsoleBench();
const OFFICE = 'office.tang@example.org';
const LEADER = 'leader.secretary@example.org';

const PAGES = ['/', '/tasks', '/tasks/MZ-1-1', '/import', '/closeouts', '/interviews', '/units', '/calendar', '/archive', '/archive/weekly-circular/2018-W28/x.html', '/no-such-page'];

describe('nothing anonymous', () => {
  it('every console page and every task page answers the sign-in page (401, or 200 at /) with no ledger data; actions are refused', async () => {
    const bench = await console_.setup();
    const task = (await bench.store.tasks.get('MZ-1-1'))!;
    for (const path of PAGES) {
      const answer = await bench.request(path);
      const body = await answer.text();
      expect(answer.status, path).toBe(path === '/' ? 200 : 401);
      expect(body, path).toContain('登录督办系统');
      expect(body, path).not.toContain('MZ-1-1');
      expect(body, path).not.toContain(task.title);
      expect(body, path).not.toContain(task.leadUnits[0]);
    }
    for (const path of ['/closeouts/MZ-1-1', '/units/市林业局/revoke', '/import/confirm', '/calendar']) {
      const answer = await bench.request(path, { method: 'POST', body: 'decision=approve' });
      expect(answer.status, path).toBe(401);
    }
    expect((await bench.store.units.get('市林业局'))!.credentialsValidFrom).toBeUndefined();
  });

  it('every page carries CSP with frame-ancestors none, nosniff and a strict Referrer-Policy', async () => {
    const bench = await console_.setup();
    const { cookie } = await bench.signIn(OFFICE);
    for (const answer of [await bench.request('/'), await bench.request('/', { cookie }), await bench.request('/tasks/MZ-1-1', { cookie }), await bench.request(bench.link('市林业局'))]) {
      expect(answer.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'none'");
      expect(answer.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(answer.headers.get('Referrer-Policy')).toBe('no-referrer');
    }
  });

  it('a unit link shows only that unit’s tasks and cannot be turned into another unit’s', async () => {
    const bench = await console_.setup();
    const own = new Set((await bench.store.unitOpenTasks('市林业局')).map((l) => l.code));
    const other = (await bench.store.unitOpenTasks('市水务局')).map((l) => l.code).find((code) => !own.has(code))!;
    const page = await (await bench.request(bench.link('市林业局'))).text();
    for (const code of own) expect(page).toContain(code);
    expect(page).not.toContain(`id="task-${other}"`);
    const forged = bench.link('市林业局').replace(`u=${encodeURIComponent('市林业局')}`, `u=${encodeURIComponent('市水务局')}`);
    const refused = await bench.request(forged);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('链接无效或已被修改');
    // A unit's link opens no console page.
    const withLink = await bench.request(`/tasks/${[...own][0]}?${bench.link('市林业局').split('?')[1]}`);
    expect(withLink.status).toBe(401);
  });
});

describe('sign-in by emailed link', () => {
  it('the office signs in from the link in its mail; the cookie is HttpOnly and SameSite=Lax; the 总览 names the person', async () => {
    const bench = await console_.setup();
    const answer = await bench.request('/sign-in', { method: 'POST', body: bench.form({ email: 'Office.Tang@example.org' }) });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('登录链接已发送到该邮箱，15 分钟内有效');
    const mails = (await console_.mail()).filter((m) => m.destination.to.includes(OFFICE));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('【登录】督办系统登录链接（15分钟内有效）');
    expect(mails[0]!.body.text).toContain(`${APP_URL}/sign-in/link?`);
    const link = (await console_.linkFor(OFFICE))!;
    // Opening the link shows a button (a mail scanner fetching it does not use it up).
    expect(await (await bench.request(link)).text()).toContain('确认登录');
    const signedIn = await bench.request('/sign-in/link', { method: 'POST', body: new URL(link, APP_URL).searchParams.toString() });
    expect(signedIn.status).toBe(303);
    const setCookie = signedIn.headers.get('Set-Cookie')!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Max-Age=43200/);
    expect(setCookie).not.toMatch(/Secure/); // served over http here
    const cookie = setCookie.split(';')[0]!;
    const overview = await (await bench.request('/', { cookie })).text();
    expect(overview).toContain('唐文博 · 整改办');
    expect(overview).toContain('红灯任务');
    expect(overview).toContain('本周未报送的单位');
  });

  it('a link works once, and expires after 15 minutes on the app’s clock', async () => {
    const start = new Date('2018-07-10T02:00:00Z');
    const bench = await console_.setup(start);
    await bench.request('/sign-in', { method: 'POST', body: bench.form({ email: OFFICE }) });
    const body = new URL((await console_.linkFor(OFFICE))!, APP_URL).searchParams.toString();
    expect((await bench.request('/sign-in/link', { method: 'POST', body })).status).toBe(303);
    const again = await bench.request('/sign-in/link', { method: 'POST', body });
    expect(again.status).toBe(401);
    expect(await again.text()).toContain('此登录链接已使用过');

    await console_.clearMail();
    await bench.request('/sign-in', { method: 'POST', body: bench.form({ email: OFFICE }) });
    const late = new URL((await console_.linkFor(OFFICE))!, APP_URL).searchParams.toString();
    bench.setNow(new Date(start.getTime() + 16 * 60_000));
    const expired = await bench.request('/sign-in/link', { method: 'POST', body: late });
    expect(expired.status).toBe(401);
    expect(await expired.text()).toContain('登录链接已过期');

    const tampered = await bench.request('/sign-in/link', { method: 'POST', body: late.replace('office.tang', 'office.xie') });
    expect(tampered.status).toBe(401);
    expect(await tampered.text()).toContain('登录链接无效或已被修改');
  });

  it('an unknown address, or a unit liaison’s, gets the same answer and no mail', async () => {
    const bench = await console_.setup();
    const liaison = (await bench.store.units.get('市林业局'))!.liaison.email;
    const known = await (await bench.request('/sign-in', { method: 'POST', body: bench.form({ email: OFFICE }) })).text();
    for (const email of ['nobody@example.org', liaison, 'discipline.deng@example.org']) {
      const answer = await bench.request('/sign-in', { method: 'POST', body: bench.form({ email }) });
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe(known);
    }
    const to = (await console_.mail()).flatMap((m) => m.destination.to);
    expect(to).toEqual([OFFICE]);
  });

  it('a malformed address is named; more than five requests an hour from one address send no more mail', async () => {
    const bench = await console_.setup();
    const bad = await bench.request('/sign-in', { method: 'POST', body: bench.form({ email: 'not-an-address' }) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('“邮箱”：请填写有效的邮箱地址');
    for (let i = 0; i < 7; i++) await bench.request('/sign-in', { method: 'POST', body: bench.form({ email: OFFICE }) });
    expect((await console_.mail()).length).toBe(5);
  });

  it('a session lasts 12 hours on the app’s clock, and signing out ends it', async () => {
    const start = new Date('2018-07-10T02:00:00Z');
    const bench = await console_.setup(start);
    const first = await bench.signIn(OFFICE);
    bench.setNow(new Date(start.getTime() + 11 * 3_600_000));
    expect((await bench.request('/tasks', { cookie: first.cookie })).status).toBe(200);
    bench.setNow(new Date(start.getTime() + 12 * 3_600_000 + 1000));
    expect((await bench.request('/tasks', { cookie: first.cookie })).status).toBe(401);

    const second = await bench.signIn(OFFICE);
    expect((await bench.request('/tasks', { cookie: second.cookie })).status).toBe(200);
    await bench.request('/sign-out', { method: 'POST', cookie: second.cookie, body: bench.form({ _csrf: second.csrf }) });
    const after = await bench.request('/tasks', { cookie: second.cookie });
    expect(after.status).toBe(401);
    expect(await after.text()).not.toContain('MZ-1-1');
  });
});

describe('who may do what', () => {
  it('a leader reads 总览, 台账 and 报告 but cannot approve a close-out or open the office’s sections', async () => {
    const bench = await console_.setup();
    const code = 'MZ-5-4'; // 市林业局 is its only lead unit: its 销号 request goes straight to the office
    await requestCloseOut(code, { summary: '已完成', evidence: ['https://example.org/e.pdf'] }, { kind: 'unit', unit: '市林业局' }, new Date('2018-07-10T02:00:00Z'), bench.store);
    const leader = await bench.signIn(LEADER);
    const overview = await (await bench.request('/', { cookie: leader.cookie })).text();
    expect(overview).toContain('领导（只读）');
    expect(overview).not.toContain('href="/closeouts"');
    expect((await bench.request('/tasks', { cookie: leader.cookie })).status).toBe(200);
    expect((await bench.request('/archive', { cookie: leader.cookie })).status).toBe(200);
    for (const path of ['/import', '/closeouts', '/interviews', '/units', '/calendar']) {
      const answer = await bench.request(path, { cookie: leader.cookie });
      expect(answer.status, path).toBe(403);
    }
    const approve = await bench.request(`/closeouts/${code}`, { method: 'POST', cookie: leader.cookie, body: bench.form({ _csrf: leader.csrf, decision: 'approve' }) });
    expect(approve.status).toBe(403);
    expect(await approve.text()).toContain('领导账号为只读');
    expect((await bench.store.tasks.get(code))!.status).toBe('open');
    expect((await bench.store.tasks.get(code))!.closeOut?.state).toBe('requested');
  });

  it('the office approves with its CSRF token, and the audit event names the person; without the token nothing happens', async () => {
    const bench = await console_.setup();
    const code = 'MZ-5-4'; // 市林业局 is its only lead unit: its 销号 request goes straight to the office
    await requestCloseOut(code, { summary: '已完成', evidence: ['https://example.org/e.pdf'] }, { kind: 'unit', unit: '市林业局' }, new Date('2018-07-10T02:00:00Z'), bench.store);
    const office = await bench.signIn(OFFICE);
    const forged = await bench.request(`/closeouts/${code}`, { method: 'POST', cookie: office.cookie, body: bench.form({ decision: 'approve' }) });
    expect(forged.status).toBe(403);
    expect((await bench.store.tasks.get(code))!.status).toBe('open');
    const approved = await bench.request(`/closeouts/${code}`, { method: 'POST', cookie: office.cookie, body: bench.form({ _csrf: office.csrf, decision: 'approve' }) });
    expect(approved.status).toBe(200);
    expect(await approved.text()).toContain(`已同意任务 ${code} 销号`);
    expect((await bench.store.tasks.get(code))!.status).toBe('notice'); // approved: under 公示
    const events = await bench.store.auditEvents(`TASK#${code}`);
    expect(events.at(-1)).toMatchObject({ type: 'closeout.approved', by: '唐文博' });
  });

  it('returning a close-out without a reason is refused on the page, naming what is missing', async () => {
    const bench = await console_.setup();
    const code = 'MZ-5-4'; // 市林业局 is its only lead unit: its 销号 request goes straight to the office
    await requestCloseOut(code, { summary: '已完成', evidence: ['https://example.org/e.pdf'] }, { kind: 'unit', unit: '市林业局' }, new Date('2018-07-10T02:00:00Z'), bench.store);
    const office = await bench.signIn(OFFICE);
    const answer = await bench.request(`/closeouts/${code}`, { method: 'POST', cookie: office.cookie, body: bench.form({ _csrf: office.csrf, decision: 'return' }) });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('退回销号申请须写明理由');
    expect((await bench.store.tasks.get(code))!.closeOut?.state).toBe('requested');
  });
});

describe('总览', () => {
  it('says loudly when the calendar does not know the year (the jobs stop) instead of failing', async () => {
    const bench = await console_.setup(new Date('2035-03-02T02:00:00Z'));
    const office = await bench.signIn(OFFICE);
    const answer = await bench.request('/', { cookie: office.cookie });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('工作日历尚未载入2035年的法定节假日安排');
  });

  it('lists a failed job run with what to do, and a malformed task address is a 400 naming the parameter', async () => {
    const bench = await console_.setup();
    const office = await bench.signIn(OFFICE);
    await bench.store.recordJobFailure({
      id: 'weekly-dispatch@2018-07-09T01:00:00.000Z',
      job: 'weekly-dispatch',
      at: '2018-07-09T01:00:00.000Z',
      period: '2018-W28',
      code: 'CALENDAR_YEAR_UNKNOWN',
      message: '工作日历不知道2018年的节假日安排',
      action: '请在“工作日历”中载入2018年',
      attempts: 1,
      firstFailedAt: '2018-07-09T01:00:01.000Z',
      lastFailedAt: '2018-07-09T01:00:01.000Z',
    });
    const page = await (await bench.request('/', { cookie: office.cookie })).text();
    expect(page).toContain('定时工作运行失败');
    expect(page).toContain('weekly-dispatch：工作日历不知道2018年的节假日安排');
    expect(page).toContain('请在“工作日历”中载入2018年');
    const bad = await bench.request('/tasks/%E0%A4%A', { cookie: office.cookie });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('路径参数“任务编号”（code）的百分号编码无效');
  });
});
