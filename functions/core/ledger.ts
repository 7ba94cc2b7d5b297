/**
 * The ledger (台账) model: units and their groups, the people who are not a unit's liaison or head,
 * rectification tasks with their deadlines and milestones, numeric indicators and recurring duties.
 * These are the validated shapes the rest of duban works with; the import turns the offices'
 * workbook into them, the store keeps them.
 */
import * as z from 'zod';
import { closeOutSchema, reopeningSchema } from './closeout-model.ts';

const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const email = z.string().email();

/**
 * 单位类型 is the office's own word (市级部门, 县级部门, 部门, 省级部门, 乡镇, 街道, 园区, 开发区 …), kept as
 * written for display. What the product reasons about (townships vs departments, e.g. for ranking
 * groups) is the unit's kind, read from common words or set in the optional 单位类别 column.
 */
export const unitKinds = ['township', 'department', 'park', 'other'] as const;
export type UnitKind = (typeof unitKinds)[number];

/** The words an office may write in 单位类别 for each kind. */
export const unitKindNames: Record<UnitKind, string> = { township: '乡镇', department: '部门', park: '园区', other: '其他' };

/** Type words offices commonly write: a suggestion list for the template, never a restriction. */
export const suggestedUnitTypes = ['市级部门', '县级部门', '省级部门', '部门', '乡镇', '街道', '园区', '开发区', '其他'] as const;

/** The kind a 单位类型 names: 乡镇/镇/乡/街道 → township; 部门/局/委/办/院/中心 → department; 园区/开发区/高新区 → park. */
export function unitKindOf(typeText: string): UnitKind {
  const text = typeText.trim();
  if (/园区|开发区|高新区|工业区/.test(text)) return 'park';
  if (/乡镇|街道|^[镇乡]|[镇乡]$/.test(text)) return 'township';
  if (/部门|局|委|办|院|中心|厅/.test(text)) return 'department';
  return 'other';
}

/** Reads an explicit 单位类别 (乡镇, 部门, 园区, 其他, or the code names); undefined when not one of them. */
export function parseUnitKind(text: string): UnitKind | undefined {
  const value = text.trim();
  const byName = (Object.entries(unitKindNames) as [UnitKind, string][]).find(([, name]) => name === value)?.[0];
  if (byName) return byName;
  if ((unitKinds as readonly string[]).includes(value)) return value as UnitKind;
  return ({ 街道: 'township', 镇: 'township', 乡: 'township', 开发区: 'park' } as Record<string, UnitKind>)[value];
}

/** Longest name or code a cell may hold, and longest free text (目标, 措施 …). */
export const NAME_MAX = 200;
export const TEXT_MAX = 4000;
/** 任务编号: what the API accepts in a path, so every task can be linked to and reported on. */
export const TASK_CODE_MAX = 40;

/**
 * The rule for a 任务编号, shared by the import and the API: letters, digits, - _ and ., at most
 * 40 characters, no '..' (a path segment), so a code is safe in a link without encoding.
 */
export const taskCodeSchema = z
  .string({ error: '任务编号应为文字' })
  .min(1, '任务编号不能为空')
  .max(TASK_CODE_MAX, `任务编号不能超过${TASK_CODE_MAX}个字符`)
  .regex(/^[A-Za-z0-9_.-]+$/, '任务编号只能含字母、数字和 - _ .（不能有空格、汉字或 / ? # 等符号）')
  .refine((code) => !code.includes('..') && code !== '.', '任务编号不能含“..”');

export const contactSchema = z.object({ name: z.string().min(1), email });

/**
 * Where a person or a unit reads its notices (the optional columns 接收方式 and 接收地址): email
 * (the default: SES on AWS), email through the office's own SMTP server, a 企业微信 group robot or
 * a 钉钉 custom robot. One person may have several; each notice goes to each once.
 */
export const channelKinds = ['email', 'smtp', 'wecom', 'dingtalk'] as const;
export type ChannelKind = (typeof channelKinds)[number];

/** The names an office writes in 接收方式 and the circular shows. */
export const channelNames: Record<ChannelKind, string> = { email: '邮件', smtp: 'SMTP邮件', wecom: '企业微信', dingtalk: '钉钉' };

export const channelSchema = z.object({
  kind: z.enum(channelKinds),
  /** An email address (email, smtp) or the robot's webhook URL. */
  address: z.string().min(1),
  /** A 钉钉 robot's signing secret (SEC…): never logged, never shown. */
  secret: z.string().optional(),
});
export type Channel = z.infer<typeof channelSchema>;

