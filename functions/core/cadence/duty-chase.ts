/**
 * 常态化工作 催办. Input: the instant the daily deadline-reminder job fires. Output: the drafts of
 * one 催办 per unit that let a duty period end without its occurrences, on the first workday after
 * the period (a week ending on a make-up Sunday is chased after the holiday that follows), and a
 * record of each (duty, unit, period) chased, which the circular and the monthly account show.
 * Reads the duties (a few dozen) and each one's occurrences of the periods chased today.
 */
import { cadenceOf, cadenceText, dutyChaseDay, isAskedIn, dutyPeriodLabel, dutyPeriodOf, dutyStatus } from '../duties.ts';
import { isActiveUnit } from '../ledger.ts';
import type { DutyChase } from '../ports.ts';
import { addDays, localDateOf } from '../time.ts';
import type { JobDeps, NoticeDraft } from './job.ts';
import { liaisonOf } from './snapshot.ts';

export interface DutyChases {
  drafts: NoticeDraft[];
  /** Kept once the drafts are sent. */
  chases: DutyChase[];
}

export async function missedDutyChases(at: Date, deps: Pick<JobDeps, 'store' | 'calendar' | 'links'>): Promise<DutyChases> {
  const today = localDateOf(at);
  const duties = await deps.store.duties.list();
  if (!duties.length) return { drafts: [], chases: [] };
  // Periods chased today ended between the last workday (included) and yesterday.
  const since = deps.calendar.previousWorkdayOnOrBefore(addDays(today, -1));
  const units = new Map((await deps.store.units.list()).filter(isActiveUnit).map((u) => [u.name, u]));
  const items = new Map<string, { duty: string; period: string; cadence: string; requirement: string; count: number; minCount: number }[]>();
  const chases: DutyChase[] = [];
  for (const duty of duties) {
    const cadence = cadenceOf(duty);
    const periods = new Set<string>();
    for (let day = since; day < today; day = addDays(day, 1)) {
      const period = dutyPeriodOf(cadence.period, day);
      if (dutyChaseDay(period, deps.calendar) === today && isAskedIn(duty, period)) periods.add(period);
    }
    for (const period of periods) {
      const occurrences = await deps.store.dutyOccurrences(duty.name, period, period);
      for (const unit of duty.responsibleUnits.filter((u) => units.has(u))) {
        const { status, count } = dutyStatus(cadence, period, occurrences.filter((o) => o.unit === unit), today, deps.calendar);
        if (status !== 'missed') continue;
        items.set(unit, [...(items.get(unit) ?? []), { duty: duty.name, period: dutyPeriodLabel(period), cadence: cadenceText(cadence), requirement: duty.requirement, count, minCount: cadence.minCount }]);
        chases.push({ duty: duty.name, unit, period, on: today });
      }
    }
  }
  const drafts = [...items].map(([unit, rows]) => ({
    kind: 'duty-chase',
    to: liaisonOf(units.get(unit)!),
    data: { unit, items: rows, reportUrl: deps.links.reportForm(unit, at) },
  }));
  return { drafts, chases };
}
