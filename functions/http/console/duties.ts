/**
 * 常态化工作: each duty's record per unit and period (done, missed, chased), the occurrences of
 * those periods (newest first) with their 佐证材料 — photos side by side with the time and place
 * they were taken, documents linked, a photo taken long before its period flagged — and a form for
 * the office to record an occurrence for a unit. The same use cases as `GET /api/duties` and
 * `POST /api/duties/{name}/occurrences` (core/duties.ts); a leader reads the page only.
 *
 * Each duty has a page of its own (`/duties/{name}`, `?period=` pages back): its occurrences period
 * by period, the periods units missed, and its changes (the office's deletions with their reasons).
 * Beside each file the office deletes it with a reason (`POST /duties/{name}/evidence/{id}/delete`,
 * the use case of `DELETE /api/evidence/{id}`), written in the duty's history.
 */
import type { Context, Hono } from 'hono';
import { DubanError, NotFoundError } from '../../core/errors.ts';
import { dutyHistory, dutyPeriodLabel, dutyPeriodRange, listDuties, recordDutyOccurrence } from '../../core/duties.ts';
import { deleteEvidence, evidenceFor } from '../../core/evidence-files.ts';
import { uploadedFileCount } from '../../core/evidence.ts';
import type { AuditEvent, DutyOccurrence } from '../../core/ports.ts';
import { localDateOf } from '../../core/time.ts';
import type { AppDeps } from '../deps.ts';
import { occurrenceBody } from '../duties.ts';
import { consoleEvidence, deleteBody, evidenceCsp } from '../evidence.ts';
import { pathParam } from '../params.ts';
import { parse } from '../schemas.ts';
import { formOf, officeOf, sessionIn, textField, type ConsoleEnv } from '../session.ts';
import { consolePage, refusal } from './office.ts';
import { shanghai } from './overview.ts';

type Status = 200 | 201 | 400 | 403 | 404 | 409 | 503;
/** What a page answering a form shows beside its content: the outcome, or the refusal and what was typed. */
interface Outcome {
  notice?: string;
  error?: string;
  errorDuty?: string;
  values?: Record<string, string>;
}

const eventLabels: Record<string, string> = {
  'ledger.imported': '台账导入',
  'evidence.deleted': '删除佐证材料',
};

export function dutySection(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  const page = async (c: Context<ConsoleEnv>, extra: Outcome = {}, status: Status = 200) => {
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
          occurrences: await occurrenceViews(deps, [...occurrences].reverse()),
          minutes: !!d.cadence.minMinutes,
          values: extra.errorDuty === d.name ? extra.values : undefined,
        };
      }),
    );
    c.header('Content-Security-Policy', evidenceCsp(deps));
    return consolePage(c, '/duties', 'console-duties', '常态化工作', { office: session.role === 'office', today: localDateOf(at), duties, ...extra }, status);
  };

  /** One duty's history: its occurrences period by period, the missed periods, its changes. */
  const historyPage = async (c: Context<ConsoleEnv>, name: string, extra: Outcome = {}, status: Status = 200) => {
    const session = sessionIn(c);
    const period = c.req.query('period')?.trim().slice(0, 20) || undefined;
    const history = await dutyHistory(name, { kind: 'office', name: session.person }, deps.clock(), { store: deps.store, calendar: await deps.calendar() }, period);
    const periods = await Promise.all(
      history.periods.map(async (p) => ({
        ...p,
        units: p.units.map((u) => ({ ...u, missed: u.status === 'missed', done: u.status === 'done' })),
        occurrences: await occurrenceViews(deps, p.occurrences),
      })),
    );
    const pageOf = (to: string | undefined) => (to ? { href: `/duties/${encodeURIComponent(history.name)}?period=${encodeURIComponent(to)}`, label: dutyPeriodLabel(to) } : undefined);
    c.header('Content-Security-Policy', evidenceCsp(deps));
    return consolePage(
      c,
      '/duties',
      'console-duty',
      `常态化工作：${history.name}`,
      { office: session.role === 'office', history, periods, events: history.events.map(eventView), earlier: pageOf(history.earlier), later: pageOf(history.later), ...extra },
      status,
    );
  };

  app.get('/duties', async (c) => page(c));

  app.get('/duties/:name', async (c) => historyPage(c, pathParam(c, 'name', '常态化工作事项', 200)));

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

  // The office deletes a file of one of the duty's occurrences, with a reason; the page it was on answers.
  app.post('/duties/:name/evidence/:id/delete', async (c) => {
    const principal = officeOf(c, '删除佐证材料');
    const name = pathParam(c, 'name', '常态化工作事项', 200);
    const id = pathParam(c, 'id', '文件编号', 100);
    const form = await formOf(c);
    const answer = (extra: Outcome, status: Status) => (textField(form, 'from') === 'history' ? historyPage(c, name, extra, status) : page(c, extra, status));
    try {
      const { reason } = parse(deleteBody, { reason: textField(form, 'reason') });
      const files = deps.evidence;
      const item = files ? await evidenceFor(id, principal, { store: deps.store, log: files.log }) : undefined;
      // Only a file of this duty: the form names the duty whose history the deletion is written in.
      if (!files || !item || item.duty !== name) throw new NotFoundError(`常态化工作“${name}”没有这个文件，或它已被删除`);
      await deleteEvidence(id, reason, principal, deps.clock(), { store: deps.store, ...files });
      return answer({ notice: `已删除文件“${item.name}”，删除理由已记入“${name}”的变更记录。` }, 200);
    } catch (error) {
      const { status, message } = refusal(error);
      return answer({ error: `删除文件未完成：${message}`, errorDuty: name }, status);
    }
  });
}

/** Occurrences as the office reviews them: who, when, what, and their files (flagged when taken 30 days and more before the period). */
function occurrenceViews(deps: AppDeps, occurrences: readonly DutyOccurrence[]) {
  return Promise.all(
    occurrences.map(async (o) => {
      const { files, links } = await consoleEvidence(deps, o.evidence, new Date(`${dutyPeriodRange(o.period).start}T00:00:00+08:00`));
      // Files the office deleted since: the occurrence still names them; the duty's changes say why.
      const removed = uploadedFileCount(o.evidence) - files.length;
      return { id: o.id, duty: o.duty, unit: o.unit, date: o.date, periodLabel: dutyPeriodLabel(o.period), detail: o.detail, minutes: o.minutes, by: o.by, at: shanghai(o.at), files, links, removed };
    }),
  );
}

const eventView = (e: AuditEvent) => ({ at: shanghai(e.at), label: eventLabels[e.type] ?? e.type, by: e.by, reason: typeof e.detail?.reason === 'string' ? e.detail.reason : '' });
