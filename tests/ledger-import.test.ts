import { ScanCommand } from '@aws-sdk/client-dynamodb';
import ExcelJS from 'exceljs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { deflateRawSync } from 'node:zlib';
import * as XLSX from 'xlsx';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { ImportInterruptedError, importLedger } from '../functions/ledger-import/import-ledger.ts';
import { readCsvFolder, readLedgerSource, readWorkbook } from '../functions/ledger-import/read-source.ts';
import { describeIssue, describeIssues } from '../functions/ledger-import/validate.ts';
import { DynamoStore } from '../functions/store/dynamo-store.ts';
import { sheetSpecs, type RawRow } from '../functions/ledger-import/sheets.ts';
import { runCli } from '../functions/local/cli.ts';
import { TEMPLATE_PATH, cloneTables, rowOf, sampleTables, workbookFromTemplate } from './support/ledger.ts';
import { useDynalite } from './support/store.ts';

const dynalite = useDynalite();
const calendar = defaultCalendar();
const at = new Date('2018-07-04T02:00:00.000Z'); // the plan's publication day, 10:00 in Shanghai
const options = { at, by: 'office@example.org', source: 'test' };

describe('importing the ledger', () => {
  it('imports the sample ledger with every group expanded to its member units', async () => {
    const store = await dynalite.fresh();
    const summary = await importLedger(sampleTables(), options, { store, calendar });
    expect(summary.issues.map(describeIssue)).toEqual([]);
    expect(summary.tasks.created).toBe(31);

    const tasks = await store.tasks.list();
    expect(tasks).toHaveLength(31);
    const units = await store.units.list();
    const townships = units.filter((u) => u.groups.includes('各乡镇')).map((u) => u.name);
    expect(townships.length).toBeGreaterThan(10);
    const first = tasks.find((t) => t.code === 'MZ-1-1')!;
    expect(first.leadUnits).toEqual(['市委办公室', '市政府办公室']);
    expect(first.responsibleUnitsText).toContain('各乡镇');
    for (const township of townships) expect(first.responsibleUnits).toContain(township);
    expect(await store.unitOpenTasks(townships[0]!)).toContainEqual({ unit: townships[0], code: 'MZ-1-1', role: 'responsible' });
    expect(await store.indicators.get('城区PM2.5年均浓度')).toMatchObject({ target: 43.4, direction: '≤', year: 2020 });
    expect((await store.duties.list()).map((d) => d.frequency).sort()).toEqual(['每周', '每周', '每季度']);
  });

  it('imports a workbook that an office filled in from the blank template', async () => {
    const store = await dynalite.fresh();
    const tables = await readWorkbook(await workbookFromTemplate(sampleTables()));
    const summary = await importLedger(tables, options, { store, calendar });
    expect(summary.issues.map(describeIssue)).toEqual([]);
    expect(summary.tasks.created).toBe(31);
    expect(summary.units.created).toBe(sampleTables().find((t) => t.sheet === '责任单位')!.rows.length);
  });

  it('refuses a workbook with a bad email, an unknown unit and an unreadable deadline, naming each, and writes nothing', async () => {
    const store = await dynalite.fresh();
    const tables = cloneTables(sampleTables());
    rowOf(tables, '责任单位', 2).cells['联系人邮箱'] = 'liaison-at-example.org';
    rowOf(tables, '任务清单', 4).cells['牵头单位'] = '市环保厅';
    rowOf(tables, '任务清单', 6).cells['整改时限'] = '尽快完成';
    const workbook = await workbookFromTemplate(tables);

    const summary = await importLedger(await readWorkbook(workbook), options, { store, calendar });
    expect(summary.ok).toBe(false);
    expect(summary.issues.map(describeIssue)).toEqual([
      '“责任单位”表第4行“联系人邮箱”列：邮箱格式不正确：“liaison-at-example.org”',
      expect.stringMatching(/^“任务清单”表第6行“牵头单位”列：未知单位或分组“市环保厅”/),
      expect.stringMatching(/^“任务清单”表第8行“整改时限”列：.*尽快完成/),
    ]);
    expect(await store.tasks.list()).toEqual([]);
    expect(await store.units.list()).toEqual([]);
    expect(await store.imports()).toEqual([]);
  });

  it('updates a re-imported task by its 任务编号 and keeps its history', async () => {
    const store = await dynalite.fresh();
    await importLedger(sampleTables(), options, { store, calendar });
    const tables = cloneTables(sampleTables());
    const row = rowOf(tables, '任务清单', 0);
    row.cells['整改目标'] = '修订后的整改目标';
    const later = { ...options, at: new Date('2018-08-01T02:00:00.000Z'), source: 'v2' };
    const summary = await importLedger(tables, later, { store, calendar });
    expect(summary.tasks).toEqual({ created: 0, updated: 1, unchanged: 30 });

    const task = (await store.tasks.get(row.cells['任务编号']!))!;
    expect(task.target).toBe('修订后的整改目标');
    expect(task.version).toBe(2);
    const history = await store.auditEvents(`TASK#${task.code}`);
    expect(history.map((e) => [e.version, e.at, e.detail?.source])).toEqual([
      [1, at.toISOString(), 'test'],
      [2, later.at.toISOString(), 'v2'],
    ]);
    expect(history[1]!.detail?.changed).toEqual(['target']);
  });

  it('checks without writing on a dry run', async () => {
    const store = await dynalite.fresh();
    const summary = await importLedger(sampleTables(), { ...options, dryRun: true }, { store, calendar });
    expect(summary.ok).toBe(true);
    expect(summary.tasks.created).toBe(31);
    expect(await store.tasks.list()).toEqual([]);
  });

  it('reads a CSV folder saved by Excel on Chinese Windows (GB18030)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duban-gbk-'));
    const csv = '单位名称,单位类型,联系人,联系人邮箱,主要负责人,负责人邮箱,所属分组\r\n市环保局,市级部门,王芳,hbj@example.org,李强,hbj.head@example.org,市级有关部门\r\n';
    // GB18030 bytes of the text above, via the same decoder family Node ships (ICU).
    const bytes = Buffer.from(new TextEncoderGb18030().encode(csv));
    writeFileSync(join(dir, '责任单位.csv'), bytes);
    const tables = await readLedgerSource(dir);
    expect(tables[0]!.rows[0]!.cells['单位名称']).toBe('市环保局');
    expect(tables[0]!.rows[0]!.cells['所属分组']).toBe('市级有关部门');
  });
});

