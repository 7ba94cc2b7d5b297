/**
 * Hostile addresses and numbers: whatever a caller puts in a path, a query or a numeric field,
 * the app answers 4xx in Chinese naming what is wrong, never a 5xx and never a stack trace.
 */
import { serve } from '@hono/node-server';
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { appBench } from './support/app.ts';
import { useDynalite } from './support/store.ts';

const dynalite = useDynalite();
let bench: Awaited<ReturnType<typeof appBench>>;
let office: string;
let unit: string;
let own: string;
let indicator: { name: string; unit: string };

beforeAll(async () => {
  bench = await appBench(dynalite);
  office = await bench.officeToken();
  const pm25 = (await bench.store.indicators.list())[0]!;
  indicator = { name: pm25.name, unit: pm25.responsibleUnits[0]! };
  unit = await bench.token(indicator.unit);
  own = (await bench.store.unitOpenTasks(indicator.unit))[0]!.code;
});

const CHINESE = /[\u4e00-\u9fff]/;
/** What a stack trace looks like in a body: `at fn (file.ts:1:2)` lines or a raw error name. */
const STACK = /\n\s+at |\.ts:\d+|node:internal|URIError|TypeError|ValidationException/;

const request = (method: string, path: string, token?: string, body?: string, type = 'application/json') =>
  bench.app.request(path, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': type } : {}) },
    ...(body !== undefined ? { body } : {}),
  });

async function expectClear(response: Response, status: number, message: string | RegExp, field?: string) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(text).not.toMatch(STACK);
  if (response.headers.get('Content-Type')?.includes('json')) {
    const { error } = JSON.parse(text);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
    if (field) expect(error.field).toBe(field);
  } else {
    expect(text).toMatch(message);
  }
}

