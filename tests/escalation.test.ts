import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';
import { runCli } from '../functions/local/cli.ts';
import { connectLocal } from '../functions/local/local-env.ts';
import { readLocalSettings } from '../functions/local/settings.ts';
import { defaultCadence } from '../functions/core/cadence/config.ts';
import { escalationId, interviewId, type Escalation } from '../functions/core/cadence/escalation-model.ts';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { createApp } from '../functions/http/app.ts';
import { issueToken } from '../functions/http/auth.ts';
import { addDays, instantAt, isoWeekOf } from '../functions/core/time.ts';
import { countByRecipient, useCadenceBench } from './support/cadence.ts';
import ExcelJS from 'exceljs';
import type { WorkdayCalendar } from '../functions/core/calendar.ts';
import type { Store } from '../functions/core/ports.ts';
import { ArchiveReferrals } from '../functions/reports/referral.ts';
import type { ArchivePublisher } from '../functions/reports/publish.ts';
import { cloneTables, sampleTables } from './support/ledger.ts';

const bench = useCadenceBench();
const allAuto = { L1: 'auto', L2: 'auto', L3: 'auto', L4: 'auto', L5: 'auto' } as const;

/** An open escalation of a unit standing at a level since a day. */
function escalationAt(unit: string, level: number, since: string, tasks: Escalation['tasks'], more: Partial<Escalation> = {}): Escalation {
  return { id: escalationId(unit), unit, level, open: true, tasks, levelSince: since, notified: level, liftable: false, steps: [{ level, on: since, why: 'test' }], decisions: [], interviews: [], ...more };
}

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
  it('climbs L1 → L5 on exactly the workdays the ladder says (every level auto), across 中秋 and National Day, each level’s people told once', async () => {
    const { tables, code, overseer } = oneTask('2018年9月20日前');
    const { store, deps } = await bench.setup({ tables, importAt: new Date('2018-09-03T02:00:00Z'), config: { escalationModes: allAuto } });
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

    const history = await store.auditEvents(`ESCALATION#${escalationId(lead)}`);
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
    expect((await store.openInterviews())[0]).toMatchObject({ codes: [code], unit: lead, openedOn: l3, followUpBy: deps.calendar.addWorkdays(l3, 5) });
  });

  it('drops a unit back when it reports, and keeps every step in the history', async () => {
    const { tables, code } = oneTask('长期坚持');
    const { store, deps } = await bench.setup({ tables, importAt: new Date('2018-07-04T02:00:00Z') });
    const task = (await store.tasks.get(code))!;
    const lead = task.leadUnits[0]!;

    await runJob('escalation', instantAt('2018-07-16', '08:30'), deps); // W28 went by with no report
    expect((await store.escalations.get(escalationId(lead)))).toMatchObject({ level: 1, open: true, tasks: [{ code, reasons: ['连续1周未报送进展'] }] });
    await runJob('escalation', instantAt('2018-07-23', '08:30'), deps); // a second week missed: 通报 at once
    expect((await store.escalations.get(escalationId(lead)))).toMatchObject({ level: 2 });

    await store.recordProgress({ id: 'r', code, unit: lead, period: '2018-W30', summary: '已补报', evidence: [], by: lead, at: instantAt('2018-07-23', '10:00').toISOString() });
    await runJob('escalation', instantAt('2018-07-24', '08:30'), deps);
    const dropped = (await store.escalations.get(escalationId(lead)))!;
    expect(dropped).toMatchObject({ level: 0, open: false });
    expect(dropped.steps.map((s) => [s.level, s.on])).toEqual([
      [1, '2018-07-16'],
      [2, '2018-07-23'],
      [0, '2018-07-24'],
    ]);
    expect(await store.openEscalations()).toEqual([]);
    const events = await store.auditEvents(`ESCALATION#${escalationId(lead)}`);
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
    expect(text).toMatch(new RegExp(`通报：.*${code}（${lead}，通报）`));
    expect(text).toContain('挂牌督办：无');
  });
});

