/**
 * 佐证材料 files over HTTP. Thin: parse, call one use case of core/evidence-files.ts.
 *
 * - POST /api/evidence/uploads            a unit (token) asks for upload forms for its files of one submission (201)
 * - GET  /api/evidence/{id}               the kept file's record (time, place, size, digest) and a short link to open it
 * - GET  /api/evidence/{id}/file          the file itself (on AWS a redirect to a presigned link)
 * - POST /api/evidence/{id}/publicity     the office marks a file of a 销号 as shown on the 公示 page, or unmarks it
 * - POST /tasks/{code}/evidence/{id}/publicity  the same from the console's 销号审核 (a session, CSRF checked)
 * - POST /report/uploads?<link>           the same as the first, from the phone page with the unit's signed link
 * - GET  /report/evidence/{id}?<link>     a unit opens a file of its task from its link
 * - GET  /evidence/{id}                   the console (a session) opens a file
 * - POST /evidence/upload                 the sandbox's stand-in for the bucket: the signed policy enforced as S3 does
 * - GET/POST /report/closeout?<link>&code= the phone page for a 销号 request with photos and files
 *
 * A submission names its uploads' ids among its evidence (`"evidence": ["ev_…", "https://…"]`);
 * keptEvidence checks and keeps them before the use case stores the submission.
 */
import type { Context, Hono } from 'hono';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { closeOutStatus, requestCloseOut } from '../core/closeout.ts';
import { ValidationError } from '../core/errors.ts';
import { createUploads, deleteEvidence, evidenceFor, evidenceItems, keepEvidence, markPublicity, type EvidenceFiles, type EvidenceLog } from '../core/evidence-files.ts';
import {
  EVIDENCE_LIMITS,
  evidenceTypes,
  isEvidenceId,
  limitsText,
  placeText,
  submissionKinds,
  takenAtText,
  takenLongBefore,
  type EvidenceItem,
  type SubmissionKind,
} from '../core/evidence.ts';
import type { Task } from '../core/ledger.ts';
import type { Principal } from '../core/ports.ts';
import { linkParams } from '../core/signed-link.ts';
import { ForbiddenError, taskFor } from '../core/task-access.ts';
import { unitOfLink } from './auth.ts';
import { errorResponse } from './errors.ts';
import type { AppDeps } from './deps.ts';
import { renderPage, TEMPLATE_DIR } from './pages.ts';
import { jsonBody, pathParam, pathParamOf } from './params.ts';
import { closeOutBody, parse, taskCode, text } from './schemas.ts';
import { formOf, officeOf, textField, type ConsoleEnv } from './session.ts';

/** What the app needs for files: where they are, their records, and (sandbox only) the stand-in for the bucket's POST. */
export interface EvidenceAppDeps {
  files: EvidenceFiles;
  log: EvidenceLog;
  receive?: (fields: Record<string, string>, body: Uint8Array, now: Date) => Promise<string>;
}

