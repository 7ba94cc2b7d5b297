/**
 * The public page: `GET /public/gongshi`, the 销号公示. No sign-in; the only page with ledger
 * content anyone may open. It lists the tasks under 公示 (status `notice`, one query) with what
 * core/closeout.ts lets out — the problem, the target, what was done, the evidence in counts and
 * kinds, the period — and how to object (the office's phone and email from 基本信息). No unit,
 * no person, no other task, no link into the console.
 *
 * The 佐证材料 files the office marked for the 公示 (core/evidence-files.ts, markPublicity) show
 * with their time and place, and open at `GET /public/gongshi/evidence/{id}`: only a marked file of
 * a task under 公示 now, else 404; never cached, so unmarking or the end of the 公示 takes effect at
 * once. A file small enough is served by the app itself; a larger one (above what a function may
 * answer) through a link of a few minutes to the private bucket.
 */
import type { Context, Hono } from 'hono';
import { publicNoticeEntry } from '../core/closeout.ts';
import { closeOutEvidenceIds, evidenceItems, publicEvidence, publicFile } from '../core/evidence-files.ts';
import type { EvidenceItem } from '../core/evidence.ts';
import type { AppDeps } from './deps.ts';
import { evidenceView, fileVersion, serveFile } from './evidence.ts';
import { renderPage } from './pages.ts';
import { pathParam } from './params.ts';
import type { ConsoleEnv } from './session.ts';

/** The most the app answers with itself (a function's answer is limited to 6 MB, base64 included). */
const INLINE_BYTES = 4 * 1024 * 1024;

const publicHref = (id: string) => `/public/gongshi/evidence/${id}`;

export function publicRoutes(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  app.get('/public/gongshi', async (c) => {
    const [tasks, office] = await Promise.all([deps.store.tasksUnderPublicNotice(), deps.store.officeWords()]);
    const shown = tasks.filter((t) => t.closeOut?.state === 'publicNotice');
    const files = new Map(await Promise.all(shown.map(async (t) => [t.code, deps.evidence ? await publicEvidence(t, deps.evidence.log) : []] as const)));
    // What each 销号 uploaded, by type, for the count of its evidence (the files themselves show only when marked).
    const uploaded = new Map(await Promise.all(shown.map(async (t) => [t.code, deps.evidence ? await evidenceItems(closeOutEvidenceIds(t), deps.evidence.log) : []] as const)));
    const entries = shown
      .map((t) => ({
        ...publicNoticeEntry(t, new Map((uploaded.get(t.code) ?? []).map((i) => [i.id, i.type]))),
        files: (files.get(t.code) ?? []).map((i) => evidenceView(i, publicHref(i.id))),
      }))
      .sort((a, b) => a.until.localeCompare(b.until) || a.code.localeCompare(b.code, 'en', { numeric: true }));
    const contact = { name: office.officeName, phone: office.phone.trim(), email: office.email.trim() };
    c.header('Cache-Control', 'no-store');
    return c.html(renderPage('gongshi', `${office.programme}销号公示`, { programme: office.programme, entries, contact }));
  });

  app.get('/public/gongshi/evidence/:id', async (c) => {
    if (!deps.evidence) return c.json({ error: { code: 'NOT_FOUND', message: '该文件不在公示中' } }, 404);
    const item = await publicFile(pathParam(c, 'id', '文件编号', 100), { store: deps.store, log: deps.evidence.log });
    return servePublic(c, deps, item);
  });
}

async function servePublic(c: Context, deps: AppDeps, item: EvidenceItem): Promise<Response> {
  const { key, type, name, derived } = fileVersion(item, c.req.query('size'));
  if (!derived && item.size > INLINE_BYTES) return serveFile(c, deps, item, 'no-store');
  const bytes = await deps.evidence!.files.read(key);
  if (!bytes) return c.json({ error: { code: 'NOT_FOUND', message: '该文件不在公示中' } }, 404);
  return new Response(bytes, {
    headers: {
      'Content-Type': type,
      'Content-Disposition': `inline; filename*=UTF-8''${encodeURIComponent(name)}`,
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'no-store',
    },
  });
}
