import { ScanCommand } from '@aws-sdk/client-dynamodb';
import ExcelJS from 'exceljs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { ImportInterruptedError, importLedger } from '../functions/ledger-import/import-ledger.ts';
import { readCsvFolder, readLedgerSource, readWorkbook } from '../functions/ledger-import/read-source.ts';
import { describeIssue, describeIssues } from '../functions/ledger-import/validate.ts';
import { DynamoStore } from '../functions/store/dynamo-store.ts';
import { sheetSpecs } from '../functions/ledger-import/sheets.ts';
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
