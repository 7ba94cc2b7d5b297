/**
 * The office's escalation calls: the open escalations, the proposals awaiting it and those it may
 * lift (可摘牌); a decision on a proposal (confirm or decline, with a reason); lifting an L3 and
 * above (结束约谈 / 摘牌, with a reason). Thin: parse, call core/escalations.ts, answer.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import * as z from 'zod';
import { escalationStatuses, decideEscalation, liftEscalation, listEscalations, type EscalationStatus } from '../core/escalations.ts';
import { ValidationError } from '../core/errors.ts';
import type { Principal, Store } from '../core/ports.ts';
import { xmlSafe } from '../core/text.ts';
import { jsonBody, pathParam } from './params.ts';
import { parse } from './schemas.ts';

const reason = z
  .string({ error: '“理由”应为文字' })
  .overwrite((s) => xmlSafe(s).trim())
  .min(1, '请填写“理由”')
  .max(1000, '“理由”不能超过1000个字')
  .describe('整改办的理由，记入督办升级记录');

const strict = { error: (issue: { code: string; keys?: string[] }) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys!.join('、')}` : '请求体应为 JSON 对象') };

export const decisionBody = z.strictObject(
  {
    decision: z.enum(['confirm', 'decline'], { error: '“决定”应为 confirm（确认升级）或 decline（不予升级）' }),
    reason,
  },
  strict,
);

export const liftBody = z.strictObject({ reason }, strict);

export function escalationRoutes(app: Hono<{ Variables: { principal: Principal } }>, deps: { store: Store; clock: () => Date }, limit: MiddlewareHandler) {
  app.get('/api/escalations', async (c) => {
    const status = c.req.query('status') ?? 'open';
    if (!escalationStatuses.includes(status as EscalationStatus)) {
      throw new ValidationError(`“status”应为 open（未解除）、proposed（待决定的升级建议）或 liftable（可摘牌），收到“${status.slice(0, 40)}”`, 'status');
    }
    return c.json({ escalations: await listEscalations(status as EscalationStatus, c.get('principal'), deps.store) });
  });

  app.post('/api/escalations/:id/decision', limit, async (c) => {
    const id = pathParam(c, 'id', '督办升级编号', 200);
    const body = parse(decisionBody, await jsonBody(c));
    return c.json({ escalation: await decideEscalation(id, body, c.get('principal'), deps.clock(), deps.store) });
  });

  app.post('/api/escalations/:id/lift', limit, async (c) => {
    const id = pathParam(c, 'id', '督办升级编号', 200);
    const body = parse(liftBody, await jsonBody(c));
    return c.json({ escalation: await liftEscalation(id, body, c.get('principal'), deps.clock(), deps.store) });
  });
}