const strict = { error: (issue: { code: string; keys?: string[] }) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys!.join('、')}` : '请求体应为 JSON 对象') };

export const publicityBody = z.strictObject({ shown: z.boolean({ error: '“是否公示”（shown）应为 true 或 false' }).describe('true：在销号公示页展示该文件；false：不再展示（立即生效）') }, strict);
export const deleteBody = z.strictObject({ reason: text('删除理由', 500).describe('例如：照片与本任务无关、含个人信息') }, strict);

export const uploadsBody = z.strictObject(
  {
    task: taskCode.optional().describe('任务编号（报送类型 duty 以外必填）'),
    duty: text('常态化工作事项', 200).optional().describe('常态化工作事项（报送类型 duty 必填）：文件用于本单位记录的一次常态化工作'),
    kind: z.enum(submissionKinds, { error: '“报送类型”应为 report、monthly、closeout、lookback 或 duty' }).describe('文件用于哪种报送：report 进展、monthly 月度交账、closeout 销号申请、lookback 回头看、duty 常态化工作'),
    files: z
      .array(
        z.strictObject(
          {
            name: text('文件名', 200),
            type: z.string({ error: '“文件类型”应为文字' }).max(200, '“文件类型”过长'),
            size: z.number({ error: '“文件大小”应为字节数' }).int('“文件大小”应为字节数').min(1, '“文件大小”应大于0'),
          },
          strict,
        ),
      )
      .max(EVIDENCE_LIMITS.files, `每次最多上传${EVIDENCE_LIMITS.files}个文件`)
      .describe(limitsText),
  },
  strict,
);

/** Link params of the unit's report link, from a query string. */
const linkOf = (c: Context) => new URLSearchParams(linkParams(new URL(c.req.url).searchParams));

function evidenceDepsOf(deps: Pick<AppDeps, 'evidence'>): EvidenceAppDeps {
  if (!deps.evidence) throw new ValidationError('本系统未配置文件存储，暂不能上传文件；请以链接形式提供佐证材料', 'evidence');
  return deps.evidence;
}

/**
 * A submission's evidence with its upload ids checked and kept (links pass through). Called by each
 * route that stores evidence, before its use case: a file that is refused stores nothing.
 */
export async function keptEvidence(deps: AppDeps, principal: Principal, task: string, kind: SubmissionKind, evidence: readonly string[] | undefined): Promise<string[]> {
  if (!evidence?.some(isEvidenceId)) return [...(evidence ?? [])];
  if (principal.kind !== 'unit') throw new ForbiddenError('上传的文件只能由上传它的单位用于报送');
  return keepEvidence(evidence, { unit: principal.unit, task, kind }, deps.clock(), evidenceDepsOf(deps));
}

/** The same for a unit's occurrence of a 常态化工作 duty: its files are kept under the duty, for that unit. */
export async function keptDutyEvidence(deps: Pick<AppDeps, 'clock' | 'evidence'>, principal: Principal, duty: string, evidence: readonly string[]): Promise<string[]> {
  if (!evidence.some(isEvidenceId)) return [...evidence];
  if (principal.kind !== 'unit') throw new ForbiddenError('上传的文件只能由上传它的单位用于报送');
  return keepEvidence(evidence, { unit: principal.unit, duty, kind: 'duty' }, deps.clock(), evidenceDepsOf(deps));
}

/** What a page or the API shows of a kept file. */
export function evidenceView(item: EvidenceItem, href: string, periodStart?: Date) {
  // A HEIC photo shows as a photo once the daily run has made its JPEG (before that: a file to download).
  const photo = item.type === 'image/jpeg' || item.type === 'image/png' || item.jpegKey !== undefined;
  const sized = (size: string) => `${href}${href.includes('?') ? '&' : '?'}size=${size}`;
  return {
    id: item.id,
    name: item.name,
    type: item.type,
    typeName: Object.values(evidenceTypes).find((t) => t.mime === item.type)?.name ?? '文件',
    size: item.size,
    photo,
    href,
    /** What a page shows in a tile: the camera's thumbnail where the photo carried one, else the photo. */
    thumb: item.thumbnailKey ? sized('thumb') : item.jpegKey ? sized('jpeg') : href,
    /** A HEIC photo's JPEG rendition (`href` stays the original as uploaded). */
    jpeg: item.jpegKey ? sized('jpeg') : undefined,
    takenAt: item.takenAt ? takenAtText(item.takenAt) : undefined,
    place: item.place ? placeText(item.place) : undefined,
    stale: periodStart ? takenLongBefore(item.takenAt, periodStart) : false,
    /** Marked by the office for the public 公示 page. */
    shown: item.shown === true,
    /** Why a photo has no thumbnail or JPEG (it could not be decoded), for the office. */
    problem: item.processingError,
  };
}

/** The upload script of the phone pages, served from the app's own origin (the pages allow no other script). */
export const ATTACH_SCRIPT = '/report/evidence-attach.js';
let script: string | undefined;

/** The CSP of a page that uploads or shows files: the app's upload script, and the bucket's origin where files live elsewhere. */
export function evidenceCsp(deps: AppDeps, uploads = false): string {
  const origin = deps.evidence?.files.origin ?? '';
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `img-src 'self' data: blob: ${origin}`.trim(),
    ...(uploads ? ["script-src 'self'", `connect-src 'self' ${origin}`.trim()] : []),
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/**
 * Which of a file's objects a request asks for: `size=thumb` the camera's thumbnail, `size=jpeg` a
 * HEIC photo's JPEG rendition (named .jpg), else (or where there is none) the file as uploaded.
 */
export function fileVersion(item: EvidenceItem, size: string | undefined): { key: string; type: string; name: string; derived: boolean } {
  if (size === 'thumb' && item.thumbnailKey) return { key: item.thumbnailKey, type: 'image/jpeg', name: item.name, derived: true };
  if (size === 'jpeg' && item.jpegKey) return { key: item.jpegKey, type: 'image/jpeg', name: item.name.replace(/\.[^.]*$/, '') + '.jpg', derived: true };
  return { key: item.key, type: item.type, name: item.name, derived: false };
}

/**
 * The file, to someone allowed to open it: a presigned link where the bucket serves it, else the
 * bytes. `cache`: how long a browser may keep it (the public 公示 path keeps nothing, so unmarking
 * takes effect at once).
 */
export async function serveFile(c: Context, deps: AppDeps, item: EvidenceItem, cache = 'private, max-age=300'): Promise<Response> {
  const evidence = evidenceDepsOf(deps);
  const { key, type, name } = fileVersion(item, c.req.query('size'));
  const url = await evidence.files.openUrl(key, name, type);
  if (url) return c.redirect(url, 302);
  const bytes = await evidence.files.read(key);
  if (!bytes) return c.json({ error: { code: 'NOT_FOUND', message: '佐证材料不存在或已删除' } }, 404);
  return new Response(bytes, {
    headers: {
      'Content-Type': type,
      'Content-Disposition': `inline; filename*=UTF-8''${encodeURIComponent(name)}`,
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': cache,
    },
  });
}

export function evidenceRoutes(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  app.get(ATTACH_SCRIPT, (c) => {
    script ??= readFileSync(join(TEMPLATE_DIR, 'pages', 'evidence-attach.js'), 'utf8');
    return c.body(script, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=300' });
  });

  const upload = async (c: Context, principal: Principal) => {
    const body = parse(uploadsBody, await jsonBody(c));
    const given = await createUploads(body, principal, deps.clock(), { store: deps.store, ...evidenceDepsOf(deps) });
    return c.json(given, 201);
  };

  app.post('/api/evidence/uploads', async (c) => upload(c, c.get('principal')));

  app.get('/api/evidence/:id', async (c) => {
    const item = await evidenceFor(pathParam(c, 'id', '文件编号', 100), c.get('principal'), { store: deps.store, log: evidenceDepsOf(deps).log });
    const { key, state, ...record } = item;
    // A HEIC photo's JPEG rendition, once the daily run has made it; `href` stays the original.
    return c.json({ evidence: record, href: `/api/evidence/${item.id}/file`, ...(item.jpegKey ? { jpeg: `/api/evidence/${item.id}/file?size=jpeg` } : {}) });
  });

  app.delete('/api/evidence/:id', async (c) => {
    const { reason } = parse(deleteBody, await jsonBody(c));
    const item = await deleteEvidence(pathParam(c, 'id', '文件编号', 100), reason, c.get('principal'), deps.clock(), { store: deps.store, ...evidenceDepsOf(deps) });
    return c.json({ deleted: { id: item.id, name: item.name, task: item.task } });
  });

  // The console: the office deletes a file from the task's page, with a reason (CSRF checked by formOf).
  app.post('/tasks/:code/evidence/:id/delete', async (c) => {
    const principal = officeOf(c, '删除佐证材料');
    const code = pathParamOf(c, 'code', '任务编号', taskCode);
    const form = await formOf(c);
    await deleteEvidence(pathParam(c, 'id', '文件编号', 100), textField(form, 'reason'), principal, deps.clock(), { store: deps.store, ...evidenceDepsOf(deps) });
    return c.redirect(`/tasks/${encodeURIComponent(code)}`, 303);
  });

  app.post('/api/evidence/:id/publicity', async (c) => {
    const { shown } = parse(publicityBody, await jsonBody(c));
    const item = await markPublicity(pathParam(c, 'id', '文件编号', 100), shown, c.get('principal'), deps.clock(), { store: deps.store, log: evidenceDepsOf(deps).log });
    return c.json({ evidence: { id: item.id, name: item.name, task: item.task, shown: item.shown === true } });
  });

  // The console's 销号审核: the office ticks which files the 公示 page shows (CSRF checked by formOf).
  app.post('/tasks/:code/evidence/:id/publicity', async (c) => {
    const principal = officeOf(c, '设定公示的佐证材料');
    const code = pathParamOf(c, 'code', '任务编号', taskCode);
    const form = await formOf(c);
    await markPublicity(pathParam(c, 'id', '文件编号', 100), textField(form, 'shown') === 'on', principal, deps.clock(), { store: deps.store, log: evidenceDepsOf(deps).log });
    return c.redirect(`/closeouts#notice-${encodeURIComponent(code)}`, 303);
  });

  app.get('/api/evidence/:id/file', async (c) => {
    const item = await evidenceFor(pathParam(c, 'id', '文件编号', 100), c.get('principal'), { store: deps.store, log: evidenceDepsOf(deps).log });
    return serveFile(c, deps, item);
  });

  // The phone page reads JSON: errors here are answered as the API answers them, never as a page.
  const asJson = (run: (c: Context<ConsoleEnv>) => Promise<Response>) => async (c: Context<ConsoleEnv>) => {
    try {
      return await run(c);
    } catch (error) {
      return errorResponse(error, c);
    }
  };

  app.post(
    '/report/uploads',
    asJson(async (c) => {
      const { unit } = await unitOfLink(await deps.linkSecret(), linkOf(c), deps.clock(), 'report', deps.store);
      return upload(c, { kind: 'unit', unit });
    }),
  );

  app.get('/report/evidence/:id', async (c) => {
    const { unit } = await unitOfLink(await deps.linkSecret(), linkOf(c), deps.clock(), 'report', deps.store);
    const item = await evidenceFor(pathParam(c, 'id', '文件编号', 100), { kind: 'unit', unit }, { store: deps.store, log: evidenceDepsOf(deps).log });
    return serveFile(c, deps, item);
  });

  // The console: the gate has checked the session (office or leader).
  app.get('/evidence/:id', async (c) => {
    const item = await evidenceFor(pathParam(c, 'id', '文件编号', 100), { kind: 'office', name: '' }, { store: deps.store, log: evidenceDepsOf(deps).log });
    return serveFile(c, deps, item);
  });

  // The sandbox's bucket: the browser posts here what it would post to S3, and the same policy is enforced.
  app.post('/evidence/upload', asJson(async (c) => {
    const receive = deps.evidence?.receive;
    if (!receive) return c.json({ error: { code: 'NOT_FOUND', message: '请求的地址不存在' } }, 404);
    const declared = Number(c.req.header('Content-Length') ?? '0');
    if (declared > EVIDENCE_LIMITS.fileBytes + 64 * 1024) return c.json({ error: { code: 'VALIDATION', message: `文件不能超过${EVIDENCE_LIMITS.fileBytes / 1024 / 1024} MB`, field: 'file' } }, 413);
    const form = await c.req.parseBody().catch(() => {
      throw new ValidationError('上传内容无法读取：请重新上传', 'file');
    });
    const file = form.file;
    if (!(file instanceof File)) throw new ValidationError('上传内容中没有文件（字段 file）', 'file');
    const fields = Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const key = await receive(fields, new Uint8Array(await file.arrayBuffer()), deps.clock());
    return c.json({ key }, 201);
  }));

  // The phone page of a 销号 request: what was done, photos and files, links.
  app.get('/report/closeout', async (c) => {
    const link = linkOf(c);
    const { unit } = await unitOfLink(await deps.linkSecret(), link, deps.clock(), 'report', deps.store);
    const code = parse(taskCode, new URL(c.req.url).searchParams.get('code') ?? '');
    return closeOutPage(c, deps, unit, link, code, {});
  });

  app.post('/report/closeout', async (c) => {
    const form = await c.req.parseBody({ all: true }).catch(() => {
      throw new ValidationError('表单内容无法读取：请从邮件中的链接重新打开后再提交', 'body');
    });
    const one = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const many = (name: string) => [form[name]].flat().filter((v): v is string => typeof v === 'string' && v.trim() !== '');
    const link = new URLSearchParams(linkParams(new URLSearchParams({ u: one('u'), p: one('p'), exp: one('exp'), sig: one('sig'), ...(one('iat') ? { iat: one('iat') } : {}) })));
    const { unit } = await unitOfLink(await deps.linkSecret(), link, deps.clock(), 'report', deps.store);
    const code = parse(taskCode, one('code'));
    const principal: Principal = { kind: 'unit', unit };
    const files = many('evidence').filter(isEvidenceId);
    const links = one('links').split(/\s+/).filter(Boolean);
    try {
      const body = parse(closeOutBody, { summary: one('summary'), evidence: [...files, ...links] });
      const evidence = await keptEvidence(deps, principal, code, 'closeout', body.evidence);
      const task = await requestCloseOut(code, { ...body, evidence }, principal, deps.clock(), deps.store);
      const kept = deps.evidence ? await evidenceItems(evidence, deps.evidence.log) : [];
      return c.html(
        renderPage('closeout-done', '销号申请已提交', {
          unit,
          code,
          title: task.title,
          status: closeOutStatus(task),
          files: kept.map((i) => evidenceView(i, `/report/evidence/${i.id}?${link}`)),
          links: evidence.filter((e) => !isEvidenceId(e)),
          back: `/report?${link}`,
        }),
        201,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return closeOutPage(c, deps, unit, link, code, { error: error.message, summary: one('summary'), links: one('links') }, 400);
    }
  });
}

