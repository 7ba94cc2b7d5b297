/**
 * 常态化工作 and 长期坚持 on the sample ledger, on real parts: dynalite, the SES emulator, the HTTP
 * app. The sample's weekly TV slot and newspaper column (市委宣传部) and its quarterly disclosure
 * (市环保局、市住建局、市卫计局); its 完成+长期坚持 tasks MZ-7-6 and MZ-7-7.
 */
import { describe, expect, it } from 'vitest';
import { deadlineReminders } from '../functions/core/cadence/deadline-reminders.ts';
import { monthlyAccount } from '../functions/core/cadence/monthly-account.ts';
import { weeklyCircular } from '../functions/core/cadence/weekly-circular.ts';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { dutyChaseDay, isDutyPeriodRequired, parseDutyCadence, recordDutyOccurrence } from '../functions/core/duties.ts';
import { unversioned, type Store } from '../functions/core/ports.ts';
import { submitProgress } from '../functions/core/reporting.ts';
import { instantAt } from '../functions/core/time.ts';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';
import { describeIssue } from '../functions/ledger-import/validate.ts';
import { appBench } from './support/app.ts';
import { useCadenceBench, type Email } from './support/cadence.ts';
import { cloneTables, rowOf, sampleTables } from './support/ledger.ts';
import { useDynalite } from './support/store.ts';

const bench = useCadenceBench();
const dynalite = useDynalite();

const TV = '绵竹电视台新闻栏目专题报道督察整改工作情况';
const PAPER = '《今日绵竹》中央环境保护督察整改专栏';
const DISCLOSURE = '饮用水安全状况信息公开';
const XCB = 'xcb.liaison@example.org';
const office = { kind: 'office', name: '唐文博' } as const;
const xcb = { kind: 'unit', unit: '市委宣传部' } as const;

const dutyChases = (mails: Email[]) => mails.filter((m) => m.subject.includes('常态化工作未完成'));

async function record(store: Store, duty: string, date: string, minutes?: number) {
  await recordDutyOccurrence(duty, { date, evidence: [`https://tv.example.org/${date}`], detail: `${date} 播出`, ...(minutes ? { minutes } : {}) }, xcb, instantAt(date, '20:00'), store);
}

describe('常态化工作: reading 频次 and 要求', () => {
  it('reads the sample ledger’s duties as the office wrote them', async () => {
    const { store } = await bench.setup();
    const duties = new Map((await store.duties.list()).map((d) => [d.name, d]));
    expect(duties.get(TV)!.cadence).toEqual({ period: 'week', minCount: 1, minMinutes: 3 });
    expect(duties.get(PAPER)!.cadence).toEqual({ period: 'week', minCount: 1 });
    expect(duties.get(DISCLOSURE)!.cadence).toEqual({ period: 'quarter', minCount: 1 });
    expect(parseDutyCadence('每周不少于2次，每次不少于3分钟')).toEqual({ ok: true, value: { period: 'week', minCount: 2, minMinutes: 3 } });
    expect(parseDutyCadence('每月两次')).toEqual({ ok: true, value: { period: 'month', minCount: 2 } });
  });

  it('refuses a 频次 it cannot read, or a 要求 that contradicts it, naming sheet, row and column; nothing is imported', async () => {
    const tables = cloneTables(sampleTables());
    rowOf(tables, '常态化工作', 0).cells['频次'] = '每两周';
    rowOf(tables, '常态化工作', 2).cells['频次'] = '每月';
    const store = await dynalite.fresh();
    const summary = await importLedger(tables, { at: new Date('2018-07-04T02:00:00Z'), by: 'office', source: 'test' }, { store, calendar: defaultCalendar() });
    expect(summary.ok).toBe(false);
    const lines = summary.issues.map(describeIssue);
    expect(lines).toContain('“常态化工作”表第2行“频次”列：无法识别的频次“每两周”，可写作：每周、每月、每季度，可加次数和时长，如“每周不少于1次”“每周不少于2次，每次不少于3分钟”');
    expect(lines).toContain('“常态化工作”表第4行“要求”列：要求中写的是“每周”，与频次“每月”不一致：请把两列改为同一周期（每周、每月、每季度，可加次数和时长，如“每周不少于1次”“每周不少于2次，每次不少于3分钟”）');
    expect(await store.duties.list()).toEqual([]);
    expect(await store.tasks.list()).toEqual([]);
  });
});

