/**
 * 考核: a replay of September 2018 on the sample ledger, cut to two tasks, where three units behave
 * differently, then the month's scores as the office reads them (GET /api/scores), as the monthly
 * account's 台账 workbook lists them (考核得分) and as each unit head's mail states them.
 */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { cadenceConfig, defaultCadence } from '../functions/core/cadence/config.ts';
import { cronTable } from '../functions/core/cadence/schedule.ts';
import { monthlyScores, scoreMonth, type ScoreInput, type ScoreTask } from '../functions/core/scores.ts';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { submitProgress } from '../functions/core/reporting.ts';
import { addDays, instantAt } from '../functions/core/time.ts';
import { runsBetween } from '../functions/core/cadence/schedule.ts';
import { createApp } from '../functions/http/app.ts';
import { issueToken } from '../functions/http/auth.ts';
import { useCadenceBench } from './support/cadence.ts';
import { cloneTables, sampleTables } from './support/ledger.ts';

const bench = useCadenceBench();

const A = '市农业局'; // leads MZ-6-4: reports every week on time and gives its monthly account
const B = '市城管局'; // leads MZ-6-3: on time once, misses a week (and a milestone), late once, no account
const C = '东北镇'; // responsible for MZ-6-4: never reports

/** The sample ledger cut to MZ-6-3 and MZ-6-4, 东北镇 the one responsible unit, a milestone for 市城管局 in September. */
function ledger() {
  const tables = cloneTables(sampleTables());
  const tasks = tables.find((t) => t.sheet === '任务清单')!;
  const keep = tasks.rows.filter((r) => r.cells['任务编号'] === 'MZ-6-3' || r.cells['任务编号'] === 'MZ-6-4');
  for (const row of keep) {
    expect(row.cells['整改时限']).toBe('2020年底前');
    row.cells['督办领导'] = '';
  }
  keep.find((r) => r.cells['任务编号'] === 'MZ-6-3')!.cells['责任单位'] = '';
  keep.find((r) => r.cells['任务编号'] === 'MZ-6-3')!.cells['阶段节点'] = '2018年9月14日前 完成城区生活垃圾分类试点方案';
  keep.find((r) => r.cells['任务编号'] === 'MZ-6-4')!.cells['责任单位'] = C;
  tasks.rows = keep;
  return tables;
}

/** What the units do, at Shanghai wall-clock instants (September 2018: 24th 中秋; 29th and 30th make-up workdays). */
const reports: { at: Date; unit: string; code: string; monthly?: boolean }[] = [
  // A: every week the day of the dispatch, well before Thursday 17:00; its account on the 28th.
  ...['2018-09-03', '2018-09-10', '2018-09-17', '2018-09-25'].map((d) => ({ at: instantAt(d, '11:00'), unit: A, code: 'MZ-6-4' })),
  { at: instantAt('2018-09-28', '10:00'), unit: A, code: 'MZ-6-4', monthly: true },
  // B: W36 on time; W37 nothing (chased on the 13th; the milestone of the 14th passes); W38 on
  // Friday the 21st, after the Thursday deadline (chased on the 20th); W39 on time. No account.
  { at: instantAt('2018-09-04', '10:00'), unit: B, code: 'MZ-6-3' },
  { at: instantAt('2018-09-21', '10:00'), unit: B, code: 'MZ-6-3' },
  { at: instantAt('2018-09-26', '10:00'), unit: B, code: 'MZ-6-3' },
];

