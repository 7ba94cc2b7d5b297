/**
 * The office's rectification cycle from the command line (no sandbox: the CLI opens the data
 * folder's embedded store itself and acts at the terminal's instant): 销号 review, 公示 objections,
 * 常态化工作 recorded for a unit, and 延期 decisions, through the same use cases as the API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestCloseOut } from '../functions/core/closeout.ts';
import { requestExtension } from '../functions/core/extension.ts';
import type { Store } from '../functions/core/ports.ts';
import { runCli, type CliIo } from '../functions/local/cli.ts';
import { connectLocal } from '../functions/local/local-env.ts';
import { readLocalSettings, SAMPLE_LEDGER } from '../functions/local/settings.ts';
import { loadCalendar } from '../functions/wiring.ts';

const dir = mkdtempSync(join(tmpdir(), 'duban-cli-cycle-'));
const env = { ...process.env, DUBAN_DATA_DIR: join(dir, 'data'), DUBAN_DYNAMODB_PORT: '1', DUBAN_SES_PORT: '1', DUBAN_HTTP_PORT: '1' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The terminal's instant: a Wednesday of week 29, 2018. */
let now = new Date('2018-07-18T10:00:00+08:00');

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), now: () => now };
  const code = await runCli(argv, io, env);
  // The line after the instant a deciding command announces.
  return { code, out: out.join('\n'), err: err.join('\n'), said: err.at(-1) };
}

/** What a unit does over the API, done here on the same store (the CLI has no unit verbs). */
async function withStore<T>(use: (store: Store) => Promise<T>): Promise<T> {
  const local = await connectLocal(readLocalSettings(env));
  try {
    return await use(local.deps.store);
  } finally {
    await local.close();
  }
}

beforeAll(async () => {
  const imported = await cli('import', SAMPLE_LEDGER, '--at', '2018-07-09T09:00');
  expect(imported.code).toBe(0);
}, 60_000);

describe('npx duban closeout', () => {
  it('approves a close-out into 公示, lists it with its dates, and an objection sends it back to 整改中', async () => {
    await withStore((store) =>
      requestCloseOut('MZ-6-3', { summary: '城区油烟整治全部完成', evidence: ['https://example.org/mz-6-3.pdf'] }, { kind: 'unit', unit: '市城管局' }, new Date('2018-07-17T15:00:00+08:00'), store),
    );
    const queue = await cli('closeout');
    expect(queue.code).toBe(0);
    expect(queue.out).toContain('待整改办审核（1项）：');
    expect(queue.out).toMatch(/^ {2}MZ-6-3 .+ 市城管局于2018-07-17申请$/m);

    const approved = await cli('closeout', 'MZ-6-3', '--approve', '--by', '唐文博');
    expect(approved.code).toBe(0);
    expect(approved.err).toBe('按当前时间 2018-07-18 10:00（北京时间）执行');
    // Five workdays from the day after approval: Thursday 19 July to Wednesday 25 July.
    expect(approved.out).toBe('已同意任务 MZ-6-3 销号，进入公示：2018-07-19 至 2018-07-25');
    const underNotice = await withStore((store) => store.tasks.get('MZ-6-3'));
    expect(underNotice).toMatchObject({ status: 'notice', closeOut: { state: 'publicNotice', reviewedBy: '唐文博', publicNotice: { from: '2018-07-19', until: '2018-07-25' } } });
    expect((await cli('closeout')).out).toMatch(/^公示中（1项）：\n {2}MZ-6-3 .+ 公示 2018-07-19 至 2018-07-25$/m);

    now = new Date('2018-07-20T11:00:00+08:00');
    const objected = await cli('closeout', 'MZ-6-3', '--objection', '南街仍有餐馆油烟直排', '--source', '来电', '--by', '谢婉婷');
    expect(objected.code).toBe(0);
    expect(objected.out).toBe('已登记任务 MZ-6-3 的公示异议，任务退回整改中：退回：公示期间收到异议：南街仍有餐馆油烟直排');
    const returned = await withStore((store) => store.tasks.get('MZ-6-3'));
    expect(returned).toMatchObject({ status: 'open', closeOut: { state: 'returned', objections: [{ content: '南街仍有餐馆油烟直排', source: '来电', by: '谢婉婷' }] } });
    expect((await cli('closeout')).out).toBe('没有进行中的销号申请、公示或到期的回头看。');
  });

  it('refuses in Chinese: an objection outside 公示, a review with nothing to review, a --by who is not of the office and two actions at once', async () => {
    const outside = await cli('closeout', 'MZ-6-3', '--objection', '再次反映', '--by', '唐文博');
    expect(outside.code).toBe(1);
    expect(outside.err).toContain('错误：任务 MZ-6-3 不在公示期内，不能登记异议');

    const nothing = await cli('closeout', 'MZ-6-4', '--return', '--by', '唐文博');
    expect(nothing.code).toBe(1);
    expect(nothing.err).toContain('错误：任务 MZ-6-4 没有待审核的销号申请');

    const notOffice = await cli('closeout', 'MZ-6-3', '--reopen', '--reason', '反弹', '--by', '周德胜');
    expect(notOffice.code).toBe(2);
    expect(notOffice.said).toBe('“周德胜”不是整改办人员：--by 应为“领导与联系人”表中角色为整改办的人员');

    const twoActions = await cli('closeout', 'MZ-6-3', '--approve', '--return', '--by', '唐文博');
    expect(twoActions.code).toBe(2);
    expect(twoActions.said).toBe('请选择 --approve、--return、--objection 或 --reopen 之一');
    expect((await withStore((store) => store.tasks.get('MZ-6-3')))?.status).toBe('open');
  });
});

