/**
 * The ledger (台账) model: units and their groups, the people who are not a unit's liaison or head,
 * rectification tasks with their deadlines and milestones, numeric indicators and recurring duties.
 * These are the validated shapes the rest of duban works with; the import turns the offices'
 * workbook into them, the store keeps them.
 */
import { z } from 'zod';

const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const email = z.string().email();

export const unitTypes = ['市级部门', '乡镇', '园区', '其他'] as const;

export const contactSchema = z.object({ name: z.string().min(1), email });
export type Contact = z.infer<typeof contactSchema>;

export const unitSchema = z.object({
  name: z.string().min(1),
  type: z.enum(unitTypes),
  liaison: contactSchema,
  head: contactSchema,
  groups: z.array(z.string().min(1)),
  /** false once the office deactivated the unit (or a re-import removed it): no mail, no tokens, no links. */
  active: z.boolean().optional(),
  /** Tokens issued and links signed before this instant are refused (the office revoked them). */
  credentialsValidFrom: z.string().optional(),
});
export type Unit = z.infer<typeof unitSchema>;

export const personRoles = ['督办领导', '领导小组', '整改办', '纪委监委'] as const;
export type PersonRole = (typeof personRoles)[number];

export const personSchema = z.object({
  name: z.string().min(1),
  title: z.string(),
  email,
  roles: z.array(z.enum(personRoles)).min(1),
});
export type Person = z.infer<typeof personSchema>;

export const deadlineSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('date'), text: z.string(), nominal: localDate, due: localDate, ongoingAfter: z.boolean() }),
  z.object({ kind: z.literal('immediate'), text: z.string(), enteredOn: localDate, due: localDate, ongoingAfter: z.boolean() }),
  z.object({ kind: z.literal('ongoing'), text: z.string() }),
]);

export const milestoneSchema = z.object({ nominal: localDate, due: localDate, content: z.string() });
export type Milestone = z.infer<typeof milestoneSchema>;

export const taskStatuses = ['open', 'closed'] as const;

/** A unit's request to close a task out (销号), and where the office's review stands. */
export const closeOutSchema = z.object({
  state: z.enum(['requested', 'returned']),
  unit: z.string(),
  by: z.string(),
  at: z.string(),
  summary: z.string(),
  evidence: z.array(z.string()),
  reviewedBy: z.string().optional(),
  reviewedAt: z.string().optional(),
  reason: z.string().optional(),
});
export type CloseOut = z.infer<typeof closeOutSchema>;
export type TaskStatus = (typeof taskStatuses)[number];

export const taskSchema = z.object({
  code: z.string().min(1),
  category: z.string(),
  problem: z.string(),
  title: z.string().min(1),
  target: z.string(),
  measures: z.string(),
  /** As the office wrote them, groups included (各乡镇、市级有关部门). */
  leadUnitsText: z.string(),
  responsibleUnitsText: z.string(),
  /** Expanded to unit names; a unit that leads is not repeated among the responsible units. */
  leadUnits: z.array(z.string()),
  responsibleUnits: z.array(z.string()),
  overseers: z.array(z.string()),
  deadline: deadlineSchema,
  milestones: z.array(milestoneSchema),
  notes: z.string(),
  status: z.enum(taskStatuses),
  closeOut: closeOutSchema.optional(),
});
export type Task = z.infer<typeof taskSchema>;

export const indicatorSchema = z.object({
  name: z.string().min(1),
  measureUnit: z.string(),
  target: z.number(),
  direction: z.enum(['≤', '≥']),
  year: z.number().int(),
  responsibleUnits: z.array(z.string()),
});
export type Indicator = z.infer<typeof indicatorSchema>;

export const dutyFrequencies = ['每周', '每月', '每季度'] as const;
export const recurringDutySchema = z.object({
  name: z.string().min(1),
  frequency: z.enum(dutyFrequencies),
  requirement: z.string(),
  responsibleUnits: z.array(z.string()),
});
export type RecurringDuty = z.infer<typeof recurringDutySchema>;

export const ledgerSchema = z.object({
  units: z.array(unitSchema),
  people: z.array(personSchema),
  tasks: z.array(taskSchema),
  indicators: z.array(indicatorSchema),
  duties: z.array(recurringDutySchema),
});
export type Ledger = z.infer<typeof ledgerSchema>;

/** Every unit a task involves, lead units first, each once. */
export function unitsOfTask(task: Pick<Task, 'leadUnits' | 'responsibleUnits'>): string[] {
  return [...new Set([...task.leadUnits, ...task.responsibleUnits])];
}

/** The group names used by the units, e.g. 各乡镇 → its member units. */
export function groupMembers(units: readonly Unit[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const unit of units) {
    for (const group of unit.groups) {
      groups.set(group, [...(groups.get(group) ?? []), unit.name]);
    }
  }
  return groups;
}
