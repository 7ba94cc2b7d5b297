/**
 * A report submission at the store's speed: once the token, its unit and the task are kept in
 * memory (30 s), a submission is one conditional PutItem and nothing else; that one item is what
 * the jobs read back (a period's reports, a task's history, each task's latest week). Revocation
 * still holds: at once in the process that revoked, within 30 s in another one.
 * On real parts: dynalite and the HTTP app; DynamoDB calls are counted at the SDK client.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { defaultCadence } from '../functions/core/cadence/config.ts';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { instantAt } from '../functions/core/time.ts';
import { createApp } from '../functions/http/app.ts';
import { hashToken, issueToken } from '../functions/http/auth.ts';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';
import { ArchivePublisher } from '../functions/reports/publish.ts';
import { ACCESS_CACHE_MS } from '../functions/store/access-cache.ts';
import { DynamoStore } from '../functions/store/dynamo-store.ts';
import { FolderArchive } from '../functions/store/folder-archive.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleTables } from './support/ledger.ts';
import { useDynalite } from './support/store.ts';

const dynalite = useDynalite();
const SECRET = 'a-test-secret-of-at-least-32-characters';
const UNIT = '市林业局';

/** A client that records the name of every command it sends. */
function countingClient(endpoint: string) {
  const calls: string[] = [];
  const queried: { partition: unknown; items: number }[] = [];
  const client = new DynamoDBClient({ region: 'cn-north-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  client.middlewareStack.add((next, context) => async (input) => {
    const name = String(context.commandName).replace(/Command$/, '');
    calls.push(name);
    const result = await next(input);
    if (name === 'Query') queried.push({ partition: (input.input as any).ExpressionAttributeValues[':pk'].S, items: (result.output as any).Items.length });
    return result;
  }, { step: 'initialize', name: 'countCalls' });
  return { client, calls, queried };
}

/** The app on its own store (its own table client and memory), with a millisecond clock the test moves. */
async function world() {
  const table = (await dynalite.fresh()).tableName;
  const seed = new DynamoStore(dynalite.client, table);
  await importLedger(sampleTables(), { at: new Date('2018-07-04T02:00:00Z'), by: 'office', source: 'sample' }, { store: seed, calendar: defaultCalendar() });
  let ms = 0;
  const { client, calls, queried } = countingClient(dynalite.endpoint);
  const store = new DynamoStore(client, table, { now: () => ms });
  let now = instantAt('2018-07-10', '10:00');
  const reports = new ArchivePublisher(new FolderArchive(mkdtempSync(join(tmpdir(), 'duban-submission-'))));
  const app = createApp({ store, clock: () => now, calendar: async () => defaultCalendar(), cadence: defaultCadence, linkSecret: async () => SECRET, reports });
  const code = (await seed.unitOpenTasks(UNIT))[0]!.code;
  const token = await issueToken(seed, { kind: 'unit', unit: UNIT }, now);
  const submit = (summary: string, key: string, as = token) =>
    app.request(`/api/tasks/${encodeURIComponent(code)}/progress`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${as}`, 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify({ summary, percent: 40 }),
    });
  return { seed, store, app, code, token, calls, queried, submit, later: (by: number) => (ms += by), setNow: (at: Date) => (now = at) };
}

describe('a report submission', () => {
  it('is one PutItem once the token, the unit and the task are kept, and what it stores is the task’s history and the week’s report', async () => {
    const w = await world();
    expect((await w.submit('完成第一批点位排查', 'k1')).status).toBe(201);
    expect(w.calls).toEqual(['GetItem', 'GetItem', 'GetItem', 'PutItem']); // the token, its unit, the task; the report

    w.calls.length = 0;
    w.setNow(instantAt('2018-07-12', '15:00'));
    expect((await w.submit('完成第二批点位排查', 'k2')).status).toBe(201);
    expect(w.calls).toEqual(['PutItem']);

    // A double tap: the same conditional write says it is stored already; the stored report is read back.
    w.calls.length = 0;
    const again = await w.submit('完成第二批点位排查', 'k2');
    expect(again.status).toBe(200);
    expect(((await again.json()) as { report: { summary: string } }).report.summary).toBe('完成第二批点位排查');
    expect(w.calls).toEqual(['PutItem', 'Query']);

    expect((await w.seed.progressOf(w.code)).map((r) => r.summary).sort()).toEqual(['完成第一批点位排查', '完成第二批点位排查']);
    const history = (await w.seed.progressOf(w.code))[0]!;
    expect(Object.keys(history).sort()).toEqual(['at', 'by', 'code', 'evidence', 'id', 'percent', 'period', 'summary', 'unit']);
    const week = await w.seed.reportedInPeriod('2018-W28');
    // The unit and task once, with its first instant and its latest report.
    expect(week).toEqual([{ unit: UNIT, code: w.code, at: '2018-07-10T02:00:00.000Z', lastAt: '2018-07-12T07:00:00.000Z', summary: '完成第二批点位排查', percent: 40 }]);
  });

  it('keeps the task at most 30 s: a task another process closed takes no report after that; one reopened here takes reports at once', async () => {
    const w = await world();
    expect((await w.submit('推进中', 'a')).status).toBe(201);
    const task = (await w.seed.tasks.get(w.code))!;
    const { version, createdAt, updatedAt, ...plain } = task;
    // Another process (its own store) closes the task: this one still has it open for up to 30 s.
    await w.seed.tasks.update(w.code, version, { ...plain, status: 'closed' }, { type: 'task.closed', by: 'office', at: '2018-07-10T02:30:00.000Z' });
    w.later(ACCESS_CACHE_MS + 1);
    const refused = await w.submit('再报一次', 'b');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(`任务 ${w.code} 已销号，无需再报送进展`);

    // Reopened through the app's own store: seen at once, with no time passing.
    const closed = (await w.store.tasks.get(w.code))!;
    const { version: v2, createdAt: c2, updatedAt: u2, ...closedPlain } = closed;
    await w.store.tasks.update(w.code, v2, { ...closedPlain, status: 'open' }, { type: 'task.reopened', by: 'office', at: '2018-07-10T03:00:00.000Z' });
    expect((await w.submit('重新推进', 'c')).status).toBe(201);
  });
});

describe('revocation with tokens kept in memory', () => {
  it('refuses a token revoked in this process at once, and one revoked by another process after at most 30 s', async () => {
    const w = await world();
    const second = await issueToken(w.seed, { kind: 'unit', unit: UNIT }, new Date('2018-07-10T01:00:00Z'));
    expect((await w.submit('第一条', 'r1')).status).toBe(201);
    expect((await w.submit('第二条', 'r2', second)).status).toBe(201);

    // Revoked here: the next call is refused, with no time passing.
    expect(await w.store.revokeToken(hashToken(w.token), '2018-07-10T02:10:00.000Z')).toBe(true);
    const here = await w.submit('第三条', 'r3');
    expect(here.status).toBe(401);
    expect(((await here.json()) as { error: { message: string } }).error.message).toBe('访问令牌已被整改办收回：请向整改办重新申领');

    // Revoked by another process: refused once the 30 s are up.
    expect(await w.seed.revokeToken(hashToken(second), '2018-07-10T02:11:00.000Z')).toBe(true);
    w.later(ACCESS_CACHE_MS + 1);
    const elsewhere = await w.submit('第四条', 'r4', second);
    expect(elsewhere.status).toBe(401);
    expect((await w.seed.progressOf(w.code)).map((r) => r.summary).sort()).toEqual(['第一条', '第二条']);
  });

  it('refuses every token of a unit deactivated through the app, on the very next call', async () => {
    const w = await world();
    const office = await issueToken(w.seed, { kind: 'office', name: (await w.seed.people.list()).find((p) => p.roles.includes('整改办'))!.name }, new Date('2018-07-10T01:00:00Z'));
    expect((await w.submit('第一条', 'd1')).status).toBe(201);
    const done = await w.app.request(`/api/units/${encodeURIComponent(UNIT)}/deactivate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${office}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ reason: '机构改革撤并' }),
    });
    expect(done.status).toBe(200);
    const refused = await w.submit('第二条', 'd2');
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(`“${UNIT}”已被整改办停用（机构改革撤并），其令牌和邮件链接不再有效`);
  });
});