describe('常态化工作: the weekly TV slot, done one week and missed the next', () => {
  it('the circulars show done, then missed; the unit is chased once, the first workday after the missed week', async () => {
    const { store, deps } = await bench.setup();
    // Week 28: the TV slot (3 minutes) and the column; week 29: the column only.
    await record(store, TV, '2018-07-11', 3);
    await record(store, PAPER, '2018-07-12');
    await record(store, PAPER, '2018-07-18');

    await deadlineReminders(instantAt('2018-07-16', '09:00'), deps);
    expect(dutyChases(await bench.mail())).toEqual([]);

    await weeklyCircular(instantAt('2018-07-20', '16:00'), deps);
    const first = (await bench.mail()).find((m) => m.subject.startsWith('【周通报】') && m.destination.to[0] === XCB)!;
    expect(first.body.text).toContain(`- ${TV}（市委宣传部，每周不少于1次，每次不少于3分钟）：2018年第28周（7月9日—7月15日） 已完成；2018年第29周（7月16日—7月22日） 进行中`);
    await bench.clearMail();

    await deadlineReminders(instantAt('2018-07-23', '09:00'), deps);
    await deadlineReminders(instantAt('2018-07-23', '09:00'), deps); // a rerun sends nothing twice
    await deadlineReminders(instantAt('2018-07-24', '09:00'), deps);
    const chases = dutyChases(await bench.mail());
    expect(chases).toHaveLength(1);
    expect(chases[0]!.destination.to).toEqual([XCB]);
    expect(chases[0]!.subject).toBe('【催办】市委宣传部有1项常态化工作未完成');
    expect(chases[0]!.body.text).toContain(`- ${TV}：2018年第29周（7月16日—7月22日），每周不少于1次，每次不少于3分钟，已记录0/1次`);
    expect(chases[0]!.body.text).not.toContain(PAPER);

    await weeklyCircular(instantAt('2018-07-27', '16:00'), deps);
    const second = (await bench.mail()).find((m) => m.subject.startsWith('【周通报】') && m.destination.to[0] === XCB)!;
    expect(second.body.text).toContain(
      `- ${TV}（市委宣传部，每周不少于1次，每次不少于3分钟）：2018年第28周（7月9日—7月15日） 已完成；2018年第29周（7月16日—7月22日） 未完成（已催办）；2018年第30周（7月23日—7月29日） 进行中`,
    );
    expect(second.body.text).toContain(`- ${PAPER}（市委宣传部，每周不少于1次）：2018年第28周（7月9日—7月15日） 已完成；2018年第29周（7月16日—7月22日） 已完成`);
  });

  it('a slot shorter than the duty asks does not count, and a missing length is refused by name', async () => {
    const { store } = await bench.setup();
    await expect(record(store, TV, '2018-07-11')).rejects.toMatchObject({ field: 'minutes', message: expect.stringContaining('要求每次不少于3分钟') });
    await record(store, TV, '2018-07-11', 2);
    const records = (await import('../functions/core/duties.ts')).dutyRecords;
    const rows = await records('2018-07-16', () => ['2018-W28'], { store, calendar: bench.calendar });
    expect(rows.find((r) => r.duty === TV)!.periods[0]!.statusText).toBe('未完成');
  });
});

