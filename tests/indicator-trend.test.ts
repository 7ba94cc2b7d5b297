/**
 * 目标指标 over time: readings given month by month through the API, one corrected by the office
 * (its history read back), and the 月交账 compiled by the real job on dynalite charting every
 * indicator against its target and the straight-line trajectory, with the on-course sentence.
 */
import JSZip from 'jszip';
import * as XLSX from 'xlsx';
import { describe, expect, it } from 'vitest';
import { defaultCadence } from '../functions/core/cadence/config.ts';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { instantAt } from '../functions/core/time.ts';
import { createApp } from '../functions/http/app.ts';
import { issueToken } from '../functions/http/auth.ts';
import type { RawTable } from '../functions/ledger-import/sheets.ts';
import { describeIssue } from '../functions/ledger-import/validate.ts';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';
import { useCadenceBench } from './support/cadence.ts';
import { cloneTables, sampleTables } from './support/ledger.ts';
import { all, classed, parseXml as parseSvg } from './support/xml.ts';

const bench = useCadenceBench();
const SECRET = 'a-test-secret-of-at-least-32-characters';
const PM25 = '城区PM2.5年均浓度'; // ≤ 43.4 by 2020
const GOOD_DAYS = '优良天数达标率'; // ≥ 77.9 by 2020

/** The sample ledger with 基准值 and 基准年份 given for PM2.5 (other rows leave them empty). */
function withBaseline(value: string, year: string): RawTable[] {
  const tables = cloneTables(sampleTables());
  const sheet = tables.find((t) => t.sheet === '目标指标')!;
  sheet.headers.push('基准值', '基准年份');
  const row = sheet.rows.find((r) => r.cells['指标名称'] === PM25)!;
  row.cells['基准值'] = value;
  row.cells['基准年份'] = year;
  return tables;
}