describe('npx duban duty', () => {
  const duty = '《今日绵竹》中央环境保护督察整改专栏';

  it('records an occurrence for a unit, and the listing shows it in the current week', async () => {
    now = new Date('2018-07-18T10:00:00+08:00');
    const recorded = await cli('duty', duty, '--unit', '市委宣传部', '--date', '2018-07-17', '--evidence', '《今日绵竹》2018年7月17日第2版', '--detail', '专栏刊发河长制落实情况', '--by', '唐文博');
    expect(recorded.code).toBe(0);
    expect(recorded.out).toBe(`已记录：市委宣传部 2018-07-17 “${duty}”（计入2018-W29）`);
    const stored = await withStore((store) => store.dutyOccurrences(duty, '2018-W29', '2018-W29'));
    expect(stored).toMatchObject([{ unit: '市委宣传部', date: '2018-07-17', evidence: ['《今日绵竹》2018年7月17日第2版'], detail: '专栏刊发河长制落实情况', by: '唐文博' }]);

    const again = await cli('duty', duty, '--unit', '市委宣传部', '--date', '2018-07-17', '--evidence', '《今日绵竹》2018年7月17日第2版', '--detail', '专栏刊发河长制落实情况', '--by', '唐文博');
    expect(again.out).toBe(`此前已记录过同一次，未重复记录：市委宣传部 2018-07-17 “${duty}”（计入2018-W29）`);

    const listed = await cli('duty');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(new RegExp(`^${duty}（每周不少于1次）  责任单位：市委宣传部\\n  市委宣传部  .*2018年第29周（7月16日—7月22日）：已完成$`, 'm'));
  });

  it('refuses a future date, a unit not responsible and an unknown duty, naming what is wrong', async () => {
    const future = await cli('duty', duty, '--unit', '市委宣传部', '--date', '2018-07-19', '--evidence', '第3版', '--by', '唐文博');
    expect(future.code).toBe(1);
    expect(future.said).toBe('错误：“日期”（2018-07-19）不能晚于今天（2018-07-18）：只记录已经做过的工作');
    const badDate = await cli('duty', duty, '--unit', '市委宣传部', '--date', '7月17日', '--evidence', '第3版', '--by', '唐文博');
    expect(badDate.said).toBe('错误：“日期”应写作 YYYY-MM-DD');
    const otherUnit = await cli('duty', duty, '--unit', '市环保局', '--date', '2018-07-17', '--evidence', '第3版', '--by', '唐文博');
    expect(otherUnit.code).toBe(1);
    expect(otherUnit.said).toBe(`错误：市环保局不是常态化工作“${duty}”的责任单位`);
    const unknown = await cli('duty', '不存在的事项', '--unit', '市委宣传部', '--date', '2018-07-17', '--evidence', '第3版', '--by', '唐文博');
    expect(unknown.said).toBe('错误：没有名为“不存在的事项”的常态化工作');
    expect(await withStore((store) => store.dutyOccurrences(duty, '2018-W29', '2018-W29'))).toHaveLength(1);
  });
});

describe('npx duban extension', () => {
  it('lists a pending request, and approving it moves the deadline off the New Year holiday', async () => {
    now = new Date('2018-07-18T10:00:00+08:00');
    await withStore(async (store) =>
      requestExtension('MZ-6-2', { until: '2018-12-30', reason: '船舶污染防治设施改造需跨冬季施工' }, { kind: 'unit', unit: '市交通局' }, now, { store, calendar: await loadCalendar(store) }),
    );
    const pending = await cli('extension');
    expect(pending.code).toBe(0);
    expect(pending.out).toMatch(/^MZ-6-2 .+ 市交通局于2018-07-18申请延至 2018-12-30（现整改时限：2018年11月30日前）  理由：船舶污染防治设施改造需跨冬季施工$/);

    const approved = await cli('extension', 'MZ-6-2', '--approve', '--by', '唐文博');
    expect(approved.code).toBe(0);
    expect(approved.out).toBe('已同意任务 MZ-6-2 延期：整改时限改为 2019-01-02（2018年12月30日前（经批准延期；原整改时限：2018年11月30日前））');
    const task = await withStore((store) => store.tasks.get('MZ-6-2'));
    expect(task).toMatchObject({ deadline: { due: '2019-01-02', nominal: '2018-12-30' }, originalDeadline: { due: '2018-11-30' }, extension: { state: 'approved', reviewedBy: '唐文博' } });
    expect((await cli('extension')).out).toBe('没有待审核的延期申请。');

    const again = await cli('extension', 'MZ-6-2', '--return', '--reason', '重复', '--by', '唐文博');
    expect(again.code).toBe(1);
    expect(again.err).toContain('错误：任务 MZ-6-2 没有待审核的延期申请');
  });
});
