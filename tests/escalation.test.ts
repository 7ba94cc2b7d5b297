import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';
import { runCli } from '../functions/local/cli.ts';
import { connectLocal } from '../functions/local/local-env.ts';
import { readLocalSettings } from '../functions/local/settings.ts';
import { defaultCadence } from '../functions/core/cadence/config.ts';
import { escalationId } from '../functions/core/cadence/escalation-model.ts';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { createApp } from '../functions/http/app.ts';
import { issueToken } from '../functions/http/auth.ts';
import { addDays, instantAt, isoWeekOf } from '../functions/core/time.ts';
import { countByRecipient, useCadenceBench } from './support/cadence.ts';
import { cloneTables, sampleTables } from './support/ledger.ts';

const bench = useCadenceBench();

/** The sample ledger cut down to one task that has an overseer, with the deadline given. */
function oneTask(deadline: string) {
  const tables = cloneTables(sampleTables());
  const tasks = tables.find((t) => t.sheet === '任务清单')!;
  const row = tasks.rows.find((r) => r.cells['督办领导'])!;
  row.cells['整改时限'] = deadline;
  row.cells['阶段节点'] = '';
  tasks.rows = [row];
  return { tables, code: row.cells['任务编号']!, overseer: row.cells['督办领导']! };
}

