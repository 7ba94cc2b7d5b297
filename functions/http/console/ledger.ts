/** 台账: every task with search and filters (section, unit, light, status), and each task's page with its history, reports and evidence. */
import type { Context, Hono } from 'hono';
import { lightNames, type Light } from '../../core/cadence/lights.ts';
import { loadSnapshot, type Snapshot } from '../../core/cadence/snapshot.ts';
import { DubanError } from '../../core/errors.ts';
import { renderPage } from '../pages.ts';
import { pathParamOf } from '../params.ts';
import { taskCode } from '../schemas.ts';
import type { AppDeps } from '../deps.ts';
import { evidenceCsp, evidenceLink, taskEvidence } from '../evidence.ts';
import { chromeOf, sessionIn, type ConsoleEnv } from '../session.ts';
import { shanghai } from './overview.ts';

const eventLabels: Record<string, string> = {
  'ledger.imported': '台账导入',
  'task.edited': '整改办修改',
  'closeout.requested': '申请销号',
  'closeout.approved': '同意销号',
  'closeout.returned': '退回销号申请',
  'closeout.objected': '公示期间登记异议',
  'evidence.deleted': '删除佐证材料',
  'evidence.publicity': '设定公示材料',
  'task.reopened': '重新打开',
  'extension.requested': '申请延期',
  'extension.approved': '同意延期',
  'extension.returned': '退回延期申请',
};

const statusNames = { open: '未销号', notice: '销号公示中', closed: '已销号' } as const;

async function snapshotOrNone(deps: AppDeps): Promise<Snapshot | undefined> {
  try {
    return await loadSnapshot(deps.clock(), { store: deps.store, calendar: await deps.calendar(), config: deps.cadence });
  } catch (error) {
    if (error instanceof DubanError && error.code === 'CALENDAR_YEAR_UNKNOWN') return undefined;
    throw error;
  }
}

const query = (c: Context, name: string) => (c.req.query(name) ?? '').trim().slice(0, 200);

export function ledgerRoutes(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  app.get('/tasks', async (c) => {
    const session = sessionIn(c);
    const [tasks, units, snapshot] = await Promise.all([deps.store.tasks.list(), deps.store.units.list(), snapshotOrNone(deps)]);
    tasks.sort((a, b) => a.code.localeCompare(b.code, 'en', { numeric: true }));
    const filter = { q: query(c, 'q'), section: query(c, 'section'), unit: query(c, 'unit'), light: query(c, 'light'), status: query(c, 'status') };
    const rows = tasks
      .map((task) => {
        const light: Light = task.status === 'closed' ? 'grey' : (snapshot?.byCode.get(task.code)?.light.light ?? 'green');
        return { task, light, lightName: lightNames[light], reasons: snapshot?.byCode.get(task.code)?.light.reasons.join('；') ?? '', section: task.category || '未分类' };
      })
      .filter(
        (r) =>
          (!filter.q || [r.task.code, r.task.title, r.task.problem, r.task.target, r.task.leadUnitsText, r.task.responsibleUnitsText].some((t) => t.includes(filter.q))) &&
          (!filter.section || r.section === filter.section) &&
          (!filter.unit || r.task.leadUnits.includes(filter.unit) || r.task.responsibleUnits.includes(filter.unit)) &&
          (!filter.light || r.light === filter.light) &&
          (!filter.status || r.task.status === filter.status),
      );
    const option = (value: string, label: string, selected: string) => ({ value, label, selected: value === selected });
    return c.html(
      renderPage(
        'console-ledger',
        '整改任务台账',
        {
          rows,
          total: tasks.length,
          filter,
          sections: [...new Set(tasks.map((t) => t.category || '未分类'))].map((s) => option(s, s, filter.section)),
          units: units.map((u) => option(u.name, u.name, filter.unit)),
          lights: (['red', 'yellow', 'green', 'grey'] as Light[]).map((l) => option(l, lightNames[l], filter.light)),
          statuses: (['open', 'closed'] as const).map((s) => option(s, statusNames[s], filter.status)),
        },
        chromeOf(session, '/tasks'),
      ),
    );
  });

  app.get('/tasks/:code', async (c) => {
    const session = sessionIn(c);
    const code = pathParamOf(c, 'code', '任务编号', taskCode);
    const task = await deps.store.tasks.get(code);
    if (!task) return c.html(renderPage('message', '未找到任务', { heading: '未找到该整改任务', text: `没有编号为“${code}”的任务。` }, chromeOf(session, '/tasks')), 404);
    const snapshot = task.status === 'open' ? await snapshotOrNone(deps) : undefined;
    const view = snapshot?.byCode.get(code);
    const light: Light = task.status === 'closed' ? 'grey' : (view?.light.light ?? 'green');
    const history = (await deps.store.auditEvents(`TASK#${code}`)).map((e) => ({ at: shanghai(e.at), label: eventLabels[e.type] ?? e.type, by: e.by, reason: (e.detail?.reason as string | undefined) ?? '' }));
    const stored = await deps.store.progressOf(code);
    const reports = stored.map((r) => ({ ...r, at: shanghai(r.at), evidence: (r.evidence ?? []).map(evidenceLink) })).reverse();
    const files = await taskEvidence(deps, task, stored);
    c.header('Content-Security-Policy', evidenceCsp(deps));
    return c.html(
      renderPage(
        'task',
        `${task.code} ${task.title}`,
        { task, history, reports, files, office: session.role === 'office', closeOutEvidence: (task.closeOut?.evidence ?? []).map(evidenceLink), light, lightName: lightNames[light], reasons: view?.light.reasons.join('；') ?? '', status: statusNames[task.status], reopenable: task.status === 'closed' && session.role === 'office' },
        chromeOf(session, '/tasks'),
      ),
    );
  });
}
