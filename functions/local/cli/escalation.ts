/**
 * `npx duban escalation [proposed | liftable]`: lists escalations (one line per lead unit with its
 * level, tasks and any proposal); `escalation <单位> --by <整改办人员> --confirm | --decline | --lift
 * --reason <理由>`: the office's decision on a proposal, or 摘牌 / 结束约谈. Same use cases as the API.
 */
import { parseArgs } from 'node:util';
import { levelNames, type Escalation } from '../../core/cadence/escalation-model.ts';
import { decideEscalation, escalationStatuses, liftEscalation, listEscalations, type EscalationStatus } from '../../core/escalations.ts';
import { withSession } from './session.ts';
import type { Verb } from './verb.ts';

const line = (e: Escalation) =>
  `${e.unit}  ${levelNames[e.level] || '—'}（${e.levelSince}起）  ${e.tasks.map((t) => t.code).join('、') || '原因已消除，可摘牌'}${e.proposal ? `  建议升级为${levelNames[e.proposal.level]}（${e.proposal.on}）` : ''}`;

export const escalationVerb: Verb = {
  name: 'escalation',
  usage: `  escalation [proposed | liftable]           列出督办升级（每个牵头单位一条）：全部未解除的、待决定的升级建议、可摘牌的
  escalation <单位> --by <整改办人员> (--confirm | --decline | --lift) --reason <理由>
                                            确认或不予采纳升级建议；结束约谈或摘牌`,
  async run(args, io, env) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { by: { type: 'string' }, confirm: { type: 'boolean', default: false }, decline: { type: 'boolean', default: false }, lift: { type: 'boolean', default: false }, reason: { type: 'string' } },
    });
    const [first] = positionals;
    const listing = !first || escalationStatuses.includes(first as EscalationStatus);
    return withSession(io, env, { announce: !listing }, async ({ deps: { store }, at }) => {
      if (listing) {
        const list = await listEscalations((first ?? 'open') as EscalationStatus, { kind: 'office', name: 'cli' }, store);
        if (!list.length) io.out('没有符合条件的督办升级。');
        for (const e of list) io.out(line(e));
        return 0;
      }
      const actions = [values.confirm, values.decline, values.lift].filter(Boolean).length;
      const person = values.by ? await store.people.get(values.by) : undefined;
      if (!person?.roles.includes('整改办')) {
        io.err('请用 --by 指明决定人（“领导与联系人”表中角色为整改办的人员）');
        return 2;
      }
      if (actions !== 1 || !values.reason) {
        io.err('请选择 --confirm、--decline 或 --lift 之一，并用 --reason 写明理由');
        return 2;
      }
      const principal = { kind: 'office' as const, name: person.name };
      const saved = values.lift
        ? await liftEscalation(first, { reason: values.reason }, principal, at, store)
        : await decideEscalation(first, { decision: values.confirm ? 'confirm' : 'decline', reason: values.reason }, principal, at, store);
      io.out(`已登记 ${saved.unit}：${saved.open ? `当前${levelNames[saved.level] || '无'}` : '已解除'}`);
      return 0;
    });
  },
};
