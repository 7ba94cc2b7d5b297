/** 报告: the archived 周通报 and 月交账 for the office and leaders; any file downloads. */
import type { Hono } from 'hono';
import { parseReportKind, reportLabels } from '../../core/reports/model.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { AppDeps } from '../deps.ts';
import { pathParam } from '../params.ts';
import { fileResponse } from '../reports.ts';
import { sessionIn, type ConsoleEnv } from '../session.ts';
import { consolePage } from './office.ts';
import { shanghai } from './overview.ts';

export function archiveSection(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  app.get('/archive', async (c) => {
    sessionIn(c);
    const reports = (await deps.reports.list()).map((m) => ({
      label: reportLabels[m.kind],
      period: m.period,
      title: m.title,
      compiledAt: shanghai(m.compiledAt),
      files: m.files.map((f) => ({ ...f, url: `/archive/${m.kind}/${m.period}/${encodeURIComponent(f.name)}` })),
    }));
    return consolePage(c, '/archive', 'reports', '通报与交账存档', { reports });
  });

  app.get('/archive/:kind/:period/:file', async (c) => {
    sessionIn(c);
    const kind = parseReportKind(pathParam(c, 'kind', '报告类型', 40));
    const period = pathParam(c, 'period', '期次', 20);
    const name = pathParam(c, 'file', '文件名', 200);
    const file = /^\d{4}-(W\d{2}|\d{2})$/.test(period) ? await deps.reports.file(kind, period, name) : undefined;
    if (!file) throw new NotFoundError(`没有找到${reportLabels[kind]} ${period} 的文件“${name}”`);
    return fileResponse(c, name, file);
  });
}
