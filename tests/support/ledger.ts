/** The sample ledger as raw tables, and workbooks made from the blank template, for import tests. */
import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsvFolder } from '../../functions/ledger-import/read-source.ts';
import type { RawTable } from '../../functions/ledger-import/sheets.ts';
import { SAMPLE_LEDGER } from '../../functions/local/settings.ts';

export const TEMPLATE_PATH = join(import.meta.dirname, '../../data/台账模板.xlsx');

export function sampleTables(): RawTable[] {
  return readCsvFolder(SAMPLE_LEDGER);
}

/** Deep copy, so a test can spoil one cell without touching the others' data. */
export function cloneTables(tables: RawTable[]): RawTable[] {
  return structuredClone(tables);
}

export function rowOf(tables: RawTable[], sheet: string, index: number) {
  return tables.find((t) => t.sheet === sheet)!.rows[index]!;
}

/** Fills the shipped blank template with the given tables' rows, as an office would, and saves it. */
export async function workbookFromTemplate(tables: RawTable[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(readFileSync(TEMPLATE_PATH) as unknown as ArrayBuffer);
  for (const table of tables) {
    const sheet = workbook.getWorksheet(table.sheet)!;
    const headers = (sheet.getRow(1).values as unknown[]).slice(1).map((h) => String(h).replace(/\*$/, ''));
    for (const [i, row] of table.rows.entries()) {
      const excelRow = sheet.getRow(i + 2);
      headers.forEach((header, col) => {
        excelRow.getCell(col + 1).value = row.cells[header] ?? '';
      });
      excelRow.commit();
    }
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