describe('the blank template', () => {
  it('ships with every sheet and header of the ledger, required ones marked, as `npx duban template` writes it', async () => {
    const shipped = await readWorkbook(readFileSync(TEMPLATE_PATH));
    expect(shipped.map((t) => t.sheet)).toEqual(sheetSpecs.map((s) => s.name));
    for (const spec of sheetSpecs) {
      expect(shipped.find((t) => t.sheet === spec.name)!.headers).toEqual(spec.columns.map((c) => c.header));
    }
    const dir = mkdtempSync(join(tmpdir(), 'duban-template-'));
    const io = { out: () => {}, err: () => {}, now: () => at };
    expect(await runCli(['template', join(dir, 'new.xlsx')], io)).toBe(0);
    expect(await readWorkbook(readFileSync(join(dir, 'new.xlsx')))).toEqual(shipped);
  });
});

describe('npx duban calendar', () => {
  it('loads a year from a file and refuses a file with a bad date, naming the field', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'duban-cal-'));
    const env = { DUBAN_DATA_DIR: dataDir, DUBAN_DYNAMODB_PORT: '1', DUBAN_SES_PORT: '2' };
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), now: () => at };
    const bad = join(dataDir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ year: 2027, holidays: ['2027-02-30'], makeupWorkdays: [] }));
    expect(await runCli(['calendar', 'load', bad], io, env)).toBe(1);
    expect(err.join('\n')).toContain('错误：日期应写作 YYYY-MM-DD，且须为真实日期：节假日（holidays）第1项为“2027-02-30”');

    const good = join(dataDir, '2027.json');
    writeFileSync(good, JSON.stringify({ year: 2027, holidays: ['2027-01-01', '2027-05-01', '2027-10-01', '2027-10-02', '2027-10-03'], makeupWorkdays: [], source: '示例' }));
    expect(await runCli(['calendar', 'load', good], io, env)).toBe(0);
    expect(await runCli(['calendar'], io, env)).toBe(0);
    expect(out).toContain('工作日历已载入：2004–2027 年（共 24 年）');
  });
});

