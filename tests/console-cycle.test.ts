/**
 * The console's pages for the 公示 cycle, 延期, 督办升级 and 常态化工作, over the real app on dynalite
 * with sign-in through the SES emulator: the office acts with the same use cases as the API and its
 * name goes into the record; a leader reads and cannot act; no form works without its CSRF token.
 */
import { describe, expect, it } from 'vitest';
import { escalationId, type Escalation } from '../functions/core/cadence/escalation-model.ts';
import { requestCloseOut, reviewCloseOut } from '../functions/core/closeout.ts';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { requestExtension } from '../functions/core/extension.ts';
import { useConsoleBench } from './support/console.ts';

const console_ = useConsoleBench();
const OFFICE = 'office.tang@example.org';
const LEADER = 'leader.secretary@example.org';
const TV = '绵竹电视台新闻栏目专题报道督察整改工作情况';

/** An open escalation of a unit at L3 with an L4 proposal awaiting the office. */
function proposalFor(unit: string, code: string, title: string): Escalation {
  return {
    id: escalationId(unit),
    unit,
    level: 3,
    open: true,
    tasks: [{ code, title, reasons: ['已超过整改时限'], since: '2018-06-01' }],
    levelSince: '2018-06-15',
    notified: 3,
    liftable: false,
    proposal: { level: 4, on: '2018-07-10', why: '约谈后20个工作日仍未整改到位' },
    steps: [{ level: 3, on: '2018-06-15', why: '通报后10个工作日仍未整改' }],
    decisions: [],
    interviews: [],
  };
}

/** MZ-5-4 (市林业局 its only lead unit) asked and approved: under 公示. */
async function underNotice(bench: Awaited<ReturnType<typeof console_.setup>>, code = 'MZ-5-4') {
  const at = new Date('2018-07-10T02:00:00Z');
  await requestCloseOut(code, { summary: '已完成', evidence: ['https://example.org/e.pdf'] }, { kind: 'unit', unit: '市林业局' }, at, bench.store);
  await reviewCloseOut(code, { approve: true }, { kind: 'office', name: '唐文博' }, at, bench.store, { calendar: defaultCalendar(), workdays: 5 });
  return code;
}

/** One post of every form these pages have, each with fields that would be accepted. */
function cyclePosts(code: string): [string, Record<string, string>][] {
  return [
    [`/escalations/${encodeURIComponent('市林业局')}/decision`, { decision: 'confirm', reason: '同意' }],
    [`/escalations/${encodeURIComponent('市林业局')}/lift`, { reason: '已整改' }],
    [`/closeouts/${code}/objection`, { content: '有异议' }],
    [`/closeouts/${code}/extension`, { decision: 'approve' }],
    [`/tasks/${code}/reopen`, { reason: '反弹' }],
    [`/duties/${encodeURIComponent(TV)}/occurrences`, { unit: '市委宣传部', date: '2018-07-11', detail: '播出', evidence: 'https://tv.example.org/x', minutes: '4' }],
  ];
}

