/**
 * The 周通报 and the 月交账 as an official 公文 (.docx, GB/T 9704-2012): compiled by the jobs on
 * real parts (dynalite, the SES emulator, the report archive), read back by unzipping the file and
 * parsing its XML: the page and margins of the standard, the red 版头 with the 发文字号, the title
 * and headings in their fonts and sizes, every red-list task in its table, page numbers in the
 * footers, the 版记; the 发文字号 advancing once per compiled document, per year.
 */
import JSZip from 'jszip';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultCadence } from '../functions/core/cadence/config.ts';
import { runJob } from '../functions/core/cadence/jobs.ts';
import type { Store } from '../functions/core/ports.ts';
import { compileReport, type ReportKind } from '../functions/core/reports/model.ts';
import { submitProgress } from '../functions/core/reporting.ts';
import { instantAt } from '../functions/core/time.ts';
import { createApp } from '../functions/http/app.ts';
import { issueToken } from '../functions/http/auth.ts';
import { readCsvFolder } from '../functions/ledger-import/read-source.ts';
import type { RawTable } from '../functions/ledger-import/sheets.ts';
import type { ArchivePublisher } from '../functions/reports/publish.ts';
import { appLinks } from '../functions/wiring.ts';
import { useCadenceBench, type Email } from './support/cadence.ts';
import { haveLibreOffice, linesOf, mmToPt, printed } from './support/libreoffice.ts';
import { sampleTables } from './support/ledger.ts';

const bench = useCadenceBench();
const COUNTY = join(import.meta.dirname, 'fixtures/county-ledger');
const SECRET = 'a-test-secret-of-at-least-32-characters';
const OFFICE = '云岭县生态环境保护督察整改工作领导小组办公室';
const PROGRAMME = '云岭县落实中央生态环境保护督察反馈意见整改工作';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** The sample ledger's 31 tasks, run by a county office in its own words (the county's 基本信息). */
function countyRunsSample(): RawTable[] {
  const office = readCsvFolder(COUNTY).find((t) => t.sheet === '基本信息')!;
  return [...sampleTables().filter((t) => t.sheet !== '基本信息'), office];
}

// ---- reading a .docx back ------------------------------------------------------------------

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

/** A strict XML parser (saxes) into a small tree. */
function parseXml(xml: string): El {
  const parser = new SaxesParser();
  const root: El = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: El[] = [root];
  parser.on('opentag', (tag) => {
    const el: El = { name: tag.name, attrs: tag.attributes as Record<string, string>, children: [], text: '' };
    stack.at(-1)!.children.push(el);
    stack.push(el);
  });
  parser.on('text', (t) => (stack.at(-1)!.text += t));
  parser.on('closetag', () => void stack.pop());
  parser.write(xml).close();
  return root.children[0]!;
}

const all = (el: El, name: string): El[] => el.children.flatMap((c) => [...(c.name === name ? [c] : []), ...all(c, name)]);
const first = (el: El, name: string): El | undefined => all(el, name)[0];
const child = (el: El | undefined, name: string): El | undefined => el?.children.find((c) => c.name === name);
const textOf = (el: El): string => all(el, 'w:t').map((t) => t.text).join('');

/** A run's font (East Asian), size in points and colour, as Word reads them. */
function runStyle(run: El) {
  const props = child(run, 'w:rPr');
  return {
    font: child(props, 'w:rFonts')?.attrs['w:eastAsia'],
    pt: Number(child(props, 'w:sz')?.attrs['w:val']) / 2,
    color: child(props, 'w:color')?.attrs['w:val'],
    bold: child(props, 'w:b') !== undefined,
  };
}

interface Docx {
  zip: JSZip;
  body: El;
  /** Top-level paragraphs and tables, in order. */
  blocks: El[];
  paragraphs: El[];
  sectPr: El;
  settings: El;
  footers: Map<string, El>;
}