describe('the inputs that used to answer 500', () => {
  it('refuses an indicator value above 1e15 or non-zero below 1e-9, naming the field', async () => {
    const post = (raw: string) => request('POST', `/api/indicators/${encodeURIComponent(indicator.name)}/readings`, unit, raw);
    await expectClear(await post(`{"value": ${2 ** 60}}`), 400, '“指标数值”的绝对值不能超过10的15次方', 'value');
    await expectClear(await post('{"value": -9007199254740993}'), 400, '“指标数值”的绝对值不能超过10的15次方', 'value');
    await expectClear(await post('{"value": 1e-130}'), 400, '“指标数值”过小：非零数值的绝对值不能小于10的-9次方', 'value');
    await expectClear(await post('{"value": 1e400}'), 400, /指标数值/, 'value');
    expect((await post('{"value": 0}')).status).toBe(201);
  });

  it('answers malformed %-encoding in a path with 400 naming the path parameter', async () => {
    await expectClear(
      await request('PATCH', '/api/interviews/%E0%A4%A', office, '{"outcome":"已整改"}'),
      400,
      '路径参数“约谈记录编号”（id）的百分号编码无效：请对其按 UTF-8 编码后再放入地址',
      'id',
    );
    await expectClear(
      await request('POST', '/api/indicators/%E0%A4%A/readings', unit, '{"value":1}'),
      400,
      '路径参数“指标名称”（name）的百分号编码无效：请对其按 UTF-8 编码后再放入地址',
      'name',
    );
    await expectClear(await request('GET', '/api/tasks/%ZZ', office), 400, '路径参数“任务编号”（code）的百分号编码无效：请对其按 UTF-8 编码后再放入地址', 'code');
    await expectClear(
      await request('GET', '/api/reports/weekly-circular/2018-W28/%E0%A4%A', office),
      400,
      '路径参数“文件名”（file）的百分号编码无效：请对其按 UTF-8 编码后再放入地址',
      'file',
    );
    // An encoded '%' is a '%' (decoded once, not twice).
    await expectClear(await request('POST', `/api/indicators/${encodeURIComponent('%E4')}/readings`, unit, '{"value":1}'), 404, '台账中没有名为“%E4”的目标指标');
  });

  it('shows a Chinese 400 page, not a stack, for a malformed page address', async () => {
    await expectClear(await request('GET', '/reports/weekly-circular/2018-W28/%E0%A4%A'), 400, /百分号编码无效/);
    // A console page answers the sign-in page before it reads the address (the signed-in case: console.test.ts).
    await expectClear(await request('GET', '/tasks/%E0%A4%A'), 401, /登录督办系统/);
    await expectClear(await request('GET', '/reports?u=%E0%A4%A&p=archive&exp=1&sig=%ZZ'), 401, /链接/);
    const brokenForm = await bench.app.request('/report', { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=xx' }, body: 'garbage' });
    await expectClear(brokenForm, 400, /表单内容无法读取：请从邮件中的链接重新打开表单后再提交/);
    await expectClear(await request('GET', '/reports', undefined), 401, /请通过周通报或月交账邮件中的链接打开报告/);
  });

  it('answers a 2,000-character task code with 400 naming the code', async () => {
    const long = 'A'.repeat(2000);
    await expectClear(await request('GET', `/api/tasks/${long}`, office), 400, '任务编号不能超过40个字符', 'code');
    await expectClear(await request('POST', `/api/tasks/${long}/progress`, unit, '{"summary":"x"}'), 400, '任务编号不能超过40个字符', 'code');
    await expectClear(await request('GET', `/tasks/${long}`), 401, /登录督办系统/);
    await expectClear(await request('PATCH', `/api/interviews/${'x'.repeat(2000)}`, office, '{"outcome":"x"}'), 400, '路径参数“约谈记录编号”（id）不能超过300个字符', 'id');
  });

  it('refuses a body over 64 KB over a real socket, its length declared or sent in chunks, and takes a report sent in chunks', async () => {
    const server = serve({ fetch: bench.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((ok) => server.once('listening', () => ok()));
    const port = (server.address() as AddressInfo).port;
    // chunked: no Content-Length, the body written in two pieces.
    const send = (body: string, chunked: boolean) =>
      new Promise<{ status: number; text: string }>((ok, fail) => {
        const sent = httpRequest({ host: '127.0.0.1', port, path: `/api/tasks/${encodeURIComponent(own)}/progress`, method: 'POST', headers: { Authorization: `Bearer ${unit}`, 'Content-Type': 'application/json', ...(chunked ? {} : { 'Content-Length': Buffer.byteLength(body) }) } });
        sent.on('response', (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => ok({ status: response.statusCode!, text }));
        });
        sent.on('error', fail);
        if (chunked) sent.write(body.slice(0, 10));
        sent.end(chunked ? body.slice(10) : body);
      });
    try {
      const large = JSON.stringify({ summary: '现场核查'.repeat(6000) });
      for (const chunked of [false, true]) {
        const refused = await send(large, chunked);
        expect(refused.status, `chunked ${chunked}`).toBe(413);
        expect(JSON.parse(refused.text).error).toMatchObject({ message: '请求体不能超过 64 KB', field: 'body' });
      }
      const taken = await send(JSON.stringify({ summary: '分两段发送的进展：已完成现场核查', percent: 40 }), true);
      expect(taken.status, taken.text).toBe(201);
      expect(JSON.parse(taken.text).report).toMatchObject({ code: own, summary: '分两段发送的进展：已完成现场核查', percent: 40 });
    } finally {
      server.close();
    }
  });
});

/** Path segments a client (or an attacker) may send: malformed %-sequences, long strings, unicode. */
const segment = fc.oneof(
  fc.constantFrom('%E0%A4%A', '%', '%Z', '%ZZ', '%C0%AF', '%ED%A0%80', '%00', '%0A', '%FF', '%2F', '%25E4', '..%2F..', '%u4E2D', 'MZ-1', '%E4%B8%AD'),
  fc.string({ minLength: 1, maxLength: 30 }).map((s) => s.replace(/[/?#]/g, '')).filter(Boolean).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }).map((s) => Array.from(s, (ch) => `%${(ch.codePointAt(0)! & 0xff).toString(16).padStart(2, '0')}`).join('')),
  fc.integer({ min: 41, max: 3000 }).map((n) => 'x'.repeat(n)),
  fc.stringMatching(/^[A-Za-z0-9%.~_-]{1,24}$/),
);
const query = fc.oneof(
  fc.constant(''),
  fc.array(fc.tuple(fc.constantFrom('u', 'p', 'exp', 'sig', 'k', 'month', 'status'), segment), { maxLength: 4 }).map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
);
const rawNumber = fc.oneof(
  fc.double().map((n) => (Number.isFinite(n) ? String(n) : n > 0 ? '1e400' : n < 0 ? '-1e400' : 'NaN')),
  fc.constantFrom('1e400', '-1e400', '1e-400', '-0', '9007199254740993', '1e-130', '1e308', '0.1e-8', '1e15', '1000000000000001'),
  fc.integer().map(String),
);
const body = fc.oneof(
  rawNumber.map((n) => `{"value": ${n}}`),
  rawNumber.map((n) => `{"summary": "进展", "percent": ${n}}`),
  rawNumber.map((n) => `{"value": ${n}, "month": "2018-07"}`),
  fc.constantFrom('{"scheduledAt":"2018-02-30"}', '{"commitments":[{"content":"x","due":"2030-06-30"}]}', '{"decision":"approve"}', '{}', 'null', '{"summary":'),
);

describe('random addresses, queries and numbers on every route', () => {
  it('never answer 5xx nor show a stack, and every /api refusal is in Chinese', async () => {
    const routes = bench.app.routes.filter((r) => r.method !== 'ALL');
    expect(routes.length).toBeGreaterThan(15);
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.array(segment, { minLength: 4, maxLength: 4 }),
        query,
        body,
        fc.constantFrom<'office' | 'unit'>('office', 'unit'),
        fc.constantFrom('application/json', 'application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xx', 'multipart/form-data', 'text/plain'),
        async (route, segments, q, raw, who, type) => {
          let i = 0;
          const path = route.path.replace(/:[A-Za-z]+/g, () => segments[i++]!) + q;
          const response = await request(route.method, path, who === 'office' ? office : unit, ['POST', 'PATCH', 'PUT'].includes(route.method) ? raw : undefined, type);
          const text = await response.text();
          const label = `${route.method} ${path.slice(0, 200)} ${raw}`;
          expect(response.status, `${label}\n${text.slice(0, 300)}`).toBeLessThan(500);
          expect(text, label).not.toMatch(STACK);
          if (response.status >= 400 && path.startsWith('/api/')) expect(JSON.parse(text).error.message, label).toMatch(CHINESE);
          checked++;
        },
      ),
      { numRuns: 400, seed: 20181013 },
    );
    expect(checked).toBe(400);
  });

  it('store an indicator value exactly when it is within the documented bounds, and refuse it naming the field otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(rawNumber, async (raw) => {
        const response = await request('POST', `/api/indicators/${encodeURIComponent(indicator.name)}/readings`, unit, `{"value": ${raw}, "month": "2018-06"}`);
        const value = Number(raw);
        const fine = Number.isFinite(value) && Math.abs(value) <= 1e15 && (value === 0 || Math.abs(value) >= 1e-9) && raw !== 'NaN';
        const answer: any = await response.json();
        if (fine) {
          expect(response.status, raw).toBe(201);
          expect(answer.reading.value).toBe(value === 0 ? 0 : value);
          const latest = (await bench.store.readingsOf('2018-06')).find((r) => r.name === indicator.name)!;
          expect(latest.value).toBe(answer.reading.value);
        } else {
          expect(response.status, raw).toBe(400);
          expect(answer.error.field, raw).toBe(raw === 'NaN' ? 'body' : 'value');
          expect(answer.error.message).toMatch(CHINESE);
        }
      }),
      { numRuns: 150, seed: 20181014 },
    );
  });
});