describe('考核: the monthly score per unit', () => {
  it('ranks three units of a September replay by the rules, in the API, the 考核得分 sheet and each head’s mail; the silent responsible unit is chased, not escalated', async () => {
    const { store, deps, reports: archive } = await bench.setup({ tables: ledger(), importAt: instantAt('2018-08-31', '10:00') });

    // Every job at its scheduled instants from 1 September to the account's day (8 October, after National Day), the units' reports in between.
    const pending = [...reports].sort((a, b) => a.at.getTime() - b.at.getTime());
    for (const run of runsBetween(cronTable(deps.config), instantAt('2018-09-01'), instantAt('2018-10-08', '12:00'))) {
      while (pending.length && pending[0]!.at < run.at) {
        const r = pending.shift()!;
        const { created } = await submitProgress(r.code, { summary: r.monthly ? '9月交账：按计划推进' : '本周按计划推进', monthly: r.monthly }, { kind: 'unit', unit: r.unit }, r.at, r.at.toISOString(), store);
        expect(created).toBe(true);
      }
      await runJob(run.job, run.at, deps);
    }
    expect(pending).toEqual([]);

    // The silent responsible unit was chased every week of September, and never escalated; B only for its lead task.
    expect((await store.chasesOfUnit(C)).map((c) => c.on)).toEqual(['2018-09-06', '2018-09-13', '2018-09-20', '2018-09-27']);
    expect((await store.chasesOfUnit(C)).every((c) => c.tasks.every((t) => t.code === 'MZ-6-4' && t.role === 'responsible'))).toBe(true);
    expect((await store.chasesOfUnit(B)).map((c) => c.on)).toEqual(['2018-09-13', '2018-09-20']);
    expect(await store.chasesOfUnit(A)).toEqual([]);
    expect(await store.escalations.get(C)).toBeUndefined();
    expect(await store.escalations.get(A)).toBeUndefined();
    // B: L1 催办 on the 17th (a week missed, the milestone missed), cleared on the 25th when the late report counted.
    expect((await store.escalations.get(B))!.steps.map((s) => [s.level, s.on])).toEqual([
      [1, '2018-09-17'],
      [0, '2018-09-25'],
    ]);

    // GET /api/scores, as the office, on the day the account went out.
    const now = instantAt('2018-10-08', '12:00');
    const app = createApp({ store, clock: () => now, calendar: async () => deps.calendar, cadence: deps.config, linkSecret: async () => 'a-test-secret-of-at-least-32-characters', reports: archive });
    const office = (await store.people.list()).find((p) => p.roles.includes('整改办'))!;
    const officeToken = await issueToken(store, { kind: 'office', name: office.name }, now);
    const get = (path: string, token: string) => app.request(path, { headers: { Authorization: `Bearer ${token}` } });

    const res = await get('/api/scores?month=2018-09', officeToken);
    expect(res.status).toBe(200);
    const { scores } = (await res.json()) as { scores: { base: number; through: string; units: { unit: string; total: number; rank: number; rules: { rule: string; count: number; points: number; items: string[] }[] }[] } };
    expect(scores.base).toBe(100);
    expect(scores.through).toBe('2018-09-30');
    // Default weights: weekly −2 per week late or missing, 催办 −1 each, account −5, milestone −2, escalation −2 per level.
    //   A: nothing to count                                                  → 100
    //   B: 2 weeks (W37 missing, W38 late) −4, 2 催办 −2, no account −5,
    //      milestone of 09-14 −2, highest level L1 −2                        → 85
    //   C: 4 weeks missing −8, 4 催办 −4, no account −5 (no level: not a lead) → 83
    expect(scores.units.map((u) => [u.unit, u.total, u.rank])).toEqual([
      [A, 100, 1],
      [B, 85, 2],
      [C, 83, 3],
    ]);
    const breakdown = (unit: string) => Object.fromEntries(scores.units.find((u) => u.unit === unit)!.rules.map((r) => [r.rule, [r.count, r.points]]));
    const none = { overdueTasks: [0, 0], closedOnTime: [0, 0], lookbacks: [0, 0] };
    expect(breakdown(A)).toEqual({ weeklyReports: [0, 0], chases: [0, 0], monthlyAccount: [0, 0], missedMilestones: [0, 0], escalation: [0, 0], ...none });
    expect(breakdown(B)).toEqual({ weeklyReports: [2, -4], chases: [2, -2], monthlyAccount: [1, -5], missedMilestones: [1, -2], escalation: [1, -2], ...none });
    expect(breakdown(C)).toEqual({ weeklyReports: [4, -8], chases: [4, -4], monthlyAccount: [1, -5], missedMilestones: [0, 0], escalation: [0, 0], ...none });
    const itemsOf = (unit: string, rule: string) => scores.units.find((u) => u.unit === unit)!.rules.find((r) => r.rule === rule)!.items;
    expect(itemsOf(B, 'weeklyReports')).toEqual(['9月10日至9月16日当周：经催办仍未报送', '9月17日至9月23日当周：迟报（时限9月20日（周四）17:00，9月21日（周五）10:00报送）']);
    expect(itemsOf(B, 'missedMilestones')).toEqual(['MZ-6-3 阶段节点“完成城区生活垃圾分类试点方案”（2018-09-14）到期当周未报送进展']);

    // Bad month: 400 naming the field; a unit may not read the scores.
    const bad = await get('/api/scores?month=2018-9', officeToken);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string; message: string } }).error).toMatchObject({ field: 'month', message: expect.stringContaining('“month”应为月份') });
    expect((await get('/api/scores', officeToken)).status).toBe(400);
    expect(await (await get('/api/scores?month=2018-11', officeToken)).json()).toEqual({ error: { code: 'VALIDATION', message: '2018年11月尚未开始，没有考核得分', field: 'month' } });
    expect((await get('/api/scores?month=2018-09', await issueToken(store, { kind: 'unit', unit: A }, now))).status).toBe(403);

    // The account's 台账 workbook: the 考核得分 sheet, read back.
    const published = (await archive.find('monthly-account', '2018-09'))!;
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await archive.archive.get(published.workbook.key))!.body as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('考核得分')!;
    expect(sheet.getCell(1, 1).value).toBe('2018年9月考核得分（基础分100分）');
    const headers = (sheet.getRow(2).values as unknown[]).slice(1);
    expect(headers.slice(0, 5)).toEqual(['名次', '单位', '得分', '周进展按时报送（-2分/次）', '被催办（-1分/次）']);
    const rows = [3, 4, 5].map((r) => (sheet.getRow(r).values as unknown[]).slice(1));
    expect(rows.map((r) => r.slice(0, 3))).toEqual([
      [1, A, 100],
      [2, B, 85],
      [3, C, 83],
    ]);
    const column = (header: string) => headers.findIndex((h) => String(h).startsWith(header));
    expect(rows[1]![column('月交账按时')]).toBe(-5);
    expect(rows[1]![column('督办升级')]).toBe(-2);
    expect(rows[2]![column('周进展按时报送')]).toBe(-8);
    expect(String(rows[2]![column('加减分明细')])).toContain('【被催办】9月27日（周四）催办（MZ-6-4）');

    // The compiled account's page ranks them too.
    const page = new TextDecoder().decode((await archive.archive.get(published.page.key))!.body);
    expect(page).toContain('考核得分排名');

    // Each head's mail states its own score and rank.
    const mails = await bench.mail();
    const units = await store.units.list();
    const headMails = (unit: string, month: string) => mails.filter((m) => m.destination.to[0] === units.find((u) => u.name === unit)!.head.email && m.subject.includes(`${month}考核得分`));
    const headMail = (unit: string) => headMails(unit, '2018年9月');
    expect(headMail(B).map((m) => m.subject)).toEqual(['【考核】市城管局2018年9月考核得分85分，排名第2名']);
    expect(headMail(B)[0]!.body.text).toContain('市城管局得分 85 分，在 3 个单位中排名第 2 名');
    expect(headMail(B)[0]!.body.text).toContain('- 阶段节点逾期（扣2分/次）：1次，-2分');
    expect(headMail(C)[0]!.body.text).toContain('东北镇得分 83 分，在 3 个单位中排名第 3 名');
    expect(headMail(C)[0]!.body.text).toContain('- 被催办（扣1分/次）：4次，-4分');
    expect(headMail(A)[0]!.subject).toBe('【考核】市农业局2018年9月考核得分100分，排名第1名');
    // The office's account mail ranks them with what moved each score.
    const account = mails.find((m) => m.destination.to[0] === office.email && m.subject === '【月交账】2018年9月中央环保督察整改交账情况汇总')!;
    expect(account.body.text).toContain(['考核得分排名（基础分100分）：', '1. 市农业局：100分（无加减分）', '2. 市城管局：85分（周进展按时报送-4，被催办-2，月交账按时-5，阶段节点逾期-2，督办升级-2）', '3. 东北镇：83分（周进展按时报送-8，被催办-4，月交账按时-5）'].join('\n'));
    // August's account (3 September) scored the two days the tasks were in the ledger: no unit
    // gave an August account, so all three lost the same 5 points and share the first rank.
    for (const unit of [A, B, C]) expect(headMails(unit, '2018年8月').map((m) => m.subject)).toEqual([`【考核】${unit}2018年8月考核得分95分，排名第1名`]);
  }, 300_000);
});

