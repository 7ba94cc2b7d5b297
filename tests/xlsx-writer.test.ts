/**
 * The .xlsx writer of the 台账, the referral workbook and the blank template, read back by a second
 * library (exceljs) and by our own reader (the one the ledger import uses): the same cells in both,
 * and in exceljs (or, for links to a place in the workbook, in the parts themselves) the styles,
 * merges, widths, frozen panes, filters, notes, drop-down lists and links the writer was given.
 * Real parts: dynalite under the sample ledger for the compiled 台账 and for the template's import.
 */
import ExcelJS from 'exceljs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCadence } from '../functions/core/cadence/config.ts';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { compileReport } from '../functions/core/reports/model.ts';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';
import { readWorkbook } from '../functions/ledger-import/read-source.ts';
import { templateWorkbook } from '../functions/ledger-import/template.ts';
import { XlsxWorkbook as XlsxReader } from '../functions/ledger-import/xlsx-reader.ts';
import { ZipEntries } from '../functions/ledger-import/zip-entries.ts';
import { reportWorkbook } from '../functions/reports/workbook.ts';
import { XlsxWorkbook, type CellStyle } from '../functions/reports/xlsx-writer.ts';
import { appLinks } from '../functions/wiring/common.ts';
import { TEMPLATE_PATH, sampleTables } from './support/ledger.ts';
import { useDynalite } from './support/store.ts';
import { sheetLinks } from './support/xlsx.ts';

const dynalite = useDynalite();
const calendar = defaultCalendar();

async function excel(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(Buffer.from(bytes) as never);
  return book;
}

/** Every sheet as exceljs shows it: each cell's text, trimmed as the import reads it, no trailing blanks. */
function excelGrid(book: ExcelJS.Workbook): Record<string, string[][]> {
  const grids: Record<string, string[][]> = {};
  book.eachSheet((sheet) => {
    const rows: string[][] = [];
    for (let r = 1; r <= sheet.rowCount; r++) {
      const row = sheet.getRow(r);
      rows.push(Array.from({ length: row.cellCount }, (_, c) => row.getCell(c + 1).text.trim()));
    }
    grids[sheet.name] = trimGrid(rows);
  });
  return grids;
}

/** Every sheet as our own reader shows it. */
function ownGrid(bytes: Uint8Array): Record<string, string[][]> {
  const reader = new XlsxReader(Buffer.from(bytes), '台账.xlsx');
  return Object.fromEntries(reader.sheetNames.map((name) => [name, trimGrid(reader.readSheet(name).rows)]));
}

function trimGrid(rows: string[][]): string[][] {
  const trimmed = rows.map((row) => {
    const cells = [...row];
    while (cells.length && cells.at(-1) === '') cells.pop();
    return cells;
  });
  while (trimmed.length && !trimmed.at(-1)!.length) trimmed.pop();
  return trimmed;
}