describe('the 约谈 record', () => {
  it('is followed up by the office through the API, and its dated commitments become milestones', async () => {
    const { tables, code } = oneTask('2018年9月20日前');
    const { store, deps, reports } = await bench.setup({ tables, importAt: new Date('2018-09-03T02:00:00Z') });
    const task = (await store.tasks.get(code))!;
    await store.escalations.create(
      escalationAt(task.leadUnits[0]!, 2, '2018-09-29', [{ code, title: task.title, reasons: ['已超过整改时限（2018-09-20）'], since: '2018-09-21' }]),
      { type: 'test', by: 'test', at: '2018-09-29T00:00:00Z' },
    );
    await runJob('escalation', instantAt('2018-10-18', '08:30'), deps); // 10 workdays at L2: 约谈
    const [interview] = await store.openInterviews();
    expect(interview).toMatchObject({ codes: [code], openedOn: '2018-10-18', status: 'open' });

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
    const id = interviewId(unit, '2018-10-18');
    await local.deps.store.interviews.create(
      { id, codes: [code], unit, openedOn: '2018-10-18', followUpBy: '2018-10-25', status: 'open', attendees: [], commitments: [] },
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

/** The office's token and a request helper on an app over the bench's store, its clock set by the test. */
async function officeApi(store: Store, reports: ArchivePublisher, calendar: WorkdayCalendar, clock: () => Date) {
  const app = createApp({ store, clock, calendar: async () => calendar, cadence: defaultCadence, linkSecret: async () => 'x'.repeat(32), reports });
  const officeName = (await store.people.list()).find((p) => p.roles.includes('整改办'))!.name;
  const token = await issueToken(store, { kind: 'office', name: officeName }, clock());
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as any };
  };
  return { call, officeName };
}

const workdaysFrom = (calendar: WorkdayCalendar, from: string, to: string) => {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) if (calendar.isWorkday(day)) days.push(day);
  return days;
};

describe('escalation as offices practise it', () => {
  it('replays July–October 2018 on the sample ledger with no reports: one 约谈 per lead unit listing its lagging tasks, 挂牌督办 only once the office confirms, lifted by 摘牌 and not by a report', async () => {
    const { store, deps, reports } = await bench.setup({ importAt: new Date('2018-07-02T00:00:00Z') });
    const open = await store.openTasks();
    const ledBy = (unit: string) => open.filter((t) => t.leadUnits.includes(unit)).map((t) => t.code).sort();

    for (const day of workdaysFrom(deps.calendar, '2018-07-02', '2018-10-31')) {
      await runJob('escalation', instantAt(day, '08:30'), deps);
      const perUnit = countBy((await store.openInterviews()).map((i) => i.unit));
      expect([...perUnit.values()].every((n) => n === 1), day).toBe(true);
    }

    const leadUnits = [...new Set(open.flatMap((t) => t.leadUnits))];
    const interviews = await store.interviews.list();
    // Every lead unit was summoned once, about all its tasks (with no reports, every task lags).
    expect(interviews.map((i) => i.unit).sort()).toEqual([...leadUnits].sort());
    for (const i of interviews) expect([...i.codes].sort(), i.unit).toEqual(ledBy(i.unit));
    expect(interviews.length).toBeLessThan(open.flatMap((t) => t.leadUnits).length); // not one per task and lead unit

    // L4 and L5 wait for the office: nothing of them was sent, and every unit has an L4 proposal.
    const mails = await bench.mail();
    expect(mails.filter((m) => /^【(挂牌督办|追责问责)】/.test(m.subject))).toEqual([]);
    let now = instantAt('2018-11-01', '10:00');
    const { call, officeName } = await officeApi(store, reports, deps.calendar, () => now);
    const proposed = (await call('GET', '/api/escalations?status=proposed')).body.escalations as Escalation[];
    expect(proposed.map((e) => [e.unit, e.level, e.proposal?.level]).sort()).toEqual(leadUnits.map((u) => [u, 3, 4]).sort());

    // The office confirms one unit's 挂牌督办 and declines another's, each with its reason.
    const [listed, spared] = [proposed[0]!.unit, proposed[1]!.unit];
    const id = (unit: string) => `/api/escalations/${encodeURIComponent(escalationId(unit))}`;
    expect((await call('POST', `${id(listed)}/decision`, { decision: 'confirm', reason: '连续四个月未报送，挂牌督办' })).status).toBe(200);
    expect((await call('POST', `${id(spared)}/decision`, { decision: 'decline', reason: '单位已书面说明，暂缓挂牌' })).status).toBe(200);
    expect(await call('POST', `${id(spared)}/decision`, { decision: 'confirm', reason: '再次' })).toMatchObject({ status: 400, body: { error: { field: 'decision' } } });
    expect(await call('POST', `${id(listed)}/lift`, { reason: ' ' })).toMatchObject({ status: 400, body: { error: { field: 'reason', message: '请填写“理由”' } } });
    const history = async (unit: string) => (await store.auditEvents(`ESCALATION#${escalationId(unit)}`)).filter((e) => e.by === officeName).map((e) => [e.type, e.detail?.reason]);
    expect(await history(listed)).toEqual([['escalation.confirmed', '连续四个月未报送，挂牌督办']]);
    expect(await history(spared)).toEqual([['escalation.declined', '单位已书面说明，暂缓挂牌']]);
    expect((await store.escalations.get(escalationId(spared)))!).toMatchObject({ level: 3, declinedOn: '2018-11-01', decisions: [{ decision: 'decline', reason: '单位已书面说明，暂缓挂牌', by: officeName }] });

    // The next run tells the confirmed level's people; the declined unit's people hear nothing of it.
    await bench.clearMail();
    await runJob('escalation', instantAt('2018-11-02', '08:30'), deps);
    const notices = (await bench.mail()).filter((m) => m.subject.startsWith('【挂牌督办】'));
    const officeEmails = (await store.people.list()).filter((p) => p.roles.includes('整改办')).map((p) => p.email);
    expect(notices.length).toBeGreaterThan(0);
    for (const e of officeEmails) expect(notices.some((m) => m.destination.to.includes(e))).toBe(true);
    for (const m of notices) {
      expect(m.body.text).toContain(listed);
      expect(m.body.text).not.toContain(`${spared}（`);
      for (const code of ledBy(listed)) expect(m.body.text).toContain(code);
    }

    // The circular lists the unit as 挂牌督办, its tasks in one row.
    await bench.clearMail();
    await runJob('weekly-circular', instantAt('2018-11-02', '16:00'), deps);
    const listedLine = (await bench.mail())[0]!.body.text!.split('\n').find((l) => l.startsWith('挂牌督办：'));
    expect(listedLine).toContain(`（${listed}）`);
    for (const code of ledBy(listed)) expect(listedLine).toContain(code);

    // A report on every task does not lift the confirmed 挂牌督办; the office's 摘牌 does.
    for (const code of ledBy(listed)) {
      await store.recordProgress({ id: `late-${code}`, code, unit: listed, period: '2018-W45', summary: '已补报', evidence: [], by: listed, at: instantAt('2018-11-05', '08:00').toISOString() });
    }
    await runJob('escalation', instantAt('2018-11-05', '08:30'), deps);
    expect((await store.escalations.get(escalationId(listed)))!).toMatchObject({ level: 4, open: true });
    now = instantAt('2018-11-05', '10:00');
    const lifted = await call('POST', `${id(listed)}/lift`, { reason: '已全部补报，整改措施落实' });
    expect(lifted).toMatchObject({ status: 200, body: { escalation: { level: 0, open: false } } });
    expect((await store.escalations.get(escalationId(listed)))!.steps.at(-1)).toMatchObject({ level: 0, why: '整改办摘牌：已全部补报，整改措施落实', by: officeName });
    expect((await call('GET', '/api/escalations')).body.escalations.map((e: Escalation) => e.unit)).not.toContain(listed);
  }, 300_000);

  it('a confirmed 追责问责 sends the 纪委监委 the unit’s referral workbook: its tasks, every 催办, report, escalation and 约谈 with dates', async () => {
    const { tables, code } = oneTask('2018年9月20日前');
    const { store, deps, reports } = await bench.setup({ tables, importAt: new Date('2018-09-03T02:00:00Z') });
    const withReferrals = { ...deps, referrals: new ArchiveReferrals(reports.archive) };
    const task = (await store.tasks.get(code))!;
    const unit = task.leadUnits[0]!;
    await store.recordProgress({ id: 'r1', code, unit, period: '2018-W36', summary: '已制定整改方案', evidence: [], by: unit, at: instantAt('2018-09-04', '09:00').toISOString() });
    await store.recordChase({ unit, period: '2018-W38', on: '2018-09-20', tasks: [{ code, role: 'lead' }] });
    const interview = interviewId(unit, '2018-10-18');
    await store.interviews.create({ id: interview, unit, codes: [code], openedOn: '2018-10-18', followUpBy: '2018-10-25', status: 'closed', heldAt: '2018-10-22', attendees: ['主要负责人'], commitments: [{ content: '11月底前完成', due: '2018-11-30' }], outcome: '作出书面承诺' }, { type: 'test', by: 'test', at: '2018-10-22T00:00:00Z' });
    const l4 = '2018-11-15';
    await store.escalations.create(
      escalationAt(unit, 4, l4, [{ code, title: task.title, reasons: ['已超过整改时限（2018-09-20）'], since: '2018-09-21' }], { interviews: [interview] }),
      { type: 'test', by: 'test', at: '2018-11-15T00:30:00Z' },
    );

    const l5 = deps.calendar.addWorkdays(l4, 30);
    await runJob('escalation', instantAt(l5, '08:30'), withReferrals);
    expect((await store.escalations.get(escalationId(unit)))!).toMatchObject({ level: 4, proposal: { level: 5, on: l5 } });
    expect((await bench.mail()).filter((m) => m.subject.startsWith('【追责问责】'))).toEqual([]);

    const { call, officeName } = await officeApi(store, reports, deps.calendar, () => instantAt(l5, '11:00'));
    expect((await call('POST', `/api/escalations/${encodeURIComponent(unit)}/decision`, { decision: 'confirm', reason: '经领导小组研究，移送纪委监委' })).status).toBe(200);
    const next = deps.calendar.addWorkdays(l5, 1);
    await runJob('escalation', instantAt(next, '08:30'), withReferrals);

    const discipline = (await store.people.list()).filter((p) => p.roles.includes('纪委监委')).map((p) => p.email);
    const referrals = (await bench.mail()).filter((m) => m.subject.startsWith('【追责问责】'));
    expect(countByRecipient(referrals)).toEqual(new Map(discipline.map((e) => [e, 1])));
    const file = referrals[0]!.attachments?.find((a) => a.filename.endsWith('.xlsx'));
    expect(file?.filename).toBe(`追责问责移送材料-${unit}-${next}.xlsx`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(file!.content, 'base64') as unknown as ArrayBuffer);
    const rows = (sheet: string) => (book.getWorksheet(sheet)!.getSheetValues().slice(2) as unknown[][]).map((r) => r.slice(1).map((v) => String(v ?? '')));
    expect(book.worksheets.map((w) => w.name)).toEqual(['单位情况', '整改任务', '催办与督办', '进展报送', '督办升级', '约谈记录']);
    expect(rows('单位情况')).toContainEqual(['单位名称', unit]);
    expect(rows('单位情况')).toContainEqual(['当前督办级别', '追责问责']);
    expect(rows('整改任务')[0]!.slice(0, 2)).toEqual([code, task.title]);
    expect(rows('整改任务')[0]!.join('|')).toContain('已超过整改时限（2018-09-20）');
    expect(rows('催办与督办')).toContainEqual(['2018-09-20', '催办（未报送周进展）', `2018-W38：${code}（牵头）`]);
    expect(rows('催办与督办').map((r) => r[1])).toContain('督办升级：追责问责');
    expect(rows('进展报送')[0]!.slice(0, 2)).toEqual([code, '2018-W36']);
    expect(rows('进展报送')[0]).toContain('已制定整改方案');
    expect(rows('督办升级')).toContainEqual([l5, '整改办确认升级', '追责问责', '经领导小组研究，移送纪委监委', officeName]);
    expect(rows('约谈记录')[0]!.slice(0, 5)).toEqual([interview, code, '2018-10-18', '', '2018-10-22']);
    expect(rows('约谈记录')[0]).toContain('作出书面承诺');
  });

  it('a missed milestone turns the light red and starts the ladder; a responsible unit that never reports is chased, recorded for 考核, and not escalated', async () => {
    const tables = cloneTables(sampleTables());
    const units = tables.find((t) => t.sheet === '责任单位')!.rows.map((r) => r.cells['单位名称']!);
    const [lead, silent] = [units[0]!, units[1]!];
    const sheet = tables.find((t) => t.sheet === '任务清单')!;
    const row = sheet.rows[0]!;
    Object.assign(row.cells, { 牵头单位: lead, 责任单位: silent, 整改时限: '2018年12月31日前', 阶段节点: '2018年7月17日 完成排查' });
    sheet.rows = [row];
    const code = row.cells['任务编号']!;
    const { store, deps, reports } = await bench.setup({ tables, importAt: new Date('2018-07-04T02:00:00Z') });

    // The lead unit reports in W28 only; the responsible unit never does.
    await store.recordProgress({ id: 'w28', code, unit: lead, period: '2018-W28', summary: '排查中', evidence: [], by: lead, at: instantAt('2018-07-10', '09:00').toISOString() });
    for (const day of workdaysFrom(deps.calendar, '2018-07-09', '2018-07-20')) {
      for (const job of ['escalation', 'chase'] as const) await runJob(job, instantAt(day, job === 'chase' ? '10:00' : '08:30'), deps);
    }

    // 07-18: the milestone of 07-17 is missed (no report since its week); no week has gone unreported yet.
    const { call } = await officeApi(store, reports, deps.calendar, () => instantAt('2018-07-18', '10:00'));
    const late = (await call('GET', '/api/late')).body;
    expect(late.red).toContainEqual(expect.objectContaining({ code, reasons: [expect.stringContaining('阶段节点“完成排查”（2018-07-17）已逾期')] }));
    const escalation = (await store.escalations.get(escalationId(lead)))!;
    expect(escalation).toMatchObject({ level: 1, tasks: [{ code, reasons: ['阶段节点“完成排查”（2018-07-17）已逾期'], since: '2018-07-18' }] });
    expect(escalation.steps[0]).toMatchObject({ level: 1, on: '2018-07-18' });

    // The responsible unit was chased in both weeks, each 催办 recorded for 考核; it was never escalated.
    const silentUnit = (await store.units.get(silent))!;
    const chases = (await bench.mail()).filter((m) => m.subject === `【催办】${silent}本周整改进展尚未报送`);
    expect(countByRecipient(chases)).toEqual(new Map([[silentUnit.liaison.email, 2]]));
    expect(await store.chasesOfUnit(silent)).toEqual([
      { unit: silent, period: '2018-W28', on: '2018-07-12', tasks: [{ code, role: 'responsible' }] },
      { unit: silent, period: '2018-W29', on: '2018-07-19', tasks: [{ code, role: 'responsible' }] },
    ]);
    expect((await store.chasesInMonth('2018-07')).filter((c) => c.unit === silent).map((c) => c.period)).toEqual(['2018-W28', '2018-W29']);
    expect(await store.escalations.get(escalationId(silent))).toBeUndefined();
    expect((await bench.mail()).filter((m) => m.subject.startsWith('【') && m.subject.includes('督办升级') && m.destination.to.some((t) => [silentUnit.liaison.email, silentUnit.head.email].includes(t)))).toEqual([]);
  });
});

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

describe('npx duban escalation', () => {
  it('lists the proposals awaiting the office and records its decision with the reason', async () => {
    const env = { DUBAN_DATA_DIR: mkdtempSync(join(tmpdir(), 'duban-escalation-')), DUBAN_DYNAMODB_PORT: '1', DUBAN_SES_PORT: '2' };
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), now: () => new Date('2018-11-01T02:00:00Z') };
    const { tables, code } = oneTask('2018年9月20日前');
    const local = await connectLocal(readLocalSettings(env));
    await importLedger(tables, { at: new Date('2018-09-03T02:00:00Z'), by: 'office', source: 'test' }, { store: local.deps.store, calendar: bench.calendar });
    const task = (await local.deps.store.tasks.get(code))!;
    const unit = task.leadUnits[0]!;
    const lagging = [{ code, title: task.title, reasons: ['已超过整改时限（2018-09-20）'], since: '2018-09-21' }];
    await local.deps.store.escalations.create(escalationAt(unit, 3, '2018-10-18', lagging, { proposal: { level: 4, on: '2018-10-31', why: '约谈后20个工作日仍未整改到位' } }), { type: 'test', by: 'test', at: '2018-10-31T00:30:00Z' });
    const office = (await local.deps.store.people.list()).find((p) => p.roles.includes('整改办'))!.name;
    await local.close();

    expect(await runCli(['escalation', 'proposed'], io, env)).toBe(0);
    expect(out.at(-1)).toBe(`${unit}  约谈（2018-10-18起）  ${code}  建议升级为挂牌督办（2018-10-31）`);
    expect(await runCli(['escalation', unit, '--by', office, '--confirm'], io, env)).toBe(2);
    expect(err.at(-1)).toBe('请选择 --confirm、--decline 或 --lift 之一，并用 --reason 写明理由');
    expect(await runCli(['escalation', unit, '--by', office, '--confirm', '--reason', '逾期四十余日，挂牌督办'], io, env)).toBe(0);
    expect(out.at(-1)).toBe(`已登记 ${unit}：当前挂牌督办`);
    expect(await runCli(['escalation', unit, '--by', office, '--decline', '--reason', '再议'], io, env)).toBe(1);
    expect(err.at(-1)).toBe(`错误：“${unit}”没有待决定的升级建议（可能已由他人决定，或原因已消除）`);

    const again = await connectLocal(readLocalSettings(env));
    try {
      expect((await again.deps.store.escalations.get(escalationId(unit)))!.decisions).toEqual([
        { level: 4, decision: 'confirm', reason: '逾期四十余日，挂牌督办', by: office, at: '2018-11-01T02:00:00.000Z' },
      ]);
    } finally {
      await again.close();
    }
  });
});