describe('npx duban import', () => {
  it('checks a workbook with --dry-run and prints every error with sheet, row and column', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'duban-cli-'));
    const tables = cloneTables(sampleTables());
    rowOf(tables, '任务清单', 0).cells['整改时限'] = '2018年13月底前';
    const file = join(dataDir, '台账.xlsx');
    writeFileSync(file, await workbookFromTemplate(tables));
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), now: () => at };
    const env = { DUBAN_DATA_DIR: dataDir, DUBAN_DYNAMODB_PORT: '1' }; // nothing listens on port 1: the CLI opens the data folder itself

    expect(await runCli(['import', file, '--dry-run'], io, env)).toBe(1);
    expect(err.join('\n')).toMatch(/台账有 1 处错误，未导入任何内容/);
    expect(err.join('\n')).toMatch(/“任务清单”表第2行“整改时限”列/);

    rowOf(tables, '任务清单', 0).cells['整改时限'] = '2018年12月底前';
    writeFileSync(file, await workbookFromTemplate(tables));
    expect(await runCli(['import', file], io, env)).toBe(0);
    expect(out.join('\n')).toMatch(/整改任务：新增 31，更新 0，未变 0/);
  });
});

/** Node has no GB18030 encoder; build one from the decoder over the characters we need. */
class TextEncoderGb18030 {
  encode(text: string): Uint8Array {
    const decoder = new TextDecoder('gb18030');
    const table = new Map<string, number[]>();
    const bytes: number[] = [];
    for (const ch of text) {
      if (ch.charCodeAt(0) < 0x80) {
        bytes.push(ch.charCodeAt(0));
        continue;
      }
      let code = table.get(ch);
      for (let hi = 0x81; !code && hi <= 0xfe; hi++) {
        for (let lo = 0x40; lo <= 0xfe; lo++) {
          if (decoder.decode(new Uint8Array([hi, lo])) === ch) {
            code = [hi, lo];
            break;
          }
        }
      }
      if (!code) throw new Error(`cannot encode ${ch}`);
      table.set(ch, code);
      bytes.push(...code);
    }
    return new Uint8Array(bytes);
  }
}

const COUNTY = join(import.meta.dirname, 'fixtures/county-ledger');

/** A county ledger's next version: a task retitled, a task and a unit added, a township dropped, the office's phone changed. */
function countyV2() {
  const tables = cloneTables(readCsvFolder(COUNTY));
  const sheet = (name: string) => tables.find((t) => t.sheet === name)!;
  sheet('任务清单').rows[0]!.cells['整改任务'] = '县城污水处理厂提标改造及管网配套';
  sheet('任务清单').rows.push({ row: 5, cells: { ...sheet('任务清单').rows[2]!.cells, 任务编号: 'YL-4', 牵头单位: '县水务局' } });
  sheet('责任单位').rows = sheet('责任单位').rows.filter((r) => r.cells['单位名称'] !== '石屏乡');
  sheet('责任单位').rows.push({ row: 8, cells: { ...sheet('责任单位').rows[0]!.cells, 单位名称: '县水务局', 联系人邮箱: 'slj.liaison@yunling.example.org' } });
  sheet('基本信息').rows.find((r) => r.cells['项目'] === '联系电话')!.cells['内容'] = '0871-5550188';
  return tables;
}

/** Every item of a table but the import records (which say when and by whom each import ran). */
async function tableContents(store: DynamoStore): Promise<unknown[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, any> | undefined;
  do {
    const out = await dynalite.client.send(new ScanCommand({ TableName: store.tableName, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []).map((i) => unmarshall(i)));
    start = out.LastEvaluatedKey;
  } while (start);
  return items.filter((i) => i.pk !== 'LEDGER').sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
}

/**
 * The same table, on a client whose `failAt`-th write answers as DynamoDB does to an item that is
 * too large (a fault dynalite cannot produce on cue); `writes` counts the writes sent.
 */
function storeFailingAtWrite(store: DynamoStore, failAt: number): DynamoStore & { writes: () => number } {
  let writes = 0;
  const client = new Proxy(dynalite.client, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return async (command: { constructor: { name: string } }) => {
        if (/^(Put|Delete|Update)ItemCommand$/.test(command.constructor.name) && ++writes === failAt) {
          throw Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' });
        }
        return target.send(command as never);
      };
    },
  });
  return Object.assign(new DynamoStore(client, store.tableName), { writes: () => writes });
}

