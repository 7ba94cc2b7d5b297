/**
 * 追责问责移送材料: a lead unit's whole record, gathered when the office confirms L5, for the
 * 纪委监委 contact. Input: the escalation and the day. Output: the unit, its lagging tasks with
 * their causes and dates, every 催办 for missing reports and every escalation notice, every
 * progress report on those tasks, every step and decision of the escalation, and every 约谈 it
 * opened. Reads one escalation's worth of items (the unit's tasks, reports and 约谈), never history at large.
 */
import type { Interview, ReferralRecord } from './cadence/escalation-model.ts';
import { levelNames, type Escalation } from './cadence/escalation-model.ts';
import type { Store } from './ports.ts';

export async function referralRecord(escalation: Escalation, today: string, store: Store): Promise<ReferralRecord> {
  const unit = await store.units.get(escalation.unit);
  const codes = [...new Set([...escalation.tasks.map((t) => t.code), ...(await interviewsOf(escalation, store)).flatMap((i) => i.codes)])];
  const lag = new Map(escalation.tasks.map((t) => [t.code, t]));
  const tasks = (await Promise.all(codes.map((code) => store.tasks.get(code)))).filter((t) => t !== undefined);
  const reports = (await Promise.all(tasks.map((t) => store.progressOf(t.code)))).flat();
  const chases = await store.chasesOfUnit(escalation.unit);
  const reminders = [
    ...chases.map((c) => ({ on: c.on, kind: '催办（未报送周进展）', content: `${c.period}：${c.tasks.map((t) => `${t.code}（${t.role === 'lead' ? '牵头' : '责任'}）`).join('、')}` })),
    ...escalation.steps.filter((s) => s.level > 0).map((s) => ({ on: s.on, kind: `督办升级：${levelNames[s.level]}`, content: s.why })),
  ].sort((a, b) => a.on.localeCompare(b.on));
  return {
    unit: {
      name: escalation.unit,
      type: unit?.type ?? '',
      liaison: unit ? `${unit.liaison.name}（${unit.liaison.email}）` : '',
      head: unit ? `${unit.head.name}（${unit.head.email}）` : '',
    },
    preparedOn: today,
    escalation,
    tasks: tasks.map((t) => ({
      code: t.code,
      title: t.title,
      deadline: t.deadline.text,
      due: t.deadline.kind === 'ongoing' ? '' : t.deadline.due,
      leadUnits: t.leadUnitsText,
      responsibleUnits: t.responsibleUnitsText,
      overseers: t.overseers.join('、'),
      reasons: lag.get(t.code)?.reasons.join('；') ?? '',
      since: lag.get(t.code)?.since ?? '',
    })),
    reminders,
    reports: reports
      .sort((a, b) => a.at.localeCompare(b.at))
      .map((r) => ({ code: r.code, period: r.period, at: r.at, unit: r.unit, summary: r.summary, ...(r.percent !== undefined ? { percent: r.percent } : {}) })),
    interviews: await interviewsOf(escalation, store),
  };
}

async function interviewsOf(escalation: Escalation, store: Store): Promise<Interview[]> {
  return (await Promise.all(escalation.interviews.map((id) => store.interviews.get(id)))).filter((i) => i !== undefined);
}
