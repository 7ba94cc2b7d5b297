/**
 * A level in `propose` mode (L4 挂牌督办 and L5 追责问责 by default) tells the office when the
 * proposal appears: one message to each 整改办 person, through the real outbox and the SES
 * emulator, once per proposal however often the job runs.
 */
import { describe, expect, it } from 'vitest';
import { escalationId, type Escalation } from '../functions/core/cadence/escalation-model.ts';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { instantAt } from '../functions/core/time.ts';
import { useCadenceBench } from './support/cadence.ts';
import { cloneTables, sampleTables } from './support/ledger.ts';

const bench = useCadenceBench();

/** The sample ledger cut down to one task, overdue since 2018-09-20. */
function oneOverdueTask() {
  const tables = cloneTables(sampleTables());
  const tasks = tables.find((t) => t.sheet === '任务清单')!;
  const row = tasks.rows.find((r) => r.cells['督办领导'])!;
  row.cells['整改时限'] = '2018年9月20日前';
  row.cells['阶段节点'] = '';
  tasks.rows = [row];
  return { tables, code: row.cells['任务编号']! };
}

describe('a proposed escalation', () => {
  it('sends each 整改办 person one message naming the unit, the level, why and where to decide; a second run, that day or the next, sends none', async () => {
    const { tables, code } = oneOverdueTask();
    const { store, deps } = await bench.setup({ tables, importAt: new Date('2018-09-03T02:00:00Z') });
    const task = (await store.tasks.get(code))!;
    const unit = task.leadUnits[0]!;
    // The unit has stood at 约谈 since 2018-10-18; 20 workdays later it is due for 挂牌督办, which the office decides.
    const l3: Escalation = {
      id: escalationId(unit),
      unit,
      level: 3,
      open: true,
      tasks: [{ code, title: task.title, reasons: ['已超过整改时限（2018-09-20）'], since: '2018-09-21' }],
      levelSince: '2018-10-18',
      notified: 3,
      liftable: false,
      steps: [{ level: 3, on: '2018-10-18', why: '通报后10个工作日仍未整改到位' }],
      decisions: [],
      interviews: [],
    };
    await store.escalations.create(l3, { type: 'test', by: 'test', at: '2018-10-18T00:30:00Z' });
    const due = deps.calendar.addWorkdays('2018-10-18', 20);
    await bench.clearMail();

    await runJob('escalation', instantAt(due, '08:30'), deps);
    expect(await store.escalations.get(escalationId(unit))).toMatchObject({ level: 3, proposal: { level: 4, on: due } });
    const office = (await store.people.list()).filter((p) => p.roles.includes('整改办'));
    expect(office.length).toBeGreaterThan(0);
    const mails = await bench.mail();
    // Nothing goes to the level's people before the office confirms; the office hears of the proposal.
    expect(mails.filter((m) => m.subject.startsWith('【挂牌督办】'))).toEqual([]);
    const proposals = mails.filter((m) => m.subject.startsWith('【升级建议】'));
    expect(proposals.map((m) => m.destination.to).flat().sort()).toEqual(office.map((p) => p.email).sort());
    for (const mail of proposals) {
      expect(mail.subject).toBe(`【升级建议】${unit}：建议升级为挂牌督办，请确认或不予升级`);
      const text = mail.body.text!;
      expect(text).toContain(`【建议升级为挂牌督办】${unit}（现为约谈，自`);
      expect(text).toContain('理由：约谈后20个工作日仍未整改到位（1项任务）');
      expect(text).toContain(`- ${code} ${task.title}：已超过整改时限（2018-09-20）`);
      expect(text).toContain('请在管理后台“督办升级”页确认或不予升级（须填写理由）：http://duban.example.org/escalations');
      expect(mail.body.html).toContain('href="http://duban.example.org/escalations"');
    }

    // A run that sent the message and was cut short before writing the proposal: the retry proposes
    // again and the outbox, holding the notice's id, sends nothing twice.
    await bench.clearMail();
    const proposed = (await store.escalations.get(escalationId(unit)))!;
    await store.escalations.update(proposed.id, proposed.version, l3, { type: 'test', by: 'test', at: instantAt(due, '08:31').toISOString() });
    await runJob('escalation', instantAt(due, '08:30'), deps);
    expect(await store.escalations.get(escalationId(unit))).toMatchObject({ level: 3, proposal: { level: 4, on: due } });
    // The job run again the same day, then the next workday: no second message either.
    await runJob('escalation', instantAt(due, '08:30'), deps);
    await runJob('escalation', instantAt(due, '11:00'), deps);
    await runJob('escalation', instantAt(deps.calendar.addWorkdays(due, 1), '08:30'), deps);
    expect((await bench.mail()).filter((m) => m.subject.startsWith('【升级建议】'))).toEqual([]);
    expect(await store.escalations.get(escalationId(unit))).toMatchObject({ level: 3, proposal: { level: 4, on: due } });
  });
});