async function readDocx(bytes: Uint8Array): Promise<Docx> {
  const zip = await JSZip.loadAsync(bytes);
  const xml = async (path: string) => parseXml(await zip.file(path)!.async('string'));
  const document = await xml('word/document.xml');
  const body = child(document, 'w:body')!;
  const rels = await xml('word/_rels/document.xml.rels');
  const target = new Map(all(rels, 'Relationship').map((r) => [r.attrs.Id!, r.attrs.Target!]));
  const sectPr = child(body, 'w:sectPr')!;
  const footers = new Map<string, El>();
  for (const ref of all(sectPr, 'w:footerReference')) footers.set(ref.attrs['w:type']!, await xml(`word/${target.get(ref.attrs['r:id']!)}`));
  const blocks = body.children.filter((c) => c.name === 'w:p' || c.name === 'w:tbl');
  return { zip, body, blocks, paragraphs: blocks.filter((b) => b.name === 'w:p'), sectPr, settings: await xml('word/settings.xml'), footers };
}

const paragraphWith = (doc: Docx, text: string) => doc.paragraphs.find((p) => textOf(p) === text);
/** The first table after the paragraph whose text is `heading`. */
function tableAfter(doc: Docx, heading: string): El | undefined {
  const at = doc.blocks.findIndex((b) => b.name === 'w:p' && textOf(b) === heading);
  return at < 0 ? undefined : doc.blocks.slice(at + 1).find((b) => b.name === 'w:tbl');
}
const rowsOf = (table: El) => all(table, 'w:tr').map((tr) => all(tr, 'w:tc').map(textOf));
const twipsToMm = (twips: string | undefined) => Number(twips) / 56.7;

async function archivedDocx(reports: ArchivePublisher, kind: ReportKind, period: string) {
  const published = (await reports.find(kind, period))!;
  expect(published.document, `${kind} ${period}`).toBeDefined();
  const bytes = (await reports.archive.get(published.document!.key))!.body;
  return { published, bytes, doc: await readDocx(bytes) };
}

const numberOf = (doc: Docx) => textOf(doc.paragraphs[1]!);
/** The title's runs: 2号, black, between the red line and the 主送. */
const titleOf = (doc: Docx) => doc.paragraphs.flatMap((p) => all(p, 'w:r')).filter((r) => runStyle(r).pt === 22 && runStyle(r).color === undefined);

// ---- the weekly circular -------------------------------------------------------------------

