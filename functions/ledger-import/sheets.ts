/**
 * The sheets of the offices' 台账 workbook and their columns, in the office's order
 * (DESIGN.md section 3). The same names are the CSV file names of a folder import and the
 * headers of the blank template.
 */
export interface SheetSpec {
  name: string;
  required: boolean;
  columns: { header: string; required: boolean; width: number; hint: string }[];
}

const column = (header: string, required: boolean, width: number, hint: string) => ({ header, required, width, hint });

export const TASKS = '任务清单';
export const UNITS = '责任单位';
export const PEOPLE = '领导与联系人';
export const INDICATORS = '目标指标';
export const DUTIES = '常态化工作';

export const sheetSpecs: SheetSpec[] = [
  {
    name: TASKS,
    required: true,
    columns: [
      column('任务编号', true, 12, '稳定编号，重新导入时按此更新任务，如 MZ-4-1'),
      column('类别', false, 22, '如：坚决打赢蓝天保卫战'),
      column('督察反馈问题', false, 30, '本任务对应的督察反馈问题'),
      column('整改任务', true, 26, '任务名称'),
      column('整改目标', false, 36, '完成时应达到的状态'),
      column('整改措施', false, 50, '具体措施'),
      column('牵头单位', true, 24, '单位或分组名称，用、分隔，如：市环保局、市住建局'),
      column('责任单位', false, 30, '单位或分组名称，用、分隔，如：各乡镇、市级有关部门'),
      column('督办领导', false, 12, '“领导与联系人”表中的姓名，多人用、分隔'),
      column('整改时限', true, 20, '如：2018年12月31日前、2018年9月底前、2018年底前、立行立改、长期坚持'),
      column('阶段节点', false, 40, '“日期 内容”，多个用；分隔，如：2018年9月底前 完成排查；2018年12月31日前 完成整治'),
      column('备注', false, 30, ''),
    ],
  },
  {
    name: UNITS,
    required: true,
    columns: [
      column('单位名称', true, 18, '如：市环保局'),
      column('单位类型', true, 10, '市级部门、乡镇、园区 或 其他'),
      column('联系人', true, 10, '接收周调度和催办的联络员'),
      column('联系人邮箱', true, 28, ''),
      column('主要负责人', true, 10, '接收通报、约谈等升级通知'),
      column('负责人邮箱', true, 28, ''),
      column('所属分组', false, 24, '如：各乡镇、市级有关部门，用、分隔'),
    ],
  },
  {
    name: PEOPLE,
    required: true,
    columns: [
      column('姓名', true, 10, ''),
      column('职务', false, 20, ''),
      column('邮箱', true, 28, ''),
      column('角色', true, 14, '督办领导、领导小组、整改办 或 纪委监委'),
    ],
  },
  {
    name: INDICATORS,
    required: false,
    columns: [
      column('指标名称', true, 30, '如：城区PM2.5年均浓度'),
      column('计量单位', false, 12, '如：微克/立方米'),
      column('目标值', true, 10, '数字'),
      column('方向', true, 8, '≤ 或 ≥'),
      column('目标年份', true, 10, '如：2020'),
      column('责任单位', false, 24, '单位名称，用、分隔'),
    ],
  },
  {
    name: DUTIES,
    required: false,
    columns: [
      column('事项', true, 30, '如：电视台新闻栏目专题报道'),
      column('频次', true, 10, '每周、每月 或 每季度'),
      column('要求', false, 30, '如：每周不少于3分钟'),
      column('责任单位', true, 24, '单位名称，用、分隔'),
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
