/**
 * The compiled 周通报 and 月交账: what the leaders get (the page, the email with the 台账 attached),
 * the workbook read back with a second library (SheetJS), the archive over HTTP, and the CLI.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SaxesParser } from 'saxes';
import * as XLSX from 'xlsx';
import { defaultCadence } from '../functions/core/cadence/config.ts';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { closeOutStep } from '../functions/core/cadence/closeout-step.ts';
import type { JobDeps } from '../functions/core/cadence/job.ts';
import type { Task } from '../functions/core/ledger.ts';
import type { Principal, Store, Versioned } from '../functions/core/ports.ts';
import { compileReport } from '../functions/core/reports/model.ts';
import { requestCloseOut, reviewCloseOut, submitProgress } from '../functions/core/reporting.ts';
import { instantAt } from '../functions/core/time.ts';
import { createApp } from '../functions/http/app.ts';
import { issueToken } from '../functions/http/auth.ts';
import { runCli } from '../functions/local/cli.ts';
import { SAMPLE_LEDGER } from '../functions/local/settings.ts';
import { ArchivePublisher } from '../functions/reports/publish.ts';
import { FolderArchive } from '../functions/store/folder-archive.ts';
import { S3Archive } from '../functions/store/s3-archive.ts';
import { appLinks } from '../functions/wiring.ts';
import { useCadenceBench, type Email } from './support/cadence.ts';
import { classed, parseXml, textOf } from './support/xml.ts';

const bench = useCadenceBench();
const SECRET = 'a-test-secret-of-at-least-32-characters';

const CIRCULAR_AT = instantAt('2018-07-27', '16:00'); // Friday of 2018-W30
const WORKBOOK = '周通报台账-2018-W30.xlsx';
const HEADERS = ['序号', '任务编号', '类别', '督察反馈问题', '整改任务', '整改目标', '整改措施', '牵头单位', '责任单位', '督办领导', '整改时限', '阶段节点', '备注', '到期日', '灯色', '灯色原因', '最新进展', '报送时间', '完成进度', '整改状态', '佐证材料'];
const FILL = { 红灯: 'D93025', 黄灯: 'F2A600', 绿灯: '1E8E3E', 已销号: 'BDC1C6' } as Record<string, string>;

type Row = Record<string, string | number>;

function sectionRows(book: XLSX.WorkBook): { sheet: string; rows: Row[]; header: string[]; cells: XLSX.WorkSheet }[] {
  // The sheets between 汇总 and 报送排名, less the 常态化工作 sheet: the sections.
  return book.SheetNames.slice(1, -1).filter((sheet) => sheet !== '常态化工作').map((sheet) => {
    const cells = book.Sheets[sheet]!;
    const header = (XLSX.utils.sheet_to_json(cells, { header: 1 })[0] as string[]) ?? [];
    return { sheet, header, rows: XLSX.utils.sheet_to_json<Row>(cells, { defval: '' }), cells };
  });
}

const unitOf = (task: Task): Principal => ({ kind: 'unit', unit: task.leadUnits[0]! });
const leaderRoles = ['领导小组', '督办领导', '整改办'];

/**
 * The sample ledger, imported 2018-07-04, through week 30: A reports in weeks 29 and 30, B only in
 * week 28, C in week 29 and late on Thursday evening of week 30, D is closed out on 07-24 (after its 公示), and
 * nobody reports on anything else. So at the circular A and C are green, B is yellow (上周未报送),
 * D is closed, and every other task is red (two weeks without a report; 1-1 is also overdue).
 */
