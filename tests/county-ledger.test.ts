/**
 * A county runs the programme in its own words: its unit types (县级部门, 部门, 乡镇, 街道), its office
 * (县整改办) and its programme's name reach the ledger, the emails and the compiled circular.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { instantAt } from '../functions/core/time.ts';
import { readCsvFolder } from '../functions/ledger-import/read-source.ts';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';
import { fileNames } from '../functions/reports/publish.ts';
import { useCadenceBench } from './support/cadence.ts';

const COUNTY = join(import.meta.dirname, 'fixtures/county-ledger');
const bench = useCadenceBench();
const at = new Date('2018-07-04T02:00:00Z');

describe('a county ledger', () => {
  it('imports with its own unit types, each recognised as township or department and kept as written', async () => {
    const { store } = await bench.setup({ tables: readCsvFolder(COUNTY) });
    const units = new Map((await store.units.list()).map((u) => [u.name, u]));
    expect([...units.values()].map((u) => [u.name, u.type, u.kind])).toEqual(
      expect.arrayContaining([
        ['县生态环境局', '县级部门', 'department'],
        ['县住建局', '部门', 'department'],
        ['城关镇', '乡镇', 'township'],
        ['南城街道', '街道', 'township'],
      ]),
    );
    expect((await store.tasks.get('YL-2'))!.responsibleUnits).toEqual(['城关镇', '石屏乡', '南城街道']);
    expect(await store.officeWords()).toEqual({
      programme: '云岭县落实中央生态环境保护督察反馈意见整改工作',
      officeName: '云岭县生态环境保护督察整改工作领导小组办公室',
      officeShortName: '县整改办',
      phone: '0871-5550123',
      email: 'zgb@yunling.example.org',
      documentPrefix: '云整改办',
    });
    const history = await store.auditEvents('SETTINGS#office');
    expect(history.map((e) => [e.version, e.type, e.by])).toEqual([[1, 'ledger.imported', 'office']]);
  });

  it('signs the weekly dispatch and the compiled circular with the county office’s name, never a city’s', async () => {
    const { deps, reports } = await bench.setup({ tables: readCsvFolder(COUNTY) });
    await runJob('weekly-dispatch', instantAt('2018-07-09', '09:00'), deps);
    const dispatch = await bench.mail();
    expect(dispatch.map((m) => m.destination.to[0]).sort()).toEqual(
      ['cgz', 'ncjd', 'nyj', 'spx', 'sthjj', 'zjj'].map((u) => `${u}.liaison@yunling.example.org`),
    );
    for (const mail of dispatch) {
      expect(mail.body.html).toContain('如有疑问请联系县整改办（电话 0871-5550123）');
      expect(mail.body.html).toContain('云岭县生态环境保护督察整改工作领导小组办公室');
      expect(mail.body.text).toContain('如有疑问请联系县整改办（电话 0871-5550123）');
      expect(`${mail.body.html}${mail.body.text}`).not.toContain('市整改办');
    }

    await bench.clearMail();
    await runJob('weekly-circular', instantAt('2018-07-13', '16:00'), deps);
    const circulars = await bench.mail();
    expect(circulars.length).toBeGreaterThan(0);
    expect(circulars[0]!.subject).toBe('【周通报】2018年第28周（7月9日—7月15日）云岭县落实中央生态环境保护督察反馈意见整改工作推进情况');
    const office = circulars.find((m) => m.destination.to[0] === 'office@yunling.example.org')!;
    expect(office.body.text).toContain('您是云岭县生态环境保护督察整改工作领导小组办公室（县整改办）工作人员');

    const page = new TextDecoder().decode((await reports.file('weekly-circular', '2018-W28', fileNames('weekly-circular', '2018-W28').page))!.body);
    expect(page).toContain('<h1>2018年第28周（7月9日—7月15日）云岭县落实中央生态环境保护督察反馈意见整改工作推进情况通报</h1>');
    expect(page).toContain('云岭县生态环境保护督察整改工作领导小组办公室 · 编制于');
    expect(page).not.toContain('市整改办');
  });

  it('uses neutral words when the workbook has no 基本信息 sheet', async () => {
    const tables = readCsvFolder(COUNTY).filter((t) => t.sheet !== '基本信息');
    const { store, deps } = await bench.setup({ tables });
    expect((await store.officeWords()).officeShortName).toBe('整改办');
    await runJob('weekly-dispatch', instantAt('2018-07-09', '09:00'), deps);
    const [mail] = await bench.mail();
    expect(mail!.body.text).toContain('本邮件由督察整改工作督办系统自动发送，请勿直接回复；如有疑问请联系整改办。');
  });
});

describe('units the ledger no longer lists', () => {
  it('are marked removed, listed to the office, no longer mailed, and active again once listed again', async () => {
    const tables = readCsvFolder(COUNTY);
    const { store, deps } = await bench.setup({ tables });
    const without = structuredClone(tables);
    const units = without.find((t) => t.sheet === '责任单位')!;
    units.rows = units.rows.filter((r) => r.cells['单位名称'] !== '石屏乡');
    const later = new Date('2018-07-05T02:00:00Z');
    const summary = await importLedger(without, { at: later, by: 'office', source: 'v2' }, { store, calendar: bench.calendar });
    expect(summary.removedUnits).toEqual(['石屏乡']);
    expect(summary.notices).toContain('以下单位本次台账未列出，已标记为撤销（保留记录，不再发送通知）：石屏乡');
    expect(await store.units.get('石屏乡')).toMatchObject({ active: false, removedAt: later.toISOString(), version: 2 });
    expect((await store.tasks.get('YL-2'))!.responsibleUnits).toEqual(['城关镇', '南城街道']);

    await runJob('weekly-dispatch', instantAt('2018-07-09', '09:00'), deps);
    const to = (await bench.mail()).map((m) => m.destination.to[0]);
    expect(to).toContain('cgz.liaison@yunling.example.org');
    expect(to).not.toContain('spx.liaison@yunling.example.org');

    const again = await importLedger(tables, { at: new Date('2018-07-06T02:00:00Z'), by: 'office', source: 'v3' }, { store, calendar: bench.calendar });
    expect(again.reactivatedUnits).toEqual(['石屏乡']);
    const unit = (await store.units.get('石屏乡'))!;
    expect(unit.active).toBeUndefined();
    expect(unit.removedAt).toBeUndefined();
    expect((await store.tasks.get('YL-2'))!.responsibleUnits).toEqual(['城关镇', '石屏乡', '南城街道']);
  });
});

describe('the shipped words', () => {
  it('no template names a particular city’s office', () => {
    const root = join(import.meta.dirname, '../templates');
    for (const dir of readdirSync(root)) {
      for (const file of readdirSync(join(root, dir))) {
        expect(readFileSync(join(root, dir, file), 'utf8'), `${dir}/${file}`).not.toMatch(/市整改办|县整改办|绵竹/);
      }
    }
  });
});
