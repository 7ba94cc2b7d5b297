/** The sample ledger as raw tables, and workbooks made from the blank template, for import tests. */
import ExcelJS from 'exceljs';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsvFolder } from '../../functions/ledger-import/read-source.ts';
import type { RawTable } from '../../functions/ledger-import/sheets.ts';
import { SAMPLE_LEDGER } from '../../functions/local/settings.ts';

export const TEMPLATE_PATH = join(import.meta.dirname, '../../data/台账模板.xlsx');

/** The columns by which the sample gives two units a robot and one unit SMTP (see sampleTables). */
const CHANNEL_COLUMNS = ['接收方式', '接收地址'];

/**
 * The sample ledger, every unit and person on email only. The shipped sample gives 市环保局 a
 * 企业微信 robot, 市住建局 a 钉钉 robot and 市水务局 SMTP, so that a first `npm start` shows every
 * channel in the sandbox's inbox (tests/channels.test.ts checks it there). Here those two columns
 * are left out: the tests that count messages run with no inbox and no SMTP server, where those
 * channels could only fail, and they are about cadence, not channels. Channel tests add their own.
 */
export function sampleTables(): RawTable[] {
  return readCsvFolder(SAMPLE_LEDGER).map((table) => ({
    ...table,
    headers: table.headers.filter((h) => !CHANNEL_COLUMNS.includes(h)),
    rows: table.rows.map((row) => ({ ...row, cells: Object.fromEntries(Object.entries(row.cells).filter(([h]) => !CHANNEL_COLUMNS.includes(h))) })),
  }));
}

/** sampleTables() as a folder of CSV files, for the CLI's `import <folder>` (reasons above). */
export function sampleLedgerFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'duban-sample-'));
  const cell = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  for (const table of sampleTables()) {
    const lines = [table.headers, ...table.rows.map((row) => table.headers.map((h) => row.cells[h] ?? ''))].map((cells) => cells.map(cell).join(','));
    writeFileSync(join(folder, `${table.sheet}.csv`), `${lines.join('\n')}\n`);
  }
  return folder;
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
