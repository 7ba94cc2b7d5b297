/**
 * 销号 with 公示, and 回头看 that can reopen, on the sample ledger around the 2018 National Day
 * holidays (1–7 October off, 29 and 30 September make-up workdays) and New Year 2019: the real HTTP
 * app, the daily 08:30 job, dynalite and the SES emulator.
 */
import { describe, expect, it } from 'vitest';
import { runJob } from '../functions/core/cadence/jobs.ts';
import type { Principal } from '../functions/core/ports.ts';
import { instantAt } from '../functions/core/time.ts';
import { createApp } from '../functions/http/app.ts';
import { issueToken } from '../functions/http/auth.ts';
import { codesIn, useCadenceBench, type Email } from './support/cadence.ts';

const bench = useCadenceBench();
const SECRET = 'a-test-secret-of-at-least-32-characters';

/** MZ-7-1 has two lead units and no responsible unit; MZ-6-3 has one lead unit. */
const TWO_LEADS = 'MZ-7-1';
const ONE_LEAD = 'MZ-6-3';

async function world() {
  const { store, deps, reports } = await bench.setup();
  let now = instantAt('2018-09-26', '10:00');
  const app = createApp({ store, clock: () => now, calendar: async () => deps.calendar, cadence: deps.config, linkSecret: async () => SECRET, reports });
  const office = (await store.people.list()).find((p) => p.roles.includes('整改办'))!;
  const token = (principal: Principal) => issueToken(store, principal, now);
  const tokens = {
    office: await token({ kind: 'office', name: office.name }),
    bianban: await token({ kind: 'unit', unit: '市委编办' }),
    huanbao: await token({ kind: 'unit', unit: '市环保局' }),
    chengguan: await token({ kind: 'unit', unit: '市城管局' }),
  };
  const post = async (path: string, bearer: string, body: unknown) => {
    const response = await app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) as any };
  };
  const publicPage = async () => {
    const response = await app.request('/public/gongshi');
    return { status: response.status, html: await response.text() };
  };
  const liaison = async (unit: string) => (await store.units.get(unit))!.liaison;
  const to = (mails: Email[], email: string) => mails.filter((m) => m.destination.to.includes(email));
  return { store, deps, app, tokens, post, publicPage, liaison, to, office, setNow: (at: Date) => (now = at) };
}

