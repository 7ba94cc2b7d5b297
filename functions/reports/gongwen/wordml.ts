/**
 * A small WordprocessingML (.docx, ECMA-376) writer: what the 公文 needs and nothing more.
 * Paragraphs of runs (fonts per script, size, colour, bold, 字符缩放, character spacing), a PAGE
 * field, tables with borders, widths and cell margins, a table floating at a corner of the margins,
 * one section (page size, margins, footer distance, line pitch) with default and even footers, the
 * document's default font and size, and its core properties; packed by our zip writer.
 *
 * Units are Word's: twips (1/20 pt) for lengths, half-points for type sizes, eighths of a point
 * for borders. Elements are written in the order the schema requires (Word refuses a document
 * whose properties are out of order); text is escaped, and the characters XML forbids left out,
 * by `xmlText`.
 */
import { xmlText, zip } from '../zip-writer.ts';

export type Alignment = 'left' | 'center' | 'right' | 'both';

export interface RunStyle {
  /** One font for every script (ascii, hAnsi, eastAsia, cs). */
  font?: string;
  /** In half-points (w:sz). */
  size?: number;
  bold?: boolean;
  /** RRGGBB. */
  color?: string;
  /** Horizontal scale in percent (Word's 字符缩放). */
  scale?: number;
  /** Extra space between characters, in twips; negative is tighter. */
  characterSpacing?: number;
}

/** A run of text, or a field Word computes (the page number). */
export type Run = (RunStyle & { text: string }) | (RunStyle & { field: 'PAGE' });

export interface Border {
  style: 'single' | 'none';
  /** Eighths of a point. */
  size: number;
  color: string;
  /** Between the border and the text, in points. */
  space?: number;
}

export interface ParagraphOptions {
  align?: Alignment;
  indent?: { left?: number; right?: number; firstLine?: number; hanging?: number };
  spacing?: { before?: number; after?: number; line?: number; lineRule?: 'exact' | 'atLeast' | 'auto' };
  keepNext?: boolean;
  border?: { bottom?: Border };
}

export interface Paragraph extends ParagraphOptions {
  type: 'paragraph';
  runs: Run[];
}

type Sides<T> = { top?: T; left?: T; bottom?: T; right?: T };

export interface TableCell {
  /** Twips. */
  width: number;
  /** Columns of the grid this cell spans. */
  span?: number;
  borders?: Sides<Border>;
  margins?: Sides<number>;
  verticalAlign?: 'top' | 'center' | 'bottom';
  paragraphs: Paragraph[];
}

export interface TableRow {
  /** Repeated at the top of each page the table runs over. */
  header?: boolean;
  cantSplit?: boolean;
  cells: TableCell[];
}

export interface Table {
  type: 'table';
  /** Twips. */
  width: number;
  /** The grid's column widths, in twips. */
  columns: number[];
  fixedLayout?: boolean;
  borders?: Sides<Border> & { insideHorizontal?: Border; insideVertical?: Border };
  /** Floating: placed against the margins (horizontally and vertically), other text never overlapping it. */
  float?: { horizontal: 'left' | 'center' | 'right'; vertical: 'top' | 'center' | 'bottom' };
  rows: TableRow[];
}

export type Block = Paragraph | Table;

export interface Section {
  page: { width: number; height: number };
  margin: { top: number; right: number; bottom: number; left: number; header: number; footer: number; gutter?: number };
  /** The document grid's line pitch (w:docGrid), in twips; no grid type is switched on. */
  linePitch?: number;
  /** Footers on odd (default) and even pages; `even` switches on evenAndOddHeaders. */
  footers?: { default?: Paragraph[]; even?: Paragraph[] };
}

export interface WordDocument {
  title?: string;
  creator?: string;
  /** ISO instant written as created and modified: the same document gives the same bytes. */
  created?: string;
  /** The font and size (half-points) of text that names none. */
  defaults: { font: string; size: number };
  section: Section;
  body: Block[];
}

