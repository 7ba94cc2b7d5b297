/**
 * The cadence the product ships with (DESIGN.md section 4). Every number here is configuration:
 * an office may set its own through DUBAN_CADENCE (JSON, merged over these defaults).
 */
import * as z from 'zod';

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
const offsets = z.array(z.number().int().min(0).max(60));
const mode = z.enum(['auto', 'propose']);

/** One 考核 rule: points per counted item (negative: a deduction), and its name and meaning in Chinese. */
const scoreRule = (weight: number, label: string, description: string) =>
  z
    .object({ weight: z.number().min(-100).max(100).default(weight), label: z.string().min(1).default(label), description: z.string().default(description) })
    .prefault({});

/**
 * 考核: a unit's monthly score is `base` plus, for each rule, its weight times what the rule counts
 * in the month (core/scores.ts). Responsible units are scored on their reporting; what belongs to
 * a task (overdue, milestones, escalation, close-out, 回头看) counts for its lead units.
 */
export const scoringSchema = z
  .object({
    base: z.number().min(0).max(1000).default(100),
    rules: z
      .object({
        weeklyReports: scoreRule(-2, '周进展按时报送', '当月每一周（报送时限在当月的周）进展迟于报送时限或未报送的，每周计一次'),
        chases: scoreRule(-1, '被催办', '当月因未报送周进展被催办的，每次计一次（牵头单位、责任单位同样计）'),
        monthlyAccount: scoreRule(-5, '月交账按时', '当月最后一个工作日结束前未提交月交账的，计一次'),
        overdueTasks: scoreRule(-3, '任务逾期', '牵头的任务当月有超过整改时限仍未销号的日子，每项计一次'),
        missedMilestones: scoreRule(-2, '阶段节点逾期', '牵头任务的阶段节点当月到期、到期当周未报送进展的，每个节点计一次'),
        escalation: scoreRule(-2, '督办升级', '当月所处的最高督办升级级别（催办1级、通报2级、约谈3级、挂牌督办4级、追责问责5级），每级计一次'),
        closedOnTime: scoreRule(5, '按期销号', '牵头的任务当月销号、且在整改时限内经整改办审核通过的，每项计一次'),
        lookbacks: scoreRule(2, '回头看', '当月报送已销号任务回头看的，每次计一次'),
      })
      .prefault({}),
  })
  .prefault({});
export type ScoringConfig = z.infer<typeof scoringSchema>;
export type ScoreRuleId = keyof ScoringConfig['rules'];

export const cadenceConfigSchema = z.object({
  escalationTime: time.default('08:30'),
  dispatchTime: time.default('09:00'),
  deadlineReminderTime: time.default('09:00'),
  monthlyAccountTime: time.default('09:30'),
  chaseTime: time.default('10:00'),
  circularTime: time.default('16:00'),
  /** ISO weekday (Mon=1) and time by which a unit reports for the week. */
  reportDueWeekday: z.number().int().min(1).max(7).default(4),
  reportDueTime: time.default('17:00'),
  /** The chase goes out on this ISO weekday (or the last workday before it in that week). */
  chaseWeekday: z.number().int().min(1).max(7).default(4),
  /** Workdays before a task or milestone deadline that its units are reminded. */
  deadlineReminderOffsets: offsets.default([7, 3, 1]),
  /** Workdays before the monthly account is due (the last workday) that units are reminded; 0 is the day itself. */
  monthlyReminderOffsets: offsets.default([3, 0]),
  /** A task is yellow when its deadline is this many workdays away or fewer. */
  yellowWithinWorkdays: z.number().int().min(0).default(10),
  /** Immediate (立行立改) tasks are expected to close within this many workdays. */
  immediateCloseWorkdays: z.number().int().min(1).default(10),
  /**
   * How each escalation level takes effect: `auto` (the rule takes it and notifies its people) or
   * `propose` (the office confirms or declines it, with a reason; nothing is sent before it confirms).
   */
  escalationModes: z
    .object({ L1: mode.default('auto'), L2: mode.default('auto'), L3: mode.default('auto'), L4: mode.default('propose'), L5: mode.default('propose') })
    .default({ L1: 'auto', L2: 'auto', L3: 'auto', L4: 'propose', L5: 'propose' }),
  /** 公示: workdays a close-out the office approved stays on the public page before the task closes. */
  publicNoticeWorkdays: z.number().int().min(1).max(60).default(5),
  /** 回头看: workdays after closing that the lead units confirm the result holds. */
  lookbackWorkdays: z.array(z.number().int().min(1).max(1000)).default([60, 120]),
  /** Workdays a 回头看 may go unanswered before its lead units are chased (and again after as many). */
  lookbackChaseWorkdays: z.number().int().min(1).max(60).default(5),
  /** 考核: the monthly score's base and rules, each with its weight (see scoringSchema). */
  scoring: scoringSchema,
  /**
   * Messages per second the outbox sends. Unset: on AWS the account's SES sending rate (GetSendQuota,
   * read once per process), locally 10 (notify/send-rate.ts).
   */
  sendRatePerSecond: z.number().positive().optional(),
  /** How long a sender holds a notice it is sending; a run that dies holds it no longer than this. */
  claimSeconds: z.number().int().min(1).max(3600).default(120),
});

export type CadenceConfig = z.infer<typeof cadenceConfigSchema>;

export const defaultCadence: CadenceConfig = cadenceConfigSchema.parse({});

export function cadenceConfig(json?: string): CadenceConfig {
  if (!json) return defaultCadence;
  return cadenceConfigSchema.parse(JSON.parse(json));
}
