/**
 * 督办升级: the proposals awaiting the office (confirm, or decline with a reason), the records it
 * may lift (可摘牌, with a reason), and every open escalation by unit with its lagging tasks. The
 * same use cases as `GET /api/escalations` and `POST /api/escalations/{id}/decision|lift`
 * (core/escalations.ts); a leader reads the page, only the office decides.
 */
import type { Context, Hono } from 'hono';
import { levelNames, liftNames, type Escalation } from '../../core/cadence/escalation-model.ts';
import { decideEscalation, liftEscalation } from '../../core/escalations.ts';
import type { Versioned } from '../../core/ports.ts';
import type { AppDeps } from '../deps.ts';
import { decisionBody, liftBody } from '../escalations.ts';
import { pathParam } from '../params.ts';
import { parse } from '../schemas.ts';
import { formOf, officeOf, sessionIn, textField, type ConsoleEnv } from '../session.ts';
import { consolePage, refusal } from './office.ts';

const view = (e: Versioned<Escalation>) => ({
  id: e.id,
  unit: e.unit,
  level: e.level,
  levelName: levelNames[e.level] || '未升级',
  levelSince: e.levelSince,
  liftable: e.liftable,
  liftName: liftNames[e.level] ?? '',
  proposal: e.proposal ? { levelName: levelNames[e.proposal.level], on: e.proposal.on, why: e.proposal.why } : undefined,
  tasks: e.tasks.map((t) => ({ code: t.code, title: t.title, since: t.since, reasons: t.reasons.join('；') })),
  decisions: e.decisions.slice(-3).map((d) => ({ what: d.decision === 'confirm' ? `确认${levelNames[d.level]}` : d.decision === 'decline' ? `不予${levelNames[d.level]}` : liftNames[d.level], reason: d.reason, by: d.by, on: d.at.slice(0, 10) })),
});

export function escalationSection(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  const page = async (c: Context<ConsoleEnv>, extra: { notice?: string; error?: string; errorUnit?: string } = {}, status: 200 | 400 | 404 | 409 | 503 = 200) => {
    const session = sessionIn(c);
    // Read straight from the store's open and proposed indexes (what listEscalations reads): leaders read this page too.
    const [proposed, open] = await Promise.all([deps.store.proposedEscalations(), deps.store.openEscalations()]);
    const byUnit = (a: { unit: string }, b: { unit: string }) => a.unit.localeCompare(b.unit, 'zh');
    return consolePage(
      c,
      '/escalations',
      'console-escalations',
      '督办升级',
      {
        office: session.role === 'office',
        proposed: proposed.filter((e) => e.open && e.proposal).sort(byUnit).map(view),
        liftable: open.filter((e) => e.liftable && e.level >= 3).sort(byUnit).map(view),
        open: open.filter((e) => e.level > 0).sort((a, b) => b.level - a.level || byUnit(a, b)).map(view),
        ...extra,
      },
      status,
    );
  };

  const act = async (c: Context<ConsoleEnv>, id: string, run: () => Promise<string>) => {
    try {
      return page(c, { notice: await run() });
    } catch (error) {
      const { status, message } = refusal(error);
      return page(c, { error: message, errorUnit: id }, status as 400);
    }
  };

  app.get('/escalations', async (c) => page(c));

  app.post('/escalations/:id/decision', async (c) => {
    const principal = officeOf(c, '决定督办升级');
    const id = pathParam(c, 'id', '督办升级编号', 200);
    const form = await formOf(c);
    return act(c, id, async () => {
      const body = parse(decisionBody, { decision: textField(form, 'decision'), reason: textField(form, 'reason') });
      const saved = await decideEscalation(id, body, principal, deps.clock(), deps.store);
      const level = levelNames[saved.decisions.at(-1)!.level];
      return body.decision === 'confirm' ? `已确认对${saved.unit}${level}，即日生效。` : `已决定暂不对${saved.unit}${level}。`;
    });
  });

  app.post('/escalations/:id/lift', async (c) => {
    const principal = officeOf(c, '摘牌或结束约谈');
    const id = pathParam(c, 'id', '督办升级编号', 200);
    const form = await formOf(c);
    return act(c, id, async () => {
      const body = parse(liftBody, { reason: textField(form, 'reason') });
      const before = await deps.store.escalations.get(id);
      const saved = await liftEscalation(id, body, principal, deps.clock(), deps.store);
      return `已对${saved.unit}${liftNames[before?.level ?? 0] || '解除'}。`;
    });
  });
}
