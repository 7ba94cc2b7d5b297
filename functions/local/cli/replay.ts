/** `npx duban replay --from <date> --to <date>`: every job at every scheduled instant of the range, on a virtual clock. */
import { parseArgs } from 'node:util';
import { runJob } from '../../core/cadence/jobs.ts';
import { cronTable, jobNames, runsBetween, type JobName } from '../../core/cadence/schedule.ts';
import { instantAt, isLocalDate, localDateOf, localTimeOf } from '../../core/time.ts';
import { jobDeps, linkSecret, loadCalendar } from '../../wiring.ts';
import { withSession } from './session.ts';
import type { Verb } from './verb.ts';

interface JobTotals {
  runs: number;
  ran: number;
  sent: number;
  failed: number;
  recipients: Set<string>;
}

export const replayVerb: Verb = {
  name: 'replay',
  usage: '  replay --from <日期> --to <日期>            按定时表在虚拟时钟上依次运行期间的全部定时任务',
  async run(args, io, env) {
    const { values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' } } });
    const { from, to } = values;
    if (!from || !to || !isLocalDate(from) || !isLocalDate(to) || to < from) {
      io.err('请给出日期范围：npx duban replay --from 2018-07-01 --to 2018-09-30（--to 不早于 --from）');
      return 2;
    }
    return withSession(io, env, {}, async ({ deps: local }) => {
      const deps = jobDeps(local, { calendar: await loadCalendar(local.store), linkSecret: await linkSecret(local), sender: `replay-${process.pid}`, now: () => new Date() });
      const runs = runsBetween(cronTable(deps.config), new Date(instantAt(from).getTime() - 1), instantAt(to, '23:59'));
      const totals = new Map<JobName, JobTotals>();
      for (const [i, run] of runs.entries()) {
        const result = await runJob(run.job, run.at, deps);
        const t = totals.get(run.job) ?? { runs: 0, ran: 0, sent: 0, failed: 0, recipients: new Set<string>() };
        t.runs++;
        if (!result.skipped) t.ran++;
        t.sent += result.delivery?.sent ?? 0;
        t.failed += result.delivery?.failed ?? 0;
        for (const a of result.delivery?.addresses ?? []) t.recipients.add(a);
        totals.set(run.job, t);
        io.progress?.(progressBar(i + 1, runs.length, `${localDateOf(run.at)} ${localTimeOf(run.at)} ${run.job}`));
      }
      io.progress?.('');
      io.out(`回放 ${from} 至 ${to}：共 ${runs.length} 次定时运行`);
      io.out('任务                  运行  执行  发送邮件  收件人  失败');
      for (const job of jobNames) {
        const t = totals.get(job);
        if (!t) continue;
        io.out(`${job.padEnd(20)}  ${String(t.runs).padStart(4)}  ${String(t.ran).padStart(4)}  ${String(t.sent).padStart(8)}  ${String(t.recipients.size).padStart(6)}  ${String(t.failed).padStart(4)}`);
      }
      return 0;
    });
  },
};

function progressBar(done: number, total: number, label: string): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} ${label}`;
}
