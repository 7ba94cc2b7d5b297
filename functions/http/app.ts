/**
 * The HTTP app: the same in the sandbox (@hono/node-server) and behind API Gateway
 * (hono/aws-lambda). JSON under /api, human pages elsewhere. Handlers are thin: read, call, map.
 */
import { Hono } from 'hono';
import { NotFoundError } from '../core/errors.ts';
import type { Store } from '../core/ports.ts';
import { localDateOf, localTimeOf } from '../core/time.ts';
import { errorResponse } from './errors.ts';
import { renderPage } from './pages.ts';

export interface AppDeps {
  store: Store;
  clock: () => Date;
}

const eventLabels: Record<string, string> = {
  'ledger.imported': '台账导入',
  'task.edited': '整改办修改',
};

const shanghai = (iso: string) => {
  const at = new Date(iso);
  return `${localDateOf(at)} ${localTimeOf(at)}`;
};

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.onError((error, c) => errorResponse(error, c));
  app.notFound((c) =>
    c.req.path.startsWith('/api/')
      ? c.json({ error: { code: 'NOT_FOUND', message: '请求的地址不存在' } }, 404)
      : c.html(renderPage('message', '页面不存在', { heading: '页面不存在', text: '请检查链接是否完整。' }), 404),
  );

  app.get('/health', (c) => c.json({ status: 'ok', at: deps.clock().toISOString() }));

  app.get('/api/tasks', async (c) => c.json({ tasks: await deps.store.tasks.list() }));
  app.get('/api/tasks/:code', async (c) => {
    const task = await deps.store.tasks.get(c.req.param('code'));
    if (!task) throw new NotFoundError(`没有编号为“${c.req.param('code')}”的整改任务`);
    return c.json({ task });
  });
  app.get('/api/units', async (c) => c.json({ units: await deps.store.units.list() }));

  app.get('/', async (c) => {
    const [tasks, units, imports] = await Promise.all([deps.store.tasks.list(), deps.store.units.list(), deps.store.imports()]);
    tasks.sort((a, b) => a.code.localeCompare(b.code, 'en', { numeric: true }));
    const sections = [...new Set(tasks.map((t) => t.category))].map((name) => ({
      name: name || '未分类',
      tasks: tasks.filter((t) => t.category === name),
    }));
    const last = imports.at(-1);
    return c.html(
      renderPage('ledger', '整改任务台账', { tasks, sections, unitCount: units.length, importedAt: last ? shanghai(last.at) : '' }),
    );
  });

  app.get('/tasks/:code', async (c) => {
    const code = c.req.param('code');
    const task = await deps.store.tasks.get(code);
    if (!task) {
      return c.html(renderPage('message', '未找到任务', { heading: '未找到该整改任务', text: `没有编号为“${code}”的任务。` }), 404);
    }
    const history = (await deps.store.auditEvents(`TASK#${code}`)).map((e) => ({
      at: shanghai(e.at),
      label: eventLabels[e.type] ?? e.type,
      by: e.by,
    }));
    return c.html(renderPage('task', `${task.code} ${task.title}`, { task, history }));
  });

  return app;
}
