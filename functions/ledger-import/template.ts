/**
 * The blank 台账 template the office fills in: one sheet per table with the exact headers,
 * a hint on each header, drop-down lists where the values are fixed, and a sheet of instructions.
 * Rows added to it import as they are (`npx duban import 台账.xlsx`).
 */
import ExcelJS from 'exceljs';
import { dutyFrequencies, personRoles, unitTypes } from '../core/ledger.ts';
import { sheetSpecs } from './sheets.ts';

const choices: Record<string, readonly string[]> = {
  单位类型: unitTypes,
  角色: personRoles,
  方向: ['≤', '≥'],
  频次: dutyFrequencies,
};

const instructions = [
  ['督察整改台账 导入模板'],
  [''],
  ['1. 请勿修改各表名称和表头；带 * 的列为必填。'],
  ['2. “任务编号”是任务的稳定编号：修改后重新导入，会按编号更新任务并保留其历史记录。'],
  ['3. “牵头单位”“责任单位”可填写单位名称或分组名称（如 各乡镇、市级有关部门），多个用、分隔；分组在“责任单位”表的“所属分组”列中定义。'],
  ['4. “整改时限”可写：2018年12月31日前、2018年9月底前、2018年底前、2020年、立行立改、长期坚持，或“2018年9月底前，长期坚持”。遇节假日顺延至下一个工作日。'],
  ['5. “阶段节点”写作“日期 内容”，多个用；分隔，如：2018年9月底前 完成排查；2018年12月31日前 完成整治。'],
  ['6. “督办领导”填写“领导与联系人”表中角色为督办领导的人员姓名。'],
  ['7. 导入前可先检查：npx duban import 台账.xlsx --dry-run。有任何错误时不会导入任何内容，并逐条指出表、行、列。'],
];

export async function templateWorkbook(): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'duban';
  const guide = workbook.addWorksheet('填写说明');
  guide.addRows(instructions);
  guide.getColumn(1).width = 110;
  guide.getCell('A1').font = { bold: true, size: 14 };

  for (const spec of sheetSpecs) {
    const sheet = workbook.addWorksheet(spec.name, { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = spec.columns.map((c) => ({ header: c.header, key: c.header, width: c.width }));
    const header = sheet.getRow(1);
    header.font = { bold: true, color: { argb: 'FFFFFFFF' } };
    header.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
    spec.columns.forEach((c, i) => {
      const cell = header.getCell(i + 1);
      cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: c.required ? 'FFB42323' : 'FF44546A' } };
      if (c.required) cell.value = `${c.header}*`;
      if (c.hint) cell.note = c.hint;
      const list = choices[c.header];
      if (list) {
        const letter = sheet.getColumn(i + 1).letter;
        for (let row = 2; row <= 500; row++) {
          sheet.getCell(`${letter}${row}`).dataValidation = {
            type: 'list',
            allowBlank: true,
            formulae: [`"${list.join(',')}"`],
            showErrorMessage: true,
            errorTitle: '取值不正确',
            error: `请从下拉列表中选择：${list.join('、')}`,
          };
        }
      }
    });
  }
  return workbook;
}
