/**
 * `npx duban closeout`: the close-out queue (waiting for lead units, waiting for review, under 公示
 * with its dates, 回头看 due); `closeout <任务编号> --by <整改办人员>` with one of `--approve`,
 * `--return --reason`, `--objection <内容>` or `--reopen --reason`: the office's step, through the
 * same use cases as the API (core/closeout.ts, core/lookback.ts).
 */
import { parseArgs } from 'node:util';
import { closeOutStatus, recordObjection, reviewCloseOut } from '../../core/closeout.ts';
import type { Task } from '../../core/ledger.ts';
import { currentLookback, reopenTask } from '../../core/lookback.ts';
import type { Store, Versioned } from '../../core/ports.ts';
import { localDateOf } from '../../core/time.ts';
import { objectionBody, parse, reopenBody, reviewBody, taskCode } from '../../http/schemas.ts';
import { loadCalendar } from '../../wiring.ts';
import { officePrincipal } from './office-person.ts';
import { withSession } from './session.ts';
import type { CliIo, Verb } from './verb.ts';

/** Beyond every date the store indexes: every closed task with a 回头看 still to answer. */
const END_OF_TIME = '9999-12-31';

export const closeOutVerb: Verb = {
  name: 'closeout',
  usage: `  closeout                                  列出销号进度：待牵头单位确认、待审核、公示中（起止日期）、回头看到期
  closeout <任务编号> --by <整改办人员> (--approve | --return --reason <理由>)
                                            审核销号申请：同意（进入公示）或退回
  closeout <任务编号> --by <整改办人员> --objection <异议内容> [--source <来源>]
                                            登记公示期间的异议（任务退回整改中）
  closeout <任务编号> --by <整改办人员> --reopen --reason <理由>
                                            重新打开已销号的任务`,
  async run(args, io, env) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        by: { type: 'string' },
        approve: { type: 'boolean', default: false },
        return: { type: 'boolean', default: false },
        reopen: { type: 'boolean', default: false },
        objection: { type: 'string' },
        source: { type: 'string' },
        reason: { type: 'string' },
      },
    });
    const [code, extra] = positionals;
    if (extra !== undefined) {
      io.err(`多余的参数“${extra}”：一次只处理一项任务`);
      return 2;
    }
    const actions = [values.approve, values.return, values.reopen, values.objection !== undefined].filter(Boolean).length;
    if (code && actions !== 1) {
      io.err('请选择 --approve、--return、--objection 或 --reopen 之一');
      return 2;
    }
    if (!code && actions) {
      io.err('请指明任务编号：npx duban closeout <任务编号> …');
      return 2;
    }
    return withSession(io, env, { announce: Boolean(code) }, async ({ deps, at }) => {
      const { store } = deps;
      if (!code) return listQueue(store, localDateOf(at), io);
      parse(taskCode, code);
      const principal = await officePrincipal(store, values.by, io);
      if (!principal) return 2;
      if (values.approve || values.return) {
        const body = parse(reviewBody, { decision: values.approve ? 'approve' : 'return', ...(values.reason !== undefined ? { reason: values.reason } : {}) });
        const rules = { calendar: await loadCalendar(store), workdays: deps.cadence.publicNoticeWorkdays };
        const task = await reviewCloseOut(code, { approve: values.approve, reason: body.reason }, principal, at, store, rules);
        io.out(values.approve ? `已同意任务 ${code} 销号，进入公示：${task.closeOut?.publicNotice?.from} 至 ${task.closeOut?.publicNotice?.until}` : `已退回任务 ${code} 的销号申请：${body.reason}`);
        return 0;
      }
      if (values.objection !== undefined) {
        const body = parse(objectionBody, { content: values.objection, ...(values.source !== undefined ? { source: values.source } : {}) });
        const task = await recordObjection(code, body, principal, at, store);
        io.out(`已登记任务 ${code} 的公示异议，任务退回整改中：${closeOutStatus(task)}`);
        return 0;
      }
      const body = parse(reopenBody, { reason: values.reason ?? '' });
      await reopenTask(code, body, principal, at, store);
      io.out(`已重新打开任务 ${code}（${body.reason}），回到周调度和督办`);
      return 0;
    });
  },
};

const codeOrder = (a: { code: string }, b: { code: string }) => a.code.localeCompare(b.code, 'en', { numeric: true });
const row = (t: Task, state: string) => `${t.code}  ${t.title}  ${state}`;

async function listQueue(store: Store, today: string, io: CliIo): Promise<number> {
  const [open, underNotice, withLookback] = await Promise.all([store.openTasks(), store.tasksUnderPublicNotice(), store.lookbacksDueBy(END_OF_TIME)]);
  const sections: [string, string[]][] = [
    ['待牵头单位确认', open.filter((t) => t.closeOut?.state === 'asked' || t.closeOut?.state === 'confirming').sort(codeOrder).map((t) => row(t, closeOutStatus(t)))],
    ['待整改办审核', open.filter((t) => t.closeOut?.state === 'requested').sort(codeOrder).map((t) => row(t, `${t.closeOut!.unit}于${localDateOf(new Date(t.closeOut!.at))}申请`))],
    ['公示中', underNotice.filter((t) => t.closeOut?.state === 'publicNotice').sort(codeOrder).map((t) => row(t, `公示 ${t.closeOut!.publicNotice?.from} 至 ${t.closeOut!.publicNotice?.until}`))],
    ['回头看到期', withLookback.sort(codeOrder).flatMap((t) => lookbackLine(t, today))],
  ];
  if (sections.every(([, lines]) => !lines.length)) {
    io.out('没有进行中的销号申请、公示或到期的回头看。');
    return 0;
  }
  for (const [title, lines] of sections) {
    if (!lines.length) continue;
    io.out(`${title}（${lines.length}项）：`);
    for (const line of lines) io.out(`  ${line}`);
  }
  return 0;
}

/** A closed task whose current 回头看 is due by today: who has not answered, and whether it is overdue. */
function lookbackLine(task: Versioned<Task>, today: string): string[] {
  if (task.status !== 'closed') return [];
  const current = currentLookback(task.closeOut, task.leadUnits);
  if (!current) return [];
  const { index, lookback } = current;
  const due = lookback.due;
  if (!lookback.askedOn && !(due && due <= today)) return [];
  const answered = new Set(lookback.answers.map((a) => a.unit));
  const missing = task.leadUnits.filter((u) => !answered.has(u));
  const when = due ? (due < today ? `应于 ${due} 报送，已逾期` : `应于 ${due} 报送`) : `已于 ${lookback.askedOn} 通知`;
  return [row(task, `第${index + 1}次回头看（销号后第${lookback.workdays}个工作日）${when}，尚待：${missing.join('、')}`)];
}