describe('常态化工作 around holidays', () => {
  it('a week ending on a make-up Sunday is chased after the National Day holiday; the holiday week asks nothing', async () => {
    const calendar = bench.calendar;
    expect(dutyChaseDay('2018-W39', calendar)).toBe('2018-10-08'); // 9月30日 is a make-up workday, then 10月1日–7日
    expect(isDutyPeriodRequired('2018-W40', calendar)).toBe(false);
    expect(dutyChaseDay('2018-Q3', calendar)).toBe('2018-10-08');

    const { store, deps } = await bench.setup({ importAt: new Date('2018-06-29T02:00:00Z') });
    await record(store, TV, '2018-09-26', 5);
    for (let day = 1; day <= 7; day++) await deadlineReminders(instantAt(`2018-10-0${day}`, '09:00'), deps);
    expect(dutyChases(await bench.mail())).toEqual([]); // no chase on a holiday
    await deadlineReminders(instantAt('2018-10-08', '09:00'), deps);
    const chases = dutyChases(await bench.mail());
    const xcbChase = chases.find((m) => m.destination.to[0] === XCB)!;
    expect(xcbChase.body.text).toContain(`- ${PAPER}：2018年第39周（9月24日—9月30日）`);
    expect(xcbChase.body.text).not.toContain(TV);
    expect(xcbChase.body.text).not.toContain('第40周');
    // The quarterly disclosure: each of its three units is chased for the third quarter.
    const disclosure = chases.filter((m) => m.body.text?.includes(`- ${DISCLOSURE}：2018年第3季度`)).map((m) => m.destination.to[0]).sort();
    expect(disclosure).toEqual(['hbj.liaison@example.org', 'wjj.liaison@example.org', 'zjj.liaison@example.org']);
  });
});

describe('常态化工作 over the API', () => {
  it('a unit records an occurrence once, sees its record; others and bad input get a Chinese error naming the field', async () => {
    const app = await appBench(dynalite, instantAt('2018-07-11', '21:00'));
    const token = await app.token('市委宣传部');
    const path = `/api/duties/${encodeURIComponent(TV)}/occurrences`;
    const body = { date: '2018-07-11', evidence: ['https://tv.example.org/2018-07-11'], detail: '新闻栏目播出整改专题', minutes: 4 };
    const created = await app.post(path, token, body);
    expect(created.status).toBe(201);
    expect((await read(created)).occurrence).toMatchObject({ duty: TV, unit: '市委宣传部', period: '2018-W28', minutes: 4 });
    expect((await app.post(path, token, body)).status).toBe(200); // a double tap stores once

    const listed = await read(await app.get('/api/duties', token));
    expect(listed.duties.map((d: { name: string }) => d.name).sort()).toEqual([PAPER, TV].sort());
    const tv = listed.duties.find((d: { name: string }) => d.name === TV);
    expect(tv.records[0].periods.at(-1)).toMatchObject({ period: '2018-W28', status: 'done', statusText: '已完成' });

    const bad = async (b: unknown, t = token) => {
      const res = await app.post(path, t, b);
      return { status: res.status, error: (await read(res)).error };
    };
    expect(await bad({ ...body, date: '2018-07-12' })).toEqual({ status: 400, error: { code: 'VALIDATION', message: '“日期”（2018-07-12）不能晚于今天（2018-07-11）：只记录已经做过的工作', field: 'date' } });
    expect(await bad({ ...body, date: '2018-02-30' })).toMatchObject({ status: 400, error: { field: 'date', message: '“日期”不是真实存在的日期：2018-02-30' } });
    expect(await bad({ ...body, evidence: [] })).toMatchObject({ status: 400, error: { field: 'evidence', message: '请至少填写1项“佐证材料”' } });
    expect(await bad(body, await app.token('市环保局'))).toMatchObject({ status: 403, error: { message: '市环保局不是常态化工作“绵竹电视台新闻栏目专题报道督察整改工作情况”的责任单位' } });
    expect(await bad(body, await app.officeToken())).toMatchObject({ status: 400, error: { field: 'unit' } });
    expect((await app.post(`/api/duties/${encodeURIComponent('没有的事项')}/occurrences`, token, body)).status).toBe(404);
    // The office records for the unit it names.
    expect((await app.post(path, await app.officeToken(), { ...body, detail: '整改办代记', unit: '市委宣传部' })).status).toBe(201);
  });
});

