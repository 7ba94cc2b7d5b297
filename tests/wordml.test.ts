/**
 * Our WordprocessingML writer (functions/reports/gongwen/wordml.ts) on its own: the file it packs
 * is a Word package whose parts are all there, named in [Content_Types].xml and linked by their
 * relationships, each well-formed XML with its properties in the schema's order; LibreOffice prints
 * it as the pages its lines fill, numbered outside; text with & < > and control characters arrives
 * as written (the control characters left out).
 */
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { CHAR, FOOTER_FROM_EDGE, LINE, MARGIN, PAGE, SIZE, pt } from '../functions/reports/gongwen/layout.ts';
import { sniffType } from '../functions/core/evidence.ts';
import { paragraph, table, wordDocx, type Paragraph, type WordDocument } from '../functions/reports/gongwen/wordml.ts';
import { haveLibreOffice, linesOf, mmToPt, printed, SOFFICE } from './support/libreoffice.ts';
import { all, parseXml, type Element } from './support/xml.ts';

if (!haveLibreOffice) console.warn(`No LibreOffice at ${SOFFICE} (or no pdftotext): the printing tests are skipped${process.env.CI ? ' — and fail, because CI is set' : ''}.`);
const withLibreOffice = !haveLibreOffice && !process.env.CI;

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const MAIN = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml';

const pageNumber = (side: 'odd' | 'even'): Paragraph[] => {
  const style = { font: '宋体', size: pt(SIZE.四号) };
  return [paragraph({ align: side === 'odd' ? 'right' : 'left', indent: side === 'odd' ? { right: 280 } : { left: 280 } }, [{ text: '— ', ...style }, { field: 'PAGE', ...style }, { text: ' —', ...style }])];
};

/** The 公文's page: A4, the standard's margins, lines exactly 1/22 of the type area, numbers outside. */
const document = (body: WordDocument['body'], extra: Partial<WordDocument> = {}): WordDocument => ({
  title: '测试文档',
  creator: '某县整改办',
  created: '2018-07-27T08:00:00.000Z',
  defaults: { font: '仿宋_GB2312', size: pt(SIZE.三号) },
  section: {
    page: PAGE,
    margin: { ...MARGIN, header: MARGIN.top - 567, footer: FOOTER_FROM_EDGE },
    linePitch: LINE,
    footers: { default: pageNumber('odd'), even: pageNumber('even') },
  },
  body,
  ...extra,
});

const exactly = { line: LINE, lineRule: 'exact' as const, before: 0, after: 0 };
const line = (text: string) => paragraph({ spacing: exactly }, [{ text }]);

// ---- reading the package back --------------------------------------------------------------

/** Elements by local name (the parser is namespace-aware: an undeclared prefix fails the parse). */
const every = (node: Element, name: string): Element[] => all(node, (e) => e.name === name);

async function unpack(bytes: Uint8Array) {
  const zip = await JSZip.loadAsync(bytes);
  const parts = new Map<string, Element>();
  for (const name of Object.keys(zip.files).filter((n) => !zip.files[n]!.dir)) parts.set(name, parseXml(await zip.file(name)!.async('string')));
  return parts;
}

/**
 * The schema's order (ECMA-376 part 1, CT_PPrBase, CT_RPr, CT_TblPr, CT_TcPr, CT_SectPr) for the
 * properties the writer uses: Word refuses a file whose properties come out of this order.
 */
const ORDER: Record<string, string[]> = {
  pPr: ['pStyle', 'keepNext', 'keepLines', 'pageBreakBefore', 'pBdr', 'shd', 'tabs', 'spacing', 'ind', 'jc', 'rPr'],
  rPr: ['rStyle', 'rFonts', 'b', 'bCs', 'i', 'color', 'spacing', 'w', 'kern', 'position', 'sz', 'szCs', 'u'],
  tblPr: ['tblStyle', 'tblpPr', 'tblOverlap', 'tblW', 'jc', 'tblInd', 'tblBorders', 'shd', 'tblLayout', 'tblCellMar', 'tblLook'],
  // Positioning only: tblOverlap is the table's property, beside it, not inside.
  tblpPr: [],
  pBdr: ['top', 'left', 'bottom', 'right', 'between', 'bar'],
  tblBorders: ['top', 'left', 'bottom', 'right', 'insideH', 'insideV'],
  tcPr: ['tcW', 'gridSpan', 'vMerge', 'tcBorders', 'shd', 'noWrap', 'tcMar', 'vAlign'],
  tcBorders: ['top', 'left', 'bottom', 'right'],
  tcMar: ['top', 'left', 'bottom', 'right'],
  tbl: ['tblPr', 'tblGrid', 'tr'],
  tc: ['tcPr', 'p', 'tbl'],
  sectPr: ['headerReference', 'footerReference', 'pgSz', 'pgMar', 'pgNumType', 'cols', 'titlePg', 'docGrid'],
};

