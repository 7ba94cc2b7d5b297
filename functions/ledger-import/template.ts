/**
 * The blank 台账 template the office fills in: one sheet per table with the exact headers,
 * a hint on each header, drop-down lists where the values are fixed (and a suggestion list where
 * they are the office's own words, such as 单位类型), the 基本信息 items to fill in, and a sheet
 * of instructions. Rows added to it import as they are (`npx duban import 台账.xlsx`).
 */
import { dutyFrequencies, personRoles, suggestedUnitTypes, unitKindNames } from '../core/ledger.ts';
import { XlsxWorkbook } from '../reports/xlsx-writer.ts';
import { OFFICE, officeItems, sheetSpecs } from './sheets.ts';

/** Fixed values: Excel refuses anything else. */
const choices: Record<string, readonly string[]> = {
  角色: personRoles,
  方向: ['≤', '≥'],
  单位类别: Object.values(unitKindNames),
};

/** The office's own words: Excel offers these and accepts anything typed instead. */
const suggestions: Record<string, readonly string[]> = {
  单位类型: suggestedUnitTypes,
  // 每周不少于2次、每次不少于3分钟 are read too (core/duties.ts).
  频次: dutyFrequencies,
};

const instructions = [
  '督察整改台账 导入模板',
  '',
  '1. 请勿修改各表名称和表头；带 * 的列为必填。',
  '2. “任务编号”是任务的稳定编号：修改后重新导入，会按编号更新任务并保留其历史记录。',
  '3. “牵头单位”“责任单位”可填写单位名称或分组名称（如 各乡镇、有关部门），多个用、分隔；分组在“责任单位”表的“所属分组”列中定义。',
  '4. “整改时限”可写：2018年12月31日前、2018年9月底前、2018年底前、2020年、立行立改、长期坚持，或“2018年9月底前，长期坚持”。遇节假日顺延至下一个工作日。',
  '5. “阶段节点”写作“日期 内容”，多个用；分隔，如：2018年9月底前 完成排查；2018年12月31日前 完成整治。',
  '6. “督办领导”填写“领导与联系人”表中角色为督办领导的人员姓名。',
  '7. 导入前可先检查：npx duban import 台账.xlsx --dry-run。有任何错误时不会导入任何内容，并逐条指出表、行、列（最多列出100处，其余计数）。',
  '8. “单位类型”按本地习惯填写（如 县级部门、部门、乡镇、街道、开发区），下拉列表仅供参考；系统据此识别乡镇、部门、园区，识别不准时在“单位类别”列注明。',
  '9. “基本信息”表填写项目名称、整改办全称和简称、联系电话和邮箱、发文字号前缀；邮件、页面和通报中的落款取自此表，留空则用通用称谓。',
  '10. 上限：文件不超过20MB；任务清单不超过20,000行，责任单位、领导与联系人各不超过5,000行；单位名称、编号等不超过200字，其他文字每格不超过4,000字。',
];

/** The rows a drop-down list covers: the header's row is 1. */
const LIST_ROWS = 500;

/** The template's bytes. */
export function templateWorkbook(): Uint8Array {
  const workbook = new XlsxWorkbook({ creator: 'duban' });
  const guide = workbook.addSheet('填写说明');
  for (const line of instructions) guide.addRow([line]);
  guide.width(1, 110);
  guide.style(1, 1, { font: { bold: true, size: 14 } });

  for (const spec of sheetSpecs) {
    const sheet = workbook.addSheet(spec.name);
    sheet.freeze(1);
    spec.columns.forEach((c, i) => {
      const col = i + 1;
      sheet.width(col, c.width);
      sheet.set(1, col, c.required ? `${c.header}*` : c.header, {
        font: { bold: true, color: 'FFFFFFFF' },
        fill: c.required ? 'FFB42323' : 'FF44546A',
        alignment: { vertical: 'middle', horizontal: 'center', wrapText: true },
      });
      if (c.hint) sheet.note(1, col, c.hint);
      const hints = suggestions[c.header];
      if (hints) {
        // A suggestion: any other word is accepted.
        sheet.validate(2, col, LIST_ROWS, col, { list: hints, strict: false, prompt: { title: c.header, text: '可从列表选择，也可直接输入本地的称谓' } });
      }
      const list = choices[c.header];
      if (list) {
        sheet.validate(2, col, LIST_ROWS, col, { list, strict: true, error: { title: '取值不正确', text: `请从下拉列表中选择：${list.join('、')}` } });
      }
    });
    if (spec.name === OFFICE) {
      for (const item of officeItems) sheet.note(sheet.addRow([item.item, '']), 2, item.hint);
    }
  }
  return workbook.toBytes();
}
