/**
 * Every input the app accepts, as zod schemas whose messages are Chinese and name their field.
 * The OpenAPI document is generated from the same schemas.
 */
import * as z from 'zod';
import { ValidationError } from '../core/errors.ts';
import { isEvidenceId } from '../core/evidence.ts';
import { taskCodeSchema } from '../core/ledger.ts';
import { xmlSafe } from '../core/text.ts';
import { isLocalDate } from '../core/time.ts';

// Control characters other than tab and line breaks have no place in a report (and no place in a
// mail header, where a name or summary may end up).
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u2028\u2029]/;

// Characters XML cannot carry at all (U+FFFE, U+FFFF, lone surrogates) are dropped before a text is
// stored: the 台账 workbook and the emails are XML.
/** A free-text field: no control characters, nothing XML cannot carry, trimmed, within its length. */
export const text = (label: string, max: number) =>
  z
    .string({ error: `“${label}”应为文字` })
    .refine((s) => !CONTROL.test(s), `“${label}”含有不可见的控制字符`)
    .overwrite((s) => xmlSafe(s).trim())
    .min(1, `“${label}”不能为空`)
    .max(max, `“${label}”不能超过${max}个字`);

const evidenceLink = z
  .string({ error: '“佐证材料”应为链接文字' })
  .overwrite((s) => xmlSafe(s).trim())
  .max(500, '“佐证材料”每个链接不能超过500个字符')
  .refine((s) => /^https?:\/\/[^\s<>"'`]+$/i.test(s) || isEvidenceId(s), '“佐证材料”应为以 http:// 或 https:// 开头的链接（且不含空格），或上传文件的编号（ev_ 开头）');

const evidence = z.array(evidenceLink, { error: '“佐证材料”应为链接或上传文件编号的列表' }).max(10, '“佐证材料”最多10项（链接与上传的文件合计）');

export const progressBody = z
  .strictObject(
    {
      summary: text('进展情况', 2000).describe('本周（或本月）做了什么、完成到哪一步'),
      percent: z
        .number({ error: '“完成进度”应为0到100的整数' })
        .int('“完成进度”应为0到100的整数')
        .min(0, '“完成进度”应为0到100的整数')
        .max(100, '“完成进度”应为0到100的整数')
        .optional(),
      evidence: evidence.optional(),
      monthly: z.boolean({ error: '“月度交账”应为 true 或 false' }).optional().describe('true 表示本条为月度交账'),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys.join('、')}` : '请求体应为 JSON 对象') },
  );

export const closeOutBody = z.strictObject(
  { summary: text('完成情况', 2000), evidence: evidence.min(1, '销号申请须附至少1个佐证材料链接') },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys.join('、')}` : '请求体应为 JSON 对象') },
);

export const reviewBody = z.strictObject(
  {
    decision: z.enum(['approve', 'return'], { error: '“审核结论”应为 approve（同意销号）或 return（退回）' }),
    reason: text('退回理由', 500).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys.join('、')}` : '请求体应为 JSON 对象') },
);

/** 公示异议: what was objected (kept in the task's history; never shown on the public page). */
export const objectionBody = z.strictObject(
  {
    content: text('异议内容', 2000).describe('群众反映的问题，记入任务的销号记录'),
    source: text('异议来源', 100).optional().describe('例如：来电、来信、网络留言'),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys.join('、')}` : '请求体应为 JSON 对象') },
);

export const reopenBody = z.strictObject(
  { reason: text('重新打开理由', 1000).describe('例如：回头看发现问题反弹') },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys.join('、')}` : '请求体应为 JSON 对象') },
);

/** 回头看: the lead unit confirms, with evidence, that the result holds (or says it does not). */
export const lookbackBody = z.strictObject(
  {
    summary: text('回头看情况', 2000),
    evidence: evidence.min(1, '回头看须附至少1个佐证材料链接'),
    holds: z.boolean({ error: '“整改成效是否巩固”应为 true 或 false' }).describe('true：整改成效保持；false：出现反弹'),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys.join('、')}` : '请求体应为 JSON 对象') },
);