const fillOf = (cell: ExcelJS.Cell) => (cell.fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb;

describe('the .xlsx writer', () => {
  const header: CellStyle = { font: { bold: true }, fill: 'FFDEE5F0', border: 'FFB0B7C3', alignment: { horizontal: 'center', vertical: 'middle', wrapText: true } };
  const body: CellStyle = { border: 'FFB0B7C3', alignment: { vertical: 'top', wrapText: true } };

  function sampleBook(): Uint8Array {
    const book = new XlsxWorkbook({ creator: '督察整改督办系统', created: new Date('2018-07-13T08:00:00Z') });
    const summary = book.addSheet('汇总');
    summary.set(1, 1, '2018年第28周督察整改工作周通报', { font: { bold: true, size: 14 }, alignment: { horizontal: 'center', vertical: 'middle' } });
    summary.merge(1, 1, 1, 4);
    summary.height(1, 28);
    ['类别', '任务总数', '红灯', '佐证材料'].forEach((h, i) => summary.set(2, i + 1, h, header));
    summary.set(3, 1, '大气污染防治', body);
    summary.set(3, 2, 12, body);
    summary.set(3, 3, 3, { ...body, fill: 'FFD93025', font: { bold: true, color: 'FFFFFFFF' }, alignment: { horizontal: 'center', vertical: 'middle' } });
    summary.set(3, 4, { text: '1个文件：拆除前.jpg', hyperlink: 'https://duban.example.org/evidence/e1?a=1&b=2' }, body);
    summary.style(3, 4, { font: { color: 'FF1A73E8', underline: true } });
    summary.set(4, 1, { text: "见“张三's 表”", hyperlink: "#'张三''s 表'!A2" });
    summary.set(5, 1, '  缩进的文字，_x0041_ 照原样\n第二行');
    summary.width(1, 34);
    summary.width(4, 30);
    summary.freeze(2, 1);
    summary.autoFilter(2, 1, 2, 4);
    summary.note(2, 2, '牵头单位与责任单位合计');
    const other = book.addSheet("张三's 表");
    other.addRow(['单位', '得分'], header);
    other.addRow(['市环保局', -2.5], body);
    return book.toBytes();
  }

  it('writes a workbook that exceljs and our own reader read as the same cells, with its styles, merges, widths, frozen panes, filter, note and links', async () => {
    const bytes = sampleBook();
    const book = await excel(bytes);
    expect(book.worksheets.map((s) => s.name)).toEqual(['汇总', "张三's 表"]);
    expect(ownGrid(bytes)).toEqual(excelGrid(book));
    expect(ownGrid(bytes)['汇总']!.slice(0, 3)).toEqual([
      Array(4).fill('2018年第28周督察整改工作周通报'),
      ['类别', '任务总数', '红灯', '佐证材料'],
      ['大气污染防治', '12', '3', '1个文件：拆除前.jpg'],
    ]);

    const sheet = book.getWorksheet('汇总')!;
    expect(sheet.getCell('A1').font).toMatchObject({ bold: true, size: 14 });
    expect(sheet.getCell('D1').isMerged && sheet.getCell('D1').master.address).toBe('A1');
    expect(sheet.getCell('A2').font.bold).toBe(true);
    expect(fillOf(sheet.getCell('A2'))).toBe('FFDEE5F0');
    expect(sheet.getCell('A2').alignment).toEqual({ horizontal: 'center', vertical: 'middle', wrapText: true });
    expect(sheet.getCell('A2').border.top).toEqual({ style: 'thin', color: { argb: 'FFB0B7C3' } });
    expect(sheet.getCell('B3').value).toBe(12);
    expect(fillOf(sheet.getCell('C3'))).toBe('FFD93025');
    expect(sheet.getCell('C3').font).toMatchObject({ bold: true, color: { argb: 'FFFFFFFF' } });
    expect(sheet.getCell('A3').alignment).toEqual({ vertical: 'top', wrapText: true });
    expect(sheet.getCell('A3').font.bold).toBeFalsy();
    // A style laid over another keeps what it does not name.
    expect(sheet.getCell('D3').font).toMatchObject({ color: { argb: 'FF1A73E8' }, underline: true });
    expect(sheet.getCell('D3').alignment).toEqual({ vertical: 'top', wrapText: true });
    expect(sheet.getCell('A5').value).toBe('  缩进的文字，_x0041_ 照原样\n第二行');
    expect([sheet.getColumn(1).width, sheet.getColumn(4).width, sheet.getRow(1).height]).toEqual([34, 30, 28]);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', xSplit: 1, ySplit: 2, topLeftCell: 'B3' });
    expect(sheet.autoFilter).toBe('A2:D2');
    expect(sheet.getCell('B2').note).toMatchObject({ texts: [{ text: '牵头单位与责任单位合计' }] });
    expect(sheet.getCell('D3').value).toEqual({ text: '1个文件：拆除前.jpg', hyperlink: 'https://duban.example.org/evidence/e1?a=1&b=2' });
    expect(sheetLinks(bytes, '汇总')).toEqual(
      new Map([
        ['D3', 'https://duban.example.org/evidence/e1?a=1&b=2'],
        ['A4', "#'张三''s 表'!A2"],
      ]),
    );
    expect(book.getWorksheet("张三's 表")!.getCell('B2').value).toBe(-2.5);
    expect(book.creator).toBe('督察整改督办系统');
    expect(book.created.toISOString()).toBe('2018-07-13T08:00:00.000Z');
  });

  it('writes parts that Python’s zipfile and XML parser read whole, each named in the content types or by its extension', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'duban-xlsx-')), '台账.xlsx');
    writeFileSync(file, sampleBook());
    const script = [
      'import sys, zipfile, xml.dom.minidom as m',
      'z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None',
      'types = m.parseString(z.read("[Content_Types].xml"))',
      'over = {e.getAttribute("PartName") for e in types.getElementsByTagName("Override")}',
      'ext = {e.getAttribute("Extension") for e in types.getElementsByTagName("Default")}',
      'for n in z.namelist():',
      '    m.parseString(z.read(n))',
      '    print(n, "/" + n in over or n.rsplit(".", 1)[-1] in ext)',
    ].join('\n');
    const parts = execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }).trim().split('\n');
    expect(parts).toContain('xl/worksheets/sheet1.xml True');
    expect(parts).toContain('xl/comments1.xml True');
    expect(parts).toContain('xl/drawings/vmlDrawing1.vml True');
    expect(parts.filter((p) => !p.endsWith(' True'))).toEqual([]);
  });

  it('writes the same bytes for the same workbook, each style once however many cells use it', () => {
    expect(Buffer.from(sampleBook()).equals(Buffer.from(sampleBook()))).toBe(true);
    const styles = new ZipEntries(Buffer.from(sampleBook()), 'a.xlsx').read('xl/styles.xml')!.toString('utf8');
    // The default, the title, the header, the body, the red light, the link, and nothing else.
    expect(styles.match(/<cellXfs count="(\d+)"/)![1]).toBe('6');
  });

  it('writes a province’s 10,000 rows, every one read back by both readers, with a handful of styles', async () => {
    const book = new XlsxWorkbook({ creator: 'duban' });
    const sheet = book.addSheet('任务清单（全省）');
    const lights = { 红灯: 'FFD93025', 黄灯: 'FFF2A600', 绿灯: 'FF1E8E3E' } as const;
    const names = Object.keys(lights) as (keyof typeof lights)[];
    ['序号', '任务编号', '整改任务', '牵头单位', '灯色'].forEach((h, i) => sheet.set(1, i + 1, h, header));
    const lightStyles = names.map((n) => ({ ...body, fill: lights[n] }));
    for (let i = 0; i < 10_000; i++) {
      const row = i + 2;
      [i + 1, `SC-${Math.floor(i / 100) + 1}-${(i % 100) + 1}`, `第${i + 1}项整改任务：完成问题点位整治`, `第${(i % 183) + 1}县人民政府`].forEach((v, c) => sheet.set(row, c + 1, v, body));
      sheet.set(row, 5, names[i % 3], lightStyles[i % 3]);
    }
    sheet.freeze(1, 2);
    const bytes = book.toBytes();

    const reader = new XlsxReader(Buffer.from(bytes), '全省台账.xlsx');
    const rows = reader.readSheet('任务清单（全省）').rows;
    expect(rows).toHaveLength(10_001);
    expect(rows[10_000]).toEqual(['10000', 'SC-100-100', '第10000项整改任务：完成问题点位整治', '第118县人民政府', '红灯']);
    expect(await reader.countRows('任务清单（全省）', 20_000)).toBe(10_001);

    const excelSheet = (await excel(bytes)).getWorksheet('任务清单（全省）')!;
    expect(excelSheet.rowCount).toBe(10_001);
    expect((excelSheet.getRow(10_001).values as unknown[]).slice(1)).toEqual([10_000, 'SC-100-100', '第10000项整改任务：完成问题点位整治', '第118县人民政府', '红灯']);
    expect(fillOf(excelSheet.getCell('E10001'))).toBe('FFD93025');
    expect(fillOf(excelSheet.getCell('E10000'))).toBe('FF1E8E3E');
    const styles = new ZipEntries(Buffer.from(bytes), 'a.xlsx').read('xl/styles.xml')!.toString('utf8');
    expect(styles.match(/<cellXfs count="(\d+)"/)![1]).toBe('6');
  });

  it('keeps out what Excel refuses: a lone surrogate, a control character, more than a cell holds; and refuses a bad sheet name or overlapping merges', async () => {
    const book = new XlsxWorkbook({ creator: 'duban' });
    const sheet = book.addSheet('进展');
    sheet.set(1, 1, '完成\ud800苗木补植\uffff200亩\u0001');
    sheet.set(2, 1, '长'.repeat(40_000));
    const read = (await excel(book.toBytes())).getWorksheet('进展')!;
    expect(read.getCell('A1').value).toBe('完成苗木补植200亩');
    expect(String(read.getCell('A2').value)).toHaveLength(32_767);

    expect(() => book.addSheet('整改任务[2018]')).toThrow(/not one Excel accepts/);
    expect(() => book.addSheet('一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二')).toThrow(/not one Excel accepts/);
    expect(() => book.addSheet('进展')).toThrow(/added twice/);
    sheet.merge(3, 1, 3, 4);
    expect(() => sheet.merge(2, 2, 4, 2)).toThrow(/overlaps/);
  });
});