describe('the escalation ladder', () => {
  it('climbs L1 → L5 on exactly the workdays the ladder says, across 中秋 and National Day, each level’s people told once', async () => {
    const { tables, code, overseer } = oneTask('2018年9月20日前');
    const { store, deps } = await bench.setup({ tables, importAt: new Date('2018-09-03T02:00:00Z') });
    const task = (await store.tasks.get(code))!;
    const lead = task.leadUnits[0]!;

    // The lead unit reports every week, so the only cause is the missed deadline.
    for (let day = '2018-09-03'; day <= '2019-01-31'; day = addDays(day, 1)) {
      if (deps.calendar.isWorkday(day) && (await store.progressInPeriod(code, isoWeekOf(day))).length === 0) {
        for (const unit of task.leadUnits) {
          await store.recordProgress({ id: `${day}-${unit}`, code, unit, period: isoWeekOf(day), summary: '推进中', evidence: [], by: unit, at: instantAt(day, '08:00').toISOString() });
        }
      }
      await runJob('escalation', instantAt(day, '08:30'), deps);
    }

    const history = await store.auditEvents(`ESCALATION#${escalationId(code, lead)}`);
    const climbed = history.filter((e) => e.type !== 'escalation.updated').map((e) => [e.detail?.to, e.at.slice(0, 10)]);
    const l1 = '2018-09-21';
    const l2 = deps.calendar.addWorkdays(l1, 5);
    const l3 = deps.calendar.addWorkdays(l2, 10);
    const l4 = deps.calendar.addWorkdays(l3, 20);
    const l5 = deps.calendar.addWorkdays(l4, 30);
    expect([l2, l3]).toEqual(['2018-09-29', '2018-10-18']); // 09-24 中秋 and 10-01..07 use up no delay
    const utcDay = (d: string) => instantAt(d, '08:30').toISOString().slice(0, 10);
    expect(climbed).toEqual([
      [1, utcDay(l1)],
      [2, utcDay(l2)],
      [3, utcDay(l3)],
      [4, utcDay(l4)],
      [5, utcDay(l5)],
    ]);

    const mails = (await bench.mail()).filter((m) => !m.subject.startsWith('【约谈跟进】'));
    const units = await store.units.list();
    const people = await store.people.list();
    const unit = units.find((u) => u.name === lead)!;
    const emailOf = (name: string) => people.find((p) => p.name === name)!.email;
    const office = people.filter((p) => p.roles.includes('整改办')).map((p) => p.email);
    const discipline = people.filter((p) => p.roles.includes('纪委监委')).map((p) => p.email);
    const level = (name: string) => countByRecipient(mails.filter((m) => m.subject.startsWith(`【${name}】`) && m.body.text!.includes(`${code}`) && m.body.text!.includes(lead)));
    expect(level('催办')).toEqual(new Map([[unit.liaison.email, 1]]));
    expect(level('通报')).toEqual(new Map([[unit.head.email, 1]]));
    expect(level('约谈')).toEqual(new Map([[unit.head.email, 1], [emailOf(overseer), 1]]));
    expect(level('挂牌督办')).toEqual(new Map([...office, emailOf(overseer)].map((e) => [e, 1])));
    expect(level('追责问责')).toEqual(new Map(discipline.map((e) => [e, 1])));

    // The 约谈 opened at L3 and nobody followed it up: the office was reminded, once, 5 workdays on.
    const reminders = (await bench.mail()).filter((m) => m.subject.startsWith('【约谈跟进】'));
    expect(countByRecipient(reminders)).toEqual(new Map(office.map((e) => [e, 1])));
    expect((await store.openInterviews())[0]).toMatchObject({ code, unit: lead, openedOn: l3, followUpBy: deps.calendar.addWorkdays(l3, 5) });
  });

  it('drops a unit back when it reports, and keeps every step in the history', async () => {
    const { tables, code } = oneTask('长期坚持');
    const { store, deps } = await bench.setup({ tables, importAt: new Date('2018-07-04T02:00:00Z') });
    const task = (await store.tasks.get(code))!;
    const lead = task.leadUnits[0]!;

    await runJob('escalation', instantAt('2018-07-16', '08:30'), deps); // W28 went by with no report
    expect((await store.escalations.get(escalationId(code, lead)))).toMatchObject({ level: 1, open: true, reasons: ['连续1周未报送进展'] });
    await runJob('escalation', instantAt('2018-07-23', '08:30'), deps); // a second week missed: 通报 at once
    expect((await store.escalations.get(escalationId(code, lead)))).toMatchObject({ level: 2 });

    await store.recordProgress({ id: 'r', code, unit: lead, period: '2018-W30', summary: '已补报', evidence: [], by: lead, at: instantAt('2018-07-23', '10:00').toISOString() });
    await runJob('escalation', instantAt('2018-07-24', '08:30'), deps);
    const dropped = (await store.escalations.get(escalationId(code, lead)))!;
    expect(dropped).toMatchObject({ level: 0, open: false });
    expect(dropped.steps.map((s) => [s.level, s.on])).toEqual([
      [1, '2018-07-16'],
      [2, '2018-07-23'],
      [0, '2018-07-24'],
    ]);
    expect(await store.openEscalations()).toEqual([]);
    const events = await store.auditEvents(`ESCALATION#${escalationId(code, lead)}`);
    expect(events.map((e) => [e.type, e.by, e.detail?.from, e.detail?.to])).toEqual([
      ['escalation.opened', 'rule:escalation', 0, 1],
      ['escalation.raised', 'rule:escalation', 1, 2],
      ['escalation.dropped', 'rule:escalation', 2, 0],
    ]);
  });

  it('lists 通报 and 挂牌督办 in the weekly circular', async () => {
    const { tables, code } = oneTask('长期坚持');
    const { store, deps } = await bench.setup({ tables, importAt: new Date('2018-07-04T02:00:00Z') });
    await runJob('escalation', instantAt('2018-07-16', '08:30'), deps);
    await runJob('escalation', instantAt('2018-07-23', '08:30'), deps);
    await bench.clearMail();
    await runJob('weekly-circular', instantAt('2018-07-27', '16:00'), deps);
    const lead = (await store.tasks.get(code))!.leadUnits[0]!;
    const text = (await bench.mail())[0]!.body.text!;
    expect(text).toContain(`通报：${code}（${lead}，通报）`);
    expect(text).toContain('挂牌督办：无');
  });
});

