/**
 * 销号 as data: where a task's close-out stands, the lead units' confirmations, the office's review,
 * the 公示 (public notice) with any objection, and the 回头看 (look-backs) after closing. The
 * use cases that move it are in closeout.ts and lookback.ts; this module holds only the shapes,
 * so that the ledger model can carry them without importing the use cases.
 *
 * States (the code value, then what people read):
 * - `asked` 申请中: a responsible unit asked; no lead unit has confirmed yet;
 * - `confirming` 待牵头单位确认: some lead units have confirmed their part, others not yet;
 * - `requested` 待审核: every lead unit has confirmed; the office reviews (the value close-outs
 *   waiting for the office have always had);
 * - `publicNotice` 公示中: the office approved; the task is listed on the public page until the end date;
 * - `closed` 已销号: the 公示 ended without objection (the task's status is `closed`);
 * - `returned` 退回: the office sent it back with a reason, or an objection during 公示 did.
 */
import * as z from 'zod';

const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const closeOutStates = ['asked', 'confirming', 'requested', 'publicNotice', 'closed', 'returned'] as const;
export type CloseOutState = (typeof closeOutStates)[number];

export const closeOutStateNames: Record<CloseOutState, string> = {
  asked: '申请中',
  confirming: '待牵头单位确认',
  requested: '待审核',
  publicNotice: '公示中',
  closed: '已销号',
  returned: '退回',
};

/** A unit's part of a close-out: what it did and its evidence links. */
export const closeOutPartSchema = z.object({
  unit: z.string(),
  by: z.string(),
  at: z.string(),
  summary: z.string(),
  evidence: z.array(z.string()),
});
export type CloseOutPart = z.infer<typeof closeOutPartSchema>;

/** An objection the office recorded during the 公示 (who raised it is not kept: it is never shown). */
export const objectionSchema = z.object({
  content: z.string(),
  source: z.string().optional(),
  by: z.string(),
  at: z.string(),
});
export type Objection = z.infer<typeof objectionSchema>;

/** A lead unit's answer to a 回头看: the result holds (or not), with evidence. */
export const lookbackAnswerSchema = closeOutPartSchema.extend({ holds: z.boolean() });
export type LookbackAnswer = z.infer<typeof lookbackAnswerSchema>;

/**
 * One 回头看: due `workdays` workdays after the day the task closed. `due` is absent while the
 * calendar does not know the year it falls in (it is worked out once the year is loaded).
 */
export const lookbackSchema = z.object({
  workdays: z.number().int().min(1),
  due: localDate.optional(),
  /** The day the lead units were asked, and the days they were chased since. */
  askedOn: localDate.optional(),
  chasedOn: z.array(localDate).optional(),
  answers: z.array(lookbackAnswerSchema),
});
export type Lookback = z.infer<typeof lookbackSchema>;

export const closeOutSchema = z.object({
  state: z.enum(closeOutStates),
  /** The unit that asked, when, and what it said. */
  unit: z.string(),
  by: z.string(),
  at: z.string(),
  summary: z.string(),
  evidence: z.array(z.string()),
  /** The lead units that have confirmed their part (the asking unit too, if it leads). */
  confirmations: z.array(closeOutPartSchema).optional(),
  reviewedBy: z.string().optional(),
  reviewedAt: z.string().optional(),
  reason: z.string().optional(),
  /** The 公示: its first and last day (workdays counted on the calendar). */
  publicNotice: z.object({ from: localDate, until: localDate }).optional(),
  objections: z.array(objectionSchema).optional(),
  /** When the 公示 ended and the task closed (the daily job's instant, and its day). */
  closedAt: z.string().optional(),
  closedOn: localDate.optional(),
  lookbacks: z.array(lookbackSchema).optional(),
  /** The next day the daily job has something to do about a 回头看 (ask, or chase): the store indexes it. */
  nextLookbackOn: localDate.optional(),
});
export type CloseOut = z.infer<typeof closeOutSchema>;

/** The office reopened a closed task: it is back in the cadence, counted from this day. */
export const reopeningSchema = z.object({
  at: z.string(),
  on: localDate,
  by: z.string(),
  reason: z.string(),
  /** The day it had closed. */
  closedOn: localDate.optional(),
});
export type Reopening = z.infer<typeof reopeningSchema>;
