/**
 * What the office is told about a job run that threw. Input: the job, the instant it was for, the
 * error and when it failed. Output: a JobFailure with the error's code, a Chinese message and what
 * to do (for a calendar year not loaded: load the year's notice, then rerun the job at that
 * instant). A fault without a code is said plainly as a system fault, never with its stack or its
 * English text; the edge that ran the job logs that for the operator.
 */
import { UnknownCalendarYearError } from '../calendar.ts';
import { DubanError } from '../errors.ts';
import type { JobFailure } from '../ports.ts';
import { isoWeekOf, localDateOf, localTimeOf, monthOf } from '../time.ts';
import type { JobName } from './schedule.ts';

/** The jobs as the office names them. */
export const jobTitles: Record<JobName, string> = {
  escalation: '督办升级检查',
  'weekly-dispatch': '周调度',
  'deadline-reminders': '到期提醒',
  'monthly-account': '月交账',
  chase: '催办',
  'weekly-circular': '周通报',
};

export const jobFailureId = (job: string, at: string) => `${job}@${at}`;

/** The period a run is for: its ISO week for the weekly jobs, its month for the monthly account, else its day. */
function periodOf(job: JobName, at: Date): string {
  const day = localDateOf(at);
  if (job === 'weekly-dispatch' || job === 'chase' || job === 'weekly-circular') return isoWeekOf(day);
  if (job === 'monthly-account') return monthOf(day);
  return day;
}

/** `npx duban run <job> --at <instant>`, the command that reruns this very run. */
export const rerunCommand = (job: JobName, at: Date) => `npx duban run ${job} --at ${localDateOf(at)}T${localTimeOf(at)}`;

function explain(job: JobName, at: Date, error: unknown): Pick<JobFailure, 'code' | 'message' | 'action'> {
  const rerun = `${rerunCommand(job, at)}（已部署的系统在 npx duban 后加 --stack <栈名>）`;
  if (error instanceof UnknownCalendarYearError) {
    return {
      code: error.code,
      message: error.message,
      action:
        `载入${error.year}年的法定节假日安排：将国务院办公厅关于${error.year}年部分节假日安排的通知全文存为文本文件，` +
        `运行 npx duban calendar notice 通知.txt 载入（或在控制台载入）；载入后运行 ${rerun}，补发这次未发出的通知。`,
    };
  }
  if (error instanceof DubanError) {
    const action = error.code === 'VERSION_CONFLICT' ? `数据正被同时修改，通常重新运行即可：${rerun}。` : `请按上述原因修正后运行 ${rerun} 补做这次任务。`;
    return { code: error.code, message: error.message, action };
  }
  return {
    code: 'INTERNAL',
    message: '运行时发生系统错误，任务未能完成。',
    action: `请系统运维人员按任务名称和时间查看运行日志（AWS 上为 Jobs 函数的日志组），排除故障后运行 ${rerun} 补做这次任务。`,
  };
}

/** The record of one failed run of `job` for instant `at`, failed at `failedAt`. */
export function jobFailureOf(job: JobName, at: Date, error: unknown, failedAt: Date): JobFailure {
  return {
    id: jobFailureId(job, at.toISOString()),
    job,
    at: at.toISOString(),
    period: periodOf(job, at),
    ...explain(job, at, error),
    attempts: 1,
    firstFailedAt: failedAt.toISOString(),
    lastFailedAt: failedAt.toISOString(),
  };
}

/** A failure as the office reads it in the circular and on the console. */
export function jobFailureRow(failure: JobFailure) {
  const at = new Date(failure.at);
  return {
    job: jobTitles[failure.job as JobName] ?? failure.job,
    period: failure.period,
    when: `${localDateOf(at)} ${localTimeOf(at)}`,
    message: failure.message,
    action: failure.action,
    attempts: failure.attempts,
  };
}
