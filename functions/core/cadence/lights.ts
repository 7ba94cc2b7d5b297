/**
 * 红黄绿灯: where a task stands on a day. Red when overdue or two weekly reports are missing;
 * yellow when its deadline is within the configured workdays and no close-out is pending, or one
 * weekly report is missing; green otherwise; grey when closed. Each light carries its reasons,
 * in Chinese, for the people who read it.
 */
import type { WorkdayCalendar } from '../calendar.ts';
import type { Task } from '../ledger.ts';
import type { LocalDate } from '../time.ts';
import type { CadenceConfig } from './config.ts';

export type Light = 'green' | 'yellow' | 'red' | 'grey';

export const lightNames: Record<Light, string> = { green: '绿灯', yellow: '黄灯', red: '红灯', grey: '已销号' };

export interface LightInput {
  task: Pick<Task, 'status' | 'deadline'>;
  today: LocalDate;
  /** Consecutive most recent completed weeks without a progress report on the task. */
  missedWeeks: number;
  closeOutPending?: boolean;
}

export interface TaskLight {
  light: Light;
  reasons: string[];
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
  if (missedWeeks >= 2) red.push(`连续${missedWeeks}周未报送进展`);
  else if (missedWeeks === 1) yellow.push('上周未报送进展');
  if (red.length) return { light: 'red', reasons: [...red, ...yellow] };
  if (yellow.length) return { light: 'yellow', reasons: yellow };
  return { light: 'green', reasons: [] };
}
