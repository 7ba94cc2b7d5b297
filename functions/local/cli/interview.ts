/** `npx duban interview [<id> --by <office person> …]`: lists open 约谈 records, or records their follow-up. */
import { parseArgs } from 'node:util';
import { followUpInterview } from '../../core/interviews.ts';
import { interviewBody, parse } from '../../http/schemas.ts';
import { loadCalendar } from '../../wiring.ts';
import { withSession } from './session.ts';
import type { Verb } from './verb.ts';

export const interviewVerb: Verb = {
  name: 'interview',
  usage: `  interview [<记录编号> --by <整改办人员> [--scheduled 日期] [--held 日期] [--attendee 姓名]…
            [--commitment "内容@YYYY-MM-DD"]… [--outcome 结果] [--close]]
                                            列出未办结的约谈，或登记约谈情况（承诺带日期的成为任务节点）`,
  async run(args, io, env) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        by: { type: 'string' },
        scheduled: { type: 'string' },
        held: { type: 'string' },
        attendee: { type: 'string', multiple: true },
        commitment: { type: 'string', multiple: true },
        outcome: { type: 'string' },
        close: { type: 'boolean', default: false },
      },
    });
    const id = positionals[0];
    return withSession(io, env, { announce: Boolean(id) }, async ({ deps: { store }, at }) => {
      if (!id) {
        const open = await store.openInterviews();
        if (!open.length) io.out('没有未办结的约谈。');
        for (const i of open) {
          const state = i.heldAt ? `已于${i.heldAt}约谈` : i.scheduledAt ? `定于${i.scheduledAt}` : `待安排（应于${i.followUpBy}前跟进）`;
          io.out(`${i.id}  ${i.codes.join('、')} ${i.unit}  ${state}`);
        }
        return 0;
      }
      const person = values.by ? await store.people.get(values.by) : undefined;
      if (!person?.roles.includes('整改办')) {
        io.err('请用 --by 指明登记人（“领导与联系人”表中角色为整改办的人员）');
        return 2;
      }
      const update = parse(interviewBody, {
        ...(values.scheduled ? { scheduledAt: values.scheduled } : {}),
        ...(values.held ? { heldAt: values.held } : {}),
        ...(values.attendee ? { attendees: values.attendee } : {}),
        ...(values.commitment
          ? {
              commitments: values.commitment.map((c) => {
                const [content, due] = c.split('@');
                return { content: content!.trim(), ...(due ? { due: due.trim() } : {}) };
              }),
            }
          : {}),
        ...(values.outcome ? { outcome: values.outcome } : {}),
        ...(values.close ? { close: true } : {}),
      });
      const saved = await followUpInterview(id, update, { kind: 'office', name: person.name }, at, { store, calendar: await loadCalendar(store) });
      io.out(`已登记约谈 ${saved.id}：${saved.status === 'closed' ? '已办结' : '未办结'}，承诺 ${saved.commitments.length} 条`);
      return 0;
    });
  },
};