describe('the 约谈 record', () => {
  it('is followed up by the office through the API, and its dated commitments become milestones', async () => {
    const { tables, code } = oneTask('2018年9月20日前');
    const { store, deps, reports } = await bench.setup({ tables, importAt: new Date('2018-09-03T02:00:00Z') });
    const task = (await store.tasks.get(code))!;
    await store.escalations.create(
      { id: escalationId(code, task.leadUnits[0]!), code, unit: task.leadUnits[0]!, level: 2, open: true, reasons: ['已超过整改时限（2018-09-20）'], levelSince: '2018-09-29', steps: [] },
      { type: 'test', by: 'test', at: '2018-09-29T00:00:00Z' },
    );
    await runJob('escalation', instantAt('2018-10-18', '08:30'), deps); // 10 workdays at L2: 约谈
    const [interview] = await store.openInterviews();
    expect(interview).toMatchObject({ code, openedOn: '2018-10-18', status: 'open' });

    let now = new Date('2018-10-19T02:00:00Z');
    const app = createApp({ store, clock: () => now, calendar: async () => deps.calendar, cadence: defaultCadence, linkSecret: async () => 'x'.repeat(32), reports });
    const officeName = (await store.people.list()).find((p) => p.roles.includes('整改办'))!.name;
    const office = await issueToken(store, { kind: 'office', name: officeName }, now);
    const unit = await issueToken(store, { kind: 'unit', unit: task.leadUnits[0]! }, now);
    const patch = (token: string, body: unknown) =>
      app.request(`/api/interviews/${encodeURIComponent(interview!.id)}`, { method: 'PATCH', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

    expect((await patch(unit, { scheduledAt: '2018-10-22' })).status).toBe(403);
    expect((await patch(office, { scheduledAt: '2018-10-22' })).status).toBe(200);
    const bad = await patch(office, { commitments: [{ content: '完成整改', due: '2018/11/30' }] });
    expect(await bad.json()).toMatchObject({ error: { field: 'commitments.0.due', message: '“承诺完成日期”应写作 YYYY-MM-DD' } });
    const held = await patch(office, {
      heldAt: '2018-10-22',
      attendees: ['单位主要负责人', '督办领导'],
      commitments: [{ content: '11月底前完成全部整改并报送佐证', due: '2018-11-30' }, { content: '每周报送进展' }],
      outcome: '约谈对象作出书面承诺',
      close: true,
    });
    expect(held.status).toBe(200);
    expect(await store.openInterviews()).toEqual([]);
    expect((await store.tasks.get(code))!.milestones).toContainEqual({ nominal: '2018-11-30', due: '2018-11-30', content: `约谈承诺（${task.leadUnits[0]}）：11月底前完成全部整改并报送佐证` });

    // Followed up in time: no reminder to the office.
    now = new Date('2018-10-26T02:00:00Z');
    await runJob('escalation', instantAt('2018-10-26', '08:30'), deps);
    expect((await bench.mail()).filter((m) => m.subject.startsWith('【约谈跟进】'))).toEqual([]);
  });
});

describe('npx duban interview', () => {
  it('lists open 约谈 and records one held, its dated commitment becoming a milestone', async () => {
    const env = { DUBAN_DATA_DIR: mkdtempSync(join(tmpdir(), 'duban-interview-')), DUBAN_DYNAMODB_PORT: '1', DUBAN_SES_PORT: '2' };
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), now: () => new Date('2018-10-22T02:00:00Z') };

    const { tables, code } = oneTask('2018年9月20日前');
    const local = await connectLocal(readLocalSettings(env));
    await importLedger(tables, { at: new Date('2018-09-03T02:00:00Z'), by: 'office', source: 'test' }, { store: local.deps.store, calendar: bench.calendar });
    const unit = (await local.deps.store.tasks.get(code))!.leadUnits[0]!;
    const id = `${escalationId(code, unit)}|2018-10-18`;
    await local.deps.store.interviews.create(
      { id, code, unit, openedOn: '2018-10-18', followUpBy: '2018-10-25', status: 'open', attendees: [], commitments: [] },
      { type: 'interview.opened', by: 'rule:escalation', at: '2018-10-18T00:30:00Z' },
    );
    const office = (await local.deps.store.people.list()).find((p) => p.roles.includes('整改办'))!.name;
    await local.close();

    expect(await runCli(['interview'], io, env)).toBe(0);
    expect(out.at(-1)).toBe(`${id}  ${code} ${unit}  待安排（应于2018-10-25前跟进）`);
    expect(await runCli(['interview', id, '--by', office, '--held', '2018-10-22', '--attendee', '主要负责人', '--commitment', '完成整改@2018-11-30', '--outcome', '作出书面承诺', '--close'], io, env)).toBe(0);
    expect(out.at(-1)).toBe(`已登记约谈 ${id}：已办结，承诺 1 条`);
    expect(await runCli(['interview', id, '--by', office, '--commitment', '补报@2018/12/01'], io, env)).toBe(1);
    expect(err.at(-1)).toBe('错误：“承诺完成日期”应写作 YYYY-MM-DD');

    const again = await connectLocal(readLocalSettings(env));
    try {
      expect((await again.deps.store.tasks.get(code))!.milestones).toContainEqual({ nominal: '2018-11-30', due: '2018-11-30', content: `约谈承诺（${unit}）：完成整改` });
    } finally {
      await again.close();
    }
  });
});
