/**
 * The escalation ladder (DESIGN.md section 4): L1 催办 → L2 通报 → L3 约谈 → L4 挂牌督办 → L5 追责问责.
 *
 * An escalation belongs to one lead unit and gathers all its lagging tasks, each with its own
 * causes and the day it began to lag: a unit that lags on five tasks is summoned once, about all
 * five. It climbs one level at a time after the configured workdays (weekends and holidays never
 * use up a delay). A level in `propose` mode is not taken by the rule: it waits as a proposal
 * until the office confirms or declines it with a reason. When every cause has gone, L1–L2 clear
 * by themselves; L3 and above stay until the office lifts them (摘牌 / 结束约谈), and are listed as
 * 可摘牌 meanwhile. Every step and decision stays in the record and in its audit events.
 */
import * as z from 'zod';

export const levelNames = ['', '催办', '通报', '约谈', '挂牌督办', '追责问责'] as const;

/** Workdays a level must stand before the next one (index = current level). */
export const ladderDelays = [0, 5, 10, 20, 30] as const;

/** What lifting a level is called: 结束约谈 at L3, 摘牌 at L4 and L5. */
export const liftNames = ['', '解除催办', '解除通报', '结束约谈', '摘牌', '摘牌'] as const;

const lagSchema = z.object({
  code: z.string(),
  title: z.string(),
  /** Why the task lags today, in Chinese (已超过整改时限…, 阶段节点…已逾期, 连续N周未报送进展). */
  reasons: z.array(z.string()),
  /** LocalDate the task joined the escalation. */
  since: z.string(),
});
export type LaggingTask = z.infer<typeof lagSchema>;

export const escalationSchema = z.object({
  /** The lead unit's name: one escalation per unit, reopened (with its history) when it lags again. */
  id: z.string(),
  unit: z.string(),
  /** The level in effect (0: none). */
  level: z.number().int().min(0).max(5),
  open: z.boolean(),
  /** The unit's lagging tasks now; empty once every cause has gone. */
  tasks: z.array(lagSchema),
  /** LocalDate the current level was reached. */
  levelSince: z.string(),
  /** The highest level whose people have been told since the escalation opened. */
  notified: z.number().int().min(0).max(5),
  /** A level the rule proposes and the office has not decided yet. */
  proposal: z.object({ level: z.number().int().min(1).max(5), on: z.string(), why: z.string() }).optional(),
  /** The last day the office declined a proposal: the level's delay counts again from it. */
  declinedOn: z.string().optional(),
  /** L3 and above whose causes have all gone: the office may lift it (可摘牌). */
  liftable: z.boolean(),
  steps: z.array(z.object({ level: z.number().int(), on: z.string(), why: z.string(), by: z.string().optional() })),
  decisions: z.array(
    z.object({ level: z.number().int(), decision: z.enum(['confirm', 'decline', 'lift']), reason: z.string(), by: z.string(), at: z.string() }),
  ),
  /** The 约谈 records this escalation opened, newest last. */
  interviews: z.array(z.string()),
  /** The referral file (追责问责移送材料) prepared when L5 was confirmed, kept in the report archive. */
  referral: z.object({ name: z.string(), key: z.string(), contentType: z.string() }).optional(),
});
export type Escalation = z.infer<typeof escalationSchema>;

export const interviewSchema = z.object({
  id: z.string(),
  unit: z.string(),
  /** The unit's lagging tasks the 约谈 is about; a task that starts lagging while it is open joins it. */
  codes: z.array(z.string()),
  openedOn: z.string(),
  /** The office must record a follow-up by this workday. */
  followUpBy: z.string(),
  status: z.enum(['open', 'closed']),
  scheduledAt: z.string().optional(),
  heldAt: z.string().optional(),
  attendees: z.array(z.string()),
  commitments: z.array(z.object({ content: z.string(), due: z.string().optional(), code: z.string().optional() })),
  outcome: z.string().optional(),
  remindedOn: z.string().optional(),
});
export type Interview = z.infer<typeof interviewSchema>;

export const escalationId = (unit: string) => unit;
export const interviewId = (unit: string, openedOn: string) => `${unit}|${openedOn}`;

/** How a level takes effect: `auto` (the rule takes it and notifies) or `propose` (the office decides). */
export const escalationModes = ['auto', 'propose'] as const;
export type EscalationMode = (typeof escalationModes)[number];

/** A unit's whole record, for the 纪委监委: what the referral workbook lists. */
export interface ReferralRecord {
  unit: { name: string; type: string; liaison: string; head: string };
  preparedOn: string;
  escalation: Escalation;
  tasks: { code: string; title: string; deadline: string; due: string; leadUnits: string; responsibleUnits: string; overseers: string; reasons: string; since: string }[];
  /** Every 催办 the unit got for missing weekly reports, and every escalation notice. */
  reminders: { on: string; kind: string; content: string }[];
  reports: { code: string; period: string; at: string; unit: string; summary: string; percent?: number }[];
  interviews: Interview[];
}

/** Files the referral workbook and keeps it where notices can attach it from (the report archive). */
export interface ReferralFiler {
  file(record: ReferralRecord): Promise<{ name: string; key: string; contentType: string }>;
}