describe('考核: the rules a September replay does not reach', () => {
  /** November 2018, scored on 3 December: 甲局 closed a task on time and answered a 回头看; 乙局 has a task overdue with a missed milestone and stood at 通报; 丙镇 (responsible) was chased three weeks. */
  function november(): ScoreInput {
    const part = { by: 'x', summary: '完成', evidence: [] };
    const base = { responsibleUnits: [] as string[], milestones: [] as ScoreTask['milestones'], createdAt: '2018-07-04T02:00:00.000Z' };
    const date = (due: string) => ({ kind: 'date' as const, text: due, nominal: due, due, ongoingAfter: false });
    const tasks: ScoreTask[] = [
      // Approved on 16 November, before its deadline of the 20th; 公示 ended on the 23rd.
      { ...base, code: 'T-1', title: '按期完成', leadUnits: ['甲局'], deadline: date('2018-11-20'), status: 'closed', closeOut: { ...part, state: 'closed', unit: '甲局', at: '2018-11-12T02:00:00.000Z', reviewedAt: '2018-11-16T02:00:00.000Z', closedOn: '2018-11-23' } },
      // Closed in August: only its 回头看, answered on 6 November, counts.
      { ...base, code: 'T-3', title: '早已销号', leadUnits: ['甲局'], deadline: date('2018-07-31'), status: 'closed', closeOut: { ...part, state: 'closed', unit: '甲局', at: '2018-07-20T02:00:00.000Z', closedOn: '2018-08-10', lookbacks: [{ workdays: 60, due: '2018-11-05', askedOn: '2018-11-05', answers: [{ ...part, unit: '甲局', at: '2018-11-06T02:00:00.000Z', holds: true }] }] } },
      // Due 9 November, still open; its milestone of 5 November had no report that week.
      { ...base, code: 'T-2', title: '逾期任务', leadUnits: ['乙局'], responsibleUnits: ['丙镇'], deadline: date('2018-11-09'), status: 'open', milestones: [{ nominal: '2018-11-05', due: '2018-11-05', content: '完成排查' }] },
    ];
    const weeks = [
      ['2018-W44', '2018-11-01'],
      ['2018-W45', '2018-11-08'],
      ['2018-W46', '2018-11-15'],
      ['2018-W47', '2018-11-22'],
      ['2018-W48', '2018-11-29'],
    ].map(([week, due]) => ({ week: week!, due: instantAt(due!, '17:00').toISOString() }));
    const account = (unit: string) => ({ unit, code: 'T-2', at: '2018-11-28T02:00:00.000Z', lastAt: '2018-11-28T02:00:00.000Z' });
    return {
      month: '2018-11',
      at: instantAt('2018-12-03', '09:30'),
      units: ['甲局', '乙局', '丙镇'],
      tasks,
      weeks,
      firstReports: new Map(weeks.map((w) => [w.week, new Map()])),
      reportedWeeks: new Map(),
      monthly: [account('甲局'), account('乙局'), account('丙镇')],
      monthlyDue: instantAt('2018-12-01').toISOString(),
      chases: ['2018-W45', '2018-W46', '2018-W47'].map((period, i) => ({ unit: '丙镇', period, on: ['2018-11-08', '2018-11-15', '2018-11-22'][i]!, tasks: [{ code: 'T-2', role: 'responsible' as const }] })),
      escalations: [{ id: '乙局', unit: '乙局', level: 2, open: true, tasks: [], levelSince: '2018-11-05', notified: 2, liftable: false, steps: [{ level: 1, on: '2018-10-29', why: '' }, { level: 2, on: '2018-11-05', why: '' }], decisions: [], interviews: [] }],
      scoring: defaultCadence.scoring,
    };
  }

  it('adds for close-outs on time and 回头看, takes off for overdue tasks, missed milestones and the level reached; ties share a rank; the weights are settings', () => {
    const scores = scoreMonth(november());
    const of = (unit: string) => scores.units.find((u) => u.unit === unit)!;
    const counted = (unit: string) => Object.fromEntries(of(unit).rules.filter((r) => r.count).map((r) => [r.rule, [r.count, r.points]]));
    // 甲局: +5 (T-1 approved on the 16th, due the 20th) +2 (回头看 of T-3)                 = 107
    // 乙局: −3 (T-2 overdue from the 10th) −2 (milestone of the 5th) −2×2 (通报, from 催办)  = 91
    // 丙镇: −2×3 (chased, never reported) −1×3 (催办)                                       = 91
    expect(counted('甲局')).toEqual({ closedOnTime: [1, 5], lookbacks: [1, 2] });
    expect(counted('乙局')).toEqual({ overdueTasks: [1, -3], missedMilestones: [1, -2], escalation: [2, -4] });
    expect(counted('丙镇')).toEqual({ weeklyReports: [3, -6], chases: [3, -3] });
    expect([of('甲局'), of('乙局'), of('丙镇')].map((u) => [u.total, u.rank])).toEqual([
      [107, 1],
      [91, 2],
      [91, 2],
    ]);
    expect(of('乙局').rules.find((r) => r.rule === 'escalation')!.items).toEqual(['最高通报（2级）', '月初处于催办（2018-10-29起）', '11月5日（周一）通报']);

    // An office that weighs 催办 at −3 ranks 丙镇 last.
    const heavier = scoreMonth({ ...november(), scoring: cadenceConfig('{"scoring":{"rules":{"chases":{"weight":-3}}}}').scoring });
    expect(heavier.units.map((u) => [u.unit, u.total, u.rank])).toEqual([
      ['甲局', 107, 1],
      ['乙局', 91, 2],
      ['丙镇', 85, 3],
    ]);
  });
});

