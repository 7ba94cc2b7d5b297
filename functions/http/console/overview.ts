/**
 * 总览: what the office looks at each morning. Lights by section, the red and yellow lists, units
 * that have not reported this week, close-outs waiting, open 约谈, undelivered notices and calendar
 * warnings (a year the calendar does not know stops the jobs: it is said first, loudly).
 */
import type { Hono } from 'hono';
import { lightNames, type Light } from '../../core/cadence/lights.ts';
import { loadSnapshot, type Snapshot } from '../../core/cadence/snapshot.ts';
import { DubanError } from '../../core/errors.ts';
import { localDateOf, localTimeOf } from '../../core/time.ts';
import type { AppDeps } from '../deps.ts';
import { renderPage } from '../pages.ts';
import { chromeOf, sessionIn, type ConsoleEnv } from '../session.ts';

const lights: Light[] = ['red', 'yellow', 'green', 'grey'];

export const shanghai = (iso: string) => {
  const at = new Date(iso);
  return `${localDateOf(at)} ${localTimeOf(at)}`;
};

/** Job runs that failed in the last 14 days and were not rerun successfully since (the store keeps one record per run). */
async function jobFailures(deps: AppDeps, at: Date): Promise<{ job: string; at: string; message: string; action: string }[]> {
  const since = new Date(at.getTime() - 14 * 86_400_000).toISOString();
  return (await deps.store.recentJobFailures(since))
    .filter((f) => !f.resolvedAt)
    .map((f) => ({ job: f.job, at: shanghai(f.at), message: f.message, action: f.action }));
}

export function overviewRoutes(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  app.get('/', async (c) => {
    const session = sessionIn(c);
    const at = deps.clock();
    const calendar = await deps.calendar();
    const year = Number(localDateOf(at).slice(0, 4));
    const warnings: string[] = [];
    if (!calendar.knows(year)) warnings.push(`工作日历尚未载入${year}年的法定节假日安排：周调度、催办、通报等定时工作已停止，请在“工作日历”中载入。`);
    else if (Number(localDateOf(at).slice(5, 7)) >= 10 && !calendar.knows(year + 1)) warnings.push(`工作日历尚未载入${year + 1}年的法定节假日安排：国务院办公厅发布通知后请尽快载入。`);
    let snapshot: Snapshot | undefined;
    try {
      snapshot = await loadSnapshot(at, { store: deps.store, calendar, config: deps.cadence });
    } catch (error) {
      if (!(error instanceof DubanError && error.code === 'CALENDAR_YEAR_UNKNOWN')) throw error;
      warnings.push(error.message);
    }
    const [interviews, failures, failedJobs] = await Promise.all([deps.store.openInterviews(), deps.store.notices.failures(), jobFailures(deps, at)]);
    const sections = new Map<string, Record<Light, number>>();
    for (const view of snapshot?.tasks ?? []) {
      const name = view.task.category || '未分类';
      const counts = sections.get(name) ?? { red: 0, yellow: 0, green: 0, grey: 0 };
      counts[view.light.light]++;
      sections.set(name, counts);
    }
    const listed = (light: Light) =>
      (snapshot?.tasks ?? [])
        .filter((t) => t.light.light === light)
        .map((t) => ({ code: t.task.code, title: t.task.title, units: t.task.leadUnits.join('、'), reasons: t.light.reasons.join('；') }));
    const reported = new Set(snapshot?.reported.get(snapshot.week)?.map((r) => r.unit) ?? []);
    const notReported = (snapshot?.units ?? []).filter((u) => u.tasks.length && !reported.has(u.unit.name)).map((u) => u.unit.name);
    const closeOuts = (snapshot?.tasks ?? []).filter((t) => t.task.closeOut?.state === 'requested').map((t) => ({ code: t.task.code, title: t.task.title, unit: t.task.closeOut!.unit }));
    const red = listed('red');
    const yellow = listed('yellow');
    return c.html(
      renderPage(
        'console-overview',
        '总览',
        {
          office: session.role === 'office',
          today: snapshot ? `${snapshot.today}（${snapshot.week.replace('-W', '年第')}周）` : localDateOf(at),
          totals: lights.map((l) => ({ light: l, name: lightNames[l], count: (snapshot?.tasks ?? []).filter((t) => t.light.light === l).length })),
          sections: [...sections].map(([name, counts]) => ({ name, counts: lights.map((l) => ({ light: l, count: counts[l] })) })),
          red,
          yellow,
          notReported,
          closeOuts,
          interviews: interviews.map((i) => ({ id: i.id, unit: i.unit, openedOn: i.openedOn, followUpBy: i.followUpBy, scheduledAt: i.scheduledAt, heldAt: i.heldAt })),
          failures: failures.map((n) => ({ to: n.to.name, address: n.to.address ?? n.to.email, subject: n.subject, error: n.error ?? n.status })),
          warnings,
          failedJobs,
        },
        chromeOf(session, '/'),
      ),
    );
  });
}