describe('督办升级 in the console', () => {
  it('the office confirms one proposal (the level takes effect) and declines another with its reason; both are recorded under its name', async () => {
    const bench = await console_.setup();
    const tasks = await bench.store.tasks.list();
    const [a, b] = [tasks.find((t) => t.leadUnits[0] === '市林业局')!, tasks.find((t) => t.leadUnits[0] === '市水务局')!];
    await bench.store.escalations.create(proposalFor('市林业局', a.code, a.title), { type: 'test', by: 'test', at: '2018-07-10T00:30:00Z' });
    await bench.store.escalations.create(proposalFor('市水务局', b.code, b.title), { type: 'test', by: 'test', at: '2018-07-10T00:30:00Z' });
    const office = await bench.signIn(OFFICE);

    const listed = await (await bench.request('/escalations', { cookie: office.cookie })).text();
    expect(listed).toContain('市林业局：建议挂牌督办');
    expect(listed).toContain('市水务局：建议挂牌督办');
    expect(listed).toContain(a.title);

    const confirmed = await bench.request(`/escalations/${encodeURIComponent('市林业局')}/decision`, {
      method: 'POST',
      cookie: office.cookie,
      body: bench.form({ _csrf: office.csrf, decision: 'confirm', reason: '约谈承诺未兑现' }),
    });
    expect(confirmed.status).toBe(200);
    const after = await confirmed.text();
    expect(after).toContain('已确认对市林业局挂牌督办，即日生效。');
    expect(after).not.toContain('市林业局：建议挂牌督办');
    const listedUnit = (await bench.store.escalations.get('市林业局'))!;
    expect(listedUnit).toMatchObject({ level: 4, levelSince: '2018-07-10' });
    expect(listedUnit.proposal).toBeUndefined();
    expect(listedUnit.decisions).toEqual([expect.objectContaining({ decision: 'confirm', reason: '约谈承诺未兑现', by: '唐文博', level: 4 })]);

    const noReason = await bench.request(`/escalations/${encodeURIComponent('市水务局')}/decision`, { method: 'POST', cookie: office.cookie, body: bench.form({ _csrf: office.csrf, decision: 'decline' }) });
    expect(noReason.status).toBe(400);
    expect(await noReason.text()).toContain('请填写“理由”');
    expect((await bench.store.escalations.get('市水务局'))!.proposal).toBeDefined();

    const declined = await bench.request(`/escalations/${encodeURIComponent('市水务局')}/decision`, {
      method: 'POST',
      cookie: office.cookie,
      body: bench.form({ _csrf: office.csrf, decision: 'decline', reason: '已制定整改方案，给予两周时间' }),
    });
    expect(declined.status).toBe(200);
    expect(await declined.text()).toContain('已决定暂不对市水务局挂牌督办。');
    const water = (await bench.store.escalations.get('市水务局'))!;
    expect(water).toMatchObject({ level: 3, declinedOn: '2018-07-10' });
    expect(water.decisions).toEqual([expect.objectContaining({ decision: 'decline', reason: '已制定整改方案，给予两周时间', by: '唐文博' })]);

    const page = await (await bench.request('/escalations', { cookie: office.cookie })).text();
    expect(page).toContain('没有待决定的升级建议。');
    expect(page).toContain('挂牌督办');
    expect(page).toContain('不予挂牌督办：已制定整改方案，给予两周时间（唐文博）');
  });
  it('a 可摘牌 record is lifted with a reason and leaves the open list', async () => {
    const bench = await console_.setup();
    const liftable: Escalation = { ...proposalFor('市林业局', 'MZ-5-4', '任务'), tasks: [], liftable: true, proposal: undefined };
    delete liftable.proposal;
    await bench.store.escalations.create(liftable, { type: 'test', by: 'test', at: '2018-07-10T00:30:00Z' });
    const office = await bench.signIn(OFFICE);
    const page = await (await bench.request('/escalations', { cookie: office.cookie })).text();
    expect(page).toContain('滞后原因均已消除，可结束约谈。');
    const lifted = await bench.request(`/escalations/${encodeURIComponent('市林业局')}/lift`, { method: 'POST', cookie: office.cookie, body: bench.form({ _csrf: office.csrf, reason: '约谈承诺均已兑现' }) });
    expect(lifted.status).toBe(200);
    const after = await lifted.text();
    expect(after).toContain('已对市林业局结束约谈。');
    expect(after).toContain('没有可摘牌的记录。');
    expect(after).toContain('没有未解除的督办升级。');
    expect((await bench.store.escalations.get('市林业局'))!).toMatchObject({ open: false, level: 0, decisions: [expect.objectContaining({ decision: 'lift', reason: '约谈承诺均已兑现', by: '唐文博' })] });
  });
});

