/**
 * The phone form's 常态化工作 and 回头看 sections, for the link's unit only.
 *
 * - formCycle: what the form shows: the unit's duties with this period's state and a sub-form per
 *   duty (date defaulting to today on the server's clock); the closed tasks whose 回头看 is asked of
 *   the unit as lead unit and not yet answered by it.
 * - readCycleEntries: reads the filled sub-forms and checks every one before anything is stored
 *   (what the use cases would refuse is refused here first, so one bad entry stores nothing).
 * - storeCycleEntries: calls the same use cases as the API routes, with the unit as principal.
 * A double tap stores once: an occurrence is keyed by the form's hidden key; a 回头看 the unit has
 * already answered with the same content counts as stored.
 */
import * as z from 'zod';
import type { WorkdayCalendar } from '../core/calendar.ts';
import { cadenceOf, dutyPeriodLabel, dutyPeriodOf, listDuties, recordDutyOccurrence } from '../core/duties.ts';
import { ValidationError } from '../core/errors.ts';
import { isEvidenceId, uploadedFileCount } from '../core/evidence.ts';
import type { Task } from '../core/ledger.ts';
import { answerLookback, currentLookback } from '../core/lookback.ts';
import type { Principal, Store, Versioned } from '../core/ports.ts';
import { localDateOf } from '../core/time.ts';
import { occurrenceBody } from './duties.ts';
import { lookbackBody, parse } from './schemas.ts';

/** Every closed task with a 回头看 still to ask or answer (a sparse index: never the closed history). */
const END_OF_TIME = '9999-12-31';

