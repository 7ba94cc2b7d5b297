/**
 * The one cron table. Each job fires every day at its time in Asia/Shanghai; when it fires, the job
 * decides from the workday calendar whether today is its day (the first workday of the week for the
 * dispatch, the last for the circular, …), because weekday crons cannot know 调休. The CDK stack
 * turns this table into EventBridge schedules; the local scheduler reads it too.
 */
import { addDays, instantAt, localDateOf } from '../time.ts';
import type { CadenceConfig } from './config.ts';

export const jobNames = [
  'escalation',
  'weekly-dispatch',
  'deadline-reminders',
  'monthly-account',
  'chase',
  'weekly-circular',
] as const;
export type JobName = (typeof jobNames)[number];

export interface ScheduleEntry {
  job: JobName;
  /** HH:MM, Asia/Shanghai. */
  time: string;
  description: string;
}

export const SCHEDULE_TIME_ZONE = 'Asia/Shanghai';

export function cronTable(config: CadenceConfig): ScheduleEntry[] {
  return [
    { job: 'escalation', time: config.escalationTime, description: '每个工作日检查逾期与未报，逐级升级' },
    { job: 'weekly-dispatch', time: config.dispatchTime, description: '每周第一个工作日：周调度' },
    { job: 'deadline-reminders', time: config.deadlineReminderTime, description: '整改时限与阶段节点到期前提醒' },
    { job: 'monthly-account', time: config.monthlyAccountTime, description: '月交账：提醒、催交与汇总' },
    { job: 'chase', time: config.chaseTime, description: '周四：对本周未报送进展的单位催办' },
    { job: 'weekly-circular', time: config.circularTime, description: '每周最后一个工作日：周通报' },
  ];
}

/** EventBridge Scheduler expression for an entry: cron(minutes hours day-of-month month day-of-week year). */
export function cronExpression(entry: ScheduleEntry): string {
  const [hours, minutes] = entry.time.split(':').map(Number);
  return `cron(${minutes} ${hours} * * ? *)`;
}

/** Every scheduled instant in (from, to], in order: what the scheduler fires, and what replay runs. */
export function runsBetween(table: ScheduleEntry[], from: Date, to: Date): { job: JobName; at: Date }[] {
  const runs: { job: JobName; at: Date }[] = [];
  for (let day = localDateOf(from); instantAt(day) <= to; day = addDays(day, 1)) {
    for (const entry of table) {
      const at = instantAt(day, entry.time);
      if (at > from && at <= to) runs.push({ job: entry.job, at });
    }
  }
  return runs.sort((a, b) => a.at.getTime() - b.at.getTime() || jobNames.indexOf(a.job) - jobNames.indexOf(b.job));
}
