/** `npx duban run <job> [--at <时刻>]`: runs one cadence job as if at that instant (default: the sandbox's clock). */
import { parseArgs } from 'node:util';
import type { JobResult } from '../../core/cadence/job.ts';
import { runScheduled } from '../../core/cadence/job-runs.ts';
import { jobNames, type JobName } from '../../core/cadence/schedule.ts';
import { localDateOf, localTimeOf } from '../../core/time.ts';
import { jobDeps, linkSecret, loadCalendar } from '../../wiring.ts';
import { readAtOption, withSession } from './session.ts';
import type { Verb } from './verb.ts';

const describeResult = (r: JobResult) =>
  r.skipped
    ? `未运行（${r.skipped}）`
    : `发送 ${r.delivery!.sent} 封，此前已发 ${r.delivery!.alreadySent} 封，失败 ${r.delivery!.failed} 封，暂缓 ${r.delivery!.deferred} 封，收件人 ${r.delivery!.recipients} 个`;

export const runVerb: Verb = {
  name: 'run',
  usage: '  run <任务> [--at <ISO时刻>]                 在指定时刻（默认沙盒时钟）运行一项定时任务：weekly-dispatch | chase | weekly-circular | monthly-account | deadline-reminders | escalation',
  async run(args, io, env) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { at: { type: 'string' } } });
    const job = positionals[0] as JobName | undefined;
    if (!job || !jobNames.includes(job)) {
      io.err(`请指定定时任务：${jobNames.join(' | ')}`);
      return 2;
    }
    const given = readAtOption(values.at, io);
    if (given === null) return 2;
    return withSession(io, env, { at: given, announce: true }, async ({ deps, at }) => {
      const runtime = { calendar: await loadCalendar(deps.store), linkSecret: await linkSecret(deps), sender: `cli-${process.pid}`, now: () => new Date() };
      // The same path as the schedules': a failure is recorded for the office, a rerun that succeeds resolves it.
      const result = await runScheduled(job, at, jobDeps(deps, runtime), () => io.now());
      io.out(`${job} @ ${localDateOf(at)} ${localTimeOf(at)}（${result.period}）：${describeResult(result)}`);
      return 0;
    });
  },
};
