/**
 * Indicator readings over time: a month's reading corrected with a reason (the replaced value, who
 * and when stay in the history), and an indicator's months read back with their history. The
 * indicator's responsible units and the office. Thin: parse, call core/indicators.ts, answer.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import * as z from 'zod';
import { correctReading, readingHistoryOf } from '../core/indicators.ts';
import type { Principal, Store } from '../core/ports.ts';
import { xmlSafe } from '../core/text.ts';
import { jsonBody, pathParam, pathParamOf } from './params.ts';
import { parse, readingBody } from './schemas.ts';

const month = z
  .string({ error: '“月份”应写作 YYYY-MM' })
  .regex(/^[1-9]\d{3}-(0[1-9]|1[0-2])$/, '“月份”应写作 YYYY-MM，如 2018-07')
  .describe('要更正的月份');

export const correctionBody = z.strictObject(
  {
    value: readingBody.shape.value,
    reason: z
      .string({ error: '“更正原因”应为文字' })
      .overwrite((s) => xmlSafe(s).trim())
      .min(1, '请填写“更正原因”')
      .max(500, '“更正原因”不能超过500个字')
      .describe('为什么更正（如：监测站复核数据），记入指标的历史'),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys.join('、')}` : '请求体应为 JSON 对象') },
);

export function indicatorRoutes(app: Hono<{ Variables: { principal: Principal } }>, deps: { store: Store; clock: () => Date }, limit: MiddlewareHandler) {
  app.get('/api/indicators/:name/readings', async (c) => {
    const name = pathParam(c, 'name', '指标名称', 100);
    return c.json({ indicator: await readingHistoryOf(name, c.get('principal'), deps.store) });
  });

  app.put('/api/indicators/:name/readings/:month', limit, async (c) => {
    const name = pathParam(c, 'name', '指标名称', 100);
    const at = pathParamOf(c, 'month', '月份', month);
    const body = parse(correctionBody, await jsonBody(c));
    const reading = await correctReading(name, at, body, c.get('principal'), deps.clock(), deps.store);
    return c.json({ reading });
  });
}