/** The official robot hosts; a webhook elsewhere is sent to only where the deployment allows it (DUBAN_ROBOT_HOSTS). */
export const officialRobotHosts: Record<'wecom' | 'dingtalk', string> = { wecom: 'qyapi.weixin.qq.com', dingtalk: 'oapi.dingtalk.com' };

/** A robot channel (a group chat), as opposed to mail. */
export const isRobot = (kind: ChannelKind): boolean => kind === 'wecom' || kind === 'dingtalk';

/** The channels a person with this email reads: those the ledger names, or email alone. */
export function channelsOf(email: string, channels: readonly Channel[] | undefined): Channel[] {
  return channels?.length ? [...channels] : [{ kind: 'email', address: email }];
}
export type Contact = z.infer<typeof contactSchema>;

export const unitSchema = z.object({
  name: z.string().min(1),
  /** As the office wrote it (县级部门, 街道 …). */
  type: z.string().min(1),
  kind: z.enum(unitKinds),
  liaison: contactSchema,
  head: contactSchema,
  groups: z.array(z.string().min(1)),
  /** Where the unit's liaison gets the unit's notices (接收方式); absent: email. The head is mailed. */
  channels: z.array(channelSchema).optional(),
  /**
   * False once a re-import no longer lists the unit: its record and history stay, scheduled jobs
   * stop mailing it, and a later import that lists it again makes it active again.
   */
  active: z.boolean().optional(),
  /** When the import that dropped it ran (ISO instant). */
  removedAt: z.string().optional(),
  /** Set when the office deactivated the unit over the API (kept by a re-import): no tokens, no links. */
  deactivated: z.object({ at: z.string(), by: z.string(), reason: z.string() }).optional(),
  /** Tokens issued and links signed before this instant are refused (the office revoked them). */
  credentialsValidFrom: z.string().optional(),
});
export type Unit = z.infer<typeof unitSchema>;

/** A unit is active unless an import removed it (records from before the flag existed are active). */
/** Listed in the ledger and not deactivated by the office: gets mail, may use its tokens and links. */
export const isActiveUnit = (unit: Pick<Unit, 'active' | 'deactivated'>): boolean => unit.active !== false && !unit.deactivated;

/**
 * The office's own words (the optional 基本信息 sheet): the programme, the office's full and short
 * name, where objections to a 公示 go, and the 发文字号 prefix of its circulars. Every email, page
 * and report that names the office or the programme takes them from here; the defaults name no
 * place.
 */
export const officeSchema = z.object({
  /** 督察整改工作 / 云岭县落实中央生态环境保护督察反馈意见整改工作. */
  programme: z.string().min(1),
  /** 整改工作领导小组办公室 / 云岭县生态环境保护督察整改工作领导小组办公室. */
  officeName: z.string().min(1),
  /** 整改办 / 县整改办. */
  officeShortName: z.string().min(1),
  phone: z.string(),
  email: z.string(),
  /** 发文字号 prefix of its circulars, e.g. 云整改办 (numbers follow: 云整改办〔2018〕12号). */
  documentPrefix: z.string(),
});
export type OfficeWords = z.infer<typeof officeSchema>;

export const defaultOfficeWords: OfficeWords = {
  programme: '督察整改工作',
  officeName: '整改工作领导小组办公室',
  officeShortName: '整改办',
  phone: '',
  email: '',
  documentPrefix: '',
};

export const personRoles = ['督办领导', '领导小组', '整改办', '纪委监委'] as const;
export type PersonRole = (typeof personRoles)[number];

export const personSchema = z.object({
  name: z.string().min(1),
  title: z.string(),
  email,
  roles: z.array(z.enum(personRoles)).min(1),
  /** Where this person gets notices (接收方式); absent: email. */
  channels: z.array(channelSchema).optional(),
});
export type Person = z.infer<typeof personSchema>;

export const deadlineSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('date'), text: z.string(), nominal: localDate, due: localDate, ongoingAfter: z.boolean() }),
  z.object({ kind: z.literal('immediate'), text: z.string(), enteredOn: localDate, due: localDate, ongoingAfter: z.boolean() }),
  z.object({ kind: z.literal('ongoing'), text: z.string() }),
]);