type FormValues = Record<string, unknown>;
const field = (form: FormValues, name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');

interface CycleDeps {
  store: Store;
  calendar: WorkdayCalendar;
}

/** The closed tasks whose current 回头看 is asked of `unit` (lead unit) and not yet answered by it. */
export async function lookbacksAskedOf(unit: string, at: Date, store: Store): Promise<{ task: Versioned<Task>; round: number; workdays: number }[]> {
  const today = localDateOf(at);
  const pending = await store.lookbacksDueBy(END_OF_TIME);
  return pending.flatMap((task) => {
    if (task.status !== 'closed' || !task.leadUnits.includes(unit)) return [];
    const current = currentLookback(task.closeOut, task.leadUnits);
    if (!current) return [];
    const { lookback, index } = current;
    const asked = lookback.askedOn || (lookback.due && lookback.due <= today);
    if (!asked || lookback.answers.some((a) => a.unit === unit)) return [];
    return [{ task, round: index + 1, workdays: lookback.workdays }];
  });
}

/** What the form shows in its two sections, with the values and errors of a refused submission. */
export async function formCycle(unit: string, at: Date, deps: CycleDeps, values: FormValues = {}, errors: Record<string, string> = {}) {
  const principal: Principal = { kind: 'unit', unit };
  const today = localDateOf(at);
  const [duties, lookbacks] = await Promise.all([listDuties(principal, at, deps), lookbacksAskedOf(unit, at, deps.store)]);
  return {
    today,
    duties: duties.map((d, i) => {
      const current = d.records[0]?.periods.at(-1);
      const period = dutyPeriodOf(d.cadence.period, today);
      return {
        index: i,
        name: d.name,
        cadenceText: d.cadenceText,
        requirement: d.requirement,
        periodLabel: current?.label ?? dutyPeriodLabel(period),
        done: current?.status === 'done',
        statusText: current?.statusText ?? '本周期尚不作要求',
        needsMinutes: d.cadence.minMinutes,
        error: errors[`duty:${d.name}`],
        date: field(values, `duty-date:${d.name}`) || today,
        evidence: field(values, `duty-evidence:${d.name}`),
        detail: field(values, `duty-detail:${d.name}`),
        minutes: field(values, `duty-minutes:${d.name}`),
      };
    }),
    lookbacks: lookbacks.map(({ task, round, workdays }) => ({
      code: task.code,
      title: task.title,
      round,
      workdays,
      closedOn: task.closeOut?.closedOn,
      error: errors[`lookback:${task.code}`],
      holds: field(values, `lookback-holds:${task.code}`),
      summary: field(values, `lookback-summary:${task.code}`),
      evidence: field(values, `lookback-evidence:${task.code}`),
    })),
  };
}

export type OccurrenceEntry = { duty: string; body: z.infer<typeof occurrenceBody> };
export type LookbackEntry = { code: string; body: z.infer<typeof lookbackBody> };

const links = (text: string) => text.split(/\s+/).filter(Boolean);
/** The ids of the files a sub-form's upload block added (one field per file). */
/** The ids of the files a form's upload control `name` kept. */
export const uploaded = (form: FormValues, name: string) => [form[name]].flat().filter((v): v is string => typeof v === 'string' && isEvidenceId(v));

/**
 * The filled duty and 回头看 sub-forms, each checked as the use case would check it. A sub-form
 * naming a duty or task the unit may not answer here is an error, never silently dropped.
 */
export async function readCycleEntries(form: FormValues, unit: string, at: Date, deps: CycleDeps) {
  const today = localDateOf(at);
  const errors: Record<string, string> = {};
  /** Entries the form does not show to this unit: said at the top of the form, since they have no section. */
  const refused: string[] = [];
  const occurrences: OccurrenceEntry[] = [];
  const lookbacks: LookbackEntry[] = [];
  const duties = new Map((await deps.store.duties.list()).filter((d) => d.responsibleUnits.includes(unit)).map((d) => [d.name, d]));
  const asked = new Set((await lookbacksAskedOf(unit, at, deps.store)).map((l) => l.task.code));
  const filled = (prefix: string) =>
    new Set(
      Object.keys(form)
        .filter((k) => k.startsWith(prefix) && field(form, k).trim())
        .map((k) => k.slice(k.indexOf(':') + 1)),
    );
  const uploadedDuties = Object.keys(form).filter((k) => k.startsWith('duty-file:') && uploaded(form, k).length).map((k) => k.slice(k.indexOf(':') + 1));
  const dutyNames = new Set([...filled('duty-evidence:'), ...filled('duty-detail:'), ...filled('duty-minutes:'), ...uploadedDuties]);
  const uploadedCodes = Object.keys(form).filter((k) => k.startsWith('lookback-file:') && uploaded(form, k).length).map((k) => k.slice(k.indexOf(':') + 1));
  const lookbackCodes = new Set([...filled('lookback-holds:'), ...filled('lookback-summary:'), ...filled('lookback-evidence:'), ...uploadedCodes]);

  for (const name of dutyNames) {
    const duty = duties.get(name);
    if (!duty) {
      refused.push(`${unit}不是常态化工作“${name}”的责任单位，不能在此记录`);
      continue;
    }
    try {
      const minutesText = field(form, `duty-minutes:${name}`).trim();
      const body = parse(occurrenceBody, {
        date: field(form, `duty-date:${name}`).trim() || today,
        evidence: [...uploaded(form, `duty-file:${name}`), ...links(field(form, `duty-evidence:${name}`))],
        detail: field(form, `duty-detail:${name}`),
        ...(minutesText ? { minutes: /^\d+$/.test(minutesText) ? Number(minutesText) : minutesText } : {}),
      });
      if (body.date > today) throw new ValidationError(`“日期”（${body.date}）不能晚于今天（${today}）：只记录已经做过的工作`, 'date');
      const cadence = cadenceOf(duty);
      if (cadence.minMinutes && body.minutes === undefined) throw new ValidationError(`“${duty.name}”要求每次不少于${cadence.minMinutes}分钟，请填写“时长（分钟）”`, 'minutes');
      occurrences.push({ duty: name, body });
    } catch (error) {
      errors[`duty:${name}`] = messageOf(error);
    }
  }

  for (const code of lookbackCodes) {
    try {
      const holdsText = field(form, `lookback-holds:${code}`);
      if (holdsText !== 'yes' && holdsText !== 'no') throw new ValidationError('请选择“整改成效是否巩固”：是或否', 'holds');
      const evidence = [...uploaded(form, `lookback-file:${code}`), ...links(field(form, `lookback-evidence:${code}`))];
      const body = parse(lookbackBody, { summary: field(form, `lookback-summary:${code}`), evidence, holds: holdsText === 'yes' });
      if (!asked.has(code) && !(await alreadyAnswered({ code, body }, unit, deps.store))) {
        refused.push(`任务 ${code} 没有要求${unit}报送的回头看`);
        continue;
      }
      lookbacks.push({ code, body });
    } catch (error) {
      errors[`lookback:${code}`] = messageOf(error);
    }
  }
  return { occurrences, lookbacks, errors, refused };
}

/** Stores the checked entries through the same use cases as the API, the unit as principal. */
export async function storeCycleEntries(entries: { occurrences: OccurrenceEntry[]; lookbacks: LookbackEntry[] }, unit: string, at: Date, key: string, store: Store) {
  const principal: Principal = { kind: 'unit', unit };
  const occurrences = [];
  for (const entry of entries.occurrences) {
    const { occurrence } = await recordDutyOccurrence(entry.duty, entry.body, principal, at, store, `${key}:duty:${entry.duty}`);
    occurrences.push(occurrence);
  }
  const lookbacks = [];
  for (const entry of entries.lookbacks) {
    if (!(await alreadyAnswered(entry, unit, store))) await answerLookback(entry.code, entry.body, principal, at, store);
    const task = await store.tasks.get(entry.code);
    lookbacks.push({ code: entry.code, title: task?.title ?? '', holds: entry.body.holds, summary: entry.body.summary, files: uploadedFileCount(entry.body.evidence) });
  }
  return { occurrences, lookbacks };
}

/** A double tap: the unit already gave this very answer to a 回头看 of the task. */
async function alreadyAnswered(entry: LookbackEntry, unit: string, store: Store): Promise<boolean> {
  const task = await store.tasks.get(entry.code);
  return (task?.closeOut?.lookbacks ?? []).some((l) =>
    l.answers.some((a) => a.unit === unit && a.summary === entry.body.summary && a.holds === entry.body.holds && JSON.stringify(a.evidence) === JSON.stringify(entry.body.evidence)),
  );
}

function messageOf(error: unknown): string {
  if (error instanceof ValidationError) return error.message;
  throw error;
}
