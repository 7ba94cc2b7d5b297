import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';
import { readLedgerSource, readWorkbook } from '../functions/ledger-import/read-source.ts';
import { describeIssue } from '../functions/ledger-import/validate.ts';
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
    expect(err.join('\n')).toContain('holidays.0：日期应写作 YYYY-MM-DD，且须为真实日期');

    const good = join(dataDir, '2027.json');
    writeFileSync(good, JSON.stringify({ year: 2027, holidays: ['2027-01-01'], makeupWorkdays: [], source: '示例' }));
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