describe('the compiled 台账 written by the writer', () => {
  it('reads the same in exceljs and in our own reader: each section’s lights as fills, bold wrapped headers, the title merged, frozen and filtered', async () => {
    const store = await dynalite.fresh();
    const imported = await importLedger(sampleTables(), { at: new Date('2018-07-04T02:00:00Z'), by: 'office', source: 'sample' }, { store, calendar });
    expect(imported.ok).toBe(true);
    const report = await compileReport('weekly-circular', '2018-W29', { store, calendar, config: defaultCadence, links: appLinks('http://duban.example.org', 'a-test-secret-of-at-least-32-characters') });
    const bytes = await reportWorkbook(report);
    const book = await excel(bytes);
    const own = ownGrid(bytes);
    expect(own).toEqual(excelGrid(book));
    expect(Object.keys(own).slice(0, report.sections.length + 1)).toEqual(['汇总', ...report.sections.map((s) => s.category.slice(0, 28))]);
    expect(Object.keys(own)).toContain('报送排名');

    const summary = book.getWorksheet('汇总')!;
    expect(summary.getCell('A1').value).toBe(report.title);
    expect(own['汇总']![0]).toEqual(Array(6).fill(report.title));
    expect(summary.views[0]).toMatchObject({ state: 'frozen', ySplit: 3 });

    const fills = { red: 'FFD93025', yellow: 'FFF2A600', green: 'FF1E8E3E', grey: 'FFBDC1C6' };
    let checked = 0;
    for (const section of report.sections) {
      const sheet = book.getWorksheet(section.category.slice(0, 28))!;
      const headers = own[sheet.name]![0]!;
      const light = headers.indexOf('灯色') + 1;
      expect(sheet.getCell(1, 1).font.bold).toBe(true);
      expect(sheet.getCell(1, 1).alignment.wrapText).toBe(true);
      expect(fillOf(sheet.getCell(1, 1))).toBe('FFDEE5F0');
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', xSplit: 2, ySplit: 1 });
      expect(sheet.autoFilter).toBe(`A1:${sheet.getColumn(headers.length).letter}1`);
      expect(sheet.getColumn(2).width).toBeGreaterThan(0);
      for (const [i, task] of report.ledger.filter((r) => r.category === section.category).entries()) {
        expect(own[sheet.name]![i + 1]![1]).toBe(task.code);
        expect(own[sheet.name]![i + 1]![light - 1]).toBe(task.lightName);
        expect(fillOf(sheet.getCell(i + 2, light)), task.code).toBe(fills[task.light]);
        expect(sheet.getCell(i + 2, 2).alignment).toEqual({ vertical: 'top', wrapText: true });
        checked++;
      }
    }
    expect(checked).toBe(report.ledger.length);
    expect(new Set(report.ledger.map((r) => r.light)).size).toBeGreaterThan(1);
  });
});

