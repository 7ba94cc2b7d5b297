/**
 * The HTTP app: the same in the sandbox (@hono/node-server) and behind API Gateway
 * (hono/aws-lambda). JSON under /api, human pages elsewhere. Handlers are thin: authenticate,
 * parse with zod, call one use case, map the result; errors are mapped in errors.ts.
 */
import { Hono, type Context } from 'hono';
import { randomUUID } from 'node:crypto';
import type { CadenceConfig } from '../core/cadence/config.ts';
import { lightNames } from '../core/cadence/lights.ts';
import { loadSnapshot } from '../core/cadence/snapshot.ts';
import type { WorkdayCalendar } from '../core/calendar.ts';
import { DubanError, ValidationError } from '../core/errors.ts';
import type { Principal, Store } from '../core/ports.ts';
import { ForbiddenError, submitProgress, taskFor } from '../core/reporting.ts';
import { linkParams } from '../core/signed-link.ts';
import { isoWeekOf, localDateOf, localTimeOf } from '../core/time.ts';
import { principalOf, unitOfLink } from './auth.ts';
import { asDubanError, errorResponse, logUnhandled } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { renderPage } from './pages.ts';
import { interviewBody, parse, progressBody, readingBody, taskCode } from './schemas.ts';
import { pathParam, pathParamOf } from './params.ts';
import { unitAccessRoutes } from './units.ts';
import { escalationRoutes } from './escalations.ts';
import { indicatorRoutes } from './indicators.ts';
import { scoreRoutes } from './scores.ts';
import { dutyRoutes, occurrenceDone } from './duties.ts';
import { recordReading } from '../core/indicators.ts';
import { followUpInterview } from '../core/interviews.ts';
import { calendarRoutes } from './calendar.ts';
import { apiReportRoutes, pageReportRoutes } from './reports.ts';
import type { AppDeps } from './deps.ts';
import { securityHeaders, type ConsoleEnv } from './session.ts';
import { signInRoutes } from './console/sign-in.ts';
import { overviewRoutes } from './console/overview.ts';
import { ledgerRoutes } from './console/ledger.ts';
import { consoleOfficeRoutes } from './console/office.ts';
import { closeOutRoutes } from './closeout.ts';
import { publicRoutes } from './public.ts';
import { formCycle, readCycleEntries, storeCycleEntries, uploaded } from './report-cycle.ts';
import { attachContext, evidenceCsp, evidenceRoutes, keptDutyEvidence, keptEvidence } from './evidence.ts';
import { uploadedFileCount } from '../core/evidence.ts';
import { declaredBodyLimit } from './body-limit.ts';

export type { AppDeps } from './deps.ts';

type Env = ConsoleEnv;

const shanghai = (iso: string) => {
  const at = new Date(iso);
  return `${localDateOf(at)} ${localTimeOf(at)}`;
};

const MAX_BODY = 64 * 1024;

