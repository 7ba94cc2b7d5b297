/**
 * `npx duban extension`: the 延期 requests waiting for the office; `extension <任务编号> --by
 * <整改办人员> (--approve | --return --reason <理由>) [--allow-another]`: the office's decision,
 * through the same use case and field rules as `POST /api/tasks/{code}/extension/review`.
 */
import { parseArgs } from 'node:util';
import { reviewExtension } from '../../core/extension.ts';
import { localDateOf } from '../../core/time.ts';
import { extensionReviewBody } from '../../http/duties.ts';
import { parse, taskCode } from '../../http/schemas.ts';
import { loadCalendar } from '../../wiring.ts';
import { officePrincipal } from './office-person.ts';
import { withSession } from './session.ts';
import type { Verb } from './verb.ts';

export const extensionVerb: Verb = {
  name: 'extension',
  usage: `  extension                                 列出待审核的延期申请
  extension <任务编号> --by <整改办人员> (--approve | --return --reason <理由>) [--allow-another]
                                            审核延期申请：同意（整改时限改为申请的日期）或退回；--allow-another 允许日后再申请一次`,
  async run(args, io, env) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        by: { type: 'string' },
        approve: { type: 'boolean', default: false },
        return: { type: 'boolean', default: false },
        reason: { type: 'string' },
        'allow-another': { type: 'boolean', default: false },
      },
    });
    const [code, extra] = positionals;
    if (extra !== undefined) {
      io.err(`多余的参数“${extra}”：一次只审核一项任务`);
      return 2;
    }
    if (code && values.approve === values.return) {
      io.err('请选择 --approve 或 --return 之一');
      return 2;
    }
    return withSession(io, env, { announce: Boolean(code) }, async ({ deps: { store }, at }) => {
      if (!code) {
        const pending = (await store.openTasks()).filter((t) => t.extension?.state === 'requested').sort((a, b) => a.code.localeCompare(b.code, 'en', { numeric: true }));
        if (!pending.length) io.out('没有待审核的延期申请。');
        for (const t of pending) {
          const e = t.extension!;
          io.out(`${t.code}  ${t.title}  ${e.unit}于${localDateOf(new Date(e.at))}申请延至 ${e.until}（现整改时限：${t.deadline.text}）  理由：${e.reason}`);
        }
        return 0;
      }
      parse(taskCode, code);
      const principal = await officePrincipal(store, values.by, io);
      if (!principal) return 2;
      const body = parse(extensionReviewBody, {
        decision: values.approve ? 'approve' : 'return',
        ...(values.reason !== undefined ? { reason: values.reason } : {}),
        ...(values['allow-another'] ? { allowAnother: true } : {}),
      });
      const decision = { approve: body.decision === 'approve', reason: body.reason, allowAnother: body.allowAnother };
      const task = await reviewExtension(code, decision, principal, at, { store, calendar: await loadCalendar(store) });
      if (decision.approve && task.deadline.kind !== 'ongoing') io.out(`已同意任务 ${code} 延期：整改时限改为 ${task.deadline.due}（${task.deadline.text}）`);
      else io.out(`已退回任务 ${code} 的延期申请：${body.reason}${body.allowAnother ? '（允许日后再申请一次）' : ''}`);
      return 0;
    });
  },
};