async function closeOutPage(c: Context, deps: AppDeps, unit: string, link: URLSearchParams, code: string, state: { error?: string; summary?: string; links?: string }, status: 200 | 400 = 200) {
  const task = await taskFor(deps.store, code, { kind: 'unit', unit });
  c.header('Content-Security-Policy', evidenceCsp(deps, true));
  return c.html(
    renderPage('closeout-form', `${unit} 申请销号`, {
      unit,
      code: task.code,
      title: task.title,
      target: task.target,
      status: closeOutStatus(task),
      link: linkParams(link),
      query: link.toString(),
      ...attachContext(deps),
      key: randomUUID(),
      back: `/report?${link}`,
      ...state,
    }),
    status,
  );
}

/** A piece of evidence as a console page links it: an uploaded file opens through the console, a link as it is. */
export const evidenceLink = (e: string) => (isEvidenceId(e) ? { href: `/evidence/${e}`, text: '上传的文件' } : { href: e, text: e });

/**
 * Every file a task's record names (its 销号 request and confirmations, its 回头看 answers, its
 * reports), once each, newest source first, each photo flagged when taken long before its submission.
 */
export async function taskEvidence(deps: AppDeps, task: Task, reports: readonly { unit: string; period: string; at: string; evidence?: string[] }[]) {
  const closeOut = task.closeOut;
  const sources = [
    ...(closeOut ? [{ label: `${closeOut.unit}申请销号`, at: closeOut.at, evidence: closeOut.evidence }] : []),
    ...(closeOut?.confirmations ?? []).map((p) => ({ label: `${p.unit}确认销号`, at: p.at, evidence: p.evidence })),
    ...(closeOut?.lookbacks ?? []).flatMap((l, i) => l.answers.map((a) => ({ label: `第${i + 1}次回头看（${a.unit}）`, at: a.at, evidence: a.evidence }))),
    ...reports.map((r) => ({ label: `${r.unit}报送进展（${r.period}）`, at: r.at, evidence: r.evidence ?? [] })),
  ].sort((a, b) => b.at.localeCompare(a.at));
  const seen = new Set<string>();
  const files = [];
  for (const source of sources) {
    const fresh = source.evidence.filter((e) => isEvidenceId(e) && !seen.has(e));
    fresh.forEach((e) => seen.add(e));
    if (!fresh.length) continue;
    const { files: shown } = await consoleEvidence(deps, fresh, new Date(source.at));
    files.push(...shown.map((f) => ({ ...f, source: source.label })));
  }
  return files;
}

/** What a phone page needs to offer uploads (nothing when the app keeps no files). */
export function attachContext(deps: AppDeps) {
  return {
    uploads: Boolean(deps.evidence),
    limits: limitsText,
    limitsJson: JSON.stringify({ fileBytes: EVIDENCE_LIMITS.fileBytes, files: EVIDENCE_LIMITS.files, submissionBytes: EVIDENCE_LIMITS.submissionBytes }),
    accept: 'image/*,.heic,.heif,application/pdf,.pdf,.docx,.xlsx',
    script: ATTACH_SCRIPT,
  };
}

/** The console's view of a submission's files: each photo with its time and place, flagged when taken long before `periodStart`. */
export async function consoleEvidence(deps: AppDeps, evidence: readonly string[], periodStart: Date) {
  const items = deps.evidence ? await evidenceItems(evidence, deps.evidence.log) : [];
  return {
    files: items.map((i) => evidenceView(i, `/evidence/${i.id}`, periodStart)),
    links: evidence.filter((e) => !isEvidenceId(e)),
  };
}