export function createApp(deps: AppDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use('*', securityHeaders);
  app.onError((error, c) => (c.req.path.startsWith('/api/') ? errorResponse(error, c) : errorPage(error, c)));
  app.notFound((c) =>
    c.req.path.startsWith('/api/')
      ? c.json({ error: { code: 'NOT_FOUND', message: '请求的地址不存在' } }, 404)
      : c.html(renderPage('message', '页面不存在', { heading: '页面不存在', text: '请检查链接是否完整。' }), 404),
  );
  const limit = declaredBodyLimit({
    maxSize: MAX_BODY,
    onError: (c) => c.json({ error: { code: 'VALIDATION', message: `请求体不能超过 ${MAX_BODY / 1024} KB`, field: 'body' } }, 413),
  });

  app.get('/health', (c) => c.json({ status: 'ok', at: deps.clock().toISOString() }));
  app.get('/api/openapi.json', (c) => c.json(openApiDocument()));
  publicRoutes(app, deps);

  // Pages need a session, but for the sign-in page, a unit's signed form and signed report links.
  signInRoutes(app, deps);

  // Everything else under /api needs a token.
  app.use('/api/*', async (c, next) => {
    c.set('principal', await principalOf(c.req.header('Authorization'), deps.store));
    await next();
  });

  app.get('/api/tasks', async (c) => {
    const principal = c.get('principal');
    if (principal.kind === 'office') return c.json({ tasks: await deps.store.tasks.list() });
    const links = await deps.store.unitOpenTasks(principal.unit);
    const tasks = await Promise.all(links.map((l) => deps.store.tasks.get(l.code)));
    return c.json({ tasks: tasks.filter(Boolean) });
  });

  app.get('/api/tasks/:code', async (c) => c.json({ task: await taskFor(deps.store, codeOf(c), c.get('principal')) }));

  app.get('/api/tasks/:code/history', async (c) => {
    const task = await taskFor(deps.store, codeOf(c), c.get('principal'));
    const [events, reports] = await Promise.all([deps.store.auditEvents(`TASK#${task.code}`), deps.store.progressOf(task.code)]);
    return c.json({ code: task.code, events, reports });
  });

  app.post('/api/tasks/:code/progress', limit, async (c) => {
    const code = codeOf(c);
    const body = parse(progressBody, await jsonBody(c));
    const key = c.req.header('Idempotency-Key')?.slice(0, 200) || randomUUID();
    if (body.evidence) body.evidence = await keptEvidence(deps, c.get('principal'), code, body.monthly ? 'monthly' : 'report', body.evidence);
    const { report, created } = await submitProgress(code, body, c.get('principal'), deps.clock(), key, deps.store);
    return c.json({ report }, created ? 201 : 200);
  });

  closeOutRoutes(app, deps, limit);

  app.get('/api/late', async (c) => {
    if (c.get('principal').kind !== 'office') throw new ForbiddenError('只有整改办可以查看全部逾期与未报情况');
    const snapshot = await loadSnapshot(deps.clock(), { store: deps.store, calendar: await deps.calendar(), config: deps.cadence });
    const reported = new Set(snapshot.reported.get(snapshot.week)!.map((r) => r.unit));
    return c.json({
      week: snapshot.week,
      red: snapshot.tasks.filter((t) => t.light.light === 'red').map((t) => ({ code: t.task.code, title: t.task.title, reasons: t.light.reasons })),
      yellow: snapshot.tasks.filter((t) => t.light.light === 'yellow').map((t) => ({ code: t.task.code, title: t.task.title, reasons: t.light.reasons })),
      notReported: snapshot.units.filter((u) => u.tasks.length && !reported.has(u.unit.name)).map((u) => u.unit.name),
      closeOutsPending: snapshot.tasks.filter((t) => t.task.closeOut?.state === 'requested').map((t) => t.task.code),
    });
  });

  apiReportRoutes(app, deps);
  calendarRoutes(app, deps, limit);

  app.post('/api/indicators/:name/readings', limit, async (c) => {
    const name = pathParam(c, 'name', '指标名称', 100);
    const body = parse(readingBody, await jsonBody(c));
    const reading = await recordReading(name, body, c.get('principal'), deps.clock(), deps.store);
    return c.json({ reading }, 201);
  });

  indicatorRoutes(app, deps, limit);
  unitAccessRoutes(app, deps, limit);
  escalationRoutes(app, deps, limit);
  scoreRoutes(app, deps);
  dutyRoutes(app, deps, limit);
  evidenceRoutes(app, deps);

  app.get('/api/interviews', async (c) => {
    if (c.get('principal').kind !== 'office') throw new ForbiddenError('只有整改办可以查看约谈记录');
    return c.json({ interviews: await deps.store.openInterviews() });
  });

  app.patch('/api/interviews/:id', limit, async (c) => {
    const id = pathParam(c, 'id', '约谈记录编号', 300);
    const update = parse(interviewBody, await jsonBody(c));
    const key = c.req.header('Idempotency-Key')?.slice(0, 200) || undefined;
    const interview = await followUpInterview(id, update, c.get('principal'), deps.clock(), { store: deps.store, calendar: await deps.calendar() }, key);
    return c.json({ interview });
  });

  // The console (office and leaders, signed in), and the report form a unit opens from its email.
  overviewRoutes(app, deps);
  ledgerRoutes(app, deps);
  consoleOfficeRoutes(app, deps);
  pageReportRoutes(app, deps);

  app.get('/report', async (c) => {
    const params = new URLSearchParams(linkParams(new URL(c.req.url).searchParams));
    const claims = await unitOfLink(await deps.linkSecret(), params, deps.clock(), 'report', deps.store);
    c.header('Content-Security-Policy', evidenceCsp(deps, true));
    return c.html(await reportForm(claims.unit, params, { monthly: params.get('k') === 'month', key: randomUUID() }));
  });

  app.post('/report', limit, async (c) => {
    c.header('Content-Security-Policy', evidenceCsp(deps, true));
    // all: the files a task's block uploaded come as repeated fields.
    const form = await c.req.parseBody({ all: true }).catch(() => {
      throw new ValidationError('表单内容无法读取：请从邮件中的链接重新打开表单后再提交', 'body');
    });
    const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const params = new URLSearchParams(linkParams(new URLSearchParams({ u: text('u'), p: text('p'), exp: text('exp'), sig: text('sig'), ...(text('iat') ? { iat: text('iat') } : {}) })));
    const { unit } = await unitOfLink(await deps.linkSecret(), params, deps.clock(), 'report', deps.store);
    const principal: Principal = { kind: 'unit', unit };
    const monthly = text('kind') === 'month';
    const key = text('key') || randomUUID();
    const links = await deps.store.unitOpenTasks(unit);
    // Validate every filled task first: a form with one bad entry stores nothing.
    const entries: { code: string; body: ReturnType<typeof progressBody.parse> }[] = [];
    const errors: Record<string, string> = {};
    for (const { code } of links) {
      const summary = text(`summary:${code}`).trim();
      const percentText = text(`percent:${code}`).trim();
      const evidenceText = text(`evidence:${code}`).trim();
      const files = uploaded(form, `evidence-file:${code}`);
      if (!summary && !percentText && !evidenceText && !files.length) continue;
      try {
        const body = parse(progressBody, {
          summary,
          ...(percentText ? { percent: Number(percentText) } : {}),
          evidence: [...files, ...(evidenceText ? evidenceText.split(/\s+/) : [])],
          monthly,
        });
        // Uploaded files (and ids typed in) are checked and kept before anything is stored.
        body.evidence = await keptEvidence(deps, principal, code, monthly ? 'monthly' : 'report', body.evidence);
        entries.push({ code, body });
      } catch (error) {
        errors[code] = (error as Error).message;
      }
    }
    const calendar = await deps.calendar();
    const cycle = await readCycleEntries(form, unit, deps.clock(), { store: deps.store, calendar });
    Object.assign(errors, cycle.errors);
    for (const entry of cycle.lookbacks) {
      try {
        entry.body.evidence = await keptEvidence(deps, principal, entry.code, 'lookback', entry.body.evidence);
      } catch (error) {
        errors[`lookback:${entry.code}`] = (error as Error).message;
      }
    }
    for (const entry of cycle.occurrences) {
      try {
        entry.body.evidence = await keptDutyEvidence(deps, principal, entry.duty, entry.body.evidence);
      } catch (error) {
        errors[`duty:${entry.duty}`] = (error as Error).message;
      }
    }
    const filled = entries.length + cycle.occurrences.length + cycle.lookbacks.length;
    if (Object.keys(errors).length || cycle.refused.length || filled === 0) {
      const message =
        filled === 0 && !Object.keys(errors).length && !cycle.refused.length
          ? '请至少填写一项任务进展、常态化工作或回头看'
          : [...cycle.refused, '有填写不符合要求的地方，请按提示修改后再提交；本次未保存任何内容'].join('；');
      return c.html(await reportForm(unit, params, { monthly, key, errors, values: form as Record<string, string>, message }), 400);
    }
    const saved = [];
    for (const entry of entries) {
      const { report } = await submitProgress(entry.code, entry.body, principal, deps.clock(), `${key}:${entry.code}`, deps.store);
      const task = await deps.store.tasks.get(entry.code);
      saved.push({ ...report, title: task?.title ?? '', files: uploadedFileCount(report.evidence) });
    }
    const { occurrences, lookbacks } = await storeCycleEntries(cycle, unit, deps.clock(), key, deps.store);
    const first = saved[0];
    const period = !first ? '' : monthly ? `${first.period.replace('-', '年')}月交账` : `${first.period.replace('-W', '年第')}周`;
    const at = shanghai(first?.at ?? deps.clock().toISOString());
    return c.html(renderPage('report-done', '报送成功', { unit, saved, period, occurrences: occurrences.map(occurrenceDone), lookbacks, at, back: `/report?${params}` }), 201);
  });

  async function reportForm(
    unit: string,
    params: URLSearchParams,
    state: { monthly: boolean; key: string; errors?: Record<string, string>; values?: Record<string, string>; message?: string },
  ) {
    const at = deps.clock();
    const links = await deps.store.unitOpenTasks(unit);
    const snapshot = await loadSnapshot(at, { store: deps.store, calendar: await deps.calendar(), config: deps.cadence });
    const week = isoWeekOf(localDateOf(at));
    const reportedThisWeek = new Set(snapshot.reported.get(week)!.filter((r) => r.unit === unit).map((r) => r.code));
    const value = (name: string) => (typeof state.values?.[name] === 'string' ? state.values[name] : '');
    const tasks = links
      .map((l) => snapshot.byCode.get(l.code))
      .filter((v) => v !== undefined)
      .map((v) => ({
        code: v.task.code,
        title: v.task.title,
        role: v.task.leadUnits.includes(unit) ? '牵头' : '责任',
        deadline: v.task.deadline.text,
        light: v.light.light,
        lightName: lightNames[v.light.light],
        reasons: v.light.reasons.join('；'),
        reported: reportedThisWeek.has(v.task.code),
        error: state.errors?.[v.task.code],
        summary: value(`summary:${v.task.code}`),
        percent: value(`percent:${v.task.code}`),
        evidence: value(`evidence:${v.task.code}`),
      }));
    const cycle = await formCycle(unit, at, { store: deps.store, calendar: await deps.calendar() }, state.values, state.errors);
    return renderPage('report-form', `${unit} 报送整改进展`, {
      unit,
      tasks,
      ...cycle,
      anything: tasks.length + cycle.duties.length + cycle.lookbacks.length > 0,
      week: `${week.replace('-W', '年第')}周`,
      monthly: state.monthly,
      key: state.key,
      message: state.message,
      link: linkParams(params),
      query: params.toString(),
      ...attachContext(deps),
    });
  }

  return app;
}

const codeOf = (c: Context) => pathParamOf(c, 'code', '任务编号', taskCode);

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return JSON.parse(await c.req.text());
  } catch {
    throw new ValidationError('请求体不是有效的 JSON', 'body');
  }
}

/** Pages show a Chinese page for every error, never a stack; API errors are mapped in errors.ts. */
function errorPage(error: unknown, c: Context): Response {
  const known = asDubanError(error);
  if (known) {
    const status = known.code === 'UNAUTHENTICATED' ? 401 : known.code === 'FORBIDDEN' ? 403 : known.code === 'NOT_FOUND' ? 404 : known.code === 'CALENDAR_YEAR_UNKNOWN' ? 503 : 400;
    const heading = status === 401 ? '无法打开此链接' : status === 403 ? '没有权限' : status === 404 ? '未找到' : status === 503 ? '暂时无法办理' : '请求有误';
    return c.html(renderPage('message', heading, { heading, text: known.message }), status);
  }
  logUnhandled(error);
  return c.html(renderPage('message', '服务器内部错误', { heading: '服务器内部错误', text: '请稍后重试；如仍不能打开，请联系整改办。' }), 500);
}
