/**
 * A 常态化工作 duty's own page in the console and the office's deletion of a duty's file, over the
 * real app on dynalite with sign-in through the SES emulator and files kept in a folder: the page
 * shows the duty period by period (who recorded what, the files, the missed periods, the changes);
 * the office deletes a file only with a reason, and the deletion shows in the duty's changes; a
 * leader reads without forms; nothing answers without a session.
 */
import { describe, expect, it } from 'vitest';
import { dutyHistory } from '../functions/core/duties.ts';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { instantAt } from '../functions/core/time.ts';
import { SECRET } from './support/app.ts';
import { useConsoleBench } from './support/console.ts';
import { recordWithFiles } from './support/duty-evidence.ts';
import { folderEvidence } from './support/evidence.ts';

const console_ = useConsoleBench();
const OFFICE = 'office.tang@example.org';
const LEADER = 'leader.secretary@example.org';
const PAPER = '《今日绵竹》中央环境保护督察整改专栏';
const PRESS = '市委宣传部';
const WATER = '饮用水安全状况信息公开';

/** The console with files kept, and a unit's occurrence of PAPER on 2018-07-10 with a photo and a PDF uploaded over the API. */
async function withDutyFiles() {
  const bench = await console_.setup(instantAt('2018-07-10', '10:00'), undefined, {
    evidence: (store) => folderEvidence(store, console_.dynalite.client, async () => SECRET).deps,
  });
  const ids = await recordWithFiles(bench, PAPER, PRESS, { date: '2018-07-10', detail: '专栏刊发督察整改进展报道一篇', links: ['2018年7月10日第3版'] });
  return { bench, ids };
}