describe('公示 and 延期 in 销号审核', () => {
  it('a task under 公示 is listed; the office records an objection and the task is back 整改中 with the objection kept', async () => {
    const bench = await console_.setup();
    const code = await underNotice(bench);
    const office = await bench.signIn(OFFICE);
    const page = await (await bench.request('/closeouts', { cookie: office.cookie })).text();
    expect(page).toMatch(new RegExp(`id="notice-${code}"[\\s\\S]*公示 2018-07-11 至 2018-07-17`));

    const answer = await bench.request(`/closeouts/${code}/objection`, { method: 'POST', cookie: office.cookie, body: bench.form({ _csrf: office.csrf, content: '河道仍有垃圾堆放', source: '来电' }) });
    expect(answer.status).toBe(200);
    const after = await answer.text();
    expect(after).toContain(`已登记任务 ${code} 的公示异议，任务退回整改中。`);
    expect(after).toContain('没有公示中的任务。');
    const task = (await bench.store.tasks.get(code))!;
    expect(task.status).toBe('open');
    expect(task.closeOut).toMatchObject({ state: 'returned', reason: '公示期间收到异议：河道仍有垃圾堆放' });
    expect(task.closeOut!.objections).toEqual([expect.objectContaining({ content: '河道仍有垃圾堆放', source: '来电', by: '唐文博' })]);

    const again = await bench.request(`/closeouts/${code}/objection`, { method: 'POST', cookie: office.cookie, body: bench.form({ _csrf: office.csrf, content: '再次反映' }) });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain(`任务 ${code} 不在公示期内，不能登记异议`);
  });

  it('a pending extension is listed; returning it needs a reason; the office approves and the deadline moves with the original kept', async () => {
    const bench = await console_.setup(new Date('2018-10-15T02:00:00Z'));
    const code = 'MZ-6-5';
    await requestExtension(code, { until: '2018-12-01', reason: '规划调整需重新报批' }, { kind: 'unit', unit: '市国土局' }, new Date('2018-10-15T02:00:00Z'), { store: bench.store, calendar: defaultCalendar() });
    const office = await bench.signIn(OFFICE);
    const page = await (await bench.request('/closeouts', { cookie: office.cookie })).text();
    expect(page).toContain('市国土局 于 2018-10-15 10:00 申请延期至 2018-12-01');
    expect(page).toContain('理由：规划调整需重新报批');

    const bare = await bench.request(`/closeouts/${code}/extension`, { method: 'POST', cookie: office.cookie, body: bench.form({ _csrf: office.csrf, decision: 'return' }) });
    expect(bare.status).toBe(400);
    expect(await bare.text()).toContain('退回延期申请须写明理由');
    expect((await bench.store.tasks.get(code))!.extension?.state).toBe('requested');

    const approved = await bench.request(`/closeouts/${code}/extension`, { method: 'POST', cookie: office.cookie, body: bench.form({ _csrf: office.csrf, decision: 'approve' }) });
    expect(approved.status).toBe(200);
    expect(await approved.text()).toContain(`已同意任务 ${code} 延期，整改时限改为 2018-12-03。`); // 12月1日 is a Saturday
    const task = (await bench.store.tasks.get(code))!;
    expect(task.extension).toMatchObject({ state: 'approved', reviewedBy: '唐文博' });
    expect(task.deadline).toMatchObject({ due: '2018-12-03' });
    expect(task.originalDeadline).toMatchObject({ due: '2018-10-31' });
    const history = await (await bench.request(`/tasks/${code}`, { cookie: office.cookie })).text();
    expect(history).toContain('同意延期');
  });
  it('a closed task is reopened from its page with a reason, which its history shows', async () => {
    const bench = await console_.setup();
    const code = await underNotice(bench);
    // The 公示 ended without objection: the daily step closed it (kept here as the step stores it).
    const notice = (await bench.store.tasks.get(code))!;
    const { version, ...plain } = notice;
    await bench.store.tasks.update(code, version, { ...plain, status: 'closed', closeOut: { ...plain.closeOut!, state: 'closed', closedOn: '2018-07-18' } }, { type: 'closeout.closed', by: 'system', at: '2018-07-18T00:30:00Z' });
    const office = await bench.signIn(OFFICE);
    expect(await (await bench.request(`/tasks/${code}`, { cookie: office.cookie })).text()).toContain('重新打开理由');
    const bare = await bench.request(`/tasks/${code}/reopen`, { method: 'POST', cookie: office.cookie, body: bench.form({ _csrf: office.csrf, reason: '' }) });
    expect(bare.status).toBe(400);
    expect(await bare.text()).toContain('重新打开理由');
    expect((await bench.store.tasks.get(code))!.status).toBe('closed');
    const reopened = await bench.request(`/tasks/${code}/reopen`, { method: 'POST', cookie: office.cookie, body: bench.form({ _csrf: office.csrf, reason: '回头看发现问题反弹' }) });
    expect(reopened.status).toBe(303);
    expect(reopened.headers.get('Location')).toBe(`/tasks/${code}`);
    expect((await bench.store.tasks.get(code))!).toMatchObject({ status: 'open', reopened: { reason: '回头看发现问题反弹', by: '唐文博' } });
    const page = await (await bench.request(`/tasks/${code}`, { cookie: office.cookie })).text();
    expect(page).toContain('重新打开：回头看发现问题反弹');
    expect(page).not.toContain('重新打开理由');
  });
});

