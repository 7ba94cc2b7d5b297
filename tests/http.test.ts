import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appBench } from './support/app.ts';
import { useDynalite } from './support/store.ts';

const dynalite = useDynalite();

/** The JSON a response carries (the API's shapes are asserted by the tests themselves). */
const body = async (response: Response | Promise<Response>): Promise<any> => (await response).json();

/** A task of 市环保局 and a task it has nothing to do with. */
async function tasksOf(store: Awaited<ReturnType<typeof appBench>>['store'], unit: string) {
  const own = (await store.unitOpenTasks(unit)).map((l) => l.code);
  const other = (await store.openTasks()).find((t) => !t.leadUnits.includes(unit) && !t.responsibleUnits.includes(unit))!.code;
  return { own: own[0]!, other };
}

describe('the reporting API', () => {
  it('refuses a call with no token (401), another unit’s task (403), and stores a good report (201) in the task’s history', async () => {
    const bench = await appBench(dynalite);
    const { own, other } = await tasksOf(bench.store, '市林业局');
    const token = await bench.token('市林业局');

    const anonymous = await bench.post(`/api/tasks/${own}/progress`, undefined, { summary: '完成造林200亩' });
    expect(anonymous.status).toBe(401);
    expect((await body(anonymous)).error).toMatchObject({ code: 'UNAUTHENTICATED', field: 'Authorization' });
    expect((await bench.post(`/api/tasks/${own}/progress`, 'dbn_notarealtokenatall', { summary: 'x' })).status).toBe(401);

    const forbidden = await bench.post(`/api/tasks/${other}/progress`, token, { summary: '完成造林200亩' });
    expect(forbidden.status).toBe(403);
    expect((await body(forbidden)).error.message).toContain(`市林业局不是任务 ${other} 的牵头单位或责任单位`);

    const created = await bench.post(`/api/tasks/${own}/progress`, token, { summary: '完成造林200亩', percent: 40, evidence: ['https://example.org/photo/1.jpg'] });
    expect(created.status).toBe(201);
    expect((await body(created)).report).toMatchObject({ code: own, unit: '市林业局', period: '2018-W28', percent: 40 });

    const history = await body(bench.get(`/api/tasks/${own}/history`, token));
    expect(history.reports).toEqual([expect.objectContaining({ summary: '完成造林200亩', at: '2018-07-10T02:00:00.000Z' })]);
    // The task page is the console's: without a session it is the sign-in page, with nothing of the task.
    const page = await (await bench.get(`/tasks/${own}`)).text();
    expect(page).toContain('登录督办系统');
    expect(page).not.toContain('完成造林200亩');
  });

  it('stores a double tap once (same Idempotency-Key) and counts a report in the week of the server clock', async () => {
    const bench = await appBench(dynalite);
    const { own } = await tasksOf(bench.store, '市林业局');
    const token = await bench.token('市林业局');
    const body = { summary: '开展森林抚育' };
    const first = await bench.post(`/api/tasks/${own}/progress`, token, body, { 'Idempotency-Key': 'tap-1' });
    const second = await bench.post(`/api/tasks/${own}/progress`, token, body, { 'Idempotency-Key': 'tap-1' });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(await bench.store.progressInPeriod(own, '2018-W28')).toHaveLength(1);

    bench.setNow(new Date('2018-07-16T01:00:00Z')); // Monday of the next week, 09:00 in Shanghai
    await bench.post(`/api/tasks/${own}/progress`, token, body, { 'Idempotency-Key': 'tap-2' });
    expect(await bench.store.progressInPeriod(own, '2018-W29')).toHaveLength(1);
  });

  it('keeps all 50 of 50 concurrent reports on one task', async () => {
    const bench = await appBench(dynalite);
    const { own } = await tasksOf(bench.store, '市林业局');
    const token = await bench.token('市林业局');
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => bench.post(`/api/tasks/${own}/progress`, token, { summary: `第${i + 1}条进展` })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201));
    const stored = await bench.store.progressInPeriod(own, '2018-W28');
    expect(new Set(stored.map((r) => r.summary))).toEqual(new Set(Array.from({ length: 50 }, (_, i) => `第${i + 1}条进展`)));
  });

  it('answers 500 malformed or hostile bodies with a 4xx naming the field in Chinese, and stores nothing', async () => {
    const bench = await appBench(dynalite);
    const { own } = await tasksOf(bench.store, '市林业局');
    const token = await bench.token('市林业局');
    const hostileText = fc.oneof(
      fc.constant(''),
      fc.constant('   '),
      fc.string({ minLength: 2001, maxLength: 2100 }),
      fc.constant('<script>alert(1)</script>\u0000'),
      fc.constant('正常进展\r\nBcc: attacker@example.com\u0007'),
      fc.string().map((s) => `${s}\u0001`),
    );
    const badField = fc.oneof(
      fc.record({ summary: hostileText }),
      fc.record({ summary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()), fc.object()) }),
      fc.record({ summary: fc.constant('正常'), percent: fc.oneof(fc.integer({ min: 101 }), fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.string(), fc.constant(null)) }),
      fc.record({ summary: fc.constant('正常'), evidence: fc.oneof(fc.string(), fc.array(fc.oneof(fc.constant('javascript:alert(1)'), fc.constant('https://x.org/a b'), fc.integer(), fc.constant('ftp://x')), { minLength: 1 }), fc.array(fc.constant('https://x.org'), { minLength: 11, maxLength: 12 })) }),
      fc.record({ summary: fc.constant('正常'), monthly: fc.oneof(fc.string(), fc.integer()) }),
      fc.record({ summary: fc.constant('正常'), date: fc.oneof(fc.constant('2018-13-45'), fc.string()) }),
      fc.dictionary(fc.string({ minLength: 1 }).filter((k) => !['summary', 'percent', 'evidence', 'monthly', '__proto__'].includes(k)), fc.anything(), { minKeys: 1 }),
    );
    const hostileBody = fc.oneof(
      { weight: 6, arbitrary: badField.map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.oneof(fc.string(), fc.constant('{"summary":'), fc.constant('null'), fc.constant('[]'), fc.constant('"text"'), fc.constant('123')) },
      { weight: 1, arbitrary: fc.constant(JSON.stringify({ summary: 'x'.repeat(70_000) })) },
    );
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(hostileBody, async (raw) => {
        const response = await bench.post(`/api/tasks/${own}/progress`, token, raw);
        expect(response.status, raw.slice(0, 200)).toBeGreaterThanOrEqual(400);
        expect(response.status, raw.slice(0, 200)).toBeLessThan(500);
        const { error } = await body(response);
        expect(error.field, raw.slice(0, 200)).toBeTruthy();
        expect(error.message, raw.slice(0, 200)).toMatch(/[\u4e00-\u9fff]/);
        checked++;
      }),
      { numRuns: 500, seed: 20181001 },
    );
    expect(checked).toBe(500);
    expect(await bench.store.progressOf(own)).toEqual([]);
  });
});