describe('a 约谈 follow-up over the API', () => {
  async function openInterview(suffix: string) {
    const task = (await bench.store.tasks.get(own))!;
    const id = `${own}|${indicator.unit}|${suffix}`;
    await bench.store.interviews.create(
      { id, codes: [own], unit: indicator.unit, openedOn: '2018-07-09', followUpBy: '2018-07-16', status: 'open', attendees: [], commitments: [] },
      { type: 'interview.opened', by: 'rule:escalation', at: '2018-07-09T00:30:00Z' },
    );
    return { id, milestones: task.milestones.length };
  }
  const patch = (id: string, update: unknown, headers: Record<string, string> = {}) =>
    bench.app.request(`/api/interviews/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${office}`, 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(update),
    });

  it('refuses a date that does not exist, or a commitment in a year the calendar does not know, and stores nothing', async () => {
    const { id, milestones } = await openInterview('bad-dates');
    await expectClear(await patch(id, { scheduledAt: '2018-02-30' }), 400, '“约谈时间”不是真实存在的日期：2018-02-30', 'scheduledAt');
    await expectClear(
      await patch(id, { heldAt: '2018-07-10', commitments: [{ content: '九月底前完成', due: '2018-09-28' }, { content: '长远目标', due: '2030-06-28' }], close: true }),
      400,
      '“承诺完成日期”2030-06-28所在的2030年节假日安排尚未载入，无法确定到期的工作日；请整改办先载入2030年日历，本次未保存任何内容',
      'commitments.1.due',
    );
    const stored = (await bench.store.interviews.get(id))!;
    expect(stored).toMatchObject({ version: 1, status: 'open', commitments: [], attendees: [] });
    expect(stored.scheduledAt).toBeUndefined();
    expect(stored.heldAt).toBeUndefined();
    expect((await bench.store.tasks.get(own))!.milestones).toHaveLength(milestones);
  });

  it('appends the commitments of a repeated request once (same body, or the same Idempotency-Key)', async () => {
    const { id, milestones } = await openInterview('retry');
    const update = { heldAt: '2018-07-11', commitments: [{ content: '八月底前完成整改', due: '2018-08-31' }] };
    expect((await patch(id, update)).status).toBe(200);
    const again = await patch(id, update);
    expect(again.status).toBe(200);
    expect(((await again.json()) as any).interview.commitments).toEqual([{ content: '八月底前完成整改', due: '2018-08-31' }]);

    const keyed = { commitments: [{ content: '每周报送进展' }], outcome: '作出书面承诺' };
    expect((await patch(id, keyed, { 'Idempotency-Key': 'follow-up-2' })).status).toBe(200);
    expect((await patch(id, { ...keyed, outcome: '作出书面承诺。' }, { 'Idempotency-Key': 'follow-up-2' })).status).toBe(200);

    const stored = (await bench.store.interviews.get(id))!;
    expect(stored.commitments).toEqual([{ content: '八月底前完成整改', due: '2018-08-31' }, { content: '每周报送进展' }]);
    expect(stored.outcome).toBe('作出书面承诺');
    const task = (await bench.store.tasks.get(own))!;
    expect(task.milestones).toHaveLength(milestones + 1);
    expect(task.milestones.filter((m) => m.content === `约谈承诺（${indicator.unit}）：八月底前完成整改`)).toEqual([
      { nominal: '2018-08-31', due: '2018-08-31', content: `约谈承诺（${indicator.unit}）：八月底前完成整改` },
    ]);
  });
});