export const milestoneSchema = z.object({ nominal: localDate, due: localDate, content: z.string() });
export type Milestone = z.infer<typeof milestoneSchema>;

/** `notice`: under 公示 after the office approved its close-out (out of the cadence, on the public page). */
export const taskStatuses = ['open', 'notice', 'closed'] as const;

/** A unit's request to close a task out (销号) and where it stands: closeout-model.ts. */
export { closeOutSchema, type CloseOut } from './closeout-model.ts';

/** 延期: the latest request on a task, its review, and how many the task has had. */
export const extensionSchema = z.object({
  state: z.enum(['requested', 'approved', 'returned']),
  /** The date asked for (the new deadline once approved, moved off holidays like any deadline). */
  until: localDate,
  reason: z.string(),
  unit: z.string(),
  at: z.string(),
  /** The deadline's due date when the request was made. */
  from: localDate,
  reviewedBy: z.string().optional(),
  reviewedAt: z.string().optional(),
  reviewReason: z.string().optional(),
  /** Requests made on this task so far (this one included). */
  requests: z.number().int().min(1),
  /** The office's leave for one more request after this one. */
  leave: z.boolean().optional(),
});
export type Extension = z.infer<typeof extensionSchema>;
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
  /** The office's latest reopening of the task after it closed (回头看). */
  reopened: reopeningSchema.optional(),
  /** A unit's request for more time (延期) and where the office's review stands (core/extension.ts). */
  extension: extensionSchema.optional(),
  /** The deadline the ledger first gave, kept when an approved extension moved it: for the record and 考核. */
  originalDeadline: deadlineSchema.optional(),
});
export type Task = z.infer<typeof taskSchema>;

export const indicatorSchema = z.object({
  name: z.string().min(1),
  measureUnit: z.string(),
  target: z.number(),
  direction: z.enum(['≤', '≥']),
  year: z.number().int(),
  responsibleUnits: z.array(z.string()),
  /** 基准值 and 基准年份: where the straight-line trajectory to the target starts (absent: the first reading). */
  baseline: z.number().optional(),
  baselineYear: z.number().int().optional(),
});
export type Indicator = z.infer<typeof indicatorSchema>;

/** The words the template suggests for 频次; the import also reads 每周不少于2次、每次不少于3分钟 (core/duties.ts). */
export const dutyFrequencies = ['每周', '每月', '每季度'] as const;
export const dutyPeriods = ['week', 'month', 'quarter'] as const;
export type DutyPeriod = (typeof dutyPeriods)[number];

/** How often a recurring duty is done and what makes a period done: at least `minCount` occurrences, each of at least `minMinutes` when set. */
export const dutyCadenceSchema = z.object({
  period: z.enum(dutyPeriods),
  minCount: z.number().int().min(1),
  minMinutes: z.number().int().min(1).optional(),
});
export type DutyCadence = z.infer<typeof dutyCadenceSchema>;

export const recurringDutySchema = z.object({
  name: z.string().min(1),
  /** 频次 as the office wrote it (每周, 每周不少于1次 …). */
  frequency: z.string(),
  /** What 频次 and 要求 say, read; absent on duties stored before it was read (then from 频次 alone). */
  cadence: dutyCadenceSchema.optional(),
  requirement: z.string(),
  responsibleUnits: z.array(z.string()),
});
export type RecurringDuty = z.infer<typeof recurringDutySchema>;

export const ledgerSchema = z.object({
  /** The 基本信息 sheet; absent when the workbook has none (the stored words, or the defaults, stay). */
  office: officeSchema.optional(),
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
  for (const unit of units.filter(isActiveUnit)) {
    for (const group of unit.groups) {
      groups.set(group, [...(groups.get(group) ?? []), unit.name]);
    }
  }
  return groups;
}

/**
 * An address as the office may see it in a listing or a log: email as it is; a robot's webhook
 * with its key cut short (the key is what lets anyone post to the group), never a secret.
 */
export function displayAddress(channel: ChannelKind | undefined, address: string): string {
  if (!channel || channel === 'email' || channel === 'smtp') return address;
  try {
    const url = new URL(address);
    const shown = `${url.host}${url.pathname}${url.search}`.replace(/[A-Za-z0-9_-]{12,}/g, (key) => `${key.slice(0, 4)}…`);
    return `${channelNames[channel]}机器人 ${shown}`;
  } catch {
    return `${channelNames[channel]}机器人`;
  }
}
