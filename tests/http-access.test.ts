/**
 * Who may still act for a unit: tokens and email links the office revoked, units it deactivated,
 * links used for another purpose than they were made for. Then two contracts of the HTTP app: every
 * /api route is in the OpenAPI document, and text that XML cannot carry never reaches the 台账.
 * On real parts: dynalite, the SES emulator (the links are taken from the mails as sent).
 */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { defaultCadence } from '../functions/core/cadence/config.ts';
import { runJob } from '../functions/core/cadence/jobs.ts';
import type { Store } from '../functions/core/ports.ts';
import { signLink } from '../functions/core/signed-link.ts';
import { instantAt } from '../functions/core/time.ts';
import { createApp } from '../functions/http/app.ts';
import { issueToken } from '../functions/http/auth.ts';
import type { ArchivePublisher } from '../functions/reports/publish.ts';
import { useCadenceBench } from './support/cadence.ts';
import { sampleTables } from './support/ledger.ts';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';

const bench = useCadenceBench();
const SECRET = 'a-test-secret-of-at-least-32-characters'; // the bench's jobs sign their links with it
const UNIT = '市林业局';
const MONDAY = instantAt('2018-07-09', '09:00');

async function world(start = instantAt('2018-07-09', '10:00')) {
  const { store, deps, reports } = await bench.setup();
  let now = start;
  const app = createApp({ store, clock: () => now, calendar: async () => bench.calendar, cadence: defaultCadence, linkSecret: async () => SECRET, reports: reports as ArchivePublisher });
  const officeName = (await store.people.list()).find((p) => p.roles.includes('整改办'))!.name;
  const office = await issueToken(store, { kind: 'office', name: officeName }, now);
  const call = (method: string, path: string, token?: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  return { store, deps, reports, app, office, call, setNow: (at: Date) => (now = at), now: () => now };
}

/** The report-form link in the weekly dispatch mailed to a unit's liaison, as a path on the app. */
async function mailedLink(store: Store): Promise<string> {
  const liaison = (await store.units.get(UNIT))!.liaison.email;
  const mail = (await bench.mail()).find((m) => m.destination.to.includes(liaison) && m.subject.includes('周调度'))!;
  const link = /http:\/\/duban\.example\.org(\/report\?[^\s"<>]+)/.exec(mail.body.text!)![1]!;
  return link;
}

const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;

describe('revoking tokens and links', () => {
  it('refuses a revoked token with 401; revoking a unit refuses its tokens and the links mailed before, not the ones issued after', async () => {
    const w = await world();
    await runJob('weekly-dispatch', MONDAY, w.deps);
    const link = await mailedLink(w.store);
    const [first, second] = [await issueToken(w.store, { kind: 'unit', unit: UNIT }, w.now()), await issueToken(w.store, { kind: 'unit', unit: UNIT }, w.now())];
    expect((await w.call('GET', '/api/tasks', first)).status).toBe(200);
    expect((await w.app.request(link)).status).toBe(200);

    // One token.
    expect((await w.call('POST', '/api/tokens/revoke', first, { token: second })).status).toBe(403);
    const revoked = await w.call('POST', '/api/tokens/revoke', w.office, { token: first });
    expect(revoked.status).toBe(200);
    const refused = await w.call('GET', '/api/tasks', first);
    expect(refused.status).toBe(401);
    expect(await errorOf(refused)).toEqual({ code: 'UNAUTHENTICATED', message: '访问令牌已被整改办收回：请向整改办重新申领', field: 'Authorization' });
    expect((await w.call('GET', '/api/tasks', second)).status).toBe(200);
    expect(await errorOf(await w.call('POST', '/api/tokens/revoke', w.office, { token: first }))).toMatchObject({ code: 'NOT_FOUND', message: '没有找到这个令牌，或它已被收回' });

    // All of the unit's, and its links.
    w.setNow(instantAt('2018-07-10', '09:00'));
    const all = await w.call('POST', `/api/units/${encodeURIComponent(UNIT)}/revoke`, w.office, { reason: '联络员更换' });
    expect(await all.json()).toEqual({ unit: UNIT, revokedTokens: 1, validFrom: '2018-07-10T01:00:00.000Z' });
    expect((await w.call('GET', '/api/tasks', second)).status).toBe(401);
    const oldLink = await w.app.request(link);
    expect(oldLink.status).toBe(401);
    expect(await oldLink.text()).toContain('此链接已被整改办收回：请使用此后收到的邮件中的链接');

    w.setNow(instantAt('2018-07-10', '09:05'));
    const fresh = await issueToken(w.store, { kind: 'unit', unit: UNIT }, w.now());
    expect((await w.call('GET', '/api/tasks', fresh)).status).toBe(200);
    expect((await w.app.request(`/report?${signLink(SECRET, UNIT, 'report', w.now())}`)).status).toBe(200);
    expect((await w.store.auditEvents(`UNIT#${UNIT}`)).at(-1)).toMatchObject({ type: 'unit.credentials-revoked', detail: { reason: '联络员更换' } });
  });

  it('deactivates a unit: its token and mailed link are refused (403), it gets no token and no circular', async () => {
    const w = await world();
    await runJob('weekly-dispatch', MONDAY, w.deps);
    const link = await mailedLink(w.store);
    const token = await issueToken(w.store, { kind: 'unit', unit: UNIT }, w.now());
    const unitToken = await issueToken(w.store, { kind: 'unit', unit: '市环保局' }, w.now());

    expect((await w.call('POST', `/api/units/${encodeURIComponent(UNIT)}/deactivate`, unitToken, { reason: '机构改革撤并' })).status).toBe(403);
    const noReason = await w.call('POST', `/api/units/${encodeURIComponent(UNIT)}/deactivate`, w.office, {});
    expect(noReason.status).toBe(400);
    expect(await errorOf(noReason)).toMatchObject({ message: '“停用原因”应为文字', field: 'reason' });
    expect((await w.call('POST', `/api/units/${encodeURIComponent('不存在的单位')}/deactivate`, w.office, { reason: '撤并' })).status).toBe(404);

    const done = await w.call('POST', `/api/units/${encodeURIComponent(UNIT)}/deactivate`, w.office, { reason: '机构改革撤并' });
    expect(done.status).toBe(200);
    expect(await w.store.units.get(UNIT)).toMatchObject({ active: false, deactivated: { reason: '机构改革撤并' } });

    const byToken = await w.call('GET', '/api/tasks', token);
    expect(byToken.status).toBe(403);
    expect((await errorOf(byToken)).message).toBe(`“${UNIT}”已被整改办停用（机构改革撤并），其令牌和邮件链接不再有效`);
    const byLink = await w.app.request(link);
    expect(byLink.status).toBe(403);
    expect(await byLink.text()).toContain(`“${UNIT}”已被整改办停用（机构改革撤并），其令牌和邮件链接不再有效`);
    await expect(issueToken(w.store, { kind: 'unit', unit: UNIT }, w.now())).rejects.toThrow(`“${UNIT}”已被整改办停用（机构改革撤并），其令牌和邮件链接不再有效，不能为其发放令牌`);

    await bench.clearMail();
    await runJob('weekly-circular', instantAt('2018-07-13', '16:00'), w.deps);
    const unit = (await w.store.units.get(UNIT))!;
    const mails = await bench.mail();
    const recipients = mails.flatMap((m) => m.destination.to);
    expect(mails.some((m) => m.subject.startsWith('【周通报】'))).toBe(true);
    expect(recipients).not.toContain(unit.liaison.email);
    expect(recipients).not.toContain(unit.head.email);

    // The same workbook imported again lists the unit: the office's decision stands.
    const reimport = await importLedger(sampleTables(), { at: instantAt('2018-07-16', '09:00'), by: 'office', source: 'again' }, { store: w.store, calendar: bench.calendar });
    expect(reimport.ok).toBe(true);
    expect(reimport.reactivatedUnits).not.toContain(UNIT);
    expect(await w.store.units.get(UNIT)).toMatchObject({ deactivated: { reason: '机构改革撤并' } });
    expect((await w.call('GET', '/api/tasks', token)).status).toBe(403);
    expect((await w.app.request(link)).status).toBe(403);
    await bench.clearMail();
    await runJob('weekly-dispatch', instantAt('2018-07-16', '09:00'), w.deps);
    expect((await bench.mail()).flatMap((m) => m.destination.to)).not.toContain(unit.liaison.email);
  });

  it('refuses the token and link of a unit a re-import removed, and issues it no new token', async () => {
    const w = await world();
    const token = await issueToken(w.store, { kind: 'unit', unit: UNIT }, w.now());
    const link = `/report?${signLink(SECRET, UNIT, 'report', w.now())}`;
    const unit = (await w.store.units.get(UNIT))!;
    const { version, createdAt, updatedAt, ...plain } = unit;
    await w.store.units.update(UNIT, version, { ...plain, active: false, removedAt: '2018-07-09T03:00:00.000Z' }, { type: 'unit.removed', by: 'import:test', at: '2018-07-09T03:00:00.000Z' });
    const message = `“${UNIT}”已不在当前台账中，其令牌和邮件链接不再有效；如有疑问请联系整改办`;
    const byToken = await w.call('GET', `/api/tasks`, token);
    expect(byToken.status).toBe(403);
    expect((await errorOf(byToken)).message).toBe(message);
    const byLink = await w.app.request(link);
    expect(byLink.status).toBe(403);
    expect(await byLink.text()).toContain(message);
    await expect(issueToken(w.store, { kind: 'unit', unit: UNIT }, w.now())).rejects.toThrow(`${message}，不能为其发放令牌`);
  });

  it('opens a link only for what it was made for: a report link not the archive, an archive link not the report form', async () => {
    const w = await world();
    const report = signLink(SECRET, UNIT, 'report', w.now());
    const archive = signLink(SECRET, '*', 'archive', w.now());
    const onArchive = await w.app.request(`/reports?${report}`);
    expect(onArchive.status).toBe(401);
    expect(await onArchive.text()).toContain('此链接用于报送进展，不能用来查看通报与交账');
    const onForm = await w.app.request(`/report?${archive}`);
    expect(onForm.status).toBe(401);
    expect(await onForm.text()).toContain('此链接用于查看通报与交账，不能用来报送进展');
    const form = new URLSearchParams({ ...Object.fromEntries(archive), key: 'k', kind: 'week', 'summary:MZ-1-1': '完成' });
    const posted = await w.app.request('/report', { method: 'POST', body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(posted.status).toBe(401);
    expect((await w.app.request(`/reports?${archive}`)).status).toBe(200);
  });
});

describe('the HTTP app’s contracts', () => {
  it('documents every /api route with its method in the OpenAPI document', async () => {
    const w = await world();
    const doc = (await (await w.app.request('/api/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = w.app.routes
      .filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/') && r.path !== '/api/openapi.json')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`);
    expect(routes.length).toBeGreaterThan(15);
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    expect(routes.filter((r) => !documented.includes(r))).toEqual([]);
    for (const route of ['get /api/interviews', 'patch /api/interviews/{id}', 'get /api/reports/{kind}/{period}/{file}', 'post /api/units/{name}/deactivate']) {
      expect(documented).toContain(route);
    }
  });

  it('drops U+FFFF from a progress summary: the circular’s 台账 workbook opens with exceljs and shows the summary without it', async () => {
    const w = await world(instantAt('2018-07-10', '10:00'));
    const token = await issueToken(w.store, { kind: 'unit', unit: UNIT }, w.now());
    const code = (await w.store.unitOpenTasks(UNIT))[0]!.code;
    const sent = await w.call('POST', `/api/tasks/${code}/progress`, token, { summary: '完成\uffff苗木\ud800补植\ufffe200亩' });
    expect(sent.status).toBe(201);
    expect(((await sent.json()) as { report: { summary: string } }).report.summary).toBe('完成苗木补植200亩');

    await runJob('weekly-circular', instantAt('2018-07-13', '16:00'), w.deps);
    const published = (await w.reports.find('weekly-circular', '2018-W28'))!;
    const bytes = (await w.reports.archive.get(published.workbook.key))!.body;
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
    const texts: string[] = [];
    book.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => texts.push(String(cell.text)))));
    expect(texts).toContain('完成苗木补植200亩');
    expect(texts.filter((t) => /[\uffff\ufffe\ud800-\udfff]/.test(t))).toEqual([]);
  });
});
