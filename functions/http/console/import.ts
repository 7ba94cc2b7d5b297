/**
 * 导入台账: the office uploads the workbook; it is checked as a dry-run (every problem by sheet,
 * row and column; what would be added, changed, kept and dropped) and kept under `uploads/` by its
 * digest; "确认导入" imports exactly that file. The same reader and import as `npx duban import`.
 */
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createHash } from 'node:crypto';
import { ValidationError } from '../../core/errors.ts';
import { importLedger, type ImportSummary } from '../../ledger-import/import-ledger.ts';
import { MAX_FILE_BYTES, SourceError } from '../../ledger-import/source-limits.ts';
import type { AppDeps } from '../deps.ts';
import { formOf, officeOf, sessionIn, textField, type ConsoleEnv } from '../session.ts';
import { consolePage, officeOnly, refusal } from './office.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const uploadKey = (digest: string) => `uploads/${digest}.xlsx`;
/** The workbook reader loads at the first upload, not with every request's function. */
const readWorkbook = async (content: Buffer, file: string) => (await import('../../ledger-import/read-source.ts')).readWorkbook(content, file);

const tallyRows = (s: ImportSummary) =>
  (
    [
      ['整改任务', s.tasks],
      ['责任单位', s.units],
      ['领导与联系人', s.people],
      ['目标指标', s.indicators],
      ['常态化工作', s.duties],
    ] as const
  ).map(([label, t]) => ({ label, ...t }));

export function importSection(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  const page = (c: Context<ConsoleEnv>, extra: object = {}, status: 200 | 201 | 400 | 409 | 503 = 200) => consolePage(c, '/import', 'console-import', '导入台账', { maxMb: MAX_FILE_BYTES / 1024 / 1024, ...extra }, status);
  const uploads = () => {
    if (!deps.console) throw new ValidationError('本服务未配置上传存储，请改用命令行 npx duban import 导入', 'file');
    return deps.console.uploads;
  };
  const limit = bodyLimit({
    maxSize: MAX_FILE_BYTES + 64 * 1024,
    onError: (c) => page(c as Context<ConsoleEnv>, { error: `文件过大：台账文件最大 ${MAX_FILE_BYTES / 1024 / 1024} MB。请删去无关的工作表、图片和空行后再导入` }, 400),
  });

  app.get('/import', (c) => {
    officeOnly(c);
    return page(c);
  });

  /** The dry-run of an uploaded workbook. */
  app.post('/import', limit, async (c) => {
    const session = sessionIn(c);
    officeOf(c, '导入台账');
    const form = await formOf(c);
    const file = form.file;
    if (!(file instanceof File) || file.size === 0) return page(c, { error: '“台账文件”：请选择要导入的 .xlsx 工作簿' }, 400);
    if (!file.name.toLowerCase().endsWith('.xlsx')) return page(c, { error: `“台账文件”：不支持的格式 ${file.name}，请上传 .xlsx 工作簿` }, 400);
    const bytes = Buffer.from(await file.arrayBuffer());
    try {
      const tables = await readWorkbook(bytes, file.name);
      const summary = await importLedger(tables, { at: deps.clock(), by: session.person, source: file.name, dryRun: true }, { store: deps.store, calendar: await deps.calendar() });
      if (!summary.ok) return page(c, { file: file.name, summary, issues: summary.issues, more: summary.issueCount - summary.issues.length }, 400);
      const digest = createHash('sha256').update(bytes).digest('hex');
      await uploads().put(uploadKey(digest), bytes, XLSX);
      return page(c, { file: file.name, summary, tallies: tallyRows(summary), digest, checked: true });
    } catch (error) {
      if (error instanceof SourceError) return page(c, { error: `“台账文件”：${error.message}` }, 400);
      const { status, message } = refusal(error);
      return page(c, { error: message }, status as 400);
    }
  });

  /** Imports exactly the file whose dry-run the office saw. */
  app.post('/import/confirm', async (c) => {
    const session = sessionIn(c);
    officeOf(c, '导入台账');
    const form = await formOf(c);
    const digest = textField(form, 'digest');
    const name = textField(form, 'file').slice(0, 200) || '台账.xlsx';
    const stored = /^[0-9a-f]{64}$/.test(digest) ? await uploads().get(uploadKey(digest)) : undefined;
    if (!stored) return page(c, { error: '找不到待确认的台账文件：请重新上传并核对后再确认' }, 400);
    try {
      const tables = await readWorkbook(Buffer.from(stored.body), name);
      const summary = await importLedger(tables, { at: deps.clock(), by: session.person, source: name }, { store: deps.store, calendar: await deps.calendar() });
      if (!summary.ok) return page(c, { file: name, summary, issues: summary.issues, more: summary.issueCount - summary.issues.length }, 400);
      return page(c, { file: name, summary, tallies: tallyRows(summary), imported: true }, 201);
    } catch (error) {
      const { status, message } = refusal(error);
      return page(c, { error: message }, status as 400);
    }
  });
}