const historyPath = (duty: string) => `/duties/${encodeURIComponent(duty)}`;
const deletePath = (duty: string, id: string) => `/duties/${encodeURIComponent(duty)}/evidence/${id}/delete`;
const squash = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('a duty’s page in the console', () => {
  it('shows the duty period by period: who recorded what, its files with time and place, each unit’s status, the missed periods and whether they were chased', async () => {
    const { bench } = await withDutyFiles();
    // Weeks pass: 2018-W29 ends without an occurrence and is chased; 2018-W31 is the current week.
    await bench.store.recordDutyChase({ duty: PAPER, unit: PRESS, period: '2018-W29', on: '2018-07-23' });
    bench.setNow(instantAt('2018-08-01', '10:00'));
    const office = await bench.signIn(OFFICE);

    const list = await (await bench.request('/duties', { cookie: office.cookie })).text();
    expect(list).toContain(`<a class="history-link" href="${historyPath(PAPER)}">逐期记录与变更</a>`);

    const answer = await bench.request(historyPath(PAPER), { cookie: office.cookie });
    expect(answer.status).toBe(200);
    const html = await answer.text();
    const page = squash(html);
    expect(page).toContain(`${PAPER} 每周不少于1次`);
    expect(page).toContain(`未完成的周期 ${PRESS} 2018年第30周（7月23日—7月29日） ${PRESS} 2018年第29周（7月16日—7月22日）（已催办） 逐期记录`);
    // Newest first, from the current week back to the week the duty entered the ledger.
    expect([...html.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]!.slice(0, 9))).toEqual(['2018年第31周', '2018年第30周', '2018年第29周', '2018年第28周', '2018年第27周']);
    expect(page).toContain('2018年第29周（7月16日—7月22日） 市委宣传部：未完成（已催办） 本周期没有工作记录。');
    expect(page).toMatch(/2018年第31周（7月30日—8月5日） 市委宣传部：进行中 本周期没有工作记录。/);
    expect(page).toMatch(/2018年第28周（7月9日—7月15日） 市委宣传部：已完成 市委宣传部 · 2018-07-10 · 市委宣传部 于 2018-07-10 10:00 记录 专栏刊发督察整改进展报道一篇 版面.jpg 拍摄于 2018-07-09 16:20 北纬31.3402°，东经104.2011° 删除 .* 报纸PDF版.pdf 删除 .* 2018年7月10日第3版/);
    expect(page).toContain('2018年第27周（7月2日—7月8日） 该事项在本周期内列入台账，从下一个周期起计。');
    expect(page).toContain('变更记录 时间 事项 操作人 2018-07-04 10:00 台账导入 office');
    expect(html).not.toContain('class="earlier"');

    // Months on, a page holds 12 weeks; the earlier ones are a link away, and back.
    bench.setNow(instantAt('2018-11-01', '10:00'));
    const later = await bench.signIn(OFFICE);
    const recent = await (await bench.request(historyPath(PAPER), { cookie: later.cookie })).text();
    expect([...recent.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]!.slice(0, 9))).toEqual(Array.from({ length: 12 }, (_, i) => `2018年第${44 - i}周`));
    const earlier = /<a class="earlier" href="([^"]+)">([^<]+)<\/a>/.exec(recent)!;
    expect(earlier[2]).toBe('更早的记录（至2018年第32周（8月6日—8月12日））');
    const older = await (await bench.request(earlier[1]!.replaceAll('&#x3D;', '='), { cookie: later.cookie })).text();
    expect([...older.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]!.slice(0, 9))).toEqual(Array.from({ length: 6 }, (_, i) => `2018年第${32 - i}周`));
    expect(older).toContain('市委宣传部 · 2018-07-10');
    expect(older).not.toContain('class="earlier"');
    expect(/<a class="later" href="[^"]+period&#x3D;2018-W44">较近的记录<\/a>/.test(older)).toBe(true);
  });

  it('the office deletes a duty’s file only with a reason: without one nothing is deleted and the field is named; with one the file is gone and the duty’s changes say which, why and who', async () => {
    const { bench, ids } = await withDutyFiles();
    const office = await bench.signIn(OFFICE);
    const noReason = await bench.request(deletePath(PAPER, ids[0]!), { method: 'POST', cookie: office.cookie, body: bench.form({ _csrf: office.csrf, reason: '  ', from: 'history' }) });
    expect(noReason.status).toBe(400);
    expect(squash(await noReason.text())).toContain('删除文件未完成：“删除理由”不能为空');
    expect((await (await bench.request(`/evidence/${ids[0]}`, { cookie: office.cookie })).arrayBuffer()).byteLength).toBeGreaterThan(0);

    // A file is deleted only through the duty it belongs to.
    const elsewhere = await bench.request(deletePath(WATER, ids[0]!), { method: 'POST', cookie: office.cookie, body: bench.form({ _csrf: office.csrf, reason: '误传' }) });
    expect(elsewhere.status).toBe(404);
    expect(squash(await elsewhere.text())).toContain(`删除文件未完成：常态化工作“${WATER}”没有这个文件，或它已被删除`);

    const deleted = await bench.request(deletePath(PAPER, ids[0]!), { method: 'POST', cookie: office.cookie, body: bench.form({ _csrf: office.csrf, reason: '照片含无关人员面部', from: 'history' }) });
    expect(deleted.status).toBe(200);
    const page = squash(await deleted.text());
    expect(page).toContain(`已删除文件“版面.jpg”，删除理由已记入“${PAPER}”的变更记录。`);
    expect(page).not.toContain('版面.jpg 拍摄于');
    expect(page).toContain('报纸PDF版.pdf');
    expect(page).toContain('另有1个文件已被整改办删除，理由见下方变更记录。');
    expect(page).toMatch(/变更记录 时间 事项 操作人 2018-07-10 10:00 删除佐证材料：版面.jpg：照片含无关人员面部 唐文博 2018-07-04 10:00 台账导入 office/);
    expect((await bench.request(`/evidence/${ids[0]}`, { cookie: office.cookie })).status).toBe(404);
    const list = squash(await (await bench.request('/duties', { cookie: office.cookie })).text());
    expect(list).not.toContain('版面.jpg');
    expect(list).toContain('报纸PDF版.pdf 删除 删除理由（记入该事项的变更记录） 删除此文件 2018年7月10日第3版 另有1个文件已被整改办删除，理由见该事项的“逐期记录与变更”。');

    // Deleting it again says it is gone.
    const again = await bench.request(deletePath(PAPER, ids[0]!), { method: 'POST', cookie: office.cookie, body: bench.form({ _csrf: office.csrf, reason: '再删' }) });
    expect(again.status).toBe(404);
    expect(squash(await again.text())).toContain('删除文件未完成：佐证材料不存在或已删除');
  });

  it('answers nothing without a session, and a leader reads the page with no forms and cannot delete', async () => {
    const { bench, ids } = await withDutyFiles();
    const anonymous = await bench.request(historyPath(PAPER));
    expect(anonymous.status).toBe(401);
    const body = await anonymous.text();
    expect(body).toContain('请先登录后再查看此页面。');
    expect(body).not.toContain('专栏刊发督察整改进展报道一篇');
    const anonymousDelete = await bench.request(deletePath(PAPER, ids[0]!), { method: 'POST', body: bench.form({ reason: '无会话' }) });
    expect(anonymousDelete.status).toBe(401);

    const leader = await bench.signIn(LEADER);
    const read = await bench.request(historyPath(PAPER), { cookie: leader.cookie });
    expect(read.status).toBe(200);
    const page = await read.text();
    expect(page).toContain('专栏刊发督察整改进展报道一篇');
    expect(page).not.toContain('action="/duties');
    const refused = await bench.request(deletePath(PAPER, ids[0]!), { method: 'POST', cookie: leader.cookie, body: bench.form({ _csrf: leader.csrf, reason: '领导删除' }) });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('领导账号为只读，不能删除佐证材料');
    const office = await bench.signIn(OFFICE);
    expect((await bench.request(`/evidence/${ids[0]}`, { cookie: office.cookie })).status).toBe(200);
    expect((await bench.store.auditEvents(`DUTY#${PAPER}`)).map((e) => e.type)).toEqual(['ledger.imported']);
  });

  it('a period of the wrong kind or an unknown duty is refused in Chinese, naming what is wrong', async () => {
    const { bench } = await withDutyFiles();
    const office = await bench.signIn(OFFICE);
    const wrong = await bench.request(`${historyPath(PAPER)}?period=2018-07`, { cookie: office.cookie });
    expect(wrong.status).toBe(400);
    expect(squash(await wrong.text())).toContain(`“${PAPER}”按每周记录，“周期”应写作如 2018-W28，不是“2018-07”`);
    const noSuchWeek = await bench.request(`${historyPath(PAPER)}?period=2018-W60`, { cookie: office.cookie });
    expect(noSuchWeek.status).toBe(400);
    expect(squash(await noSuchWeek.text())).toContain(`“${PAPER}”按每周记录，“周期”应写作如 2018-W28，不是“2018-W60”`);
    const quarterly = await bench.request(`${historyPath(WATER)}?period=2018-Q5`, { cookie: office.cookie });
    expect(quarterly.status).toBe(400);
    expect(squash(await quarterly.text())).toContain(`“${WATER}”按每季度记录，“周期”应写作如 2018-Q3，不是“2018-Q5”`);
    const unknown = await bench.request(historyPath('不存在的事项'), { cookie: office.cookie });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('没有名为“不存在的事项”的常态化工作');
  });
});

