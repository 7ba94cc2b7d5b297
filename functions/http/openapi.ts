/** The OpenAPI document, generated from the same zod schemas that validate the requests. */
import * as z from 'zod';
import { calendarNoticeBody } from './calendar.ts';
import { decisionBody, liftBody } from './escalations.ts';
import { extensionBody, extensionReviewBody, occurrenceBody } from './duties.ts';
import { correctionBody } from './indicators.ts';
import { deleteBody, publicityBody, uploadsBody } from './evidence.ts';
import { limitsText } from '../core/evidence.ts';
import { closeOutBody, deactivateBody, interviewBody, lookbackBody, objectionBody, progressBody, readingBody, reopenBody, reviewBody, revokeBody, tokenRevokeBody } from './schemas.ts';

const error = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string', description: '中文说明' }, field: { type: 'string' } },
    },
  },
};

const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((code) => [code, { description: '错误', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]));

const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const code = { name: 'code', in: 'path', required: true, schema: { type: 'string' }, description: '任务编号' };
const unitName = { name: 'name', in: 'path', required: true, schema: { type: 'string', maxLength: 200 }, description: '单位名称（按 UTF-8 百分号编码）' };
const escalation = { name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 200 }, description: '督办升级编号（牵头单位名称，按 UTF-8 百分号编码）' };
const idempotency = { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 }, description: '同一键重复提交只保存一次' };

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: { title: '督办 duban API', version: '1', description: '中央环保督察整改：责任单位报送进展、申请销号；整改办审核与查询' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: '由 npx duban token 发放的令牌' } },
      schemas: {
        Error: error,
        Progress: z.toJSONSchema(progressBody, { io: 'input' }),
        CloseOut: z.toJSONSchema(closeOutBody, { io: 'input' }),
        Review: z.toJSONSchema(reviewBody, { io: 'input' }),
        Objection: z.toJSONSchema(objectionBody, { io: 'input' }),
        Reopen: z.toJSONSchema(reopenBody, { io: 'input' }),
        Lookback: z.toJSONSchema(lookbackBody, { io: 'input' }),
        Reading: z.toJSONSchema(readingBody, { io: 'input' }),
        ReadingCorrection: z.toJSONSchema(correctionBody, { io: 'input' }),
        InterviewFollowUp: z.toJSONSchema(interviewBody, { io: 'input' }),
        Revoke: z.toJSONSchema(revokeBody, { io: 'input' }),
        Deactivate: z.toJSONSchema(deactivateBody, { io: 'input' }),
        TokenRevoke: z.toJSONSchema(tokenRevokeBody, { io: 'input' }),
        CalendarNotice: z.toJSONSchema(calendarNoticeBody, { io: 'input' }),
        EscalationDecision: z.toJSONSchema(decisionBody, { io: 'input' }),
        EscalationLift: z.toJSONSchema(liftBody, { io: 'input' }),
        DutyOccurrence: z.toJSONSchema(occurrenceBody, { io: 'input' }),
        Extension: z.toJSONSchema(extensionBody, { io: 'input' }),
        ExtensionReview: z.toJSONSchema(extensionReviewBody, { io: 'input' }),
        EvidenceUploads: z.toJSONSchema(uploadsBody, { io: 'input' }),
        EvidenceDelete: z.toJSONSchema(deleteBody, { io: 'input' }),
        EvidencePublicity: z.toJSONSchema(publicityBody, { io: 'input' }),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/health': { get: { security: [], summary: '健康检查', responses: { 200: { description: '正常' } } } },
      '/api/tasks': { get: { summary: '本单位（整改办：全部）整改任务', responses: { 200: { description: '任务列表' }, ...errors(401) } } },
      '/api/tasks/{code}': { get: { summary: '一项任务', parameters: [code], responses: { 200: { description: '任务' }, ...errors(401, 403, 404) } } },
      '/api/tasks/{code}/history': {
        get: { summary: '任务的变更记录与进展报送', parameters: [code], responses: { 200: { description: '历史' }, ...errors(401, 403, 404) } },
      },
      '/api/tasks/{code}/progress': {
        post: {
          summary: '报送进展（计入服务器时钟所在的周，monthly 为 true 时计入当月交账）',
          parameters: [code, idempotency],
          requestBody: { required: true, ...json('Progress') },
          responses: { 201: { description: '已保存' }, 200: { description: '同一 Idempotency-Key 已保存过' }, ...errors(400, 401, 403, 404, 413) },
        },
      },
      '/api/tasks/{code}/closeout': {
        post: {
          summary: '申请销号，或由牵头单位确认本单位部分（多个牵头单位的任务须各自确认，齐全后交整改办审核）',
          parameters: [code],
          requestBody: { required: true, ...json('CloseOut') },
          responses: { 202: { description: '已受理：task 与 status（如“待牵头单位确认（尚待确认：…）”“待审核”）' }, ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/api/tasks/{code}/closeout/review': {
        post: {
          summary: '整改办审核销号申请：退回（须写理由），或同意并开始公示（默认5个工作日，期满无异议由每日 08:30 的检查销号）',
          parameters: [code],
          requestBody: { required: true, ...json('Review') },
          responses: { 200: { description: '已审核：task 与 status（如“公示中（起止日期）”）' }, ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/api/tasks/{code}/objections': {
        post: {
          summary: '整改办：登记公示期间收到的异议；任务退回整改中，异议记入其销号记录与历史',
          parameters: [code],
          requestBody: { required: true, ...json('Objection') },
          responses: { 201: { description: '已登记' }, ...errors(400, 401, 403, 404, 409, 413) },
        },
      },
      '/api/tasks/{code}/reopen': {
        post: {
          summary: '整改办：重新打开已销号的任务（须写理由）；任务回到周调度与督办升级，从重新打开之日起计',
          parameters: [code],
          requestBody: { required: true, ...json('Reopen') },
          responses: { 200: { description: '已重新打开' }, ...errors(400, 401, 403, 404, 409, 413) },
        },
      },
      '/api/tasks/{code}/lookback': {
        post: {
          summary: '牵头单位：报送到期的回头看（整改成效是否巩固，附佐证材料）',
          parameters: [code],
          requestBody: { required: true, ...json('Lookback') },
          responses: { 201: { description: '已报送' }, ...errors(400, 401, 403, 404, 409, 413) },
        },
      },
      '/api/indicators/{name}/readings': {
        post: {
          summary: '报送目标指标的月度数值（指标的责任单位或整改办）',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: '指标名称' }],
          requestBody: { required: true, ...json('Reading') },
          responses: { 201: { description: '已保存' }, ...errors(400, 401, 403, 404) },
        },
        get: {
          summary: '目标指标的各月数值及更正历史（指标的责任单位或整改办）',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: '指标名称' }],
          responses: { 200: { description: '各月现值，及每月的全部读数（含被更正的原值、报送人与时间、更正原因）' }, ...errors(400, 401, 403, 404) },
        },
      },
      '/api/indicators/{name}/readings/{month}': {
        put: {
          summary: '更正某月已报送的指标数值（须写明更正原因；原值、报送人与时间保留在历史中）',
          parameters: [
            { name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: '指标名称' },
            { name: 'month', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }, description: '月份，如 2018-09' },
          ],
          requestBody: { required: true, ...json('ReadingCorrection') },
          responses: { 200: { description: '已更正' }, ...errors(400, 401, 403, 404, 409, 413) },
        },
      },
      '/api/reports': { get: { summary: '整改办：已存档的周通报与月交账', responses: { 200: { description: '报告及其文件' }, ...errors(401, 403) } } },
      '/api/calendar/{year}': {
        put: {
          summary: '整改办：粘贴国务院办公厅节假日安排通知，载入该年工作日历（已有该年安排时列出不一致的日期，须 replace: true 才替换）',
          parameters: [{ name: 'year', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{4}$' }, description: '年份，如 2027' }],
          requestBody: { required: true, ...json('CalendarNotice') },
          responses: { 200: { description: '只核对（dryRun）：读出的安排' }, 201: { description: '已载入' }, ...errors(400, 401, 403, 409) },
        },
      },
      '/api/reports/{kind}/{period}/{file}': {
        get: {
          summary: '整改办：下载存档报告的一个文件（网页、邮件版、台账 Excel、图表）',
          parameters: [
            { name: 'kind', in: 'path', required: true, schema: { type: 'string', enum: ['weekly-circular', 'monthly-account'] }, description: '报告类型：周通报或月交账' },
            { name: 'period', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{4}-(W\\d{2}|\\d{2})$' }, description: '期次，如 2018-W28、2018-07' },
            { name: 'file', in: 'path', required: true, schema: { type: 'string', maxLength: 200 }, description: '文件名（按 UTF-8 百分号编码）' },
          ],
          responses: { 200: { description: '文件内容' }, ...errors(400, 401, 403, 404) },
        },
      },
      '/api/interviews': {
        get: { summary: '整改办：未办结的约谈记录', responses: { 200: { description: '约谈记录列表' }, ...errors(401, 403) } },
      },
      '/api/interviews/{id}': {
        patch: {
          summary: '整改办：登记约谈跟进（安排、举行、参加人员、承诺、结果、办结）；整体校验后才保存，同一请求重复提交只记一次',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 300 }, description: '约谈记录编号' }, idempotency],
          requestBody: { required: true, ...json('InterviewFollowUp') },
          responses: { 200: { description: '约谈记录' }, ...errors(400, 401, 403, 404, 409, 413) },
        },
      },
      '/api/escalations': {
        get: {
          summary: '整改办：督办升级（每个牵头单位一条，列出其滞后任务）：status=open 未解除的，proposed 待决定的升级建议，liftable 原因已消除可摘牌的',
          parameters: [{ name: 'status', in: 'query', required: false, schema: { type: 'string', enum: ['open', 'proposed', 'liftable'], default: 'open' } }],
          responses: { 200: { description: '督办升级列表' }, ...errors(400, 401, 403) },
        },
      },
      '/api/escalations/{id}/decision': {
        post: {
          summary: '整改办：确认或不予采纳升级建议（须写理由）；确认后该级别生效，下一次升级检查时通知相关人员，追责问责随附移送材料',
          parameters: [escalation],
          requestBody: { required: true, ...json('EscalationDecision') },
          responses: { 200: { description: '督办升级记录' }, ...errors(400, 401, 403, 404, 409, 413) },
        },
      },
      '/api/escalations/{id}/lift': {
        post: {
          summary: '整改办：结束约谈或摘牌（约谈及以上，须写理由）；单位仍滞后的，下一次检查从催办重新开始',
          parameters: [escalation],
          requestBody: { required: true, ...json('EscalationLift') },
          responses: { 200: { description: '督办升级记录' }, ...errors(400, 401, 403, 404, 409, 413) },
        },
      },
      '/api/scores': {
        get: {
          summary: '整改办：某月各单位考核得分（基础分加各项规则的加减分，规则及权重见督办节奏设置 scoring），含各项明细与排名（同分同名次）',
          parameters: [{ name: 'month', in: 'query', required: true, schema: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }, description: '月份，如 2018-09' }],
          responses: { 200: { description: '各单位得分、各项规则的计数与加减分、排名' }, ...errors(400, 401, 403) },
        },
      },
      '/api/units/{name}/revoke': {
        post: {
          summary: '整改办：收回单位的全部令牌和此前发出的邮件链接（此后发放的令牌、此后邮件中的链接照常可用）',
          parameters: [unitName],
          requestBody: { required: false, ...json('Revoke') },
          responses: { 200: { description: '已收回：收回的令牌数与生效时间' }, ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/api/units/{name}/deactivate': {
        post: {
          summary: '整改办：停用单位（不再发送邮件，不能再发放令牌，其令牌和链接一律失效）',
          parameters: [unitName],
          requestBody: { required: true, ...json('Deactivate') },
          responses: { 200: { description: '已停用' }, ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/api/tokens/revoke': {
        post: {
          summary: '整改办：收回一个令牌',
          requestBody: { required: true, ...json('TokenRevoke') },
          responses: { 200: { description: '已收回' }, ...errors(400, 401, 403, 404) },
        },
      },
      '/api/evidence/uploads': {
        post: {
          summary: `责任单位上传佐证材料的第一步：为某任务某次报送的文件申领上传表单（每个文件一份，只能上传到本单位本任务本次报送的位置，大小不超过声明的大小，类型为声明的类型，15分钟内有效）。浏览器把 fields 与文件（字段名 file，放在最后）以 multipart/form-data POST 到 url；随后在报送的 evidence 中写上各文件的 id（ev_ 开头），服务器按内容检查文件类型后保存，同一任务内容相同的文件只保存一次。未被任何报送引用的上传24小时后清除。${limitsText}`,
          requestBody: { required: true, ...json('EvidenceUploads') },
          responses: { 201: { description: '上传表单：uploads[].id、uploads[].upload.url、uploads[].upload.fields；limits 为限制说明' }, ...errors(400, 401, 403, 404) },
        },
      },
      '/api/evidence/{id}': {
        get: {
          summary: '佐证材料文件的记录：文件名、类型、大小、SHA-256、照片的拍摄时间与地点（EXIF）；整改办或该任务的单位可查看',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^ev_[0-9a-f]{32}$' }, description: '文件编号' }],
          responses: { 200: { description: '文件记录与下载地址' }, ...errors(401, 404) },
        },
        delete: {
          summary: '整改办删除一个佐证材料文件，须写明理由；任务的变更记录载明何人何时删除何文件及理由',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^ev_[0-9a-f]{32}$' }, description: '文件编号' }],
          requestBody: { required: true, ...json('EvidenceDelete') },
          responses: { 200: { description: '已删除' }, ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/api/evidence/{id}/publicity': {
        post: {
          summary: '整改办设定某销号申请的佐证材料是否在销号公示页展示（shown: true 展示，false 不再展示，立即生效）；只有勾选的文件、且任务正在公示时，才能从公示页公开打开；每次变更记入任务的变更记录',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^ev_[0-9a-f]{32}$' }, description: '文件编号' }],
          requestBody: { required: true, ...json('EvidencePublicity') },
          responses: { 200: { description: '已设定：evidence.shown 为是否展示' }, ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/api/evidence/{id}/file': {
        get: {
          summary: '佐证材料文件本身（在 AWS 上为转到短时有效的下载链接）',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^ev_[0-9a-f]{32}$' }, description: '文件编号' }],
          responses: { 200: { description: '文件' }, 302: { description: '转到短时有效的下载链接' }, ...errors(401, 404) },
        },
      },
      '/api/duties': {
        get: { summary: '常态化工作（单位：本单位的）及其近期各周期完成情况（已完成、未完成、进行中）', responses: { 200: { description: '常态化工作列表' }, ...errors(401) } },
      },
      '/api/duties/{name}/occurrences': {
        post: {
          summary: '记录一次常态化工作（责任单位；整改办代记时写明 unit）：计入日期所在的周期；同一内容或同一 Idempotency-Key 只记一次',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', maxLength: 200 }, description: '事项名称（按 UTF-8 百分号编码）' }, idempotency],
          requestBody: { required: true, ...json('DutyOccurrence') },
          responses: { 201: { description: '已记录' }, 200: { description: '已记录过' }, ...errors(400, 401, 403, 404, 413) },
        },
      },
      '/api/tasks/{code}/extension': {
        post: {
          summary: '牵头单位申请延期（每项任务一次；再次申请须整改办同意）',
          parameters: [code],
          requestBody: { required: true, ...json('Extension') },
          responses: { 202: { description: '待整改办审核' }, ...errors(400, 401, 403, 404, 409, 413) },
        },
      },
      '/api/tasks/{code}/extension/review': {
        post: {
          summary: '整改办审核延期申请：同意则整改时限改为申请的日期（原时限留档），退回须写理由',
          parameters: [code],
          requestBody: { required: true, ...json('ExtensionReview') },
          responses: { 200: { description: '已审核' }, ...errors(400, 401, 403, 404, 409, 413) },
        },
      },
      '/api/late': { get: { summary: '整改办：逾期与未报情况', responses: { 200: { description: '红灯任务与本周未报送单位' }, ...errors(401, 403) } } },
    },
  };
}
