/**
 * The sheets of the offices' 台账 workbook and their columns, in the office's order
 * (DESIGN.md section 3). The same names are the CSV file names of a folder import and the
 * headers of the blank template.
 */
import { NAME_MAX, TASK_CODE_MAX, TEXT_MAX } from '../core/ledger.ts';

export interface SheetSpec {
  name: string;
  required: boolean;
  /** Most rows the sheet may have (a province: ~10,000 tasks, ~1,000 units; twice that fits). */
  maxRows: number;
  /** `max`: the longest text a cell may hold, in characters. */
  columns: { header: string; required: boolean; width: number; hint: string; max: number }[];
}

/** Names, codes, emails and short values fit in NAME_MAX characters; long text in TEXT_MAX. */
const column = (header: string, required: boolean, width: number, hint: string, max: number = NAME_MAX) => ({ header, required, width, hint, max });
const longColumn = (header: string, required: boolean, width: number, hint: string) => column(header, required, width, hint, TEXT_MAX);

export const TASKS = '任务清单';
export const UNITS = '责任单位';
export const PEOPLE = '领导与联系人';
export const INDICATORS = '目标指标';
export const DUTIES = '常态化工作';
export const OFFICE = '基本信息';

/**
 * The rows of the 基本信息 sheet (two columns, 项目 and 内容, the way offices write such a sheet),
 * each with the key it fills and its limit.
 */
export const officeItems = [
  { item: '项目名称', key: 'programme', max: 200, hint: '如：云岭县落实中央生态环境保护督察反馈意见整改工作' },
  { item: '整改办全称', key: 'officeName', max: 200, hint: '如：云岭县生态环境保护督察整改工作领导小组办公室' },
  { item: '整改办简称', key: 'officeShortName', max: 50, hint: '如：县整改办' },
  { item: '联系电话', key: 'phone', max: 50, hint: '公示期间受理异议的电话' },
  { item: '联系邮箱', key: 'email', max: 200, hint: '公示期间受理异议的邮箱' },
  { item: '发文字号前缀', key: 'documentPrefix', max: 50, hint: '周通报的发文字号前缀，如：云整改办' },
] as const;

export const sheetSpecs: SheetSpec[] = [
  {
    name: OFFICE,
    maxRows: 50,
    required: false,
    columns: [
      column('项目', true, 16, '请勿修改此列：' + officeItems.map((i) => i.item).join('、')),
      longColumn('内容', false, 60, '本地区的名称；留空则使用通用称谓（整改办、督察整改工作）'),
    ],
  },
  {
    name: TASKS,
    maxRows: 20_000,
    required: true,
    columns: [
      column('任务编号', true, 12, '稳定编号，重新导入时按此更新任务，如 YL-4-1；只能含字母、数字和 - _ .，不超过40个字符', TASK_CODE_MAX),
      longColumn('类别', false, 22, '如：坚决打赢蓝天保卫战'),
      longColumn('督察反馈问题', false, 30, '本任务对应的督察反馈问题'),
      longColumn('整改任务', true, 26, '任务名称'),
      longColumn('整改目标', false, 36, '完成时应达到的状态'),
      longColumn('整改措施', false, 50, '具体措施'),
      longColumn('牵头单位', true, 24, '单位或分组名称，用、分隔，如：生态环境局、住建局'),
      longColumn('责任单位', false, 30, '单位或分组名称，用、分隔，如：各乡镇、有关部门'),
      column('督办领导', false, 12, '“领导与联系人”表中的姓名，多人用、分隔'),
      column('整改时限', true, 20, '如：2018年12月31日前、2018年9月底前、2018年底前、立行立改、长期坚持'),
      longColumn('阶段节点', false, 40, '“日期 内容”，多个用；分隔，如：2018年9月底前 完成排查；2018年12月31日前 完成整治'),
      longColumn('备注', false, 30, ''),
    ],
  },
  {
    name: UNITS,
    maxRows: 5_000,
    required: true,
    columns: [
      column('单位名称', true, 18, '如：县生态环境局、城关镇'),
      column('单位类型', true, 10, '按本地习惯填写，如：县级部门、部门、乡镇、街道、园区、开发区；下拉列表仅供参考，可直接输入其他称谓'),
      column('联系人', true, 10, '接收周调度和催办的联络员'),
      column('联系人邮箱', true, 28, ''),
      column('主要负责人', true, 10, '接收通报、约谈等升级通知'),
      column('负责人邮箱', true, 28, ''),
      longColumn('所属分组', false, 24, '如：各乡镇、县级有关部门，用、分隔'),
      column('单位类别', false, 10, '可不填：系统按单位类型识别乡镇、部门、园区；识别不准时填写 乡镇、部门、园区 或 其他'),
      column('接收方式', false, 14, '可不填（默认邮件）；可填 邮件、SMTP、企业微信、钉钉，多个用、分隔'),
      longColumn('接收地址', false, 40, '企业微信、钉钉机器人的 Webhook 地址，按接收方式中的顺序，多个用；分隔；钉钉机器人设置了加签的，在地址后空一格写 SEC 开头的密钥'),
    ],
  },
  {
    name: PEOPLE,
    maxRows: 5_000,
    required: true,
    columns: [
      column('姓名', true, 10, ''),
      column('职务', false, 20, ''),
      column('邮箱', true, 28, ''),
      column('角色', true, 14, '督办领导、领导小组、整改办 或 纪委监委'),
      column('接收方式', false, 14, '可不填（默认邮件）；可填 邮件、SMTP、企业微信、钉钉，多个用、分隔'),
      longColumn('接收地址', false, 40, '企业微信、钉钉机器人的 Webhook 地址，按接收方式中的顺序，多个用；分隔；钉钉机器人设置了加签的，在地址后空一格写 SEC 开头的密钥'),
    ],
  },
  {
    name: INDICATORS,
    maxRows: 2_000,
    required: false,
    columns: [
      column('指标名称', true, 30, '如：城区PM2.5年均浓度'),
      column('计量单位', false, 12, '如：微克/立方米'),
      column('目标值', true, 10, '数字'),
      column('方向', true, 8, '≤ 或 ≥'),
      column('目标年份', true, 10, '如：2020'),
      longColumn('责任单位', false, 24, '单位名称，用、分隔'),
      column('基准值', false, 10, '可不填：基准年份的数值，月交账走势图的直线轨迹由此起算至目标；不填以首次报送的数值为基准'),
      column('基准年份', false, 10, '与基准值同填，如：2017'),
    ],
  },
  {
    name: DUTIES,
    maxRows: 2_000,
    required: false,
    columns: [
      column('事项', true, 30, '如：电视台新闻栏目专题报道'),
      column('频次', true, 16, '每周、每月、每季度，可加次数、时长：每周不少于1次，每次不少于3分钟'),
      longColumn('要求', false, 30, '如：每周不少于3分钟'),
      longColumn('责任单位', true, 24, '单位名称，用、分隔'),
    ],
  },
];

/** A table read from a sheet or a CSV file: header → text, with the row number the office sees. */
export interface RawRow {
  row: number;
  cells: Record<string, string>;
}
export interface RawTable {
  sheet: string;
  headers: string[];
  rows: RawRow[];
}

/** Separators offices use between names in one cell. */
export const LIST_SEPARATORS = /[、，,；;\n]+/;

export function splitList(text: string): string[] {
  return text
    .split(LIST_SEPARATORS)
    .map((part) => part.trim())
    .filter(Boolean);
}
