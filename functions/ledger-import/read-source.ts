/**
 * Reads the offices' 台账 as they keep it: an .xlsx workbook, or a folder of CSV files named after
 * its sheets (UTF-8, with or without BOM, or GB18030 as Excel on Chinese Windows saves them).
 * Produces raw tables of text; judging the content is validate.ts's job.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { sheetSpecs, type RawRow, type RawTable } from './sheets.ts';

import { MAX_FILE_BYTES, SourceError } from './source-limits.ts';
import { XlsxWorkbook } from './xlsx-reader.ts';

export { MAX_FILE_BYTES, SourceError };

function checkSize(path: string): void {
  const size = statSync(path).size;
  if (size > MAX_FILE_BYTES) {
    throw new SourceError(`文件过大：${basename(path)} 有 ${(size / 1024 / 1024).toFixed(1)} MB，台账文件最大 ${MAX_FILE_BYTES / 1024 / 1024} MB。请删去无关的工作表、图片和空行后再导入`);
  }
}

export async function readLedgerSource(path: string): Promise<RawTable[]> {
  if (!existsSync(path)) throw new SourceError(`找不到台账文件或文件夹：${path}`);
  if (statSync(path).isDirectory()) return readCsvFolder(path);
  if (extname(path).toLowerCase() !== '.xlsx') {
    throw new SourceError(`不支持的台账格式：${basename(path)}。请使用 .xlsx 工作簿，或存放各表 CSV 文件的文件夹`);
  }
  checkSize(path);
  return readWorkbook(readFileSync(path), basename(path));
}

/**
 * Reading a whole sheet holds every cell in memory. The rows of the ledger's sheets are counted
 * first, inflating the sheet piece by piece, and the count stops at the sheet's limit.
 */
async function refuseOversizedSheets(workbook: XlsxWorkbook): Promise<void> {
  const limits = new Map(sheetSpecs.map((s) => [s.name, s.maxRows]));
  for (const sheet of workbook.sheetNames) {
    const name = sheet.trim();
    const limit = limits.get(name);
    if (limit === undefined) continue;
    // Header, hint and blank rows come on top of the data rows.
    const ceiling = limit + 20;
    if ((await workbook.countRows(sheet, ceiling)) > ceiling) {
      throw new SourceError(`“${name}”表的行数超过上限：最多 ${limit.toLocaleString('en-US')} 行，读到第 ${ceiling.toLocaleString('en-US')} 行后即停止读取。请拆分或删去空行后再导入`);
    }
  }
}

/** The ledger's sheets of an .xlsx workbook; `file` names it in the messages. */
export async function readWorkbook(content: Buffer | ArrayBuffer, file = '台账.xlsx'): Promise<RawTable[]> {
  try {
    const workbook = new XlsxWorkbook(Buffer.isBuffer(content) ? content : Buffer.from(content), file);
    await refuseOversizedSheets(workbook);
    const known = new Set(sheetSpecs.map((s) => s.name));
    return workbook.sheetNames.filter((name) => known.has(name.trim())).map((name) => toTable(name.trim(), workbook.readSheet(name).rows));
  } catch (error) {
    if (error instanceof SourceError) throw error;
    // A structure no writer makes (an offset past the end, a part that is not XML).
    throw new SourceError(`无法读取工作簿“${file}”：文件已损坏或不是 .xlsx 格式。请在 Excel 中打开后另存为 .xlsx 再导入`);
  }
}

export function readCsvFolder(dir: string): RawTable[] {
  const known = new Map(sheetSpecs.map((s) => [`${s.name}.csv`, s.name]));
  return readdirSync(dir)
    .filter((file) => known.has(file.normalize('NFC')))
    .map((file) => (checkSize(join(dir, file)), file))
    .map((file) => toTable(known.get(file.normalize('NFC'))!, parseCsv(decodeText(readFileSync(join(dir, file))))));
}

function toTable(sheet: string, grid: string[][]): RawTable {
  const headerIndex = grid.findIndex((row) => row.some((cell) => cell.trim() !== ''));
  if (headerIndex < 0) return { sheet, headers: [], rows: [] };
  const headers = grid[headerIndex]!.map((h) => h.replace(/\s+/g, '').replace(/[*＊]$/, ''));
  const rows: RawRow[] = [];
  for (let i = headerIndex + 1; i < grid.length; i++) {
    const values = grid[i] ?? [];
    if (!values.some((cell) => cell.trim() !== '')) continue;
    const cells: Record<string, string> = {};
    headers.forEach((header, col) => {
      if (header) cells[header] = (values[col] ?? '').trim();
    });
    rows.push({ row: i + 1, cells });
  }
  return { sheet, headers: headers.filter(Boolean), rows };
}

/** UTF-8 (BOM or not) when it decodes cleanly, else GB18030. */
export function decodeText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

/** RFC 4180: quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
