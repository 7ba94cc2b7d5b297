/**
 * 延期 on the sample ledger, on real parts: the HTTP app over dynalite for the requests and the
 * review, the SES emulator for the reminders, the compiled 台账 workbook for the record.
 * MZ-6-5 (2018年10月底前, due 2018-10-31) is led by 市国土局、市规划局、市环保局; 各乡镇 share it.
 */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { deadlineReminders } from '../functions/core/cadence/deadline-reminders.ts';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { requestExtension, reviewExtension } from '../functions/core/extension.ts';
import { compileReport } from '../functions/core/reports/model.ts';
import { instantAt } from '../functions/core/time.ts';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';
import { reportWorkbook } from '../functions/reports/workbook.ts';
import { appLinks } from '../functions/wiring.ts';
import { appBench } from './support/app.ts';
import { codesIn, useCadenceBench } from './support/cadence.ts';
import { sampleTables } from './support/ledger.ts';
import { useDynalite } from './support/store.ts';

const bench = useCadenceBench();
const dynalite = useDynalite();
const calendar = defaultCalendar();
const CODE = 'MZ-6-5';
const office = { kind: 'office', name: '唐文博' } as const;
const gtj = { kind: 'unit', unit: '市国土局' } as const;

describe('延期 over the API', () => {
  it('a lead unit asks once; the office approves: the deadline moves, the original stays in the history', async () => {
    const app = await appBench(dynalite, instantAt('2018-10-15', '10:00'));
    const unit = await app.token('市国土局');
    const officeToken = await app.officeToken();
    const ask = (token: string, body: unknown) => app.post(`/api/tasks/${CODE}/extension`, token, body);
    const review = (body: unknown, token = officeToken) => app.post(`/api/tasks/${CODE}/extension/review`, token, body);
    const error = async (res: Response) => ({ status: res.status, error: (await read(res)).error });

    expect(await error(await ask(unit, { until: '2018-10-20', reason: '' }))).toMatchObject({ status: 400, error: { field: 'reason', message: '“延期理由”不能为空' } });
    expect(await error(await ask(unit, { until: '2018-10-30', reason: '补充勘界' }))).toMatchObject({ status: 400, error: { field: 'until', message: '“延期至”（2018-10-30）应晚于现在的整改时限（2018-10-31）' } });
    expect(await error(await ask(await app.token('土门镇'), { until: '2018-11-30', reason: '补充勘界' }))).toMatchObject({ status: 403, error: { message: '延期由牵头单位申请：土门镇不是任务 MZ-6-5 的牵头单位' } });

    const asked = await ask(unit, { until: '2018-12-01', reason: '需补充勘界，冬季前完成' });
    expect(asked.status).toBe(202);
    expect((await read(asked)).task.extension).toMatchObject({ state: 'requested', until: '2018-12-01', from: '2018-10-31', unit: '市国土局', requests: 1 });
    expect(await error(await ask(unit, { until: '2018-12-10', reason: '再延' }))).toMatchObject({ status: 400, error: { message: '任务 MZ-6-5 已有待审核的延期申请（申请延至 2018-12-01）' } });
    expect(await error(await review({ decision: 'approve' }, unit))).toMatchObject({ status: 403, error: { message: '只有整改办可以审核延期申请' } });

    const approved = await review({ decision: 'approve', reason: '同意' });
    expect(approved.status).toBe(200);
    const task = (await read(approved)).task;
    // 2018-12-01 is a Saturday: the new deadline falls on the next workday.
    expect(task.deadline).toMatchObject({ kind: 'date', nominal: '2018-12-01', due: '2018-12-03', text: '2018年12月1日前（经批准延期；原整改时限：2018年10月底前）' });
    expect(task.originalDeadline).toMatchObject({ text: '2018年10月底前', due: '2018-10-31' });

    const history = await read(await app.get(`/api/tasks/${CODE}/history`, officeToken));
    expect(history.events.map((e: { type: string }) => e.type).slice(-2)).toEqual(['extension.requested', 'extension.approved']);
    expect(history.events.at(-1).detail).toMatchObject({ from: '2018-10-31', to: '2018-12-03', original: '2018年10月底前', originalDue: '2018-10-31' });

    // Once per task without the office's leave.
    expect(await error(await ask(unit, { until: '2018-12-20', reason: '再延' }))).toMatchObject({ status: 403, error: { message: '任务 MZ-6-5 已申请过延期；每项任务只能申请一次，确需再次延期的，请先征得整改办同意' } });
  });

  it('a returned request leaves the deadline; with the office’s leave the unit may ask again', async () => {
    const app = await appBench(dynalite, instantAt('2018-10-15', '10:00'));
    const unit = await app.token('市规划局');
    const officeToken = await app.officeToken();
    await app.post(`/api/tasks/${CODE}/extension`, unit, { until: '2018-11-30', reason: '规划调整' });
    const noReason = await app.post(`/api/tasks/${CODE}/extension/review`, officeToken, { decision: 'return' });
    expect(noReason.status).toBe(400);
    expect((await read(noReason)).error).toMatchObject({ field: 'reason', message: '退回延期申请须写明理由' });
    const returned = await app.post(`/api/tasks/${CODE}/extension/review`, officeToken, { decision: 'return', reason: '理由不充分，请补充材料', allowAnother: true });
    const task = (await read(returned)).task;
    expect(task.deadline).toMatchObject({ text: '2018年10月底前', due: '2018-10-31' });
    expect(task.originalDeadline).toBeUndefined();
    expect(task.extension).toMatchObject({ state: 'returned', reviewReason: '理由不充分，请补充材料', leave: true });
    const again = await app.post(`/api/tasks/${CODE}/extension`, unit, { until: '2018-11-30', reason: '规划调整，附会议纪要' });
    expect(again.status).toBe(202);
    expect((await read(again)).task.extension).toMatchObject({ state: 'requested', requests: 2 });
  });
});