describe('销号 with 公示', () => {
  it('a task with two lead units goes request → both confirm → approve → 公示 on the anonymous public page → closed by the daily job 5 workdays later, over the National Day holidays', async () => {
    const w = await world();

    // 市委编办 asks: the office cannot review yet, and the status names who is missing.
    const asked = await w.post(`/api/tasks/${TWO_LEADS}/closeout`, w.tokens.bianban, {
      summary: '机构编制调整方案已印发，环保监管执法机构已组建到位',
      evidence: ['https://example.org/bianban/fangan.pdf', 'https://example.org/bianban/photo.jpg'],
    });
    expect(asked.status).toBe(202);
    expect(asked.json.task.closeOut.state).toBe('confirming');
    expect(asked.json.status).toBe('待牵头单位确认（尚待确认：市环保局）');
    const early = await w.post(`/api/tasks/${TWO_LEADS}/closeout/review`, w.tokens.office, { decision: 'approve' });
    expect(early.status).toBe(400);
    expect(early.json.error.message).toContain('尚待牵头单位确认（市环保局）');
    const again = await w.post(`/api/tasks/${TWO_LEADS}/closeout`, w.tokens.bianban, { summary: '再次提交', evidence: ['https://example.org/x.pdf'] });
    expect(again.status).toBe(400);
    expect(again.json.error).toMatchObject({ field: 'code', message: '市委编办已确认任务 MZ-7-1 的销号申请，尚待：市环保局' });

    // 市环保局 confirms its part the next day: the request is with the office.
    w.setNow(instantAt('2018-09-27', '10:00'));
    const confirmed = await w.post(`/api/tasks/${TWO_LEADS}/closeout`, w.tokens.huanbao, { summary: '执法队伍已划转，执法装备配备到位', evidence: ['https://example.org/huanbao/zhuangbei'] });
    expect(confirmed.status).toBe(202);
    expect(confirmed.json.status).toBe('待审核');
    expect((await w.publicPage()).html).not.toContain(TWO_LEADS);

    // The office approves on Thursday 27 September: 公示 from Friday 28 to 9 October (28, 29, 30 September, 8 and 9 October).
    w.setNow(instantAt('2018-09-27', '15:00'));
    const unitReview = await w.post(`/api/tasks/${TWO_LEADS}/closeout/review`, w.tokens.huanbao, { decision: 'approve' });
    expect(unitReview.status).toBe(403);
    const approved = await w.post(`/api/tasks/${TWO_LEADS}/closeout/review`, w.tokens.office, { decision: 'approve' });
    expect(approved.status).toBe(200);
    expect(approved.json.status).toBe('公示中（2018-09-28 至 2018-10-09）');
    expect((await w.store.unitOpenTasks('市委编办')).map((l) => l.code)).not.toContain(TWO_LEADS);

    // The public page, anonymous: the task's problem, target, what was done, evidence counted by kind, period and how to object.
    const page = await w.publicPage();
    expect(page.status).toBe(200);
    const task = (await w.store.tasks.get(TWO_LEADS))!;
    for (const text of [task.problem, task.target, '机构编制调整方案已印发，环保监管执法机构已组建到位', '执法队伍已划转，执法装备配备到位', '佐证材料3份：PDF文件1份、图片1份、网页1份', '2018-09-28 至 2018-10-09', '0838-6202000', 'zgb@example.org']) {
      expect(page.html).toContain(text);
    }
    // Nothing else of the ledger: no other task, no unit, no person, no evidence link.
    expect(codesIn(page.html)).toEqual(new Set([TWO_LEADS]));
    const people = (await w.store.people.list()).map((p) => p.name);
    const units = await w.store.units.list();
    for (const name of [...people, ...units.flatMap((u) => [u.name, u.liaison.name, u.head.name])]) expect(page.html, name).not.toContain(name);
    expect(page.html).not.toContain('https://example.org/');

    // The 08:30 runs: still 公示 on its last day, closed the first workday after it.
    await bench.clearMail();
    await runJob('escalation', instantAt('2018-10-09', '08:30'), w.deps);
    expect((await w.store.tasks.get(TWO_LEADS))!.status).toBe('notice');
    expect((await bench.mail()).filter((m) => m.subject.startsWith('【销号】'))).toEqual([]);
    await runJob('escalation', instantAt('2018-10-10', '08:30'), w.deps);
    const closed = (await w.store.tasks.get(TWO_LEADS))!;
    expect(closed.status).toBe('closed');
    expect(closed.closeOut).toMatchObject({ state: 'closed', closedOn: '2018-10-10' });
    expect(closed.closeOut!.lookbacks!.map((l) => l.due)).toEqual(['2019-01-03', '2019-04-02']);
    const told = (await bench.mail()).filter((m) => m.subject.startsWith('【销号】'));
    const officeEmail = w.office.email;
    for (const email of [(await w.liaison('市委编办')).email, (await w.liaison('市环保局')).email, officeEmail]) {
      const [mail] = w.to(told, email);
      expect(mail?.body.text, email).toContain(`${TWO_LEADS} ${task.title}：公示9月28日（周五）至10月9日（周二），10月10日（周三）销号；回头看：2019年1月3日（周四）、2019年4月2日（周二）`);
    }
    const officeEmails = (await w.store.people.list()).filter((p) => p.roles.includes('整改办')).map((p) => p.email);
    expect(told.map((m) => m.destination.to[0]).sort()).toEqual([(await w.liaison('市委编办')).email, (await w.liaison('市环保局')).email, ...officeEmails].sort());
    expect(codesIn((await w.publicPage()).html)).toEqual(new Set());

    // The week's circular lists it under 本周销号.
    await runJob('weekly-circular', instantAt('2018-10-12', '16:00'), w.deps);
    const page41 = await (await w.app.request('/api/reports/weekly-circular/2018-W41/' + encodeURIComponent('周通报-2018-W41.html'), { headers: { Authorization: `Bearer ${w.tokens.office}` } })).text();
    const closedSection = page41.slice(page41.indexOf('销号的任务'), page41.indexOf('近期到期事项'));
    expect(closedSection).toContain(`${TWO_LEADS} ${task.title}`);
    expect(closedSection).toContain('2018-10-10');

    const events = (await w.store.auditEvents(`TASK#${TWO_LEADS}`)).map((e) => `${e.type} ${e.by}`);
    expect(events).toEqual(['ledger.imported office', 'closeout.requested 市委编办', 'closeout.confirmed 市环保局', `closeout.approved ${w.office.name}`, 'closeout.closed rule:closeout']);
  });

  it('an objection during 公示 returns the task to 整改中 with the objection in its history; the daily job does not close it', async () => {
    const w = await world();
    await w.post(`/api/tasks/${ONE_LEAD}/closeout`, w.tokens.chengguan, { summary: '垃圾处理设施已建成投运', evidence: ['https://example.org/cg.pdf'] });
    const approved = await w.post(`/api/tasks/${ONE_LEAD}/closeout/review`, w.tokens.office, { decision: 'approve' });
    expect(approved.json.status).toBe('公示中（2018-09-27 至 2018-10-08）');
    expect(codesIn((await w.publicPage()).html)).toEqual(new Set([ONE_LEAD]));

    const notUnder = await w.post(`/api/tasks/${TWO_LEADS}/objections`, w.tokens.office, { content: '仍有问题' });
    expect(notUnder.status).toBe(400);
    expect(notUnder.json.error).toMatchObject({ field: 'code', message: '任务 MZ-7-1 不在公示期内，不能登记异议' });
    const byUnit = await w.post(`/api/tasks/${ONE_LEAD}/objections`, w.tokens.chengguan, { content: '仍有问题' });
    expect(byUnit.status).toBe(403);
    const empty = await w.post(`/api/tasks/${ONE_LEAD}/objections`, w.tokens.office, { content: '  ' });
    expect(empty.json.error).toMatchObject({ field: 'content', message: '“异议内容”不能为空' });

    w.setNow(instantAt('2018-09-29', '11:00')); // a make-up Saturday
    const objected = await w.post(`/api/tasks/${ONE_LEAD}/objections`, w.tokens.office, { content: '群众来电反映填埋场渗滤液仍有外溢', source: '来电' });
    expect(objected.status).toBe(201);
    expect(objected.json.task.status).toBe('open');
    expect(objected.json.status).toBe('退回：公示期间收到异议：群众来电反映填埋场渗滤液仍有外溢');
    expect((await w.store.unitOpenTasks('市城管局')).map((l) => l.code)).toContain(ONE_LEAD);
    expect(codesIn((await w.publicPage()).html)).toEqual(new Set());

    await runJob('escalation', instantAt('2018-10-09', '08:30'), w.deps);
    expect((await w.store.tasks.get(ONE_LEAD))!.status).toBe('open');
    const events = await w.store.auditEvents(`TASK#${ONE_LEAD}`);
    expect(events.at(-1)).toMatchObject({ type: 'closeout.objected', by: w.office.name, detail: { content: '群众来电反映填埋场渗滤液仍有外溢', source: '来电' } });
    // The unit may ask again.
    const again = await w.post(`/api/tasks/${ONE_LEAD}/closeout`, w.tokens.chengguan, { summary: '渗滤液处理站已扩容', evidence: ['https://example.org/cg2.pdf'] });
    expect(again.json.status).toBe('待审核');
  });
});

