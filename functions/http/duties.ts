/**
 * 常态化工作 and 延期 over the API. Thin: parse with zod, call core/duties.ts or core/extension.ts,
 * answer.
 * - GET /api/duties: the duties (a unit: its own) with their record by period;
 * - POST /api/duties/{name}/occurrences {date, evidence, detail, minutes?, unit?}: one occurrence;
 *   a unit's evidence may name files it uploaded for the duty (POST /api/evidence/uploads with
 *   kind `duty` and `duty`), checked and kept under the duty before the occurrence is stored;
 * - POST /api/tasks/{code}/extension {until, reason}: a lead unit asks for more time;
 * - POST /api/tasks/{code}/extension/review {decision, reason?, allowAnother?}: the office decides.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import * as z from 'zod';
import type { WorkdayCalendar } from '../core/calendar.ts';
import { checkOccurrence, listDuties, recordDutyOccurrence } from '../core/duties.ts';
import { requestExtension, reviewExtension } from '../core/extension.ts';
import { uploadedFileCount } from '../core/evidence.ts';
import type { DutyOccurrence, Principal, Store } from '../core/ports.ts';
import { keptDutyEvidence, type EvidenceAppDeps } from './evidence.ts';
import { jsonBody, pathParam, pathParamOf } from './params.ts';
import { isoDate, parse, taskCode, text } from './schemas.ts';

/** An occurrence as the 报送成功 page lists it, with how many uploaded files were kept with it. */
export const occurrenceDone = (o: DutyOccurrence) => ({ ...o, files: uploadedFileCount(o.evidence) });

const strict = { error: (issue: { code: string; keys?: string[] }) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys!.join('、')}` : '请求体应为 JSON 对象') };

export const occurrenceBody = z.strictObject(
  {
    date: isoDate('日期').describe('做这项工作的日期（不能晚于今天）；计入该日期所在的周期'),
    evidence: z
      .array(text('佐证材料', 500), { error: '“佐证材料”应为列表（链接，或报纸期号、版面等说明）' })
      .min(1, '请至少填写1项“佐证材料”')
      .max(10, '“佐证材料”最多10项')
      .describe('链接，报纸期号、版面、节目名称等说明，或本单位为该事项上传的文件编号（ev_…）'),
    detail: text('内容', 2000).describe('做了什么'),
    minutes: z
      .number({ error: '“时长（分钟）”应为整数' })
      .int('“时长（分钟）”应为整数')
      .min(1, '“时长（分钟）”应为1到1440的整数')
      .max(1440, '“时长（分钟）”应为1到1440的整数')
      .optional()
      .describe('要求时长的事项必填（如电视栏目每次不少于3分钟）'),
    unit: text('单位', 200).optional().describe('整改办代为记录时必填：责任单位名称'),
  },
  strict,
);

export const extensionBody = z.strictObject(
  {
    until: isoDate('延期至').describe('申请延至的日期；遇节假日顺延至下一个工作日'),
    reason: text('延期理由', 1000),
  },
  strict,
);

export const extensionReviewBody = z.strictObject(
  {
    decision: z.enum(['approve', 'return'], { error: '“审核结论”应为 approve（同意延期）或 return（退回）' }),
    reason: text('理由', 1000).optional().describe('退回时必填'),
    allowAnother: z.boolean({ error: '“允许再次申请”应为 true 或 false' }).optional().describe('true：允许该单位日后再申请一次延期'),
  },
  strict,
);

interface DutyDeps {
  store: Store;
  clock: () => Date;
  calendar: () => Promise<WorkdayCalendar>;
  evidence?: EvidenceAppDeps;
}

const codeOf = (c: Context) => pathParamOf(c, 'code', '任务编号', taskCode);

export function dutyRoutes(app: Hono<{ Variables: { principal: Principal } }>, deps: DutyDeps, limit: MiddlewareHandler) {
  app.get('/api/duties', async (c) => {
    return c.json({ duties: await listDuties(c.get('principal'), deps.clock(), { store: deps.store, calendar: await deps.calendar() }) });
  });

  app.post('/api/duties/:name/occurrences', limit, async (c) => {
    const name = pathParam(c, 'name', '常态化工作事项', 200);
    const body = parse(occurrenceBody, await jsonBody(c));
    const key = c.req.header('Idempotency-Key')?.slice(0, 200) || undefined;
    const principal = c.get('principal');
    // Checked before any uploaded file is kept, so a refused occurrence keeps none.
    await checkOccurrence(name, body, principal, deps.clock(), deps.store);
    const evidence = await keptDutyEvidence(deps, principal, name, body.evidence);
    const { occurrence, created } = await recordDutyOccurrence(name, { ...body, evidence }, principal, deps.clock(), deps.store, key);
    return c.json({ occurrence }, created ? 201 : 200);
  });

  app.post('/api/tasks/:code/extension', limit, async (c) => {
    const code = codeOf(c);
    const body = parse(extensionBody, await jsonBody(c));
    const task = await requestExtension(code, body, c.get('principal'), deps.clock(), { store: deps.store, calendar: await deps.calendar() });
    return c.json({ task }, 202);
  });

  app.post('/api/tasks/:code/extension/review', limit, async (c) => {
    const code = codeOf(c);
    const body = parse(extensionReviewBody, await jsonBody(c));
    const decision = { approve: body.decision === 'approve', reason: body.reason, allowAnother: body.allowAnother };
    const task = await reviewExtension(code, decision, c.get('principal'), deps.clock(), { store: deps.store, calendar: await deps.calendar() });
    return c.json({ task });
  });
}