describe('an import cut off by a failing write', () => {
  const county = { calendar, at, by: 'office@example.org' };
  const v2At = new Date('2018-07-05T02:00:00.000Z');

  it('is finished by the next import to exactly the state a clean import leaves, and the office is told', async () => {
    const clean = await dynalite.fresh();
    await importLedger(readCsvFolder(COUNTY), options, { store: clean, calendar });
    const before = await tableContents(clean);
    const counting = storeFailingAtWrite(clean, Number.POSITIVE_INFINITY);
    const summary = await importLedger(countyV2(), { ...options, at: v2At, source: 'v2' }, { store: counting, calendar });
    expect(summary).toMatchObject({ ok: true, removedUnits: ['石屏乡'], office: 'updated' });
    expect(summary.tasks).toEqual({ created: 1, updated: 2, unchanged: 1 }); // YL-2 loses 石屏乡 from 各乡镇（街道）
    const after = await tableContents(clean);
    expect(after).not.toEqual(before);
    const writes = counting.writes();
    expect(writes).toBeGreaterThan(10);

    for (const failAt of [1, 2, 3, Math.floor(writes / 3), Math.floor((2 * writes) / 3), writes - 1, writes]) {
      const store = await dynalite.fresh();
      await importLedger(readCsvFolder(COUNTY), options, { store, calendar: county.calendar });
      const error = await importLedger(countyV2(), { ...options, at: v2At, source: 'v2' }, { store: storeFailingAtWrite(store, failAt), calendar }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error, `write ${failAt}`).toBeInstanceOf(ImportInterruptedError);
      expect(error!.message).toMatch(/^导入未完成：/);
      expect(error!.message).not.toMatch(/[A-Za-z]{4,}/); // no English reaches the office
      if (failAt <= 2) {
        // The plan itself could not be stored: nothing of the ledger was written.
        expect(error!.message).toContain('台账内容未做任何改动');
        expect(await tableContents(store), `write ${failAt}`).toEqual(before);
        continue;
      }
      const rerun = await importLedger(countyV2(), { ...options, at: new Date('2018-07-05T03:00:00.000Z'), source: 'v2' }, { store, calendar });
      expect(rerun.ok).toBe(true);
      expect(rerun.resumed, `write ${failAt}`).toMatchObject({ source: 'v2', at: v2At.toISOString() });
      expect(rerun.notices).toContain('上次导入（v2，2018-07-05 10:00，office@example.org）曾中断，现已按原计划补完。');
      expect(await tableContents(store), `write ${failAt}`).toEqual(after);
      expect(await store.stagedImport()).toBeUndefined();
    }
  });
});