describe('what the jobs read from the report items', () => {
  it('gives each task’s latest week, folding in only the reports since its last call', async () => {
    const w = await world();
    const weeks = [instantAt('2018-07-03', '10:00'), instantAt('2018-07-10', '10:00'), instantAt('2018-07-17', '10:00')];
    for (const [i, at] of weeks.entries()) {
      w.setNow(at);
      expect((await w.submit(`第${i + 1}周进展`, `w${i}`)).status).toBe(201);
    }
    expect((await w.seed.latestWeeklyReports()).find((r) => r.code === w.code)).toEqual({ code: w.code, unit: UNIT, period: '2018-W29', at: '2018-07-17T02:00:00.000Z', summary: '第3周进展', percent: 40 });

    // The next call reads the roll-up and the reports from just before the newest it saw: not the earlier weeks again.
    w.setNow(instantAt('2018-07-24', '10:00'));
    expect((await w.submit('第四周进展', 'w3')).status).toBe(201);
    await w.store.latestWeeklyReports(); // as the escalation check does each workday: the roll-up is stored
    w.setNow(instantAt('2018-07-31', '10:00'));
    expect((await w.submit('第五周进展', 'w4')).status).toBe(201);
    w.queried.length = 0;
    const latest = await w.store.latestWeeklyReports();
    expect(latest.find((r) => r.code === w.code)).toEqual({ code: w.code, unit: UNIT, period: '2018-W31', at: '2018-07-31T02:00:00.000Z', summary: '第五周进展', percent: 40 });
    // The roll-up (one bucket of task entries, and its cursor), then the weekly reports from the last one it folded: W30's and W31's; no monthly account since.
    expect(w.queried).toEqual([
      { partition: 'LASTWEEKS', items: 2 },
      { partition: 'WEEKLYREPORTS', items: 2 },
      { partition: 'MONTHLYREPORTS', items: 0 },
    ]);
    expect(await w.seed.reportedInPeriod('2018-W27')).toEqual([{ unit: UNIT, code: w.code, at: '2018-07-03T02:00:00.000Z', lastAt: '2018-07-03T02:00:00.000Z', summary: '第1周进展', percent: 40 }]);
  });
});
