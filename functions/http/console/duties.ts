/**
 * 常态化工作: each duty's record per unit and period (done, missed, chased), the occurrences of
 * those periods (newest first) with their 佐证材料 — photos side by side with the time and place
 * they were taken, documents linked, a photo taken long before its period flagged — and a form for
 * the office to record an occurrence for a unit. The same use cases as `GET /api/duties` and
 * `POST /api/duties/{name}/occurrences` (core/duties.ts); a leader reads the page only.
 */
import type { Context, Hono } from 'hono';
import { DubanError } from '../../core/errors.ts';
import { dutyPeriodLabel, dutyPeriodRange, listDuties, recordDutyOccurrence } from '../../core/duties.ts';
import type { DutyOccurrence } from '../../core/ports.ts';
import { localDateOf } from '../../core/time.ts';
import type { AppDeps } from '../deps.ts';
import { occurrenceBody } from '../duties.ts';
import { consoleEvidence, evidenceCsp } from '../evidence.ts';
import { pathParam } from '../params.ts';
import { parse } from '../schemas.ts';
import { formOf, officeOf, sessionIn, textField, type ConsoleEnv } from '../session.ts';
import { consolePage, refusal } from './office.ts';
import { shanghai } from './overview.ts';

export function dutySection(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  const page = async (c: Context<ConsoleEnv>, extra: { notice?: string; error?: string; errorDuty?: string; values?: Record<string, string> } = {}, status: 200 | 201 | 400 | 403 | 404 | 409 | 503 = 200) => {
    const session = sessionIn(c);
    const at = deps.clock();
    // The office's view of every duty: leaders read the same record.
    const listed = await listDuties({ kind: 'office', name: session.person }, at, { store: deps.store, calendar: await deps.calendar() });
    const duties = await Promise.all(
      listed.map(async (d) => {
        const periods = d.records[0]?.periods.map((p) => p.period) ?? [];
        const occurrences = periods.length ? await deps.store.dutyOccurrences(d.name, periods[0]!, periods.at(-1)!) : [];
        return {
          ...d,
          periods: d.records[0]?.periods.map((p) => p.label) ?? [],
          records: d.records.map((r) => ({ unit: r.unit, periods: r.periods.map((p) => ({ ...p, missed: p.status === 'missed', done: p.status === 'done' })) })),
          occurrences: await Promise.all([...occurrences].sort((a, b) => b.date.localeCompare(a.date) || b.at.localeCompare(a.at)).map((o) => occurrenceView(deps, o))),
          minutes: !!d.cadence.minMinutes,
          values: extra.errorDuty === d.name ? extra.values : undefined,
        };
      }),
    );
    c.header('Content-Security-Policy', evidenceCsp(deps));
    return consolePage(c, '/duties', 'console-duties', '常态化工作', { office: session.role === 'office', today: localDateOf(at), duties, ...extra }, status);
  };

  app.get('/duties', async (c) => page(c));

  app.post('/duties/:name/occurrences', async (c) => {
    const principal = officeOf(c, '登记常态化工作');
    const name = pathParam(c, 'name', '常态化工作事项', 200);
    const form = await formOf(c);
    const field = (key: string) => textField(form, key);
    const values = { unit: field('unit'), date: field('date'), detail: field('detail'), evidence: field('evidence'), minutes: field('minutes') };
    try {
      const minutes = values.minutes ? Number(values.minutes) : undefined;
      const body = parse(occurrenceBody, {
        date: values.date,
        evidence: values.evidence.split(/\s+/).filter(Boolean),
        detail: values.detail,
        ...(minutes !== undefined ? { minutes } : {}),
        unit: values.unit,
      });
      const key = field('key') || undefined;
      const { occurrence, created } = await recordDutyOccurrence(name, body, principal, deps.clock(), deps.store, key);
      return page(c, { notice: created ? `已为${occurrence.unit}登记“${name}”${occurrence.date}的一次工作。` : `${occurrence.unit}“${name}”${occurrence.date}的这次工作已登记过，未重复记录。` }, created ? 201 : 200);
    } catch (error) {
      // A unit the duty does not name is the office's input error here, not a matter of rights.
      if (error instanceof DubanError && error.code === 'FORBIDDEN') return page(c, { error: error.message, errorDuty: name, values }, 400);
      const { status, message } = refusal(error);
      return page(c, { error: message, errorDuty: name, values }, status as 400);
    }
  });
}

/** One occurrence as the office reviews it: who, when, what, and its files (flagged when taken 30 days and more before its period). */
async function occurrenceView(deps: AppDeps, o: DutyOccurrence) {
  const { files, links } = await consoleEvidence(deps, o.evidence, new Date(`${dutyPeriodRange(o.period).start}T00:00:00+08:00`));
  return { id: o.id, unit: o.unit, date: o.date, periodLabel: dutyPeriodLabel(o.period), detail: o.detail, minutes: o.minutes, by: o.by, at: shanghai(o.at), files, links };
}