describe('limits', () => {
  it('refuses a 5 MB cell with the sheet, row and column, and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duban-big-'));
    for (const file of readdirSync(COUNTY)) copyFileSync(join(COUNTY, file), join(dir, file));
    const tasks = readFileSync(join(dir, '任务清单.csv'), 'utf8').split('\n');
    tasks[1] = tasks[1]!.replace('完成提标改造工程并通过验收', 'x'.repeat(5 * 1024 * 1024));
    writeFileSync(join(dir, '任务清单.csv'), tasks.join('\n'));

    const store = await dynalite.fresh();
    const summary = await importLedger(await readLedgerSource(dir), options, { store, calendar });
    expect(summary.ok).toBe(false);
    expect(summary.issues.map(describeIssue)).toEqual(['“任务清单”表第2行“整改措施”列：内容过长：最多 4,000 个字，本格有 5,242,880 个字']);
    expect(await tableContents(store)).toEqual([]);
    expect(await store.imports()).toEqual([]);
  });

  it('lists the first 100 of 200 bad rows and counts the rest', async () => {
    const tables = cloneTables(readCsvFolder(COUNTY));
    const tasks = tables.find((t) => t.sheet === '任务清单')!;
    for (let i = 0; i < 200; i++) {
      tasks.rows.push({ row: 5 + i, cells: { ...tasks.rows[0]!.cells, 任务编号: `BAD-${i}`, 牵头单位: '县环保厅' } });
    }
    const store = await dynalite.fresh();
    const summary = await importLedger(tables, options, { store, calendar });
    expect(summary.issueCount).toBe(200);
    expect(summary.issues).toHaveLength(100);
    const lines = describeIssues(summary.issues, summary.issueCount);
    expect(lines[0]).toMatch(/^“任务清单”表第5行“牵头单位”列：未知单位或分组“县环保厅”/);
    expect(lines.at(-1)).toBe('另有 100 处错误未列出');
    expect(await store.units.list()).toEqual([]);
  });

  it('refuses a sheet over its row limit at once, with one message', async () => {
    const tables = cloneTables(readCsvFolder(COUNTY));
    const units = tables.find((t) => t.sheet === '责任单位')!;
    units.rows = Array.from({ length: 5001 }, (_, i) => ({ row: i + 2, cells: { ...units.rows[0]!.cells, 单位名称: `单位${i}` } }));
    const summary = await importLedger(tables, options, { store: await dynalite.fresh(), calendar });
    expect(summary.issues.map(describeIssue)).toEqual(['“责任单位”表：行数超过上限：最多 5,000 行，本表有 5,001 行']);
  });

  it('stops reading a workbook whose sheet runs past its limit, without loading the sheet whole', async () => {
    // 60,000 task rows, written as Excel writes them (shared strings, one <row> each).
    const path = join(mkdtempSync(join(tmpdir(), 'duban-big-')), '台账.xlsx');
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
    const sheet = writer.addWorksheet('任务清单');
    sheet.addRow(['任务编号', '类别', '整改任务']).commit();
    for (let i = 0; i < 60_000; i++) sheet.addRow([`T-${i}`, '示例', `第${i}项整改任务`]).commit();
    await sheet.commit();
    await writer.commit();
    const error = await readLedgerSource(path).catch((e: unknown) => e);
    expect((error as Error).message).toBe('“任务清单”表的行数超过上限：最多 20,000 行，读到第 20,020 行后即停止读取。请拆分或删去空行后再导入');
  });

  it('refuses task codes the API could not serve, naming sheet, row and column', async () => {
    const tables = cloneTables(readCsvFolder(COUNTY));
    const tasks = tables.find((t) => t.sheet === '任务清单')!;
    const bad = ['YL 5', 'YL/5', 'YL?5', 'YL#5', 'YL..5', '云岭-5', 'Y'.repeat(300)];
    for (const [i, code] of bad.entries()) tasks.rows.push({ row: 5 + i, cells: { ...tasks.rows[0]!.cells, 任务编号: code } });
    const store = await dynalite.fresh();
    const summary = await importLedger(tables, options, { store, calendar });
    const lines = summary.issues.map(describeIssue);
    expect(lines).toHaveLength(bad.length);
    const onRow = (row: number) => lines.find((l) => l.startsWith(`“任务清单”表第${row}行“任务编号”列：`));
    expect(onRow(5)).toContain('“YL 5”不可用：任务编号只能含字母、数字和 - _ .');
    for (const row of [6, 7, 8, 10]) expect(onRow(row)).toMatch(/不可用：任务编号只能含字母、数字和 - _ \./);
    expect(onRow(9)).toContain('“YL..5”不可用：任务编号不能含“..”');
    expect(onRow(11)).toContain('内容过长：最多 40 个字，本格有 300 个字');
    expect(await store.tasks.list()).toEqual([]);
  });
});

describe('the file size limit', () => {
  it('refuses a CSV file over 20 MB before parsing it, in Chinese', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duban-huge-'));
    for (const file of readdirSync(COUNTY)) copyFileSync(join(COUNTY, file), join(dir, file));
    writeFileSync(join(dir, '任务清单.csv'), `${readFileSync(join(COUNTY, '任务清单.csv'), 'utf8')}${'YL-9,,,,,,,,,长期坚持,,\n'.repeat(1_000_000)}`);
    await expect(readLedgerSource(dir)).rejects.toThrow(/^文件过大：任务清单\.csv 有 2\d\.\d MB，台账文件最大 20 MB/);
  });
});