describe('the blank template written by the writer', () => {
  it('is the file shipped as data/台账模板.xlsx, with its header notes and drop-down lists', async () => {
    const bytes = templateWorkbook();
    expect(Buffer.from(bytes).equals(readFileSync(TEMPLATE_PATH))).toBe(true);
    const book = await excel(bytes);
    const units = book.getWorksheet('责任单位')!;
    const headers = ((units.getRow(1).values as unknown[]).slice(1) as string[]).map((h) => h.replace(/\*$/, ''));
    expect(units.getCell(1, 1).value).toBe('单位名称*');
    expect(fillOf(units.getCell(1, 1))).toBe('FFB42323');
    const type = headers.indexOf('单位类型') + 1;
    expect(units.getCell(2, type).dataValidation).toMatchObject({ type: 'list', formulae: [expect.stringContaining('乡镇')], showInputMessage: true });
    expect(units.getCell(500, type).dataValidation.type).toBe('list');
    expect(units.getCell(2, type).dataValidation.showErrorMessage).toBeFalsy();
    const people = book.getWorksheet('领导与联系人')!;
    const role = ((people.getRow(1).values as unknown[]).slice(1) as string[]).findIndex((h) => h.replace(/\*$/, '') === '角色') + 1;
    expect(people.getCell(3, role).dataValidation).toMatchObject({ type: 'list', showErrorMessage: true, errorTitle: '取值不正确', formulae: [expect.stringContaining('督办领导')] });
    expect(units.getCell(1, 1).note).toBeDefined();
    expect(book.getWorksheet('基本信息')!.getCell(2, 2).note).toBeDefined();
  });

  it('filled in by an office, imports through the real import path and the task is in the ledger', async () => {
    const book = await excel(templateWorkbook());
    const fill = (sheet: string, values: Record<string, string>) => {
      const ws = book.getWorksheet(sheet)!;
      const headers = ((ws.getRow(1).values as unknown[]).slice(1) as string[]).map((h) => h.replace(/\*$/, ''));
      headers.forEach((h, i) => (ws.getCell(2, i + 1).value = values[h] ?? null));
    };
    fill('责任单位', { 单位名称: '县生态环境局', 单位类型: '县级部门', 联系人: '王芳', 联系人邮箱: 'sthjj@example.org', 主要负责人: '李强', 负责人邮箱: 'sthjj.head@example.org' });
    fill('任务清单', { 任务编号: 'XY-1-1', 类别: '大气污染防治', 督察反馈问题: '城区扬尘管控不到位', 整改任务: '整治建筑工地扬尘', 整改目标: '工地六个百分之百落实', 整改措施: '逐一排查、限期整改', 牵头单位: '县生态环境局', 整改时限: '2018年11月30日前' });
    const filled = Buffer.from(await book.xlsx.writeBuffer());

    const store = await dynalite.fresh();
    const summary = await importLedger(await readWorkbook(filled), { at: new Date('2018-07-04T02:00:00Z'), by: 'office', source: '台账模板' }, { store, calendar });
    expect(summary.issues).toEqual([]);
    const task = await store.tasks.get('XY-1-1');
    expect(task).toMatchObject({ title: '整治建筑工地扬尘', leadUnits: ['县生态环境局'], deadline: { due: '2018-11-30' } });
    expect((await store.units.get('县生态环境局'))?.liaison).toMatchObject({ email: 'sthjj@example.org' });
  });
});
