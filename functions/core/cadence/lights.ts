/**
 * 红黄绿灯: where a task stands on a day. Red when overdue, when a milestone (阶段节点) is missed, or
 * two weekly reports are missing; yellow when its deadline is within the configured workdays and no
 * close-out is pending, or one weekly report is missing; green otherwise; grey when closed. Each
 * light carries its reasons, in Chinese, for the people who read it.
 *
 * A milestone is missed when its due day has passed and the task has had no weekly report since
 * the week the milestone fell due (its last report is from an earlier week, or there is none).
 * The ledger holds no "milestone met" flag; a report in that week or later is the unit's own
 * account of the milestone, which the office reads, so the light stops counting it then.
 */
import type { WorkdayCalendar } from '../calendar.ts';
import type { Milestone, Task } from '../ledger.ts';
import { isoWeekOf, type LocalDate } from '../time.ts';
import type { CadenceConfig } from './config.ts';

export type Light = 'green' | 'yellow' | 'red' | 'grey';

export const lightNames: Record<Light, string> = { green: '绿灯', yellow: '黄灯', red: '红灯', grey: '已销号' };

export interface LightInput {
  task: Pick<Task, 'status' | 'deadline'> & Partial<Pick<Task, 'milestones'>>;
  today: LocalDate;
  /** Consecutive most recent completed weeks without a progress report on the task. */
  missedWeeks: number;
  /** The ISO week of the task's latest weekly report (2018-W28), if it ever reported. */
  lastReportedWeek?: string;
  closeOutPending?: boolean;
}

export interface TaskLight {
  light: Light;
  reasons: string[];
}

/** The milestones a task has missed on a day (the rule above): the light and the escalation ladder both read it. */
export function missedMilestones(task: Partial<Pick<Task, 'milestones'>>, today: LocalDate, lastReportedWeek: string | undefined): Milestone[] {
  return (task.milestones ?? []).filter((m) => today > m.due && !(lastReportedWeek && lastReportedWeek >= isoWeekOf(m.due)));
}

export function taskLight(input: LightInput, calendar: WorkdayCalendar, config: CadenceConfig): TaskLight {
  const { task, today, missedWeeks } = input;
  if (task.status === 'closed') return { light: 'grey', reasons: ['已销号'] };
  const red: string[] = [];
  const yellow: string[] = [];
  if (task.deadline.kind !== 'ongoing') {
    const due = task.deadline.due;
    if (today > due) {
      red.push(`已超过整改时限（${due}）${calendar.workdaysBetween(due, today)}个工作日`);
    } else if (!input.closeOutPending) {
      const left = calendar.workdaysBetween(today, due);
      if (left <= config.yellowWithinWorkdays) yellow.push(left === 0 ? `今日到期（${due}）` : `距整改时限（${due}）仅剩${left}个工作日`);
    }
  }
  for (const milestone of missedMilestones(input.task, today, input.lastReportedWeek)) {
    red.push(`阶段节点“${milestone.content}”（${milestone.due}）已逾期${calendar.workdaysBetween(milestone.due, today)}个工作日，此后未报送进展`);
  }
  if (missedWeeks >= 2) red.push(`连续${missedWeeks}周未报送进展`);
  else if (missedWeeks === 1) yellow.push('上周未报送进展');
  if (red.length) return { light: 'red', reasons: [...red, ...yellow] };
  if (yellow.length) return { light: 'yellow', reasons: yellow };
  return { light: 'green', reasons: [] };
}
