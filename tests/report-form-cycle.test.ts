/**
 * The phone form's 常态化工作 and 回头看 sections, through the real app on dynalite (and, for
 * 回头看, the daily job and the SES emulator): the sample's weekly TV slot (市委宣传部, at least 3
 * minutes) and newspaper column, and MZ-6-3 (lead unit 市城管局) closed and looked back at.
 */
import { serve } from '@hono/node-server';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { signLink } from '../functions/core/signed-link.ts';
import { instantAt } from '../functions/core/time.ts';
import { createApp } from '../functions/http/app.ts';
import { issueToken } from '../functions/http/auth.ts';
import { appBench, SECRET } from './support/app.ts';
import { useCadenceBench } from './support/cadence.ts';
import { useDynalite } from './support/store.ts';
import { CHROMIUM, haveBrowser, phoneContext } from './support/browser.ts';

const dynalite = useDynalite();
const bench = useCadenceBench();

const TV = '绵竹电视台新闻栏目专题报道督察整改工作情况';
const PAPER = '《今日绵竹》中央环境保护督察整改专栏';
const ONE_LEAD = 'MZ-6-3';

/** The signed fields of a form link, and a poster of the form as a phone sends it. */
function formOf(app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> }, link: string) {
  const signed = Object.fromEntries(new URL(`http://x${link}`).searchParams);
  return (fields: Record<string, string>) =>
    app.request('/report', { method: 'POST', body: new URLSearchParams({ ...signed, kind: 'week', ...fields }), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
}

describe('常态化工作 on the phone form', () => {
  it('shows the unit’s duties with this week’s state, records an occurrence once (double tap), and GET /api/duties shows it done', async () => {
    const app = await appBench(dynalite, instantAt('2018-07-11', '21:00'));
    const link = app.link('市委宣传部');
    const page = await (await app.get(link)).text();
    expect(page).toContain('常态化工作');
    expect(page).toContain(TV);
    expect(page).toContain('每周不少于1次，每次不少于3分钟');
    expect(page).toContain('2018年第28周（7月9日—7月15日）：进行中');
    expect(page).toContain(`name="duty-date:${TV}" type="date" max="2018-07-11" value="2018-07-11"`);
    expect(page).toContain(`name="duty-minutes:${TV}"`);
    expect(page).not.toContain(`name="duty-minutes:${PAPER}"`);

    const post = formOf(app.app, link);
    const fields = { key: 'tap-1', [`duty-detail:${TV}`]: '新闻栏目播出整改专题', [`duty-evidence:${TV}`]: 'https://tv.example.org/2018-07-11', [`duty-minutes:${TV}`]: '4' };
    const saved = await post(fields);
    expect(saved.status).toBe(201);
    const done = await saved.text();
    expect(done).toContain('常态化工作 1 项');
    expect(done).toContain(`${TV}</b> 2018-07-11：新闻栏目播出整改专题（4分钟）`);
    expect((await post(fields)).status).toBe(201); // a double tap
    const stored = await app.store.dutyOccurrences(TV, '2018-W28', '2018-W28');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ unit: '市委宣传部', by: '市委宣传部', date: '2018-07-11', minutes: 4, evidence: ['https://tv.example.org/2018-07-11'] });

    const listed = (await (await app.get('/api/duties', await app.token('市委宣传部'))).json()) as any;
    const tv = listed.duties.find((d: { name: string }) => d.name === TV);
    expect(tv.records[0].periods.at(-1)).toMatchObject({ period: '2018-W28', status: 'done', statusText: '已完成' });
    expect(await (await app.get(link)).text()).toContain('2018年第28周（7月9日—7月15日）：已完成');
  });

  it('refuses a bad date in Chinese naming it and stores nothing of the whole form', async () => {
    const app = await appBench(dynalite, instantAt('2018-07-11', '21:00'));
    const post = formOf(app.app, app.link('市委宣传部'));
    const good = { [`duty-detail:${PAPER}`]: '专栏刊发整改进展', [`duty-evidence:${PAPER}`]: '第1234期第2版' };
    const tv = { [`duty-detail:${TV}`]: '专题播出', [`duty-evidence:${TV}`]: 'https://tv.example.org/x', [`duty-minutes:${TV}`]: '5' };

    const unreal = await post({ key: 'k1', ...good, ...tv, [`duty-date:${TV}`]: '2018-02-30' });
    expect(unreal.status).toBe(400);
    const page = await unreal.text();
    expect(page).toContain('“日期”不是真实存在的日期：2018-02-30');
    expect(page).toContain('本次未保存任何内容');
    expect(page).toContain('专栏刊发整改进展'); // what was typed is kept

    const future = await post({ key: 'k2', ...good, ...tv, [`duty-date:${TV}`]: '2018-07-12' });
    expect(future.status).toBe(400);
    expect(await future.text()).toContain('“日期”（2018-07-12）不能晚于今天（2018-07-11）：只记录已经做过的工作');

    const noMinutes = await post({ key: 'k3', [`duty-detail:${TV}`]: '专题播出', [`duty-evidence:${TV}`]: 'https://tv.example.org/x' });
    expect(noMinutes.status).toBe(400);
    expect(await noMinutes.text()).toContain('要求每次不少于3分钟，请填写“时长（分钟）”');

    expect(await app.store.dutyOccurrences(TV, '2018-W28', '2018-W28')).toEqual([]);
    expect(await app.store.dutyOccurrences(PAPER, '2018-W28', '2018-W28')).toEqual([]);
  });

  it('another unit’s link neither shows nor accepts the duty', async () => {
    const app = await appBench(dynalite, instantAt('2018-07-11', '21:00'));
    const link = app.link('市林业局');
    expect(await (await app.get(link)).text()).not.toContain(TV);
    const refused = await formOf(app.app, link)({ key: 'k', [`duty-detail:${TV}`]: '专题播出', [`duty-evidence:${TV}`]: 'https://tv.example.org/x', [`duty-minutes:${TV}`]: '5' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain(`市林业局不是常态化工作“${TV}”的责任单位，不能在此记录`);
    expect(await app.store.dutyOccurrences(TV, '2018-W28', '2018-W28')).toEqual([]);
  });
});

describe('回头看 on the phone form', () => {
  it('the lead unit opens the link of its 回头看 email, answers once (double tap), and the answer is stored; another unit’s link neither shows nor accepts it', async () => {
    const { store, deps, reports } = await bench.setup();
    let now = instantAt('2018-09-26', '10:00');
    const app = createApp({ store, clock: () => now, calendar: async () => deps.calendar, cadence: deps.config, linkSecret: async () => SECRET, reports });
    const office = (await store.people.list()).find((p) => p.roles.includes('整改办'))!;
    const json = (path: string, token: string, body: unknown) =>
      app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const chengguan = await issueToken(store, { kind: 'unit', unit: '市城管局' }, now);
    expect((await json(`/api/tasks/${ONE_LEAD}/closeout`, chengguan, { summary: '填埋场整治完成', evidence: ['https://example.org/cg.pdf'] })).status).toBe(202);
    now = instantAt('2018-09-27', '15:00');
    expect((await json(`/api/tasks/${ONE_LEAD}/closeout/review`, await issueToken(store, { kind: 'office', name: office.name }, now), { decision: 'approve' })).status).toBe(200);
    await runJob('escalation', instantAt('2018-10-10', '08:30'), deps);
    expect((await store.tasks.get(ONE_LEAD))!.status).toBe('closed');

    await bench.clearMail();
    await runJob('escalation', instantAt('2019-01-03', '08:30'), deps);
    const liaison = (await store.units.get('市城管局'))!.liaison.email;
    const asked = (await bench.mail()).find((m) => m.subject.startsWith('【回头看】') && m.destination.to.includes(liaison))!;
    const link = /http:\/\/duban\.example\.org(\/report\?[^\s)>\]]+)/.exec(asked.body.text ?? '')![1]!;

    now = instantAt('2019-01-04', '10:00');
    const page = await (await app.request(link)).text();
    expect(page).toContain('回头看');
    expect(page).toContain(`${ONE_LEAD} `);
    expect(page).toContain('第1次回头看（销号后第60个工作日）');

    // Another unit's link: not shown, not accepted.
    const other = `/report?${signLink(SECRET, '市环保局', 'report', now)}`;
    expect(await (await app.request(other)).text()).not.toContain(`lookback-summary:${ONE_LEAD}`);
    const answer = { [`lookback-holds:${ONE_LEAD}`]: 'yes', [`lookback-summary:${ONE_LEAD}`]: '渗滤液处理正常，未见反弹', [`lookback-evidence:${ONE_LEAD}`]: 'https://example.org/cg-lookback.pdf' };
    const refused = await formOf(app, other)({ key: 'o', ...answer });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain(`任务 ${ONE_LEAD} 没有要求市环保局报送的回头看`);

    // Holds left unchosen: said in Chinese, nothing stored.
    const post = formOf(app, link);
    const unchosen = await post({ key: 'k0', ...answer, [`lookback-holds:${ONE_LEAD}`]: '' });
    expect(unchosen.status).toBe(400);
    expect(await unchosen.text()).toContain('请选择“整改成效是否巩固”：是或否');
    expect((await store.tasks.get(ONE_LEAD))!.closeOut!.lookbacks![0]!.answers).toEqual([]);

    const saved = await post({ key: 'k1', ...answer });
    expect(saved.status).toBe(201);
    expect(await saved.text()).toContain('成效保持。渗滤液处理正常，未见反弹');
    expect((await post({ key: 'k1', ...answer })).status).toBe(201); // a double tap
    const answers = (await store.tasks.get(ONE_LEAD))!.closeOut!.lookbacks![0]!.answers;
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ unit: '市城管局', by: '市城管局', holds: true, summary: '渗滤液处理正常，未见反弹', evidence: ['https://example.org/cg-lookback.pdf'] });
    // Answered: the form no longer asks it.
    expect(await (await app.request(link)).text()).not.toContain(`lookback-summary:${ONE_LEAD}`);
  });
});

describe('the duty sub-form on a 390 px phone', () => {
  it.skipIf(!haveBrowser && !process.env.CI)('fits the screen without sideways scrolling and records an occurrence in Chromium', async () => {
    expect(existsSync(CHROMIUM), 'Chromium must be installed (apt-get install chromium)').toBe(true);
    const app = await appBench(dynalite, instantAt('2018-07-11', '21:00'));
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const context = await phoneContext();
    try {
      const page = await context.newPage();
      await page.goto(`${base}${app.link('市委宣传部')}`);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.fill(`[name="duty-detail:${TV}"]`, '专题播出');
      await page.fill(`[name="duty-evidence:${TV}"]`, 'https://tv.example.org/2018-07-11');
      await page.fill(`[name="duty-minutes:${TV}"]`, '4');
      await page.click('button[type=submit]');
      await expect.poll(() => page.locator('h1').textContent()).toBe('报送成功');
      expect(await app.store.dutyOccurrences(TV, '2018-W28', '2018-W28')).toEqual([expect.objectContaining({ unit: '市委宣传部', minutes: 4, detail: '专题播出' })]);
    } finally {
      await context.close();
      await new Promise((r) => server.close(r));
    }
  });
});