async function weekThirty(store: Store, deps: JobDeps) {
  const open = (await store.openTasks()).sort((a, b) => a.code.localeCompare(b.code, 'en', { numeric: true }));
  const far = open.filter((t) => t.deadline.kind === 'date' && t.deadline.due > '2018-09-30');
  const [A, B, C, D] = far as [Versioned<Task>, Versioned<Task>, Versioned<Task>, Versioned<Task>];
  const report = (task: Task, day: string, time: string, summary: string, extra: object = {}) =>
    submitProgress(task.code, { summary, ...extra }, unitOf(task), instantAt(day, time), `${task.code}-${day}-${time}`, store);
  await report(B, '2018-07-10', '10:00', 'B 第28周：完成排查');
  await report(A, '2018-07-17', '10:00', 'A 第29周：制定方案');
  await report(C, '2018-07-18', '11:00', 'C 第29周：已开工');
  await report(A, '2018-07-24', '09:00', 'A 第30周：完成招标，进度过半', { percent: 55 });
  await report(C, '2018-07-26', '18:30', 'C 第30周：主体完工');
  // D: every lead unit confirms on 07-16, the office approves, the 公示 runs 07-17 to 07-23 and the 08:30 run of 07-24 closes it.
  for (const unit of D.leadUnits) await requestCloseOut(D.code, { summary: 'D 已完成整改，申请销号', evidence: [] }, { kind: 'unit', unit }, instantAt('2018-07-16', '10:00'), store);
  const office = (await store.people.list()).find((p) => p.roles.includes('整改办'))!;
  await reviewCloseOut(D.code, { approve: true }, { kind: 'office', name: office.name }, instantAt('2018-07-16', '15:00'), store, { calendar: deps.calendar, workdays: deps.config.publicNoticeWorkdays });
  await closeOutStep(instantAt('2018-07-24', '08:30'), deps);
  const expected = new Map(open.map((t) => [t.code, '红灯']));
  expected.set(A.code, '绿灯').set(B.code, '黄灯').set(C.code, '绿灯').set(D.code, '已销号');
  return { A, B, C, D, expected, all: open.map((t) => t.code) };
}

const attachmentsOf = (mail: Email) => mail.attachments ?? [];