describe('a duty’s history as a unit sees it (the use case behind the page)', () => {
  it('a unit sees only its own record and occurrences of a duty it shares, no changes, and is refused a duty that is not its own', async () => {
    const bench = await console_.setup(instantAt('2018-10-10', '10:00'));
    const deps = { store: bench.store, calendar: defaultCalendar() };
    const at = instantAt('2018-10-10', '10:00');
    for (const unit of ['市环保局', '市住建局']) {
      const token = await bench.token(unit);
      expect((await bench.post(`/api/duties/${encodeURIComponent(WATER)}/occurrences`, token, { date: '2018-10-09', detail: `${unit}公开信息`, evidence: ['市政府网站公告栏'] })).status).toBe(201);
    }
    const mine = await dutyHistory(WATER, { kind: 'unit', unit: '市环保局' }, at, deps);
    expect(mine.responsibleUnits).toEqual(['市环保局']);
    expect(mine.periods.map((p) => [p.period, p.units.map((u) => `${u.unit}:${u.statusText}`), p.occurrences.map((o) => o.detail)])).toEqual([
      ['2018-Q4', ['市环保局:已完成'], ['市环保局公开信息']],
      ['2018-Q3', [], []],
    ]);
    expect(mine.events).toEqual([]);
    const office = await dutyHistory(WATER, { kind: 'office', name: '唐文博' }, at, deps);
    expect(office.periods[0]!.occurrences.map((o) => o.unit).sort()).toEqual(['市住建局', '市环保局']);
    expect(office.periods[0]!.units.map((u) => u.unit)).toEqual(['市环保局', '市住建局', '市卫计局']);
    await expect(dutyHistory(WATER, { kind: 'unit', unit: PRESS }, at, deps)).rejects.toThrow(`${PRESS}不是常态化工作“${WATER}”的责任单位`);
  });
});