describe('the 周通报 as a 公文 (.docx), compiled by the job on 2018-07-27 16:00', () => {
  let world: Awaited<ReturnType<typeof setup>>;
  async function setup() {
    const { store, deps, reports } = await bench.setup({ tables: countyRunsSample() });
    // One task reported in weeks 29 and 30 stays green; every other is red by 07-27 (two weeks unreported).
    const open = (await store.openTasks()).sort((a, b) => a.code.localeCompare(b.code, 'en', { numeric: true }));
    const green = open.find((t) => t.deadline.kind === 'date' && t.deadline.due > '2018-09-30')!;
    for (const [day, summary] of [['2018-07-17', '制定方案'], ['2018-07-24', '完成招标']] as const) {
      await submitProgress(green.code, { summary }, { kind: 'unit', unit: green.leadUnits[0]! }, instantAt(day, '10:00'), `${green.code}-${day}`, store);
    }
    await runJob('weekly-circular', instantAt('2018-07-20', '16:00'), deps);
    await bench.clearMail();
    await runJob('weekly-circular', instantAt('2018-07-27', '16:00'), deps);
    const mails = (await bench.mail()).filter((m) => m.subject.startsWith('【周通报】'));
    const { published, bytes, doc } = await archivedDocx(reports, 'weekly-circular', '2018-W30');
    return { store, deps, reports, open, green, mails, published, bytes, doc };
  }
  beforeAll(async () => {
    world = await setup();
  });

  it('is archived beside the other files as 周通报-2018-W30.docx, with its Word content type', () => {
    expect(world.published.files.map((f) => f.name)).toContain('周通报-2018-W30.docx');
    expect(world.published.document).toMatchObject({ name: '周通报-2018-W30.docx', contentType: DOCX });
    expect(Buffer.from(world.bytes.slice(0, 2)).toString()).toBe('PK');
  });

  it('is A4 with the standard’s margins (天头 37 mm, 订口 28 mm, ±1 mm) and a 156 × 225 mm type area of 22 lines', () => {
    const size = child(world.doc.sectPr, 'w:pgSz')!.attrs;
    expect([size['w:w'], size['w:h']]).toEqual(['11906', '16838']);
    const margin = child(world.doc.sectPr, 'w:pgMar')!.attrs;
    expect(Math.abs(twipsToMm(margin['w:top']) - 37)).toBeLessThanOrEqual(1);
    expect(Math.abs(twipsToMm(margin['w:left']) - 28)).toBeLessThanOrEqual(1);
    expect(Math.abs(210 - twipsToMm(margin['w:left']) - twipsToMm(margin['w:right']) - 156)).toBeLessThanOrEqual(1);
    expect(Math.abs(297 - twipsToMm(margin['w:top']) - twipsToMm(margin['w:bottom']) - 225)).toBeLessThanOrEqual(1);
    const grid = child(world.doc.sectPr, 'w:docGrid')!.attrs;
    expect(Math.round((16838 - Number(margin['w:top']) - Number(margin['w:bottom'])) / Number(grid['w:linePitch']))).toBe(22);
  });

  it('opens with the office’s name in red 小标宋, the 发文字号 under it and the red line as wide as the type area', () => {
    const [issuer, number] = world.doc.paragraphs as [El, El];
    expect(textOf(issuer)).toBe(OFFICE);
    for (const run of all(issuer, 'w:r')) expect(runStyle(run)).toMatchObject({ font: '方正小标宋简体', color: 'FF0000' });
    // Its top 35 mm below the top of the type area.
    expect(Math.abs(twipsToMm(child(issuer, 'w:pPr') && child(child(issuer, 'w:pPr'), 'w:spacing')!.attrs['w:before']) - 35)).toBeLessThanOrEqual(1);
    expect(child(child(issuer, 'w:pPr'), 'w:jc')!.attrs['w:val']).toBe('center');
    // The week before got 1; this one 2. The year in 〔〕, no 第, no leading zero.
    expect(textOf(number)).toBe('云整改办〔2018〕2号');
    expect(runStyle(first(number, 'w:r')!)).toMatchObject({ font: '仿宋_GB2312', pt: 16 });
    const line = first(child(number, 'w:pPr')!, 'w:bottom')!.attrs;
    expect(line['w:color']).toBe('FF0000');
    expect(line['w:val']).toBe('single');
    // No indent: the line spans the type area.
    expect(first(child(number, 'w:pPr')!, 'w:ind')).toBeUndefined();
  });

  it('carries the title in 2号 小标宋, the 主送, and headings 一、 in 黑体 and （一） in 楷体 over 3号 仿宋 text', () => {
    const titleRuns = titleOf(world.doc);
    expect(titleRuns.map(textOf).join('')).toBe(`关于2018年第30周${PROGRAMME}推进情况的通报`);
    for (const run of titleRuns) expect(runStyle(run).font).toBe('方正小标宋简体');
    expect(paragraphWith(world.doc, '各牵头单位、责任单位：')).toBeDefined();

    const headings = world.doc.paragraphs.filter((p) => /^[一二三四五六七八九十]+、/.test(textOf(p)));
    expect(headings.map(textOf)).toEqual(['一、总体情况', '二、红灯任务', '三、黄灯任务', '四、未报送进展的单位', '五、督办情况', '六、本周销号的任务', '七、近期到期事项', '八、报送情况排名']);
    for (const h of headings) expect(runStyle(first(h, 'w:r')!), textOf(h)).toMatchObject({ font: '黑体', pt: 16 });
    const second = world.doc.paragraphs.filter((p) => /^（[一二三四五六七八九十]+）/.test(textOf(p)));
    expect(second.map(textOf)).toEqual(['（一）分类推进情况', '（一）通报', '（二）挂牌督办', '（三）约谈']);
    for (const h of second) expect(runStyle(first(h, 'w:r')!), textOf(h)).toMatchObject({ font: '楷体_GB2312', pt: 16 });

    const overview = world.doc.paragraphs.find((p) => textOf(p).startsWith('截至2018年7月27日'))!;
    expect(textOf(overview)).toBe(`截至2018年7月27日，台账共有未销号整改任务31项，其中红灯30项、黄灯0项、绿灯1项；已销号0项，其中本周销号0项。`);
    expect(runStyle(first(overview, 'w:r')!)).toMatchObject({ font: '仿宋_GB2312', pt: 16 });
    // Indented two characters of the grid.
    expect(Number(first(child(overview, 'w:pPr')!, 'w:ind')!.attrs['w:firstLine'])).toBeGreaterThan(600);
  });

  it('lists every red task in a table: number, title, lead unit, deadline and why', () => {
    const table = tableAfter(world.doc, '红灯任务共30项，请牵头单位对照整改时限加快推进：')!;
    expect(table).toBeDefined();
    const [header, ...rows] = rowsOf(table);
    expect(header).toEqual(['序号', '任务编号', '整改任务', '牵头单位', '整改时限', '亮灯原因']);
    const red = world.open.filter((t) => t.code !== world.green.code);
    expect(rows.map((r) => r[1]).sort()).toEqual(red.map((t) => t.code).sort());
    for (const task of red) {
      const row = rows.find((r) => r[1] === task.code)!;
      expect(row.slice(2, 5), task.code).toEqual([task.title, task.leadUnitsText, task.deadline.text]);
      expect(row[5], task.code).toContain('未报送');
    }
    expect(rows.map((r) => r[0])).toEqual(rows.map((_, i) => String(i + 1)));
    // The header row repeats on every page the table runs over.
    expect(first(all(table, 'w:tr')[0]!, 'w:tblHeader')).toBeDefined();
    expect(paragraphWith(world.doc, '本周无黄灯任务。')).toBeDefined();
  });

  it('numbers its pages "— 1 —" in 4号 宋体 below the type area: odd pages on the right, even pages on the left', () => {
    expect(first(world.doc.settings, 'w:evenAndOddHeaders')).toBeDefined();
    const odd = world.doc.footers.get('default')!;
    const even = world.doc.footers.get('even')!;
    for (const [footer, side, indent] of [[odd, 'right', 'w:right'], [even, 'left', 'w:left']] as const) {
      const p = first(footer, 'w:p')!;
      expect(child(child(p, 'w:pPr'), 'w:jc')!.attrs['w:val']).toBe(side);
      expect(child(child(p, 'w:pPr'), 'w:ind')!.attrs[indent]).toBe('280'); // one 4号 character
      expect(all(p, 'w:instrText').map((i) => i.text.trim())).toEqual(['PAGE']);
      expect(textOf(p).replace(/\s/g, '')).toBe('——');
      for (const run of all(p, 'w:r').filter((r) => child(r, 'w:rPr'))) expect(runStyle(run)).toMatchObject({ font: '宋体', pt: 14 });
    }
    // The dashes 7 mm below the type area: the footer sits inside the bottom margin.
    const footerFromEdge = twipsToMm(child(world.doc.sectPr, 'w:pgMar')!.attrs['w:footer']);
    expect(footerFromEdge).toBeGreaterThan(20);
    expect(footerFromEdge).toBeLessThan(35 - 7);
  });

  it('signs with the office and the date, and ends with the 版记 (抄送, 印发) at the foot of the last page', () => {
    const issuer = world.doc.paragraphs.filter((p) => textOf(p) === OFFICE).at(-1)!;
    expect(world.doc.paragraphs.indexOf(issuer)).toBeGreaterThan(10);
    expect(child(child(issuer, 'w:pPr'), 'w:jc')!.attrs['w:val']).toBe('right');
    expect(textOf(world.doc.paragraphs[world.doc.paragraphs.indexOf(issuer) + 1]!)).toBe('2018年7月27日');

    const colophon = world.doc.blocks.filter((b) => b.name === 'w:tbl').at(-1)!;
    // Floating at the foot of the 版心.
    const position = first(colophon, 'w:tblpPr')!.attrs;
    expect([position['w:vertAnchor'], position['w:tblpYSpec']]).toEqual(['margin', 'bottom']);
    expect(rowsOf(colophon)).toEqual([['抄送：领导小组各成员，各督办领导。'], [OFFICE, '2018年7月27日印发']]);
    for (const run of all(colophon, 'w:r')) expect(runStyle(run)).toMatchObject({ font: '仿宋_GB2312', pt: 14 });
    const top = first(all(colophon, 'w:tr')[0]!, 'w:top')!.attrs;
    const bottom = first(all(colophon, 'w:tr')[1]!, 'w:bottom')!.attrs;
    expect([top['w:val'], top['w:sz'], bottom['w:sz']]).toEqual(['single', '8', '8']);
  });

  it.skipIf(!haveLibreOffice && !process.env.CI)('prints in LibreOffice as numbered A4 pages: the text inside the type area, the 版头 centred, nothing lost, the 版记 last', async () => {
    const pages = await printed(world.bytes, '周通报.docx');
    const left = mmToPt(28);
    const right = mmToPt(210 - 26);
    const numbered = pages.map((page) => linesOf(page).filter((l) => /^—\d+—$/.test(l.text)));
    expect(numbered.map((n) => n.map((l) => l.text))).toEqual(pages.map((_, i) => [`—${i + 1}—`]));
    expect(pages.length).toBeGreaterThan(2);
    pages.forEach((page, i) => {
      expect([page.width, page.height].map(Math.round)).toEqual([595, 842]);
      const number = numbered[i]![0]!;
      // Below the type area, one 4号 character in: odd pages on the right, even pages on the left.
      expect(number.y).toBeGreaterThan(mmToPt(37 + 225));
      if (i % 2 === 0) expect(Math.abs(right - 14 - number.x1), `page ${i + 1}`).toBeLessThan(2);
      else expect(Math.abs(left + 14 - number.x0), `page ${i + 1}`).toBeLessThan(2);
      for (const word of page.words.filter((w) => !/^(—|\d+)$/.test(w.text))) {
        expect(word.x0, word.text).toBeGreaterThan(left - mmToPt(1));
        // A full-width mark may hang past the line's end (悬挂标点), as office suites set Chinese.
        expect(word.x1, word.text).toBeLessThan(right + mmToPt(1) + (/[，。、；：）”]$/.test(word.text) ? 16 : 0));
        expect(word.y0, word.text).toBeGreaterThan(mmToPt(37) - mmToPt(1));
        expect(word.y1, word.text).toBeLessThan(mmToPt(37 + 225) + mmToPt(1));
      }
    });
    // The 标志 and the 发文字号 centred on the type area, the 标志 35 mm below its top; the 主送 flush left.
    const first = linesOf(pages[0]!);
    const centre = (left + right) / 2;
    for (const text of [OFFICE, '云整改办〔2018〕2号']) {
      const l = first.find((x) => x.text === text)!;
      expect(Math.abs((l.x0 + l.x1) / 2 - centre), text).toBeLessThan(mmToPt(1));
    }
    expect(Math.abs(pages[0]!.words.find((w) => w.text === OFFICE)!.y0 - mmToPt(37 + 35))).toBeLessThan(mmToPt(1));
    expect(Math.abs(first.find((l) => l.text === '各牵头单位、责任单位：')!.x0 - left)).toBeLessThan(mmToPt(1));
    // Every character of the document is printed, and nothing else (page numbers aside).
    const printedText = pages.flatMap((p) => linesOf(p).filter((l) => !/^—\d+—$/.test(l.text)).map((l) => l.text)).join('');
    const written = world.doc.blocks.map(textOf).join('');
    /** The characters of `a` that `b` lacks, counted. */
    const lacking = (a: string, b: string) => {
      const left = new Map<string, number>();
      for (const ch of b.replace(/\s/g, '')) left.set(ch, (left.get(ch) ?? 0) + 1);
      return [...a.replace(/\s/g, '')].filter((ch) => (left.get(ch) ?? 0) <= 0 || !left.set(ch, left.get(ch)! - 1)).join('');
    };
    // Printed more than once: only the header rows of tables that run over a page.
    const headers = new Set(world.doc.blocks.filter((b) => b.name === 'w:tbl').flatMap((t) => [...textOf(all(t, 'w:tr')[0]!)]));
    const extra = lacking(printedText, written);
    expect({ missing: lacking(written, printedText), extra: [...extra].filter((ch) => !headers.has(ch)).join('') }).toEqual({ missing: '', extra: '' });
    expect(pages.filter((p) => p.words.some((w) => w.text === '亮灯原因')).length).toBeGreaterThan(1);
    // The 版记 closes the last page.
    const last = linesOf(pages.at(-1)!).filter((l) => !/^—\d+—$/.test(l.text));
    const copyTo = last.findIndex((l) => l.text === '抄送：领导小组各成员，各督办领导。');
    expect(copyTo).toBeGreaterThan(last.findIndex((l) => l.text === '2018年7月27日'));
    // Then the 印发机关 and the date (a long office name wraps in its column).
    expect(last.slice(copyTo + 1).map((l) => l.text).join('').replace('2018年7月27日印发', '')).toBe(OFFICE);
  });

  it('is attached for the leaders and the office beside the 台账 workbook, the same bytes as archived', async () => {
    const people = await world.store.people.list();
    const expected = people.filter((p) => p.roles.some((r) => ['领导小组', '督办领导', '整改办'].includes(r))).map((p) => p.email);
    const leaders = world.mails.filter((m) => (m.attachments ?? []).length);
    expect(leaders.map((m) => m.destination.to[0]).sort()).toEqual([...new Set(expected)].sort());
    for (const mail of leaders) {
      const files = mail.attachments as NonNullable<Email['attachments']>;
      expect(files.map((a) => a.filename)).toEqual(['周通报台账-2018-W30.xlsx', '周通报-2018-W30.docx']);
      expect(Buffer.from(files[1]!.content, 'base64').equals(Buffer.from(world.bytes))).toBe(true);
    }
    // A unit's liaison gets the circular without the files.
    expect(world.mails.some((m) => !(m.attachments ?? []).length)).toBe(true);
  });

  it('is downloadable by the office from the archive under /api/reports', async () => {
    const app = createApp({ store: world.store, clock: () => new Date('2018-07-30T01:00:00Z'), calendar: async () => bench.calendar, cadence: defaultCadence, linkSecret: async () => SECRET, reports: world.reports });
    const office = (await world.store.people.list()).find((p) => p.roles.includes('整改办'))!;
    const token = await issueToken(world.store, { kind: 'office', name: office.name }, instantAt('2018-07-27', '17:00'));
    const listed = (await (await app.request('/api/reports', { headers: { Authorization: `Bearer ${token}` } })).json()) as { reports: { period: string; files: { name: string; url: string }[] }[] };
    const file = listed.reports.find((r) => r.period === '2018-W30')!.files.find((f) => f.name === '周通报-2018-W30.docx')!;
    const download = await app.request(file.url, { headers: { Authorization: `Bearer ${token}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe(DOCX);
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(world.bytes))).toBe(true);
  });
});

// ---- the 发文字号 --------------------------------------------------------------------------

describe('the 发文字号', () => {
  it('advances once per compiled document through the year, the monthly account included; a rerun or a recompile keeps its number; a preview takes none', async () => {
    const { store, deps, reports } = await bench.setup({ tables: readCsvFolder(COUNTY) });
    const compileDeps = { store, calendar: bench.calendar, config: defaultCadence, links: appLinks('http://duban.example.org', SECRET) };
    await runJob('weekly-circular', instantAt('2018-07-20', '16:00'), deps);
    // A preview of the next week, before it is due: no number, and none used up.
    const preview = await compileReport('weekly-circular', '2018-W30', compileDeps, instantAt('2018-07-25', '10:00'));
    expect(preview.document.number).toBeUndefined();
    const files = await (await import('../functions/reports/publish.ts')).reportRenderer().then((r) => r.files(preview));
    const previewDoc = await readDocx(files.find((f) => f.name.endsWith('.docx'))!.body);
    expect(numberOf(previewDoc)).toBe('（预览，未编号）');

    await runJob('weekly-circular', instantAt('2018-07-27', '16:00'), deps);
    await runJob('weekly-circular', instantAt('2018-07-27', '16:00'), deps); // a rerun
    await runJob('monthly-account', instantAt('2018-08-01', '09:30'), deps);
    await runJob('weekly-circular', instantAt('2018-08-03', '16:00'), deps);
    const numbers = [];
    for (const [kind, period] of [['weekly-circular', '2018-W29'], ['weekly-circular', '2018-W30'], ['monthly-account', '2018-07'], ['weekly-circular', '2018-W31']] as const) {
      numbers.push(numberOf((await archivedDocx(reports, kind, period)).doc));
    }
    expect(numbers).toEqual(['云整改办〔2018〕1号', '云整改办〔2018〕2号', '云整改办〔2018〕3号', '云整改办〔2018〕4号']);
    // Compiled again when due (as `npx duban report` does for a period no job archived): the same number.
    expect((await compileReport('weekly-circular', '2018-W30', compileDeps)).document.number).toBe('云整改办〔2018〕2号');

    // The monthly account is a 公文 of its own: addressed to the leading group, its own lists.
    const account = (await archivedDocx(reports, 'monthly-account', '2018-07')).doc;
    expect(titleOf(account).map(textOf).join('')).toBe(`关于2018年7月${PROGRAMME}交账情况的通报`);
    expect(paragraphWith(account, `${PROGRAMME}领导小组：`)).toBeDefined();
    expect(paragraphWith(account, '八、各单位交账情况')).toBeDefined();
    expect(rowsOf(tableAfter(account, '各单位本月交账情况如下：')!)[0]).toEqual(['单位', '承担任务', '交账项数', '交账情况']);
    const accountMail = (await bench.mail()).filter((m) => m.subject.startsWith('【月交账】'));
    expect(accountMail.length).toBeGreaterThan(0);
    for (const mail of accountMail) expect((mail.attachments ?? []).map((a) => a.filename)).toEqual(['月交账台账-2018-07.xlsx', '月交账-2018-07.docx']);

    // A new year starts again at 1.
    await runJob('weekly-circular', instantAt('2019-01-04', '16:00'), deps);
    expect(numberOf((await archivedDocx(reports, 'weekly-circular', '2019-W01')).doc)).toBe('云整改办〔2019〕1号');
  });

  it('gives concurrent callers consecutive numbers without gaps, each document one number however often it asks', async () => {
    const store: Store = await bench.setup({ tables: readCsvFolder(COUNTY) }).then((b) => b.store);
    const documents = ['weekly-circular/2018-W28', 'weekly-circular/2018-W29', 'monthly-account/2018-07', 'weekly-circular/2018-W30', 'weekly-circular/2018-W31'];
    const answers = await Promise.all(documents.flatMap((d) => [0, 1, 2].map(async () => [d, (await store.documentNumber(d, 2018)).number] as const)));
    const byDocument = new Map<string, Set<number>>();
    for (const [d, n] of answers) byDocument.set(d, (byDocument.get(d) ?? new Set()).add(n));
    for (const [d, numbers] of byDocument) expect(numbers.size, d).toBe(1);
    expect([...byDocument.values()].map((s) => [...s][0]!).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    expect(await store.documentNumber('weekly-circular/2018-W30', 2019)).toEqual({ year: 2018, number: (await store.documentNumber('weekly-circular/2018-W30', 2018)).number });
  });

  it('falls back to the office’s short name when the 基本信息 sheet gives no prefix', async () => {
    const tables = readCsvFolder(COUNTY);
    const office = tables.find((t) => t.sheet === '基本信息')!;
    office.rows = office.rows.filter((r) => r.cells['项目'] !== '发文字号前缀');
    const { deps, reports } = await bench.setup({ tables });
    await runJob('weekly-circular', instantAt('2018-07-13', '16:00'), deps);
    const { doc } = await archivedDocx(reports, 'weekly-circular', '2018-W28');
    expect(numberOf(doc)).toBe('县整改办〔2018〕1号');
    const text = doc.paragraphs.map(textOf).join('\n');
    expect(text).not.toMatch(/绵竹|市整改办/);
  });
});