export const paragraph = (options: ParagraphOptions, runs: Run[] = []): Paragraph => ({ type: 'paragraph', ...options, runs });

export const table = (options: Omit<Table, 'type'>): Table => ({ type: 'table', ...options });

// ---- XML -----------------------------------------------------------------------------------

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/** `<w:name a="1" b="2"/>`, leaving out attributes without a value. */
function el(name: string, attrs: Record<string, string | number | undefined> = {}, content?: string): string {
  const written = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlText(String(v))}"`)
    .join('');
  return content === undefined || content === '' ? `<${name}${written}/>` : `<${name}${written}>${content}</${name}>`;
}

/** An element holding only its children, left out when it has none. */
const wrap = (name: string, children: string[]) => (children.some(Boolean) ? `<${name}>${children.join('')}</${name}>` : '');

const fonts = (font: string) => el('w:rFonts', { 'w:ascii': font, 'w:hAnsi': font, 'w:eastAsia': font, 'w:cs': font });

function runProperties(style: RunStyle): string {
  return wrap('w:rPr', [
    style.font ? fonts(style.font) : '',
    style.bold ? '<w:b/><w:bCs/>' : '',
    style.color ? el('w:color', { 'w:val': style.color }) : '',
    style.characterSpacing !== undefined ? el('w:spacing', { 'w:val': style.characterSpacing }) : '',
    style.scale !== undefined ? el('w:w', { 'w:val': style.scale }) : '',
    style.size !== undefined ? el('w:sz', { 'w:val': style.size }) + el('w:szCs', { 'w:val': style.size }) : '',
  ]);
}

function runXml(run: Run): string {
  const props = runProperties(run);
  if ('field' in run) {
    // A complex field: begin, the instruction, separate, end; Word and LibreOffice compute the result.
    const part = (content: string) => `<w:r>${props}${content}</w:r>`;
    return [
      part(el('w:fldChar', { 'w:fldCharType': 'begin' })),
      part(el('w:instrText', { 'xml:space': 'preserve' }, ` ${run.field} `)),
      part(el('w:fldChar', { 'w:fldCharType': 'separate' })),
      part(el('w:fldChar', { 'w:fldCharType': 'end' })),
    ].join('');
  }
  // Line breaks and tabs in the text are Word's own elements, not characters of a w:t.
  const pieces = run.text.split(/(\r\n|\r|\n|\t)/).filter((p) => p !== '');
  const content = pieces.map((p) => (p === '\t' ? '<w:tab/>' : /^[\r\n]+$/.test(p) ? '<w:br/>' : el('w:t', { 'xml:space': 'preserve' }, xmlText(p)))).join('');
  return `<w:r>${props}${content}</w:r>`;
}

const borderXml = (name: string, b: Border | undefined) => (b ? el(name, { 'w:val': b.style, 'w:sz': b.size, 'w:space': b.space ?? 0, 'w:color': b.color }) : '');

function paragraphXml(p: Paragraph): string {
  const props = wrap('w:pPr', [
    p.keepNext ? '<w:keepNext/>' : '',
    p.border ? wrap('w:pBdr', [borderXml('w:bottom', p.border.bottom)]) : '',
    p.spacing ? el('w:spacing', { 'w:before': p.spacing.before, 'w:after': p.spacing.after, 'w:line': p.spacing.line, 'w:lineRule': p.spacing.lineRule }) : '',
    p.indent ? el('w:ind', { 'w:left': p.indent.left, 'w:right': p.indent.right, 'w:firstLine': p.indent.firstLine, 'w:hanging': p.indent.hanging }) : '',
    p.align ? el('w:jc', { 'w:val': p.align }) : '',
  ]);
  return `<w:p>${props}${p.runs.map(runXml).join('')}</w:p>`;
}