/** An indicator's value is a measurement: beyond these bounds it is a typing error (and DynamoDB could not keep it). */
export const READING_MAX = 1e15;
export const READING_MIN = 1e-9;
const READING_MAX_TEXT = '10的15次方';
const READING_MIN_TEXT = '10的-9次方';

export const readingBody = z.strictObject(
  {
    value: z
      .number({ error: '“指标数值”应为数字' })
      .refine(Number.isFinite, '“指标数值”应为有限的数字')
      .min(-READING_MAX, `“指标数值”的绝对值不能超过${READING_MAX_TEXT}`)
      .max(READING_MAX, `“指标数值”的绝对值不能超过${READING_MAX_TEXT}`)
      .refine((v) => v === 0 || Math.abs(v) >= READING_MIN, `“指标数值”过小：非零数值的绝对值不能小于${READING_MIN_TEXT}`)
      .describe(`按台账中的计量单位；绝对值不超过${READING_MAX_TEXT}，非零时不小于${READING_MIN_TEXT}`),
    month: z
      .string({ error: '“月份”应写作 YYYY-MM' })
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, '“月份”应写作 YYYY-MM')
      .optional()
      .describe('默认为服务器时钟所在的月份'),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys.join('、')}` : '请求体应为 JSON 对象') },
);

/** The same rule the ledger import applies (core/ledger.ts), so every imported task can be reported on. */
export const taskCode = taskCodeSchema;

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field =
    issue.code === 'unrecognized_keys' ? String(issue.keys[0]) : issue.path.length ? issue.path.map(String).join('.') : 'body';
  throw new ValidationError(issue.message, field);
}

/** A real calendar date written YYYY-MM-DD. */
export const isoDate = (label: string) =>
  z
    .string({ error: `“${label}”应为日期` })
    .regex(/^\d{4}-\d{2}-\d{2}$/, `“${label}”应写作 YYYY-MM-DD`)
    .refine(isLocalDate, { error: (issue) => `“${label}”不是真实存在的日期：${String(issue.input)}`, abort: true });

export const interviewBody = z.strictObject(
  {
    scheduledAt: isoDate('约谈时间').optional(),
    heldAt: isoDate('举行时间').optional(),
    attendees: z.array(text('参加人员', 50), { error: '“参加人员”应为姓名列表' }).max(50, '“参加人员”最多50人').optional(),
    commitments: z
      .array(z.strictObject({ content: text('整改承诺', 500), due: isoDate('承诺完成日期').optional(), code: taskCodeSchema.optional().describe('承诺对应的任务编号；不填则为本次约谈的全部任务') }), { error: '“整改承诺”应为列表' })
      .max(30, '“整改承诺”最多30条')
      .optional(),
    outcome: text('约谈结果', 2000).optional(),
    close: z.boolean({ error: '“办结”应为 true 或 false' }).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys.join('、')}` : '请求体应为 JSON 对象') },
);

export const revokeBody = z.strictObject(
  { reason: text('收回原因', 500).optional().describe('例如：联络员更换、令牌泄露') },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys.join('、')}` : '请求体应为 JSON 对象') },
);

export const deactivateBody = z.strictObject(
  { reason: text('停用原因', 500).describe('例如：机构改革撤并') },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys.join('、')}` : '请求体应为 JSON 对象') },
);

export const tokenRevokeBody = z.strictObject(
  {
    token: z
      .string({ error: '“令牌”应为文字' })
      .regex(/^dbn_[A-Za-z0-9_-]{10,100}$/, '“令牌”应为以 dbn_ 开头的完整令牌')
      .describe('要收回的令牌（npx duban token 打印的那一串）'),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段：${issue.keys.join('、')}` : '请求体应为 JSON 对象') },
);