describe('长期坚持: a closed task keeps a monthly report', () => {
  async function close(store: Store, code: string, on: string) {
    const task = (await store.tasks.get(code))!;
    await store.tasks.update(
      code,
      task.version,
      { ...unversioned(task), status: 'closed', closeOut: { state: 'requested', unit: task.leadUnits[0]!, by: task.leadUnits[0]!, at: instantAt(on, '09:00').toISOString(), summary: '已完成', evidence: ['https://example.org/done'], reviewedBy: office.name, reviewedAt: instantAt(on, '10:00').toISOString() } } as never,
      { type: 'closeout.approved', by: office.name, at: instantAt(on, '10:00').toISOString() },
    );
  }

  it('appears in the next monthly account, and its lead units are chased when it stays silent a month', async () => {
    const { store, deps, reports } = await bench.setup();
    await close(store, 'MZ-7-6', '2018-07-10');
    await close(store, 'MZ-7-7', '2018-07-10');
    expect((await store.continuingTasks()).map((t) => t.code).sort()).toEqual(['MZ-7-6', 'MZ-7-7']);

    await monthlyAccount(instantAt('2018-08-01', '09:30'), deps);
    const july = (await bench.mail()).find((m) => m.subject.startsWith('【月交账】'))!;
    expect(july.body.text).toContain('- MZ-7-6 健全生态环境保护法治体系（市法院、市检察院、市委政法委、市政府法制办、市公安局、市环保局，2018-07-10销号）：本月销号，自下月起每月报送');
    expect((await bench.mail()).filter((m) => m.subject.includes('长期坚持'))).toEqual([]);
    await bench.clearMail();

    // In August 市委宣传部 reports on MZ-7-7 (it counts for the month); nobody reports on MZ-7-6.
    await submitProgress('MZ-7-7', { summary: '社会监督员制度运行正常' }, xcb, instantAt('2018-08-15', '10:00'), 'k1', store);
    await monthlyAccount(instantAt('2018-09-03', '09:30'), deps);
    const mails = await bench.mail();
    const august = mails.find((m) => m.subject.startsWith('【月交账】'))!;
    expect(august.body.text).toContain('- MZ-7-6 健全生态环境保护法治体系（市法院、市检察院、市委政法委、市政府法制办、市公安局、市环保局，2018-07-10销号）：未报送');
    expect(august.body.text).toContain('MZ-7-7 健全全社会共同参与的环境治理体系（市委宣传部、市环保局、市信访局，2018-07-10销号）：已报送');
    const chased = mails.filter((m) => m.subject.includes('长期坚持事项未报送'));
    expect(chased.map((m) => m.destination.to[0]).sort()).toEqual(
      ['fy.liaison@example.org', 'hbj.liaison@example.org', ...(await liaisons(store, ['市检察院', '市委政法委', '市政府法制办', '市公安局']))].sort(),
    );
    expect(chased.find((m) => m.destination.to[0] === 'fy.liaison@example.org')!.body.text).toContain('- MZ-7-6 健全生态环境保护法治体系');
    expect(chased.every((m) => !m.body.text?.includes('MZ-7-7'))).toBe(true);
    // The archived account's page lists it too.
    const published = (await reports.find('monthly-account', '2018-08'))!;
    const page = new TextDecoder().decode((await reports.archive.get(published.page.key))!.body);
    expect(page).toContain('长期坚持事项（已销号，按月报送）');
  });
});

async function liaisons(store: Store, units: string[]): Promise<string[]> {
  return Promise.all(units.map(async (u) => (await store.units.get(u))!.liaison.email));
}

/** A JSON answer, read as the untyped value the API documents. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const read = async (res: Response): Promise<any> => res.json();