describe('周通报 compiled on the sample ledger at 2018-07-27 16:00', () => {
  let world: Awaited<ReturnType<typeof setupCircular>>;
  async function setupCircular() {
    const { store, deps, reports } = await bench.setup();
    const scenario = await weekThirty(store, deps);
    const result = await runJob('weekly-circular', CIRCULAR_AT, deps);
    const mails = (await bench.mail()).filter((m) => m.subject.startsWith('【周通报】'));
    const published = (await reports.find('weekly-circular', '2018-W30'))!;
    const workbookBytes = (await reports.archive.get(published.workbook.key))!.body;
    return { store, deps, reports, scenario, result, mails, published, workbookBytes };
  }
  beforeAll(async () => {
    world = await setupCircular();
  });

  it('archives the page, the email version, the 台账 workbook, the 公文 and both charts', () => {
    expect(world.published.files.map((f) => f.name)).toEqual([
      '周通报-2018-W30.html',
      '周通报-2018-W30-邮件版.html',
      WORKBOOK,
      '周通报-2018-W30.docx',
      '灯色分布-2018-W30.svg',
      '报送情况-2018-W30.svg',
    ]);
  });

  it('writes each chart as a well-formed SVG file that opens outside a browser page', async () => {
    const charts = world.published.files.filter((f) => f.name.endsWith('.svg'));
    expect(charts.map((f) => f.name)).toEqual(['灯色分布-2018-W30.svg', '报送情况-2018-W30.svg']);
    for (const chart of charts) {
      const svg = new TextDecoder().decode((await world.reports.archive.get(chart.key))!.body);
      // A strict XML parser, as an image viewer or an office suite reads the file.
      const parser = new SaxesParser({ xmlns: true });
      const texts: string[] = [];
      let root = '';
      parser.on('opentag', (tag) => (root ||= tag.name));
      parser.on('text', (text) => texts.push(text));
      expect(() => parser.write(svg).close(), chart.name).not.toThrow();
      expect(root, chart.name).toBe('svg');
      expect(texts.join(''), chart.name).toContain(chart.name.startsWith('灯色') ? '各类任务灯色分布' : '本周进展报送');
    }
    const [lights, reporting] = await Promise.all(charts.map(async (c) => parseXml(new TextDecoder().decode((await world.reports.archive.get(c.key))!.body))));
    // The bars count what the 台账 lists: per category, the tasks of each light.
    const light = { 红灯: 'red', 黄灯: 'yellow', 绿灯: 'green', 已销号: 'grey' } as Record<string, string>;
    const listed = new Map<string, number>();
    for (const row of sectionRows(XLSX.read(world.workbookBytes)).flatMap((s) => s.rows)) {
      const key = `${row['类别']} ${light[row['灯色'] as string]}`;
      listed.set(key, (listed.get(key) ?? 0) + 1);
    }
    const drawn = classed(lights!, 'light-bar').map((b) => [`${b.attributes['data-category']} ${b.attributes['data-light']}`, Number(b.attributes['data-count'])] as const);
    expect(new Map(drawn)).toEqual(listed);
    // The ring: C's unit reported late, A's on time, the rest not at all; the slices add up to the units in the title.
    const slices = classed(reporting!, 'ring-slice').map((s) => [s.attributes['data-name'], Number(s.attributes['data-value'])] as const);
    expect(slices.map(([name]) => name)).toEqual(['按时报送', '逾期报送', '未报送']);
    const units = slices.reduce((sum, [, value]) => sum + value, 0);
    expect(textOf(classed(reporting!, 'title')[0]!)).toBe(`本周进展报送（${units}个单位）`);
  });

  it('writes a workbook SheetJS reads back: Chinese headers, every task once, the right light as text and as fill', () => {
    const book = XLSX.read(world.workbookBytes, { cellStyles: true, bookFiles: true });
    expect(book.SheetNames[0]).toBe('汇总');
    expect(book.SheetNames.at(-1)).toBe('报送排名');
    const sections = sectionRows(book);
    expect(sections.length).toBe(7);

    const seen: string[] = [];
    for (const { header, rows, cells, sheet } of sections) {
      expect(header, sheet).toEqual(HEADERS);
      const lightColumn = XLSX.utils.encode_col(HEADERS.indexOf('灯色'));
      rows.forEach((row, i) => {
        const code = String(row['任务编号']);
        seen.push(code);
        expect(row['类别'], code).toBe(sheet.slice(0, 28) === sheet ? sheet : row['类别']);
        expect(row['灯色'], code).toBe(world.scenario.expected.get(code));
        const fill = (cells[`${lightColumn}${i + 2}`] as XLSX.CellObject & { s?: { fgColor?: { rgb?: string } } }).s?.fgColor?.rgb;
        expect(fill, code).toBe(FILL[row['灯色'] as string]);
      });
    }
    expect(seen.sort()).toEqual([...world.scenario.all].sort());
    expect(new Set(seen).size).toBe(31);

    const rowOf = (code: string) => sections.flatMap((s) => s.rows).find((r) => r['任务编号'] === code)!;
    expect(rowOf(world.scenario.A.code)).toMatchObject({ 最新进展: 'A 第30周：完成招标，进度过半', 完成进度: '55%', 整改状态: '整改中' });
    expect(rowOf(world.scenario.B.code)['灯色原因']).toBe('上周未报送进展');
    expect(String(rowOf(world.scenario.D.code)['整改状态'])).toBe('已销号（2018-07-24）');
    expect(String(rowOf('MZ-1-1')['灯色原因'])).toMatch(/^已超过整改时限（2018-07-18）\d+个工作日；连续2周未报送进展$/);

    // Header rows stay in view: every section sheet has a frozen pane.
    const sheetXml = (book as unknown as { files: Record<string, { content: Uint8Array }> }).files;
    for (let n = 2; n <= 8; n++) expect(Buffer.from(sheetXml[`xl/worksheets/sheet${n}.xml`]!.content).toString()).toContain('state="frozen"');

    const summary = XLSX.utils.sheet_to_json<(string | number)[]>(book.Sheets['汇总']!, { header: 1 });
    expect(summary[2]).toEqual(['类别', '任务总数', '红灯', '黄灯', '绿灯', '已销号']);
    const reds = [...world.scenario.expected.values()].filter((l) => l === '红灯').length;
    expect(summary.find((r) => r[0] === '合计')).toEqual(['合计', 31, reds, 1, 2, 1]);

    const ranking = XLSX.utils.sheet_to_json<Row>(book.Sheets['报送排名']!);
    const unitA = world.scenario.A.leadUnits[0]!;
    const unitC = world.scenario.C.leadUnits[0]!;
    expect(ranking[0]).toMatchObject({ 名次: 1, 单位: unitA, 报送情况: '按时报送' });
    if (unitC !== unitA) expect(ranking.find((r) => r['单位'] === unitC)).toMatchObject({ 名次: 2, 报送情况: '逾期报送', 首次报送: '07-26 18:30' });
  });

  it('sends the leaders and the office the workbook attached and a link to the page; units get the link only', async () => {
    const people = await world.store.people.list();
    const leaders = new Set(people.filter((p) => p.roles.some((r) => leaderRoles.includes(r))).map((p) => p.email));
    expect(leaders.size).toBeGreaterThan(0);
    for (const mail of world.mails) {
      const to = mail.destination.to[0]!;
      expect(mail.body.html, to).toContain('/reports/weekly-circular/2018-W30/');
      if (leaders.has(to)) {
        expect(attachmentsOf(mail).map((a) => a.filename), to).toEqual([WORKBOOK, '周通报-2018-W30.docx']);
        expect(Buffer.from(attachmentsOf(mail)[0]!.content, 'base64').equals(Buffer.from(world.workbookBytes)), to).toBe(true);
        expect(mail.subject).toBe('【周通报】2018年第30周（7月23日—7月29日）中央环保督察整改推进情况');
      } else {
        expect(attachmentsOf(mail), to).toEqual([]);
      }
    }
    expect(world.mails.filter((m) => leaders.has(m.destination.to[0]!)).length).toBe(leaders.size);

    // One inlined body serves every recipient, each greeted by name and told why they get it.
    const units = await world.store.units.list();
    const nameOf = new Map([...people.map((p) => [p.email, p.name] as const), ...units.map((u) => [u.liaison.email, u.liaison.name] as const)]);
    for (const mail of world.mails) {
      const to = mail.destination.to[0]!;
      expect(mail.body.html, to).toContain(`<p>${nameOf.get(to)}：</p>`);
      const unit = units.find((u) => u.liaison.email === to);
      if (unit && !leaders.has(to)) expect(mail.body.html).toContain(`您是${unit.name}的督察整改联络员`);
      expect(mail.body.html).not.toContain('\u2063');
    }
  });

  it('renders the page with its charts and the email version with inlined styles and no SVG', async () => {
    const page = new TextDecoder().decode((await world.reports.archive.get(world.published.page.key))!.body);
    expect(page).toContain('2018年第30周（7月23日—7月29日）中央环保督察整改推进情况通报');
    expect(page.match(/<svg/g)).toHaveLength(2);
    expect(page).toContain(`href="${encodeURIComponent(WORKBOOK)}"`);
    const email = new TextDecoder().decode((await world.reports.archive.get('weekly-circular/2018-W30/周通报-2018-W30-邮件版.html'))!.body);
    expect(email).not.toContain('<svg');
    // Only the phone-width media queries stay in a style block; everything else is inlined.
    expect(email.match(/<style>([\s\S]*?)<\/style>/)?.[1]?.trim() ?? '@media').toMatch(/^@media/);
    expect(email).toMatch(/<th style="[^"]*background: ?#f0f2f5/);
    expect(email).toContain(world.scenario.D.code); // closed this week
  });

  it('opens the page from the email link, then its workbook by the cookie the link set; refuses without or with a wrong link', async () => {
    const app = createApp({ store: world.store, clock: () => new Date('2018-07-30T01:00:00Z'), calendar: async () => bench.calendar, cadence: defaultCadence, linkSecret: async () => SECRET, reports: world.reports });
    const leader = world.mails.find((m) => attachmentsOf(m).length)!;
    const href = leader.body.html!.match(/href="(http:\/\/duban\.example\.org\/reports\/weekly-circular\/[^"]+)"/)![1]!.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    const path = href.replace('http://duban.example.org', '');
    const opened = await app.request(path);
    expect(opened.status, `${path}\n${await opened.clone().text()}`).toBe(200);
    expect(opened.headers.get('content-type')).toContain('text/html');
    expect((await opened.text()).match(/<svg/g)).toHaveLength(2);
    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;

    const workbook = await app.request(`/reports/weekly-circular/2018-W30/${encodeURIComponent(WORKBOOK)}`, { headers: { Cookie: cookie } });
    expect(workbook.status).toBe(200);
    expect(workbook.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(WORKBOOK)}`);
    expect(Buffer.from(await workbook.arrayBuffer()).equals(Buffer.from(world.workbookBytes))).toBe(true);

    const bare = await app.request(`/reports/weekly-circular/2018-W30/${encodeURIComponent(WORKBOOK)}`);
    expect(bare.status).toBe(401);
    expect(await bare.text()).toContain('请通过周通报或月交账邮件中的链接打开报告');
    const otherWeek = await app.request(path.replace('2018-W30', '2018-W29'));
    expect(otherWeek.status).toBe(401);
    expect(await otherWeek.text()).toContain('此链接不能打开这份报告');
    const tampered = await app.request(path.replace(/sig=[^&]+/, 'sig=AAAA'));
    expect(tampered.status).toBe(401);
  });

  it('lists and serves the archive to the office under /api/reports, and not to a unit', async () => {
    const app = createApp({ store: world.store, clock: () => new Date('2018-07-30T01:00:00Z'), calendar: async () => bench.calendar, cadence: defaultCadence, linkSecret: async () => SECRET, reports: world.reports });
    const office = (await world.store.people.list()).find((p) => p.roles.includes('整改办'))!;
    const officeToken = await issueToken(world.store, { kind: 'office', name: office.name }, CIRCULAR_AT);
    const unitToken = await issueToken(world.store, { kind: 'unit', unit: world.scenario.A.leadUnits[0]! }, CIRCULAR_AT);
    const listed = await app.request('/api/reports', { headers: { Authorization: `Bearer ${officeToken}` } });
    const body = (await listed.json()) as { reports: { kind: string; period: string; label: string; files: { name: string; url: string; size: number }[] }[] };
    expect(body.reports).toEqual([expect.objectContaining({ kind: 'weekly-circular', period: '2018-W30', label: '周通报' })]);
    const file = body.reports[0]!.files.find((f) => f.name === WORKBOOK)!;
    expect(file.size).toBe(world.workbookBytes.byteLength);
    const download = await app.request(file.url, { headers: { Authorization: `Bearer ${officeToken}` } });
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(world.workbookBytes))).toBe(true);

    const missing = await app.request('/api/reports/weekly-circular/2018-W29/x.xlsx', { headers: { Authorization: `Bearer ${officeToken}` } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toBe('没有找到周通报 2018-W29 的文件“x.xlsx”');
    const asUnit = await app.request('/api/reports', { headers: { Authorization: `Bearer ${unitToken}` } });
    expect(asUnit.status).toBe(403);
  });

  it('sends nothing more and keeps the first compiled report when the job runs again', async () => {
    const before = (await world.reports.manifest('weekly-circular', '2018-W30'))!;
    const again = await runJob('weekly-circular', new Date(CIRCULAR_AT.getTime() + 60_000), world.deps);
    expect(again.delivery!.sent).toBe(0);
    expect((await world.reports.manifest('weekly-circular', '2018-W30'))!.compiledAt).toBe(before.compiledAt);
    expect((await bench.mail()).filter((m) => m.subject.startsWith('【周通报】')).length).toBe(world.mails.length);
  });

  it('keeps the same files in S3 (an S3 emulator) as in the folder', async () => {
    const { default: S3rver } = await import('s3rver');
    const dir = mkdtempSync(join(tmpdir(), 'duban-s3-'));
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: 'reports' }] });
    const { port } = (await server.run()) as { port: number };
    const s3 = new S3Client({ region: 'cn-north-1', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    try {
      const inS3 = new ArchivePublisher(new S3Archive(s3, 'reports'));
      const model = await compileReport('weekly-circular', '2018-W30', { ...world.deps, links: appLinks('http://duban.example.org', SECRET) });
      const published = await inS3.publish(model);
      expect(published.files.map((f) => f.name)).toEqual(world.published.files.map((f) => f.name));
      expect((await inS3.list()).map((m) => `${m.kind}/${m.period}`)).toEqual(['weekly-circular/2018-W30']);
      const workbook = (await inS3.file('weekly-circular', '2018-W30', WORKBOOK))!;
      expect(workbook.contentType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      const codes = sectionRows(XLSX.read(workbook.body)).flatMap((s) => s.rows.map((r) => r['任务编号']));
      expect(codes.length).toBe(31);
      expect(await inS3.file('weekly-circular', '2018-W30', 'manifest.json')).toBeUndefined();
    } finally {
      s3.destroy();
      await server.close();
    }
  });
});

describe('月交账 compiled on the first workday of August', () => {
  it('gives each unit’s account and the indicators, and attaches the workbook for the leaders', async () => {
    const { store, deps, reports } = await bench.setup();
    const open = (await store.openTasks()).sort((a, b) => a.code.localeCompare(b.code, 'en', { numeric: true }));
    const accounted = [open[3]!, open[10]!];
    for (const task of accounted) {
      await submitProgress(task.code, { summary: `${task.code} 七月交账：按计划推进`, monthly: true }, unitOf(task), instantAt('2018-07-30', '10:00'), `m-${task.code}`, store);
    }
    // Indicator readings for July through the API: one meets its target, one does not.
    const app = createApp({ store, clock: () => instantAt('2018-07-30', '15:00'), calendar: async () => bench.calendar, cadence: defaultCadence, linkSecret: async () => SECRET, reports });
    const [pm25, goodDays] = [(await store.indicators.get('城区PM2.5年均浓度'))!, (await store.indicators.get('优良天数达标率'))!];
    const tokenOf = (unit: string) => issueToken(store, { kind: 'unit', unit }, instantAt('2018-07-30', '15:00'));
    const read = async (name: string, unit: string, body: unknown) =>
      app.request(`/api/indicators/${encodeURIComponent(name)}/readings`, { method: 'POST', headers: { Authorization: `Bearer ${await tokenOf(unit)}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect((await read(pm25.name, pm25.responsibleUnits[0]!, { value: 41.2 })).status).toBe(201);
    expect((await read(goodDays.name, goodDays.responsibleUnits[0]!, { value: 70.5 })).status).toBe(201);
    const outsider = (await store.units.list()).find((u) => !pm25.responsibleUnits.includes(u.name))!.name;
    const refused = await read(pm25.name, outsider, { value: 1 });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(`${outsider}不是指标“城区PM2.5年均浓度”的责任单位，不能报送其数值`);
    const future = await read(pm25.name, pm25.responsibleUnits[0]!, { value: 40, month: '2018-09' });
    expect(await future.json()).toEqual({ error: { code: 'VALIDATION', message: '“2018-09”尚未开始，不能报送该月的指标数值', field: 'month' } });
    expect((await read('不存在的指标', pm25.responsibleUnits[0]!, { value: 1 })).status).toBe(404);
    const notNumber = await read(pm25.name, pm25.responsibleUnits[0]!, { value: '四十' });
    expect(await notNumber.json()).toEqual({ error: { code: 'VALIDATION', message: '“指标数值”应为数字', field: 'value' } });

    await runJob('monthly-account', instantAt('2018-08-01', '09:30'), deps);
    const published = (await reports.find('monthly-account', '2018-07'))!;
    expect(published.workbook.name).toBe('月交账台账-2018-07.xlsx');
    const book = XLSX.read((await reports.archive.get(published.workbook.key))!.body);
    expect(book.SheetNames.slice(-2)).toEqual(['单位交账', '目标指标']);
    const units = XLSX.utils.sheet_to_json<Row>(book.Sheets['单位交账']!);
    for (const task of accounted) {
      expect(units.find((u) => u['单位'] === task.leadUnits[0])).toMatchObject({ 交账情况: '已交账', 交账内容: expect.stringContaining(`${task.code} ${task.code} 七月交账：按计划推进`) });
    }
    expect(units.filter((u) => u['交账情况'] === '未交账').length).toBe(units.length - new Set(accounted.map((t) => t.leadUnits[0])).size);
    const indicators = XLSX.utils.sheet_to_json<Row>(book.Sheets['目标指标']!);
    expect(indicators.length).toBe((await store.indicators.list()).length);
    expect(indicators.every((i) => /^[≤≥] \d/.test(String(i['目标'])))).toBe(true);
    expect(indicators.find((i) => i['指标'] === pm25.name)).toMatchObject({ 本月数值: 41.2, 达标情况: '达标', 报送单位: pm25.responsibleUnits[0] });
    expect(indicators.find((i) => i['指标'] === goodDays.name)).toMatchObject({ 本月数值: 70.5, 达标情况: '未达标' });
    expect(indicators.filter((i) => i['达标情况'] === '未报送').length).toBe(indicators.length - 2);
    const sections = sectionRows(book);
    expect(sections[0]!.header).toContain('本月交账情况');
    expect(sections.flatMap((s) => s.rows).find((r) => r['任务编号'] === accounted[0]!.code)!['本月交账情况']).toBe(`${accounted[0]!.code} 七月交账：按计划推进`);

    const account = (await bench.mail()).filter((m) => m.subject.startsWith('【月交账】'));
    expect(account.length).toBeGreaterThan(0);
    for (const mail of account) expect(attachmentsOf(mail).map((a) => a.filename)).toEqual(['月交账台账-2018-07.xlsx', '月交账-2018-07.docx']);
  });
});

