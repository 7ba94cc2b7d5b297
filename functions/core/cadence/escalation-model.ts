/**
 * The escalation ladder (DESIGN.md section 4): L1 催办 → L2 通报 → L3 约谈 → L4 挂牌督办 → L5 追责问责.
 * An escalation belongs to one task and one of its lead units; it climbs one level at a time after
 * the configured workdays (weekends and holidays never use up a delay), drops when its cause goes
 * away, and keeps every step.
 */
import { z } from 'zod';

export const levelNames = ['', '催办', '通报', '约谈', '挂牌督办', '追责问责'] as const;

/** Workdays a level must stand before the next one (index = current level). */
export const ladderDelays = [0, 5, 10, 20, 30] as const;

export const escalationSchema = z.object({
  id: z.string(),
  code: z.string(),
  unit: z.string(),
  level: z.number().int().min(0).max(5),
  open: z.boolean(),
  reasons: z.array(z.string()),
  /** LocalDate the current level was reached. */
  levelSince: z.string(),
  steps: z.array(z.object({ level: z.number().int(), on: z.string(), why: z.string() })),
});
export type Escalation = z.infer<typeof escalationSchema>;

export const interviewSchema = z.object({
  id: z.string(),
  code: z.string(),
  unit: z.string(),
  openedOn: z.string(),
  /** The office must record a follow-up by this workday. */
  followUpBy: z.string(),
  status: z.enum(['open', 'closed']),
  scheduledAt: z.string().optional(),
  heldAt: z.string().optional(),
  attendees: z.array(z.string()),
  commitments: z.array(z.object({ content: z.string(), due: z.string().optional() })),
  outcome: z.string().optional(),
  remindedOn: z.string().optional(),
});
export type Interview = z.infer<typeof interviewSchema>;

export const escalationId = (code: string, unit: string) => `${code}|${unit}`;