describe('回头看', () => {
  it('asks the lead units 60 workdays after closing (over New Year), chases the silent one 5 workdays later; a reopened task is dispatched the next week and escalates from a fresh start', async () => {
    const w = await world();
    await w.post(`/api/tasks/${TWO_LEADS}/closeout`, w.tokens.bianban, { summary: '方案已印发', evidence: ['https://example.org/a.pdf'] });
    await w.post(`/api/tasks/${TWO_LEADS}/closeout`, w.tokens.huanbao, { summary: '队伍已组建', evidence: ['https://example.org/b.pdf'] });
    w.setNow(instantAt('2018-09-27', '15:00'));
    await w.post(`/api/tasks/${TWO_LEADS}/closeout/review`, w.tokens.office, { decision: 'approve' });
    await runJob('escalation', instantAt('2018-10-10', '08:30'), w.deps);
    const bianban = (await w.liaison('市委编办')).email;
    const huanbao = (await w.liaison('市环保局')).email;

    // Not before its day: a unit cannot answer yet, and the day before asks nobody.
    w.setNow(instantAt('2018-12-20', '10:00'));
    const tooEarly = await w.post(`/api/tasks/${TWO_LEADS}/lookback`, w.tokens.bianban, { summary: '成效巩固', evidence: ['https://example.org/c.pdf'], holds: true });
    expect(tooEarly.json.error).toMatchObject({ field: 'code', message: '任务 MZ-7-1 的下一次回头看在 2019-01-03，届时再报送' });
    await bench.clearMail();
    await runJob('escalation', instantAt('2019-01-02', '08:30'), w.deps);
    expect((await bench.mail()).filter((m) => m.subject.startsWith('【回头看】'))).toEqual([]);

    // 2019-01-03: both lead units are asked.
    await runJob('escalation', instantAt('2019-01-03', '08:30'), w.deps);
    const asked = (await bench.mail()).filter((m) => m.subject.startsWith('【回头看】'));
    expect(asked.map((m) => m.destination.to[0]).sort()).toEqual([bianban, huanbao].sort());
    expect(w.to(asked, bianban)[0]!.body.text).toContain(`${TWO_LEADS}`);
    expect(w.to(asked, bianban)[0]!.body.text).toContain('第1次回头看（销号后第60个工作日）');

    // 市委编办 answers; a responsible unit or the office may not.
    w.setNow(instantAt('2019-01-04', '10:00'));
    const byOffice = await w.post(`/api/tasks/${TWO_LEADS}/lookback`, w.tokens.office, { summary: 'x', evidence: ['https://example.org/c.pdf'], holds: true });
    expect(byOffice.status).toBe(403);
    const noEvidence = await w.post(`/api/tasks/${TWO_LEADS}/lookback`, w.tokens.bianban, { summary: '成效巩固', evidence: [], holds: true });
    expect(noEvidence.json.error).toMatchObject({ field: 'evidence', message: '回头看须附至少1个佐证材料链接' });
    const answered = await w.post(`/api/tasks/${TWO_LEADS}/lookback`, w.tokens.bianban, { summary: '机构运转正常，成效巩固', evidence: ['https://example.org/c.pdf'], holds: true });
    expect(answered.status).toBe(201);

    // Five workdays after asking, only the silent 市环保局 is chased.
    await bench.clearMail();
    await runJob('escalation', instantAt('2019-01-09', '08:30'), w.deps);
    expect((await bench.mail()).filter((m) => m.subject.includes('回头看'))).toEqual([]);
    await runJob('escalation', instantAt('2019-01-10', '08:30'), w.deps);
    const chased = (await bench.mail()).filter((m) => m.subject.includes('回头看'));
    expect(chased.map((m) => [m.destination.to[0], m.subject])).toEqual([[huanbao, '【催办】市环保局尚未报送1项任务的回头看']]);

    // The office reopens it on Friday 11 January.
    w.setNow(instantAt('2019-01-11', '10:00'));
    const unitReopen = await w.post(`/api/tasks/${TWO_LEADS}/reopen`, w.tokens.huanbao, { reason: 'x' });
    expect(unitReopen.status).toBe(403);
    const reopened = await w.post(`/api/tasks/${TWO_LEADS}/reopen`, w.tokens.office, { reason: '回头看发现执法力量被抽调，监管出现空档' });
    expect(reopened.status).toBe(200);
    expect(reopened.json.task).toMatchObject({ status: 'open', reopened: { on: '2019-01-11', closedOn: '2018-10-10', reason: '回头看发现执法力量被抽调，监管出现空档' } });
    expect((await w.store.auditEvents(`TASK#${TWO_LEADS}`)).at(-1)).toMatchObject({ type: 'task.reopened', by: w.office.name });

    // The circular that afternoon lists what was reopened and why.
    await bench.clearMail();
    await runJob('weekly-circular', instantAt('2019-01-11', '16:00'), w.deps);
    const circular = (await bench.mail()).find((m) => m.subject.startsWith('【周通报】') && m.destination.to.includes(bianban))!;
    expect(circular.body.text).toContain(`本周重新打开的任务（回头看）\n${TWO_LEADS}`);
    expect(circular.body.text).toContain('回头看发现执法力量被抽调，监管出现空档');

    // Monday: escalation counts it afresh (overdue, but no missed weeks from before it closed), and the dispatch lists it.
    await bench.clearMail();
    await runJob('escalation', instantAt('2019-01-14', '08:30'), w.deps);
    const escalation = (await w.store.escalations.get('市委编办'))!;
    const entry = escalation.tasks.find((t) => t.code === TWO_LEADS)!;
    expect(entry.since).toBe('2019-01-14');
    expect(entry.reasons.join('；')).toContain('已超过整改时限（2019-01-02）');
    expect(entry.reasons.join('；')).not.toContain('周未报送');
    await runJob('weekly-dispatch', instantAt('2019-01-14', '09:00'), w.deps);
    const dispatch = (await bench.mail()).find((m) => m.subject.startsWith('【周调度】') && m.destination.to.includes(bianban))!;
    expect(codesIn(dispatch.body.text)).toContain(TWO_LEADS);
    // No more 回头看 chases for a reopened task.
    await bench.clearMail();
    await runJob('escalation', instantAt('2019-01-17', '08:30'), w.deps);
    expect((await bench.mail()).filter((m) => m.subject.includes('回头看'))).toEqual([]);
  });
});