describe('npx duban report', () => {
  const env = { DUBAN_DATA_DIR: '', DUBAN_DYNAMODB_PORT: '1', DUBAN_SES_PORT: '2' };
  const out: string[] = [];
  const io = (now: string) => ({ out: (l: string) => out.push(l), err: (l: string) => out.push(l), now: () => new Date(now) });
  beforeAll(() => {
    env.DUBAN_DATA_DIR = mkdtempSync(join(tmpdir(), 'duban-report-cli-'));
  });
  afterAll(() => out.splice(0));

  it('writes the archived files of a period that is due, and only a preview of one that is not', async () => {
    expect(await runCli(['import', SAMPLE_LEDGER], io('2018-07-04T02:00:00Z'), env)).toBe(0);
    const folder = mkdtempSync(join(tmpdir(), 'duban-report-out-'));
    expect(await runCli(['report', 'weekly-circular', '--period', '2018-W30', '--out', folder], io('2018-07-30T02:00:00Z'), env)).toBe(0);
    expect(out.at(-1)).toBe('周通报 2018-W30：已写出 6 个文件');
    expect(readdirSync(folder).sort()).toEqual(['周通报-2018-W30-邮件版.html', '周通报-2018-W30.html', '周通报台账-2018-W30.xlsx', '周通报-2018-W30.docx', '报送情况-2018-W30.svg', '灯色分布-2018-W30.svg'].sort());
    const archived = join(env.DUBAN_DATA_DIR, 'reports/weekly-circular/2018-W30');
    expect(readFileSync(join(folder, WORKBOOK)).equals(readFileSync(join(archived, WORKBOOK)))).toBe(true);
    expect(sectionRows(XLSX.read(readFileSync(join(folder, WORKBOOK)))).flatMap((s) => s.rows).length).toBe(31);

    expect(await runCli(['report', 'weekly-circular', '--period', '2018-W31', '--out', folder], io('2018-07-30T02:00:00Z'), env)).toBe(0);
    expect(out).toContain('本期周通报应于 2018-08-03 16:00 编制；以下为截至现在的预览，未存档。');
    expect(existsSync(join(env.DUBAN_DATA_DIR, 'reports/weekly-circular/2018-W31'))).toBe(false);

    expect(await runCli(['report', 'weekly-report', '--period', '2018-W30', '--out', folder], io('2018-07-30T02:00:00Z'), env)).toBe(1);
    expect(out.at(-1)).toBe('错误：报告类型应为 weekly-circular（周通报）或 monthly-account（月交账），收到“weekly-report”');
    expect(await runCli(['report', 'monthly-account', '--period', '2018-13', '--out', folder], io('2018-07-30T02:00:00Z'), env)).toBe(1);
    expect(out.at(-1)).toBe('错误：“2018-13”不是有效的月份，应写作如 2018-07');
  });
});