async function world(tables?: RawTable[]) {
  const { store, deps, reports } = await bench.setup(tables ? { tables } : {});
  let now = instantAt('2018-07-31', '10:00');
  const app = createApp({ store, clock: () => now, calendar: async () => bench.calendar, cadence: defaultCadence, linkSecret: async () => SECRET, reports });
  const [pm25, goodDays] = [(await store.indicators.get(PM25))!, (await store.indicators.get(GOOD_DAYS))!];
  const officeName = (await store.people.list()).find((p) => p.roles.includes('整改办'))!.name;
  const tokens = new Map<string, string>();
  const tokenOf = async (who: string) => {
    if (!tokens.has(who)) tokens.set(who, await issueToken(store, who === officeName ? { kind: 'office', name: who } : { kind: 'unit', unit: who }, now));
    return tokens.get(who)!;
  };
  const call = async (method: string, path: string, who: string, body?: unknown) => {
    const res = await app.request(path, { method, headers: { Authorization: `Bearer ${await tokenOf(who)}`, 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const readings = (name: string) => `/api/indicators/${encodeURIComponent(name)}/readings`;
  return { store, deps, reports, pm25, goodDays, officeName, call, readings, setNow: (at: Date) => (now = at) };
}

describe('目标指标走势 in the 月交账', () => {
  it('charts each indicator’s monthly readings, the corrected one in place of the value it corrects, against the target and the trajectory, and says whether the latest is on course', async () => {
    const w = await world();
    const pmUnit = w.pm25.responsibleUnits[0]!;
    const daysUnit = w.goodDays.responsibleUnits[0]!;
    // July to September, each at the month's end, by the indicators' responsible units.
    const months = [
      ['2018-07-31', { [PM25]: 52, [GOOD_DAYS]: 70 }],
      ['2018-08-31', { [PM25]: 50, [GOOD_DAYS]: 69 }],
      ['2018-09-28', { [PM25]: 47, [GOOD_DAYS]: 70 }],
    ] as const;
    for (const [day, values] of months) {
      w.setNow(instantAt(day, '10:00'));
      expect((await w.call('POST', w.readings(PM25), pmUnit, { value: values[PM25] })).status).toBe(201);
      expect((await w.call('POST', w.readings(GOOD_DAYS), daysUnit, { value: values[GOOD_DAYS] })).status).toBe(201);
    }
    // The monitoring station revises August: the office corrects it.
    w.setNow(instantAt('2018-09-29', '09:00')); // a make-up workday before National Day
    const corrected = await w.call('PUT', `${w.readings(PM25)}/2018-08`, w.officeName, { value: 49.5, reason: '监测站复核后修正' });
    expect(corrected).toMatchObject({ status: 200, body: { reading: { month: '2018-08', value: 49.5, by: w.officeName, correction: { reason: '监测站复核后修正', previous: { value: 50, by: pmUnit } } } } });

    // The month closes on the first workday of October (after National Day): the real job compiles it.
    const closing = bench.calendar.firstWorkdayOfMonth('2018-10-01')!;
    await runJob('monthly-account', instantAt(closing, defaultCadence.monthlyAccountTime), w.deps);
    const published = (await w.reports.find('monthly-account', '2018-09'))!;
    const chartFile = published.files.find((f) => f.name === '指标走势-2018-09.svg')!;
    expect(chartFile.contentType).toBe('image/svg+xml');
    const svg = parseSvg(new TextDecoder().decode((await w.reports.archive.get(chartFile.key))!.body));
    expect(svg.name).toBe('svg');

    // One series per indicator of the ledger, each with its target line.
    const series = classed(svg, 'indicator-series');
    const indicators = await w.store.indicators.list();
    expect(series.map((s) => s.attributes['data-indicator']).sort()).toEqual(indicators.map((i) => i.name).sort());
    for (const s of series) {
      const target = classed(s, 'target');
      expect(target, s.attributes['data-indicator']).toHaveLength(1);
      expect(Number(target[0]!.attributes['data-value'])).toBe(indicators.find((i) => i.name === s.attributes['data-indicator'])!.target);
    }
    const seriesOf = (name: string) => series.find((s) => s.attributes['data-indicator'] === name)!;

    // PM2.5: the readings as they stand, August corrected; the trajectory from the first reading.
    const pm = seriesOf(PM25);
    const points = classed(pm, 'reading').map((c) => [c.attributes['data-month'], Number(c.attributes['data-value']), c.attributes['data-corrected'] ?? '']);
    expect(points).toEqual([
      ['2018-07', 52, ''],
      ['2018-08', 49.5, '50'],
      ['2018-09', 47, ''],
    ]);
    expect(classed(pm, 'readings')[0]!.attributes.points!.split(' ')).toHaveLength(3);
    const trajectory = classed(pm, 'trajectory');
    expect(trajectory).toHaveLength(1);
    expect(trajectory[0]!.attributes).toMatchObject({ 'data-from': '2018-07', 'data-baseline': '52' });
    expect(pm.attributes['data-status']).toBe('达到轨迹');
    expect(seriesOf(GOOD_DAYS).attributes['data-status']).toBe('偏离轨迹');
    // An indicator nobody reported has its target and no readings.
    const silent = series.filter((s) => ![PM25, GOOD_DAYS].includes(s.attributes['data-indicator']!));
    for (const s of silent) {
      expect(classed(s, 'reading')).toEqual([]);
      expect(s.attributes['data-status']).toBe('未报送');
    }

    // The page carries the chart and says, for each indicator, whether its latest reading is on course and by how much.
    const page = new TextDecoder().decode((await w.reports.archive.get(published.page.key))!.body);
    expect(page).toContain('data-chart="indicators"');
    // PM2.5: from 52 (2018-07) to 43.4 by 2020-12, 29 months: September should be at most 51.41; 47 beats it by 4.41.
    expect(page).toContain('城区PM2.5年均浓度2018年9月读数47微克/立方米，按首次读数（2018年7月52微克/立方米）至2020年目标≤ 43.4微克/立方米的直线轨迹，当月应不高于51.41微克/立方米，达到轨迹（优于轨迹4.41微克/立方米）。');
    // 优良天数达标率: from 70 to 77.9, September should be at least 70.54; 70 misses it by 0.54.
    expect(page).toContain('优良天数达标率2018年9月读数70%，按首次读数（2018年7月70%）至2020年目标≥ 77.9%的直线轨迹，当月应不低于70.54%，偏离轨迹0.54%。');
    expect(page).toContain('主要流域优良水质断面比例截至2018年9月尚无读数，无法判断是否达到轨迹。');
    // The 台账 workbook's 目标指标 sheet says the same, with the correction and who made it.
    const book = XLSX.read((await w.reports.archive.get(published.workbook.key))!.body);
    const rows = XLSX.utils.sheet_to_json<Record<string, string | number>>(book.Sheets['目标指标']!);
    const correction = `2018年8月：50→49.5微克/立方米（${pmUnit}2018-08-31报送；${w.officeName}2018-09-29更正：监测站复核后修正）`;
    expect(rows.find((r) => r['指标'] === PM25)).toMatchObject({ 本月数值: 47, 轨迹: '达到轨迹', 走势: expect.stringContaining('达到轨迹（优于轨迹4.41微克/立方米）'), 数值更正: correction });
    expect(page).toContain(`数值更正：${correction}`);
    expect(rows.find((r) => r['指标'] === GOOD_DAYS)).toMatchObject({ 轨迹: '偏离轨迹', 走势: expect.stringContaining('偏离轨迹0.54%') });
    // The 公文 (.docx) lists the course beside each indicator's 达标情况.
    const docx = await JSZip.loadAsync((await w.reports.archive.get(published.document!.key))!.body);
    const rowsOfDoc = all(parseSvg(await docx.file('word/document.xml')!.async('string')), (e) => e.name === 'tr').map((tr) =>
      all(tr, (e) => e.name === 'tc').map((tc) => all(tc, (e) => e.name === 't').map((t) => t.text).join('')),
    );
    expect(rowsOfDoc).toContainEqual(expect.arrayContaining(['指标', '达标情况', '轨迹']));
    expect(rowsOfDoc.find((r) => r[0] === GOOD_DAYS)).toEqual([GOOD_DAYS, '≥ 77.9%（2020年）', '70%', '未达标', '偏离轨迹', w.goodDays.responsibleUnits.join('、')]);
    // The leaders' and the office's mail gives each indicator's course in words.
    const mails = (await bench.mail()).filter((m) => m.subject.startsWith('【月交账】') && m.body.text!.includes('目标指标（对照基准至目标的直线轨迹'));
    expect(mails.length).toBeGreaterThan(0);
    for (const mail of mails) {
      expect(mail.body.text).toContain('- 优良天数达标率2018年9月读数70%，按首次读数（2018年7月70%）至2020年目标≥ 77.9%的直线轨迹，当月应不低于70.54%，偏离轨迹0.54%。');
      expect(mail.body.html).toMatch(/>优良天数达标率<\/td>(<td[^>]*>[^<]*<\/td>){3}<td[^>]*>偏离轨迹<\/td>/);
    }
    // The email version has no SVG but keeps the sentences.
    const email = new TextDecoder().decode((await w.reports.archive.get(published.files.find((f) => f.name === '月交账-2018-09-邮件版.html')!.key))!.body);
    expect(email).not.toContain('<svg');
    expect(email).toContain('偏离轨迹0.54%');
  });
});

describe('the 基准值 of the 目标指标 sheet', () => {
  it('starts the trajectory at the baseline year’s value instead of the first reading', async () => {
    const w = await world(withBaseline('55', '2017'));
    expect(await w.store.indicators.get(PM25)).toMatchObject({ baseline: 55, baselineYear: 2017 });
    w.setNow(instantAt('2018-09-28', '10:00'));
    expect((await w.call('POST', w.readings(PM25), w.pm25.responsibleUnits[0]!, { value: 53 })).status).toBe(201);
    await runJob('monthly-account', instantAt(bench.calendar.firstWorkdayOfMonth('2018-10-01')!, defaultCadence.monthlyAccountTime), w.deps);
    const published = (await w.reports.find('monthly-account', '2018-09'))!;
    const svg = parseSvg(new TextDecoder().decode((await w.reports.archive.get(published.files.find((f) => f.name === '指标走势-2018-09.svg')!.key))!.body));
    const pm = classed(svg, 'indicator-series').find((s) => s.attributes['data-indicator'] === PM25)!;
    expect(classed(pm, 'trajectory')[0]!.attributes).toMatchObject({ 'data-from': '2017-12', 'data-baseline': '55' });
    expect(pm.attributes['data-status']).toBe('偏离轨迹');
    // From 55 (2017) to 43.4 by 2020-12, 36 months: nine months in, at most 52.1; 53 is 0.9 above.
    const page = new TextDecoder().decode((await w.reports.archive.get(published.page.key))!.body);
    expect(page).toContain('城区PM2.5年均浓度2018年9月读数53微克/立方米，按基准值（2017年55微克/立方米）至2020年目标≤ 43.4微克/立方米的直线轨迹，当月应不高于52.1微克/立方米，偏离轨迹0.9微克/立方米。');
  });

  it('is refused, naming the sheet, row and column, when half given, not a number or not before the target year', async () => {
    const { store } = await bench.setup();
    const cases: [string, string, string][] = [
      ['55', '', '“目标指标”表第2行“基准年份”列：填写了基准值，须同时填写基准年份，如 2017'],
      ['', '2017', '“目标指标”表第2行“基准值”列：填写了基准年份，须同时填写基准值'],
      ['五十五', '2017', '“目标指标”表第2行“基准值”列：“五十五”不是数字'],
      ['55', '2020', '“目标指标”表第2行“基准年份”列：基准年份（2020）应早于目标年份（2020）'],
    ];
    for (const [value, year, message] of cases) {
      const summary = await importLedger(withBaseline(value, year), { at: new Date('2018-07-04T02:00:00Z'), by: 'office', source: 'test' }, { store, calendar: bench.calendar });
      expect(summary.ok).toBe(false);
      expect(summary.issues.map(describeIssue)).toEqual([message]);
    }
    expect((await store.indicators.get(PM25))!.baseline).toBeUndefined();
  });
});

describe('correcting a month’s reading', () => {
  it('keeps the value it replaced, who gave it and when, read back through the API', async () => {
    const w = await world();
    const unit = w.pm25.responsibleUnits[0]!;
    w.setNow(instantAt('2018-08-31', '10:00'));
    expect((await w.call('POST', w.readings(PM25), unit, { value: 50, month: '2018-08' })).status).toBe(201);
    w.setNow(instantAt('2018-09-03', '11:00'));
    expect((await w.call('PUT', `${w.readings(PM25)}/2018-08`, unit, { value: 49.5, reason: '监测站复核' })).status).toBe(200);
    w.setNow(instantAt('2018-09-04', '16:00'));
    expect((await w.call('PUT', `${w.readings(PM25)}/2018-08`, w.officeName, { value: 49.8, reason: '以省站发布数据为准' })).status).toBe(200);

    for (const who of [w.officeName, unit]) {
      const read = await w.call('GET', w.readings(PM25), who);
      expect(read.status).toBe(200);
      expect(read.body.indicator).toEqual({
        name: PM25,
        measureUnit: '微克/立方米',
        months: [
          {
            month: '2018-08',
            value: 49.8,
            by: w.officeName,
            at: instantAt('2018-09-04', '16:00').toISOString(),
            correction: { reason: '以省站发布数据为准', previous: { value: 49.5, by: unit, at: instantAt('2018-09-03', '11:00').toISOString() } },
            history: [
              { name: PM25, month: '2018-08', value: 50, by: unit, at: instantAt('2018-08-31', '10:00').toISOString() },
              { name: PM25, month: '2018-08', value: 49.5, by: unit, at: instantAt('2018-09-03', '11:00').toISOString(), correction: { reason: '监测站复核', previous: { value: 50, by: unit, at: instantAt('2018-08-31', '10:00').toISOString() } } },
              { name: PM25, month: '2018-08', value: 49.8, by: w.officeName, at: instantAt('2018-09-04', '16:00').toISOString(), correction: { reason: '以省站发布数据为准', previous: { value: 49.5, by: unit, at: instantAt('2018-09-03', '11:00').toISOString() } } },
            ],
          },
        ],
      });
    }
    // A unit not responsible for the indicator neither reads nor corrects it.
    const outsider = (await w.store.units.list()).find((u) => !w.pm25.responsibleUnits.includes(u.name))!.name;
    expect(await w.call('GET', w.readings(PM25), outsider)).toMatchObject({ status: 403, body: { error: { message: `${outsider}不是指标“${PM25}”的责任单位，不能查看其数值` } } });
    expect(await w.call('PUT', `${w.readings(PM25)}/2018-08`, outsider, { value: 1, reason: '误' })).toMatchObject({ status: 403, body: { error: { message: `${outsider}不是指标“${PM25}”的责任单位，不能更正其数值` } } });
  });

  it('is not written over a reading that took the month’s place meanwhile (two people correcting at once): 409, nothing stored', async () => {
    const w = await world();
    const unit = w.pm25.responsibleUnits[0]!;
    w.setNow(instantAt('2018-08-31', '10:00'));
    expect((await w.call('POST', w.readings(PM25), unit, { value: 50 })).status).toBe(201);
    // The office's correction lands between the unit's read of the month and its write.
    const officeAt = instantAt('2018-09-03', '10:59').toISOString();
    const racing = new Proxy(w.store, {
      get(target, prop) {
        if (prop === 'readingHistory') {
          return async (name: string) => {
            const history = await target.readingHistory(name);
            const previous = history.at(-1)!;
            await target.recordReading({ name, month: '2018-08', value: 49.5, by: w.officeName, at: officeAt, correction: { reason: '复核', previous: { value: previous.value, by: previous.by, at: previous.at } } }, previous.at);
            return history;
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const app = createApp({ store: racing, clock: () => instantAt('2018-09-03', '11:00'), calendar: async () => bench.calendar, cadence: defaultCadence, linkSecret: async () => SECRET, reports: w.reports });
    const token = await issueToken(w.store, { kind: 'unit', unit }, instantAt('2018-09-03', '11:00'));
    const res = await app.request(`${w.readings(PM25)}/2018-08`, { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ value: 48, reason: '本单位复核' }) });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: { code: 'VERSION_CONFLICT', field: 'month', message: `指标“${PM25}”2018-08的数值刚被他人报送或更正，本次更正未保存：请刷新后核对再更正` } });
    const read = await w.call('GET', w.readings(PM25), unit);
    expect(read.body.indicator.months).toMatchObject([{ month: '2018-08', value: 49.5, by: w.officeName }]);
    expect(read.body.indicator.months[0].history.map((r: { value: number }) => r.value)).toEqual([50, 49.5]);
  });

  it('refuses bad input with a 400 in Chinese naming the field, and stores nothing', async () => {
    const w = await world();
    const unit = w.pm25.responsibleUnits[0]!;
    w.setNow(instantAt('2018-08-31', '10:00'));
    expect((await w.call('POST', w.readings(PM25), unit, { value: 50 })).status).toBe(201);
    const put = (month: string, body: unknown) => w.call('PUT', `${w.readings(PM25)}/${month}`, unit, body);
    const cases: [string, unknown, string, string][] = [
      ['2018-08', { value: '四十九', reason: '复核' }, 'value', '“指标数值”应为数字'],
      ['2018-08', { reason: '复核' }, 'value', '“指标数值”应为数字'],
      ['2018-08', { value: 49 }, 'reason', '“更正原因”应为文字'],
      ['2018-08', { value: 49, reason: '   ' }, 'reason', '请填写“更正原因”'],
      ['2018-08', { value: 49, reason: '复核', note: 'x' }, 'note', '不认识的字段：note'],
      ['2018-08', { value: 50, reason: '复核' }, 'value', '“指标数值”与2018-08现有数值（50）相同，无须更正'],
      ['2018-13', { value: 49, reason: '复核' }, 'month', '“月份”应写作 YYYY-MM，如 2018-07'],
      ['2018-07', { value: 49, reason: '复核' }, 'month', `指标“${PM25}”2018-07尚无数值，无可更正：请先报送该月数值`],
      ['2018-09', { value: 49, reason: '复核' }, 'month', '“2018-09”尚未开始，不能更正该月的指标数值'],
      ['2018-08', '{"value": 49,', 'body', '请求体不是有效的 JSON'],
    ];
    for (const [month, body, field, message] of cases) {
      const res = await put(month, body);
      expect(res, `${month} ${JSON.stringify(body)}`).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', field, message } } });
    }
    const read = await w.call('GET', w.readings(PM25), unit);
    expect(read.body.indicator.months).toMatchObject([{ month: '2018-08', value: 50, history: [{ value: 50 }] }]);
    expect(read.body.indicator.months[0].correction).toBeUndefined();
  });
});
