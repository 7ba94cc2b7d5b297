import { describe, expect, it } from 'vitest';
import { VersionConflictError } from '../functions/core/errors.ts';
import type { Task } from '../functions/core/ledger.ts';
import { useDynalite } from './support/store.ts';

const dynalite = useDynalite();

function task(overrides: Partial<Task> = {}): Task {
  return {
    code: 'MZ-3-3',
    category: '以全面落实河长制为重点坚决打好碧水攻坚战',
    problem: '饮用水水源地保护不到位',
    title: '实施饮用水环境安全保障行动',
    target: '全面完成城市集中式饮用水水源地的排查整治任务',
    measures: '强化饮用水水源保护',
    leadUnitsText: '市环保局、市水务局',
    responsibleUnitsText: '各乡镇',
    leadUnits: ['市环保局', '市水务局'],
    responsibleUnits: ['剑南街道', '东北镇'],
    overseers: [],
    deadline: { kind: 'date', text: '2018年底前', nominal: '2018-12-31', due: '2019-01-02', ongoingAfter: false },
    milestones: [{ nominal: '2018-09-30', due: '2018-09-30', content: '完成排查' }],
    notes: '',
    status: 'open',
    ...overrides,
  };
}

const event = (by: string, at = '2018-07-09T01:00:00.000Z') => ({ type: 'task.edited', by, at });

describe('the task store', () => {
  it('lets one of two concurrent updates win; the other gets a version conflict and loses nothing on retry', async () => {
    const store = await dynalite.fresh();
    const created = await store.tasks.create(task(), { type: 'task.created', by: 'import:sample', at: '2018-07-04T02:00:00.000Z' });
    expect(created.version).toBe(1);

    const results = await Promise.allSettled([
      store.tasks.update('MZ-3-3', 1, { ...task(), target: '目标甲' }, event('a@example.org')),
      store.tasks.update('MZ-3-3', 1, { ...task(), measures: '措施乙' }, event('b@example.org')),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(VersionConflictError);
    expect((lost[0]!.reason as VersionConflictError).message).toContain('已被他人修改');

    // The loser reloads and reapplies its change on top of the winner's.
    const current = (await store.tasks.get('MZ-3-3'))!;
    expect(current.version).toBe(2);
    const loserWantedTarget = current.target === '目标甲' ? false : true;
    const retried = loserWantedTarget
      ? await store.tasks.update('MZ-3-3', 2, { ...current, target: '目标甲' }, event('a@example.org'))
      : await store.tasks.update('MZ-3-3', 2, { ...current, measures: '措施乙' }, event('b@example.org'));
    expect(retried.target).toBe('目标甲');
    expect(retried.measures).toBe('措施乙');

    const history = await store.auditEvents('TASK#MZ-3-3');
    expect(history.map((e) => e.version)).toEqual([1, 2, 3]);
    expect(new Set(history.slice(1).map((e) => e.by))).toEqual(new Set(['a@example.org', 'b@example.org']));
  });

  it("lists a unit's open tasks and drops a task from them once it is closed", async () => {
    const store = await dynalite.fresh();
    await store.tasks.create(task(), event('office'));
    await store.tasks.create(task({ code: 'MZ-3-4', leadUnits: ['市城管局'], responsibleUnits: ['东北镇'] }), event('office'));

    expect((await store.unitOpenTasks('东北镇')).map((l) => l.code).sort()).toEqual(['MZ-3-3', 'MZ-3-4']);
    expect(await store.unitOpenTasks('市环保局')).toEqual([{ unit: '市环保局', code: 'MZ-3-3', role: 'lead' }]);

    await store.tasks.update('MZ-3-4', 1, task({ code: 'MZ-3-4', leadUnits: ['市城管局'], responsibleUnits: ['东北镇'], status: 'closed' }), event('office'));
    expect((await store.unitOpenTasks('东北镇')).map((l) => l.code)).toEqual(['MZ-3-3']);
  });

  it('finds open tasks and milestones due by a date, and forgets closed ones', async () => {
    const store = await dynalite.fresh();
    await store.tasks.create(task(), event('office'));
    await store.tasks.create(task({ code: 'MZ-1-1', deadline: { kind: 'ongoing', text: '长期坚持' }, milestones: [] }), event('office'));

    expect(await store.dueOnOrBefore('2018-09-29')).toEqual([]);
    expect(await store.dueOnOrBefore('2018-09-30')).toEqual([
      { kind: 'milestone', code: 'MZ-3-3', due: '2018-09-30', content: '完成排查' },
    ]);
    expect((await store.dueOnOrBefore('2019-01-02')).map((d) => d.kind)).toEqual(['milestone', 'task']);

    await store.tasks.update('MZ-3-3', 1, task({ status: 'closed' }), event('office'));
    expect(await store.dueOnOrBefore('2019-12-31')).toEqual([]);
  });

  it('stores a progress report once however often it is sent, and knows who reported in a week', async () => {
    const store = await dynalite.fresh();
    const report = {
      id: 'key-1',
      code: 'MZ-3-3',
      unit: '东北镇',
      period: '2018-W28',
      summary: '完成3处水源地排查',
      evidence: [],
      by: '东北镇',
      at: '2018-07-10T02:00:00.000Z',
    };
    expect(await store.recordProgress(report)).toBe(true);
    expect(await store.recordProgress(report)).toBe(false);
    expect(await store.progressInPeriod('MZ-3-3', '2018-W28')).toHaveLength(1);
    expect(await store.progressInPeriod('MZ-3-3', '2018-W29')).toHaveLength(0);
    expect(await store.unitsReportedInPeriod('2018-W28')).toEqual(new Set(['东北镇']));
  });
});