describe('close-out', () => {
  it('lets a unit ask with evidence and the office send it back with a reason, then approve; the task under 公示 leaves the unit’s open tasks', async () => {
    const bench = await appBench(dynalite);
    const own = 'MZ-5-4'; // 市林业局 is its only lead unit: the request goes straight to the office
    const unit = await bench.token('市林业局');
    const office = await bench.officeToken();

    const noEvidence = await bench.post(`/api/tasks/${own}/closeout`, unit, { summary: '已完成', evidence: [] });
    expect(noEvidence.status).toBe(400);
    expect((await body(noEvidence)).error).toMatchObject({ field: 'evidence', message: '销号申请须附至少1个佐证材料链接' });

    expect((await bench.post(`/api/tasks/${own}/closeout`, unit, { summary: '已完成', evidence: ['https://example.org/report.pdf'] })).status).toBe(202);
    expect((await bench.post(`/api/tasks/${own}/closeout/review`, unit, { decision: 'approve' })).status).toBe(403);
    const late = await body(bench.get('/api/late', office));
    expect(late.closeOutsPending).toEqual([own]);

    const noReason = await bench.post(`/api/tasks/${own}/closeout/review`, office, { decision: 'return' });
    expect((await body(noReason)).error).toMatchObject({ field: 'reason' });
    const returned = await bench.post(`/api/tasks/${own}/closeout/review`, office, { decision: 'return', reason: '佐证材料不全' });
    expect((await body(returned)).task.closeOut).toMatchObject({ state: 'returned', reason: '佐证材料不全' });

    await bench.post(`/api/tasks/${own}/closeout`, unit, { summary: '已补充材料', evidence: ['https://example.org/report-v2.pdf'] });
    const approved = await bench.post(`/api/tasks/${own}/closeout/review`, office, { decision: 'approve' });
    expect((await body(approved)).task.status).toBe('notice'); // 公示 first: the daily job closes it (tests/closeout.test.ts)
    expect((await bench.store.unitOpenTasks('市林业局')).map((l) => l.code)).not.toContain(own);
    expect((await bench.store.openTasks()).map((t) => t.code)).not.toContain(own);

    const history = await body(bench.get(`/api/tasks/${own}/history`, office));
    expect(history.events.map((e: { type: string }) => e.type)).toEqual([
      'ledger.imported',
      'closeout.requested',
      'closeout.returned',
      'closeout.requested',
      'closeout.approved',
    ]);
  });
});

describe('the report form from the email', () => {
  it('opens a signed link, refuses an expired or tampered one with a clear page (401)', async () => {
    const bench = await appBench(dynalite);
    const link = bench.link('市林业局');
    const page = await bench.get(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('市林业局 · 报送整改进展');

    const tampered = await bench.get(link.replace(encodeURIComponent('市林业局'), encodeURIComponent('市环保局')));
    expect(tampered.status).toBe(401);
    expect(await tampered.text()).toContain('链接无效或已被修改');

    bench.setNow(new Date('2018-07-30T02:00:00Z'));
    const expired = await bench.get(link);
    expect(expired.status).toBe(401);
    expect(await expired.text()).toContain('链接已过期');
  });

  it('stores nothing from a form with one bad entry, and shows what to fix', async () => {
    const bench = await appBench(dynalite);
    const [first, second] = (await bench.store.unitOpenTasks('市林业局')).map((l) => l.code);
    const params = new URL(`http://x${bench.link('市林业局')}`).searchParams;
    const form = new URLSearchParams({ ...Object.fromEntries(params), key: 'k1', kind: 'week', [`summary:${first}`]: '完成', [`summary:${second}`]: '进展', [`percent:${second}`]: '150' });
    const response = await bench.app.request('/report', { method: 'POST', body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('“完成进度”应为0到100的整数');
    expect(await bench.store.progressOf(first!)).toEqual([]);
  });
});

describe('the OpenAPI document', () => {
  it('describes the progress endpoint with the schema that validates it', async () => {
    const bench = await appBench(dynalite);
    const doc = await body(bench.get('/api/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/tasks/{code}/progress'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/Progress');
    expect(doc.components.schemas.Progress.properties.summary).toMatchObject({ type: 'string', maxLength: 2000 });
    expect(doc.components.schemas.Progress.required).toEqual(['summary']);
  });
});