describe('延期 and the cadence', () => {
  const remindersOn = async (deps: Parameters<typeof deadlineReminders>[1], day: string) => {
    await bench.clearMail();
    await deadlineReminders(instantAt(day, '09:00'), deps);
    return new Set((await bench.mail()).flatMap((m) => [...codesIn(m.body.text)]));
  };

  it('an approved extension moves the reminders, keeps the original in the 台账 workbook and is listed in the circular; a re-import keeps it', async () => {
    const { store, deps } = await bench.setup();
    const originalReminder = calendar.addWorkdays('2018-10-31', -3);
    await requestExtension(CODE, { until: '2018-12-01', reason: '需补充勘界' }, gtj, instantAt('2018-10-15', '10:00'), { store, calendar });
    await reviewExtension(CODE, { approve: true, reason: '同意' }, office, instantAt('2018-10-16', '10:00'), { store, calendar });

    expect(await remindersOn(deps, originalReminder)).not.toContain(CODE);
    expect(await remindersOn(deps, calendar.addWorkdays('2018-12-03', -3))).toContain(CODE);

    const report = await compileReport('weekly-circular', '2018-W42', { ...deps, links: appLinks('http://duban.example.org', 'a-test-secret-of-at-least-32-characters') });
    expect(report.extensions).toEqual([
      { code: CODE, title: expect.any(String), unit: '市国土局', original: '2018年10月底前（2018-10-31）', until: '2018-12-01', state: '已批准', reason: '需补充勘界', reviewReason: '同意' },
    ]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await reportWorkbook(report)) as unknown as ArrayBuffer);
    const cells: string[] = [];
    workbook.eachSheet((sheet) =>
      sheet.eachRow((row) => {
        const values = (row.values as unknown[]).map(String);
        if (values.includes(CODE)) cells.push(...values);
      }),
    );
    expect(cells).toContain('2018年12月1日前（经批准延期；原整改时限：2018年10月底前）');

    // The office re-imports its unchanged workbook: the approved extension stands.
    const summary = await importLedger(sampleTables(), { at: new Date('2018-10-17T02:00:00Z'), by: 'office', source: 'again' }, { store, calendar });
    expect(summary.ok).toBe(true);
    expect((await store.tasks.get(CODE))!.deadline).toMatchObject({ due: '2018-12-03' });
  });

  it('a returned extension leaves the reminders where they were', async () => {
    const { store, deps } = await bench.setup();
    await requestExtension(CODE, { until: '2018-12-01', reason: '需补充勘界' }, gtj, instantAt('2018-10-15', '10:00'), { store, calendar });
    await reviewExtension(CODE, { approve: false, reason: '请按期完成' }, office, instantAt('2018-10-16', '10:00'), { store, calendar });
    expect(await remindersOn(deps, calendar.addWorkdays('2018-10-31', -3))).toContain(CODE);
    expect(await remindersOn(deps, calendar.addWorkdays('2018-12-03', -3))).not.toContain(CODE);
  });
});

/** A JSON answer, read as the untyped value the API documents. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const read = async (res: Response): Promise<any> => res.json();