const sidesXml = <T>(name: string, sides: Sides<T> | undefined, one: (side: string, value: T | undefined) => string) =>
  sides ? wrap(name, (['top', 'left', 'bottom', 'right'] as const).map((s) => one(`w:${s}`, sides[s]))) : '';

function cellXml(cell: TableCell): string {
  const props = wrap('w:tcPr', [
    el('w:tcW', { 'w:w': cell.width, 'w:type': 'dxa' }),
    cell.span && cell.span > 1 ? el('w:gridSpan', { 'w:val': cell.span }) : '',
    sidesXml('w:tcBorders', cell.borders, borderXml),
    sidesXml('w:tcMar', cell.margins, (name, v) => (v === undefined ? '' : el(name, { 'w:w': v, 'w:type': 'dxa' }))),
    cell.verticalAlign ? el('w:vAlign', { 'w:val': cell.verticalAlign }) : '',
  ]);
  // A cell must end with a paragraph.
  const paragraphs = cell.paragraphs.length ? cell.paragraphs : [paragraph({})];
  return `<w:tc>${props}${paragraphs.map(paragraphXml).join('')}</w:tc>`;
}

function tableXml(t: Table): string {
  const b = t.borders;
  const props = wrap('w:tblPr', [
    t.float ? el('w:tblpPr', { 'w:horzAnchor': 'margin', 'w:vertAnchor': 'margin', 'w:tblpXSpec': t.float.horizontal, 'w:tblpYSpec': t.float.vertical }) : '',
    t.float ? el('w:tblOverlap', { 'w:val': 'never' }) : '',
    el('w:tblW', { 'w:w': t.width, 'w:type': 'dxa' }),
    b ? wrap('w:tblBorders', [borderXml('w:top', b.top), borderXml('w:left', b.left), borderXml('w:bottom', b.bottom), borderXml('w:right', b.right), borderXml('w:insideH', b.insideHorizontal), borderXml('w:insideV', b.insideVertical)]) : '',
    t.fixedLayout ? el('w:tblLayout', { 'w:type': 'fixed' }) : '',
  ]);
  const grid = `<w:tblGrid>${t.columns.map((w) => el('w:gridCol', { 'w:w': w })).join('')}</w:tblGrid>`;
  const rows = t.rows.map((row) => {
    const rowProps = wrap('w:trPr', [row.cantSplit ? '<w:cantSplit/>' : '', row.header ? '<w:tblHeader/>' : '']);
    return `<w:tr>${rowProps}${row.cells.map(cellXml).join('')}</w:tr>`;
  });
  return `<w:tbl>${props}${grid}${rows.join('')}</w:tbl>`;
}

const blockXml = (block: Block) => (block.type === 'paragraph' ? paragraphXml(block) : tableXml(block));

function sectionXml(section: Section, footerIds: { default?: string; even?: string }): string {
  const m = section.margin;
  return wrap('w:sectPr', [
    footerIds.default ? el('w:footerReference', { 'w:type': 'default', 'r:id': footerIds.default }) : '',
    footerIds.even ? el('w:footerReference', { 'w:type': 'even', 'r:id': footerIds.even }) : '',
    el('w:pgSz', { 'w:w': section.page.width, 'w:h': section.page.height }),
    el('w:pgMar', { 'w:top': m.top, 'w:right': m.right, 'w:bottom': m.bottom, 'w:left': m.left, 'w:header': m.header, 'w:footer': m.footer, 'w:gutter': m.gutter ?? 0 }),
    section.linePitch ? el('w:docGrid', { 'w:linePitch': section.linePitch }) : '',
  ]);
}

const wordPart = (root: string, content: string, namespaces = `xmlns:w="${W}"`) => `${DECLARATION}<${root} ${namespaces}>${content}</${root}>`;

interface Part {
  name: string;
  contentType?: string;
  xml: string;
}

const relationships = (rels: { id: string; type: string; target: string }[]) =>
  `${DECLARATION}<Relationships xmlns="${PKG_REL}">${rels.map((r) => el('Relationship', { Id: r.id, Type: r.type, Target: r.target })).join('')}</Relationships>`;