/** A zip archive as any writer makes one: entries deflated (or stored), a central directory, its end record. */
function zipOf(entries: Record<string, string | Buffer>, options: { store?: boolean; declaredSize?: number } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(entries)) {
    const data = Buffer.from(content);
    const packed = options.store ? data : deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const size = options.declaredSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(options.store ? 0 : 8, 8);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(options.store ? 0 : 8, 10);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The parts a minimal workbook needs, with one sheet whose XML is given. */
function minimalWorkbook(sheetName: string, sheetXml: string | Buffer, workbookPr = ''): Record<string, string | Buffer> {
  const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  return {
    '_rels/.rels': `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': `<?xml version="1.0"?><x:workbook xmlns:x="${ns}" xmlns:r="${rel}">${workbookPr}<x:sheets><x:sheet name="${sheetName}" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>`,
    'xl/_rels/workbook.xml.rels': `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>`,
    'xl/worksheets/sheet1.xml': sheetXml,
  };
}

describe('workbooks from other writers', () => {
  it('reads a workbook saved by SheetJS (no shared strings, dates as numbers in a date format, TRUE, a merged range) as the office sees it, and imports it', async () => {
    const tables = sampleTables();
    const expected = cloneTables(tables);
    const books = XLSX.utils.book_new();
    for (const table of tables) {
      const grid: unknown[][] = [table.headers];
      for (const row of table.rows) grid[row.row - 1] = table.headers.map((h) => row.cells[h] ?? '');
      const sheet = XLSX.utils.aoa_to_sheet(Array.from(grid, (r) => r ?? []));
      if (table.sheet === '任务清单') {
        const notes = XLSX.utils.encode_col(table.headers.indexOf('备注'));
        const category = XLSX.utils.encode_col(table.headers.indexOf('类别'));
        const [first, second, third] = table.rows as [RawRow, RawRow, RawRow];
        // 2018年12月31日 as Chinese Excel shows it, 6/30/19 in a built-in format (14), a TRUE.
        sheet[`${notes}${first.row}`] = { t: 'n', v: 43465, z: 'yyyy"年"m"月"d"日"' };
        sheet[`${notes}${second.row}`] = { t: 'n', v: 43646.75, z: 'm/d/yy' };
        sheet[`${notes}${third.row}`] = { t: 'b', v: true };
        rowOf(expected, '任务清单', 0).cells['备注'] = '2018-12-31';
        rowOf(expected, '任务清单', 1).cells['备注'] = '2019-06-30';
        rowOf(expected, '任务清单', 2).cells['备注'] = 'true';
        // The 类别 of the second and third tasks written once, in a merged range.
        sheet[`${category}${third.row}`] = { t: 'z' };
        sheet['!merges'] = [XLSX.utils.decode_range(`${category}${second.row}:${category}${third.row}`)];
        rowOf(expected, '任务清单', 2).cells['类别'] = second.cells['类别']!;
      }
      if (table.sheet === '目标指标') {
        const target = XLSX.utils.encode_col(table.headers.indexOf('目标值'));
        const row = table.rows[0]!;
        sheet[`${target}${row.row}`] = { t: 'n', v: Number(row.cells['目标值']) };
      }
      XLSX.utils.book_append_sheet(books, sheet, table.sheet);
    }
    const bytes = XLSX.write(books, { type: 'buffer', bookType: 'xlsx', bookSST: false, compression: true }) as Buffer;

    const read = await readWorkbook(bytes, 'SheetJS.xlsx');
    expect(read).toEqual(expected);
    const store = await dynalite.fresh();
    const summary = await importLedger(read, options, { store, calendar });
    expect(summary.issues.map(describeIssue)).toEqual([]);
    expect(summary.tasks.created).toBe(31);
    expect((await store.tasks.get(rowOf(expected, '任务清单', 0).cells['任务编号']!))?.notes).toBe('2018-12-31');
  });

  it('reads inline rich text without its phonetic guide, prefixed tags, entities, stored entries and 1904 dates', async () => {
    const sheet = `<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
      <x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>任务编号</x:t></x:is></x:c><x:c r="C1" t="inlineStr"><x:is><x:t>整改任务</x:t></x:is></x:c><x:c r="D1" t="inlineStr"><x:is><x:t>备注</x:t></x:is></x:c></x:row>
      <x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:r><x:t>YL-</x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t xml:space="preserve">1 </x:t></x:r><x:rPh sb="0" eb="1"><x:t>ワイ</x:t></x:rPh></x:is></x:c>
        <x:c r="C3" t="inlineStr"><x:is><x:t>治理 &amp; 整改 &lt;一期&gt;_x000D_</x:t></x:is></x:c><x:c r="D3" t="e"><x:v>#N/A</x:v></x:c></x:row>
      <x:row r="4"><x:c r="A4" t="str"><x:f>"YL-"&amp;2</x:f><x:v>YL-2</x:v></x:c><x:c r="C4" s="1"><x:v>42003</x:v></x:c><x:c r="D4"><x:v>43.399999999999999</x:v></x:c></x:row>
    </x:sheetData></x:worksheet>`;
    // Style 1 shows a built-in date format (14); the workbook counts days from 1904.
    const styles = '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>';
    const bytes = zipOf({ ...minimalWorkbook('任务清单', sheet, '<x:workbookPr date1904="1"/>'), 'xl/styles.xml': styles }, { store: true });
    expect(await readWorkbook(bytes, '另存.xlsx')).toEqual([
      {
        sheet: '任务清单',
        headers: ['任务编号', '整改任务', '备注'],
        rows: [
          { row: 3, cells: { 任务编号: 'YL-1', 整改任务: '治理 & 整改 <一期>', 备注: '' } },
          { row: 4, cells: { 任务编号: 'YL-2', 整改任务: '2018-12-31', 备注: '43.4' } },
        ],
      },
    ]);
  });
});

describe('damaged and hostile workbooks', () => {
  const refusal = async (bytes: Buffer, name: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'duban-bad-')), name);
    writeFileSync(path, bytes);
    return ((await readLedgerSource(path).catch((e: unknown) => e)) as Error).message;
  };

  it('refuses a zip bomb before inflating it, whether or not it declares its size, in Chinese naming the file and the part', async () => {
    // 80 MB of spaces in a sheet: about 80 KB compressed, a ratio near 1,000.
    const bomb = Buffer.concat([Buffer.from('<worksheet><sheetData>'), Buffer.alloc(80 * 1024 * 1024, 0x20), Buffer.from('</sheetData></worksheet>')]);
    const message = '无法读取工作簿“炸弹.xlsx”：其中的“xl/worksheets/sheet1.xml”解压后超过 64 MB 或压缩比异常（疑似压缩炸弹），已拒绝读取。请删去无关的工作表、图片和空行，在 Excel 中另存为 .xlsx 后再导入';
    expect(await refusal(zipOf(minimalWorkbook('任务清单', bomb)), '炸弹.xlsx')).toBe(message);
    // The same bomb claiming to be 1 KB: the inflater stops at the ratio's limit.
    expect(await refusal(zipOf(minimalWorkbook('任务清单', bomb), { declaredSize: 1024 }), '炸弹.xlsx')).toBe(message);
  });

  it('refuses a corrupt, truncated or renamed workbook in Chinese, naming the file, read from a path or from uploaded bytes', async () => {
    const good = await workbookFromTemplate(sampleTables());
    const expected = (name: string) => `无法读取工作簿“${name}”：文件已损坏或不是 .xlsx 格式。请在 Excel 中打开后另存为 .xlsx 再导入`;
    // Cut short: no central directory.
    expect(await refusal(good.subarray(0, good.length - 200), '截断的台账.xlsx')).toBe(expected('截断的台账.xlsx'));
    // Bytes spoilt inside a compressed part.
    const spoilt = Buffer.from(good);
    for (let i = 2000; i < 6000; i += 7) spoilt[i] = spoilt[i]! ^ 0xff;
    expect(await refusal(spoilt, '损坏的台账.xlsx')).toBe(expected('损坏的台账.xlsx'));
    // A text file renamed .xlsx.
    expect(await refusal(Buffer.from('任务编号,整改任务\n'), '改名的台账.xlsx')).toBe(expected('改名的台账.xlsx'));
    await expect(readWorkbook(Buffer.from('not a zip'), '上传.xlsx')).rejects.toThrow(expected('上传.xlsx'));
  });
});