describe('常态化工作 in the console', () => {
  it('shows each unit’s record by period; the office records an occurrence for a unit and the period turns done', async () => {
    const bench = await console_.setup(new Date('2018-07-11T13:00:00Z'));
    const office = await bench.signIn(OFFICE);
    const before = await (await bench.request('/duties', { cookie: office.cookie })).text();
    expect(before).toContain(TV);
    expect(before).toContain('2018年第28周（7月9日—7月15日）');
    expect(before).toContain('<tr><td>市委宣传部</td><td class="">进行中</td></tr>');

    const path = `/duties/${encodeURIComponent(TV)}/occurrences`;
    const fields = { _csrf: office.csrf, unit: '市委宣传部', date: '2018-07-11', detail: '新闻栏目播出整改专题', evidence: 'https://tv.example.org/2018-07-11', minutes: '4' };
    const noMinutes = await bench.request(path, { method: 'POST', cookie: office.cookie, body: bench.form({ ...fields, minutes: '' }) });
    expect(noMinutes.status).toBe(400);
    expect(await noMinutes.text()).toContain('请填写“时长（分钟）”');
    expect(await bench.store.dutyOccurrences(TV, '2018-W28', '2018-W28')).toEqual([]);

    const answer = await bench.request(path, { method: 'POST', cookie: office.cookie, body: bench.form(fields) });
    expect(answer.status).toBe(201);
    const page = await answer.text();
    expect(page).toContain(`已为市委宣传部登记“${TV}”2018-07-11的一次工作。`);
    expect(page).toContain('<tr><td>市委宣传部</td><td class="done">已完成</td></tr>'); // the week of 2018-07-11, the first it asks
    const stored = await bench.store.dutyOccurrences(TV, '2018-W28', '2018-W28');
    expect(stored).toEqual([expect.objectContaining({ unit: '市委宣传部', date: '2018-07-11', minutes: 4, by: '唐文博', evidence: ['https://tv.example.org/2018-07-11'] })]);
  });
});

describe('who may act', () => {
  it('a leader reads 督办升级 and 常态化工作 with no forms, and every post of these pages is refused (403) with nothing changed', async () => {
    const bench = await console_.setup(new Date('2018-07-11T02:00:00Z'));
    const task = (await bench.store.tasks.list()).find((t) => t.leadUnits[0] === '市林业局')!;
    await bench.store.escalations.create(proposalFor('市林业局', task.code, task.title), { type: 'test', by: 'test', at: '2018-07-10T00:30:00Z' });
    const code = await underNotice(bench);
    const leader = await bench.signIn(LEADER);
    for (const path of ['/escalations', '/duties']) {
      const answer = await bench.request(path, { cookie: leader.cookie });
      expect(answer.status, path).toBe(200);
      const body = await answer.text();
      expect(body, path).not.toContain('method="post" action="/escalations');
      expect(body, path).not.toContain('method="post" action="/duties');
    }
    expect(await (await bench.request('/escalations', { cookie: leader.cookie })).text()).toContain('市林业局：建议挂牌督办');
    expect((await bench.request('/closeouts', { cookie: leader.cookie })).status).toBe(403);
    const posts = cyclePosts(code);
    for (const [path, fields] of posts) {
      const answer = await bench.request(path, { method: 'POST', cookie: leader.cookie, body: bench.form({ _csrf: leader.csrf, ...fields }) });
      expect(answer.status, path).toBe(403);
      expect(await answer.text(), path).toContain('领导账号为只读');
    }
    expect((await bench.store.escalations.get('市林业局'))!).toMatchObject({ level: 3, decisions: [] });
    expect((await bench.store.tasks.get(code))!.status).toBe('notice');
    expect(await bench.store.dutyOccurrences(TV, '2018-W28', '2018-W28')).toEqual([]);
  });

  it('the pages need a session, and no form of theirs works without the session’s CSRF token', async () => {
    const bench = await console_.setup(new Date('2018-07-11T02:00:00Z'));
    const task = (await bench.store.tasks.list()).find((t) => t.leadUnits[0] === '市林业局')!;
    await bench.store.escalations.create(proposalFor('市林业局', task.code, task.title), { type: 'test', by: 'test', at: '2018-07-10T00:30:00Z' });
    const code = await underNotice(bench);
    for (const path of ['/escalations', '/duties']) {
      const anonymous = await bench.request(path);
      expect(anonymous.status, path).toBe(401);
      expect(await anonymous.text(), path).not.toContain('市林业局');
    }
    const office = await bench.signIn(OFFICE);
    const posts = cyclePosts(code);
    for (const [path, fields] of posts) {
      for (const csrf of [undefined, 'not-the-token']) {
        const answer = await bench.request(path, { method: 'POST', cookie: office.cookie, body: bench.form({ ...(csrf ? { _csrf: csrf } : {}), ...fields }) });
        expect(answer.status, path).toBe(403);
        expect(await answer.text(), path).toContain('表单已失效');
      }
    }
    expect((await bench.store.escalations.get('市林业局'))!).toMatchObject({ level: 3, decisions: [] });
    expect((await bench.store.tasks.get(code))!.status).toBe('notice');
    expect(await bench.store.dutyOccurrences(TV, '2018-W28', '2018-W28')).toEqual([]);
  });
});
