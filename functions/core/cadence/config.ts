/**
 * The cadence the product ships with (DESIGN.md section 4). Every number here is configuration:
 * an office may set its own through DUBAN_CADENCE (JSON, merged over these defaults).
 */
import { z } from 'zod';

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
const offsets = z.array(z.number().int().min(0).max(60));
const mode = z.enum(['auto', 'propose']);

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
  /** Messages per second SES may be sent (the account's sending rate). */
  sendRatePerSecond: z.number().positive().default(10),
  /** How long a sender holds a notice it is sending; a run that dies holds it no longer than this. */
  claimSeconds: z.number().int().min(1).max(3600).default(120),
});

export type CadenceConfig = z.infer<typeof cadenceConfigSchema>;

export const defaultCadence: CadenceConfig = cadenceConfigSchema.parse({});

export function cadenceConfig(json?: string): CadenceConfig {
  if (!json) return defaultCadence;
  return cadenceConfigSchema.parse(JSON.parse(json));
}