describe('考核 from the roll-up', () => {
  const missedOf = (scores: { units: { unit: string; rules: { rule: string; items: string[] }[] }[] }, unit: string) => scores.units.find((u) => u.unit === unit)!.rules.find((r) => r.rule === 'missedMilestones')!.items;
  const missed = ['MZ-6-3 阶段节点“完成城区生活垃圾分类试点方案”（2018-09-14）到期当周未报送进展'];

  it('the office’s scores count a report submitted a moment ago (the roll-up is folded first)', async () => {
    const { store, deps, reports: archive } = await bench.setup({ tables: ledger(), importAt: instantAt('2018-08-31', '10:00') });
    // Saturday 15 September: B's milestone of Friday the 14th has had no report this week.
    let now = instantAt('2018-09-15', '10:00');
    const app = createApp({ store, clock: () => now, calendar: async () => deps.calendar, cadence: deps.config, linkSecret: async () => 'a-test-secret-of-at-least-32-characters', reports: archive });
    const office = (await store.people.list()).find((p) => p.roles.includes('整改办'))!;
    const officeToken = await issueToken(store, { kind: 'office', name: office.name }, now);
    const scores = async () => ((await (await app.request('/api/scores?month=2018-09', { headers: { Authorization: `Bearer ${officeToken}` } })).json()) as { scores: Parameters<typeof missedOf>[0] }).scores;
    expect(missedOf(await scores(), B)).toEqual(missed);

    // B reports on MZ-6-3 a minute later, in the milestone's week; no job runs in between.
    now = instantAt('2018-09-15', '10:01');
    const unitToken = await issueToken(store, { kind: 'unit', unit: B }, now);
    const posted = await app.request('/api/tasks/MZ-6-3/progress', { method: 'POST', headers: { Authorization: `Bearer ${unitToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ summary: '试点方案已印发', percent: 30 }) });
    expect(posted.status).toBe(201);
    expect(missedOf(await scores(), B)).toEqual([]);
  }, 120_000);

  it('a month scored long after, its milestone’s week older than the weeks the roll-up keeps, counts as it did at the time', async () => {
    // B reports on Tuesdays from week `from` (W37 holds the milestone of 14 September) to W47.
    const reporting = async (from: number) => {
      const { store, deps } = await bench.setup({ tables: ledger(), importAt: instantAt('2018-08-31', '10:00') });
      for (let week = from; week <= 47; week++) await submitProgress('MZ-6-3', { summary: `第${week}周` }, { kind: 'unit', unit: B }, instantAt(addDays('2018-09-11', 7 * (week - 37)), '10:00'), `w${week}`, store);
      return { store, deps };
    };
    // In the milestone's week and ten weeks more: W37 is no longer among its last eight.
    const { store, deps } = await reporting(37);
    const rollup = await store.reportRollup();
    expect(rollup.recentWeeks.get('MZ-6-3')).not.toContain('2018-W37');
    const late = instantAt('2018-12-03', '10:00');
    expect(missedOf(await monthlyScores('2018-09', late, { store, calendar: deps.calendar, config: deps.config }), B)).toEqual([]);

    // The same, without the report of W37: the milestone is missed.
    const { store: silent } = await reporting(38);
    expect(missedOf(await monthlyScores('2018-09', late, { store: silent, calendar: deps.calendar, config: deps.config }), B)).toEqual(missed);
  }, 120_000);
});