function outOfOrder(node: Element): string[] {
  const order = ORDER[node.name];
  const here: string[] = [];
  if (order) {
    const ranks = node.children.map((c) => order.indexOf(c.name));
    node.children.forEach((c, i) => {
      if (ranks[i]! < 0) here.push(`${node.name} holds ${c.name}, which it may not`);
      else if (i > 0 && ranks[i]! < ranks[i - 1]!) here.push(`${node.name}: ${c.name} after ${node.children[i - 1]!.name}`);
    });
  }
  return [...here, ...node.children.flatMap(outOfOrder)];
}

// ---- the tests -----------------------------------------------------------------------------

describe('the WordprocessingML writer', () => {
  const fifty = Array.from({ length: 50 }, (_, i) => line(`第${i + 1}行`));

  it.skipIf(withLibreOffice)('prints in LibreOffice as the pages its lines fill: 50 lines of 1/22 of the type area are three A4 pages, numbered outside', async () => {
    const pages = await printed(wordDocx(document(fifty)), '五十行.docx');
    expect(pages).toHaveLength(3);
    const toPt = (twips: number) => twips / 20;
    for (const page of pages) {
      expect(page.width).toBeCloseTo(toPt(PAGE.width), 0);
      expect(page.height).toBeCloseTo(toPt(PAGE.height), 0);
    }
    pages.forEach((page, i) => {
      const lines = linesOf(page);
      const numbers = lines.filter((l) => /^—\d+—$/.test(l.text));
      const text = lines.filter((l) => !numbers.includes(l));
      // 22, 22 and 6 lines, each page starting where the last stopped, at the type area's left edge.
      expect(text.map((l) => l.text)).toEqual(fifty.slice(i * 22, i * 22 + 22).map((p) => (p.runs[0] as { text: string }).text));
      for (const l of text) expect(Math.abs(l.x0 - toPt(MARGIN.left))).toBeLessThan(mmToPt(1));
      // LibreOffice keeps lengths in hundredths of a millimetre: a pitch within 0.1 pt.
      for (let k = 1; k < text.length; k++) expect(Math.abs(text[k]!.y - text[k - 1]!.y - toPt(LINE))).toBeLessThan(0.1);
      // The number below the type area: odd pages one 4号 character in from the right, even ones from the left.
      expect(numbers.map((l) => l.text)).toEqual([`—${i + 1}—`]);
      const number = numbers[0]!;
      expect(number.y).toBeGreaterThan(toPt(PAGE.height - MARGIN.bottom));
      if (i % 2 === 0) expect(Math.abs(page.width - toPt(MARGIN.right) - SIZE.四号 - number.x1)).toBeLessThan(2);
      else expect(Math.abs(toPt(MARGIN.left) + SIZE.四号 - number.x0)).toBeLessThan(2);
    });
  });

  it('packs every part Word needs, each named in [Content_Types].xml, linked by a relationship and well-formed, properties in the schema’s order', async () => {
    const body = [
      paragraph({ keepNext: true, align: 'center', indent: { firstLine: 2 * CHAR }, spacing: exactly, border: { bottom: { style: 'single', size: 12, color: 'FF0000', space: 11 } } }, [{ text: '标题', font: '黑体', bold: true, color: 'FF0000', scale: 90, characterSpacing: -5, size: 44 }]),
      table({
        width: 8844,
        columns: [4422, 4422],
        fixedLayout: true,
        float: { horizontal: 'center', vertical: 'bottom' },
        borders: { top: { style: 'single', size: 4, color: '000000' }, insideVertical: { style: 'none', size: 0, color: 'FFFFFF' } },
        rows: [
          { header: true, cantSplit: true, cells: [{ width: 8844, span: 2, verticalAlign: 'center', margins: { top: 0, left: 0 }, borders: { top: { style: 'single', size: 8, color: '000000' } }, paragraphs: [line('表头')] }] },
          { cells: [{ width: 4422, paragraphs: [line('甲')] }, { width: 4422, paragraphs: [] }] },
        ],
      }),
      line('末行'),
    ];
    const parts = await unpack(wordDocx(document(body)));
    const names = [...parts.keys()];
    for (const required of ['[Content_Types].xml', '_rels/.rels', 'word/document.xml', 'word/_rels/document.xml.rels', 'word/styles.xml', 'word/settings.xml', 'docProps/core.xml', 'docProps/app.xml']) {
      expect(names, required).toContain(required);
    }

    // Every part has a content type: its own (Override) or its extension's (Default).
    const types = parts.get('[Content_Types].xml')!;
    const overrides = new Map(every(types, 'Override').map((o) => [o.attributes.PartName!, o.attributes.ContentType!]));
    const defaults = new Map(every(types, 'Default').map((d) => [d.attributes.Extension!, d.attributes.ContentType!]));
    for (const name of names.filter((n) => n !== '[Content_Types].xml')) {
      expect(overrides.get(`/${name}`) ?? defaults.get(name.split('.').at(-1)!), name).toBeDefined();
    }
    for (const part of overrides.keys()) expect(names, `${part} named in [Content_Types].xml`).toContain(part.slice(1));

    // The package's relationships lead to the main document; every relationship's target is in the package.
    const packageRels = every(parts.get('_rels/.rels')!, 'Relationship');
    const main = packageRels.find((r) => r.attributes.Type!.endsWith('/officeDocument'))!;
    expect(main.attributes.Target).toBe('word/document.xml');
    expect(overrides.get('/word/document.xml')).toBe(MAIN);
    for (const r of packageRels) expect(names, r.attributes.Target).toContain(r.attributes.Target);
    const documentRels = every(parts.get('word/_rels/document.xml.rels')!, 'Relationship');
    for (const r of documentRels) expect(names, r.attributes.Target).toContain(`word/${r.attributes.Target}`);
    expect(documentRels.map((r) => r.attributes.Type!.split('/').at(-1)).sort()).toEqual(['footer', 'footer', 'settings', 'styles']);

    // The document's root and body, its footer references resolving to the two footers.
    const documentXml = parts.get('word/document.xml')!;
    expect([documentXml.name, documentXml.attributes['xmlns:w']]).toEqual(['document', W]);
    const ids = new Map(documentRels.map((r) => [r.attributes.Id!, r.attributes.Target!]));
    const footers = every(documentXml, 'footerReference').map((f) => [f.attributes['w:type'], ids.get(f.attributes['r:id']!)]);
    expect(footers).toEqual([['default', 'footer1.xml'], ['even', 'footer2.xml']]);
    for (const [, target] of footers) expect(parts.get(`word/${target}`)!.name).toBe('ftr');
    expect(every(parts.get('word/settings.xml')!, 'evenAndOddHeaders')).toHaveLength(1);
    expect(every(parts.get('word/styles.xml')!, 'rFonts')[0]!.attributes['w:eastAsia']).toBe('仿宋_GB2312');

    // Properties in the schema's order, in the body and in the footers.
    expect([...parts.entries()].filter(([n]) => n.startsWith('word/')).flatMap(([, node]) => outOfOrder(node))).toEqual([]);
    // A cell given no paragraph still ends with one, as the schema requires.
    const cells = every(documentXml, 'tc');
    expect(cells.map((c) => c.children.at(-1)!.name)).toEqual(['p', 'p', 'p']);

    const core = parts.get('docProps/core.xml')!;
    expect(every(core, 'title')[0]!.text).toBe('测试文档');
    expect(every(core, 'creator')[0]!.text).toBe('某县整改办');
    expect(every(core, 'created')[0]!.text).toBe('2018-07-27T08:00:00Z');
  });

  it('gives the same bytes for the same document: nothing depends on when it is written', () => {
    expect(wordDocx(document(fifty)).equals(wordDocx(document(fifty)))).toBe(true);
    expect(wordDocx(document(fifty)).equals(wordDocx(document(fifty, { created: '2018-07-28T08:00:00.000Z' })))).toBe(false);
  });

  it('is told as a Word document by the 佐证材料 check when a unit uploads it back, whatever its name says', () => {
    expect(sniffType(new Uint8Array(wordDocx(document([line('验收意见')]))), '验收.xlsx')).toBe('docx');
  });

  describe('text with & < > quotes and control characters', () => {
    const tricky = '甲&乙 <丙> "丁" \'戊\' &amp; ]]> 己\u0001\u0008\u000b\u000c\u001f\ufffe庚';
    const shown = '甲&乙 <丙> "丁" \'戊\' &amp; ]]> 己庚';
    const doc = document(
      [
        line(tricky),
        paragraph({ spacing: exactly }, [{ text: '第一行\n第二行\r\n第三行\t末' }]),
        table({ width: 8844, columns: [8844], borders: { top: { style: 'single', size: 4, color: '000000' } }, rows: [{ cells: [{ width: 8844, paragraphs: [line('A<B & C>D')] }] }] }),
        line('完'),
      ],
      { title: `通报 & <草稿> ${tricky}`, creator: '"某县" & \'整改办\'' },
    );

    it('stays in the XML as written, the characters XML forbids left out', async () => {
      const parts = await unpack(wordDocx(doc));
      const paragraphs = every(parts.get('word/document.xml')!, 'p');
      const textOf = (p: Element) => every(p, 't').map((t) => t.text).join('');
      expect(paragraphs.map(textOf)).toEqual([shown, '第一行第二行第三行末', 'A<B & C>D', '完']);
      // Line breaks and the tab are Word's own elements.
      expect(paragraphs[1]!.children.filter((c) => c.name === 'r').flatMap((r) => r.children.map((c) => c.name))).toEqual(['t', 'br', 't', 'br', 't', 'tab', 't']);
      const core = parts.get('docProps/core.xml')!;
      expect(every(core, 'title')[0]!.text).toBe(`通报 & <草稿> ${shown}`);
      expect(every(core, 'creator')[0]!.text).toBe('"某县" & \'整改办\'');
    });

    it.skipIf(withLibreOffice)('prints as written in LibreOffice, each line break a new line', async () => {
      const [page] = await printed(wordDocx(doc), '特殊字符.docx');
      const lines = linesOf(page!).map((l) => l.text);
      expect(lines.slice(0, 6)).toEqual([shown.replace(/ /g, ''), '第一行', '第二行', '第三行末', 'A<B&C>D', '完']);
    });
  });
});
