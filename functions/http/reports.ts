/**
 * The report archive over HTTP. The office lists and downloads with its token under /api/reports;
 * people who got a circular by email open its files with the signed link in it. A valid link sets a
 * cookie for /reports, so the page's own links (the workbook, the email version) open too.
 */
import type { Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { parseReportKind, reportLabels, type ReportKind } from '../core/reports/model.ts';
import { LinkError, linkParams, verifyLink } from '../core/signed-link.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { pathParam } from './params.ts';
import { ForbiddenError } from '../core/reporting.ts';
import type { ArchivePublisher, Manifest } from '../reports/publish.ts';
import { renderPage } from './pages.ts';
import type { Principal } from '../core/ports.ts';

export type ReportFiles = Pick<ArchivePublisher, 'list' | 'file'>;

const COOKIE = 'duban_archive';
const periodPattern = /^\d{4}-(W\d{2}|\d{2})$/;

interface ArchiveDeps {
  reports: ReportFiles;
  clock: () => Date;
  linkSecret: () => Promise<string>;
}

function contentDisposition(name: string, inline: boolean): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/"/g, '');
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function fileResponse(c: Context, name: string, file: { body: Uint8Array; contentType: string }): Response {
  const inline = /\.(html|svg)$/.test(name);
  return c.body(file.body as Uint8Array<ArrayBuffer>, 200, {
    'Content-Type': file.contentType,
    'Content-Disposition': contentDisposition(name, inline),
    'Cache-Control': 'private, max-age=300',
    'X-Content-Type-Options': 'nosniff',
    // Archived pages carry their styles and SVG inline and run no script.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
}

async function findFile(reports: ReportFiles, kindText: string, period: string, name: string) {
  const kind = parseReportKind(kindText);
  const file = periodPattern.test(period) ? await reports.file(kind, period, name) : undefined;
  if (!file) throw new NotFoundError(`没有找到${reportLabels[kind]} ${period} 的文件“${name}”`);
  return file;
}

/** The kind, period and file name in a report file's address, each decoded once and checked. */
function fileParams(c: Context): { kind: ReportKind; period: string; name: string } {
  const kind = parseReportKind(pathParam(c, 'kind', '报告类型', 40));
  const period = pathParam(c, 'period', '期次', 20);
  if (!periodPattern.test(period)) throw new ValidationError(`路径参数“期次”（period）应写作 2018-W28 或 2018-07，收到“${period}”`, 'period');
  return { kind, period, name: pathParam(c, 'file', '文件名', 200) };
}

const describe = (m: Manifest, url: (name: string) => string) => ({
  kind: m.kind,
  label: reportLabels[m.kind],
  period: m.period,
  title: m.title,
  compiledAt: m.compiledAt,
  files: m.files.map((f) => ({ ...f, url: url(f.name) })),
});

export function apiReportRoutes(app: Hono<{ Variables: { principal: Principal } }>, deps: ArchiveDeps) {
  const officeOnly = (c: Context<{ Variables: { principal: Principal } }>) => {
    if (c.get('principal').kind !== 'office') throw new ForbiddenError('报告存档仅限整改办查阅；周通报请通过邮件中的链接查看');
  };
  app.get('/api/reports', async (c) => {
    officeOnly(c);
    const manifests = await deps.reports.list();
    return c.json({ reports: manifests.map((m) => describe(m, (name) => `/api/reports/${m.kind}/${m.period}/${encodeURIComponent(name)}`)) });
  });
  app.get('/api/reports/:kind/:period/:file', async (c) => {
    officeOnly(c);
    const { kind, period, name } = fileParams(c);
    return fileResponse(c, name, await findFile(deps.reports, kind, period, name));
  });
}

/** Whether the signed link (in the query, else in the cookie it set) opens `subject`. */
async function allow(c: Context, deps: ArchiveDeps, subject: string): Promise<void> {
  const query = new URL(c.req.url).searchParams;
  const secret = await deps.linkSecret();
  const now = deps.clock();
  const fromQuery = query.has('sig') ? query : undefined;
  const cookie = getCookie(c, COOKIE);
  const params = fromQuery ?? (cookie ? new URLSearchParams(cookie) : undefined);
  if (!params) throw new LinkError('请通过周通报或月交账邮件中的链接打开报告');
  const claims = verifyLink(secret, params, now, 'archive');
  if (claims.unit !== '*' && claims.unit !== subject) {
    throw new LinkError('此链接不能打开这份报告：请使用对应一期邮件中的链接');
  }
  if (fromQuery) {
    setCookie(c, COOKIE, new URLSearchParams(linkParams(params)).toString(), {
      path: '/reports',
      httpOnly: true,
      sameSite: 'Lax',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: Math.max(0, claims.exp - Math.floor(now.getTime() / 1000)),
    });
  }
}

export function pageReportRoutes(app: Hono<any>, deps: ArchiveDeps) {
  app.get('/reports', async (c) => {
    await allow(c, deps, '*');
    const manifests = await deps.reports.list();
    const reports = manifests.map((m) => describe(m, (name) => `/reports/${m.kind}/${m.period}/${encodeURIComponent(name)}`));
    return c.html(renderPage('reports', '通报与交账存档', { reports }));
  });
  app.get('/reports/:kind/:period/:file', async (c) => {
    const { kind, period, name } = fileParams(c);
    await allow(c, deps, `${kind}/${period}`);
    return fileResponse(c, name, await findFile(deps.reports, kind, period, name));
  });
}