/** The parts of a document, each with its name, content type and XML. */
export function wordParts(doc: WordDocument): Part[] {
  const footers = (['default', 'even'] as const).flatMap((kind, i) => {
    const paragraphs = doc.section.footers?.[kind];
    return paragraphs ? [{ kind, id: `rIdFooter${i + 1}`, name: `footer${i + 1}.xml`, paragraphs }] : [];
  });
  const footerIds = Object.fromEntries(footers.map((f) => [f.kind, f.id]));
  const evenAndOdd = footers.some((f) => f.kind === 'even');
  const created = doc.created ? new Date(doc.created).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;

  const parts: Part[] = [
    {
      name: 'word/document.xml',
      contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
      xml: wordPart('w:document', `<w:body>${doc.body.map(blockXml).join('')}${sectionXml(doc.section, footerIds)}</w:body>`, `xmlns:w="${W}" xmlns:r="${REL}"`),
    },
    {
      name: 'word/styles.xml',
      contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml',
      xml: wordPart(
        'w:styles',
        `<w:docDefaults><w:rPrDefault>${runProperties({ font: doc.defaults.font, size: doc.defaults.size })}</w:rPrDefault><w:pPrDefault/></w:docDefaults>` +
          '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>',
      ),
    },
    {
      name: 'word/settings.xml',
      contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml',
      xml: wordPart('w:settings', `${evenAndOdd ? '<w:evenAndOddHeaders/>' : ''}<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>`),
    },
    ...footers.map((f) => ({
      name: `word/${f.name}`,
      contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml',
      xml: wordPart('w:ftr', f.paragraphs.map(paragraphXml).join(''), `xmlns:w="${W}" xmlns:r="${REL}"`),
    })),
    {
      name: 'word/_rels/document.xml.rels',
      xml: relationships([
        { id: 'rIdStyles', type: `${REL}/styles`, target: 'styles.xml' },
        { id: 'rIdSettings', type: `${REL}/settings`, target: 'settings.xml' },
        ...footers.map((f) => ({ id: f.id, type: `${REL}/footer`, target: f.name })),
      ]),
    },
    {
      name: 'docProps/core.xml',
      contentType: 'application/vnd.openxmlformats-package.core-properties+xml',
      xml:
        `${DECLARATION}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
        (doc.title ? el('dc:title', {}, xmlText(doc.title)) : '') +
        (doc.creator ? el('dc:creator', {}, xmlText(doc.creator)) : '') +
        (created ? el('dcterms:created', { 'xsi:type': 'dcterms:W3CDTF' }, created) + el('dcterms:modified', { 'xsi:type': 'dcterms:W3CDTF' }, created) : '') +
        '</cp:coreProperties>',
    },
    {
      name: 'docProps/app.xml',
      contentType: 'application/vnd.openxmlformats-officedocument.extended-properties+xml',
      xml: `${DECLARATION}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>duban</Application></Properties>`,
    },
    {
      name: '_rels/.rels',
      xml: relationships([
        { id: 'rId1', type: `${REL}/officeDocument`, target: 'word/document.xml' },
        { id: 'rId2', type: `${PKG_REL}/metadata/core-properties`, target: 'docProps/core.xml' },
        { id: 'rId3', type: `${REL}/extended-properties`, target: 'docProps/app.xml' },
      ]),
    },
  ];
  const types =
    `${DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
    parts.filter((p) => p.contentType).map((p) => el('Override', { PartName: `/${p.name}`, ContentType: p.contentType })).join('') +
    '</Types>';
  return [{ name: '[Content_Types].xml', xml: types }, ...parts];
}

/** The .docx file's bytes. */
export function wordDocx(doc: WordDocument): Buffer {
  return zip(wordParts(doc).map((p) => ({ name: p.name, data: p.xml })));
}
