/**
 * A small SpreadsheetML (.xlsx) writer over our zip writer: what the 台账, the referral workbook
 * and the blank import template use, and nothing else. Strings go to one shared table; cell styles
 * (font, fill, thin border, alignment) are deduplicated into the styles part; a sheet has merges,
 * column widths, row heights, frozen panes, an autoFilter, hyperlinks (a relationship for a URL, a
 * `location` for a place in the workbook: `#'佐证材料'!A5`), notes (comments with their VML
 * shapes, which Excel needs to show them) and list validations. Rows and columns count from 1.
 * The same content always gives the same bytes.
 */
import { xmlText, zip, type ZipEntry } from './zip-writer.ts';

/** A colour as Excel spells it, alpha first: `FFD93025`. */
export type Argb = string;

export interface CellStyle {
  font?: { bold?: boolean; size?: number; color?: Argb; underline?: boolean };
  /** A solid fill. */
  fill?: Argb;
  /** A thin border on all four sides, in this colour. */
  border?: Argb;
  alignment?: { horizontal?: 'left' | 'center' | 'right'; vertical?: 'top' | 'middle' | 'bottom'; wrapText?: boolean };
}

/** A link to a URL, or to a place in the workbook when it starts with `#`: `#'佐证材料'!A5`. */
export interface CellLink {
  text: string;
  hyperlink: string;
}

export type CellValue = string | number | CellLink;

/** A drop-down list. `strict`: Excel refuses any other value; otherwise the list only suggests. */
export interface ListValidation {
  list: readonly string[];
  strict: boolean;
  prompt?: { title: string; text: string };
  error?: { title: string; text: string };
}

interface Cell {
  value?: CellValue;
  style?: CellStyle;
}

interface Range {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** What Excel holds in one cell and how many links one sheet may have. */
const MAX_CELL_TEXT = 32_767;
const MAX_LINKS = 65_530;
const MAX_ROWS = 1_048_576;
const MAX_COLUMNS = 16_384;
/** The characters Excel refuses in a sheet name, and its length limit. */
const BAD_SHEET_NAME = /[[\]:*?/\\]/;
const MAX_SHEET_NAME = 31;
const DEFAULT_FONT = { name: '宋体', size: 11 };

export class XlsxSheet {
  private readonly rows = new Map<number, Map<number, Cell>>();
  private readonly heights = new Map<number, number>();
  private readonly widths = new Map<number, number>();
  private readonly merges: Range[] = [];
  private readonly notes: { row: number; col: number; text: string }[] = [];
  private readonly validations: { range: Range; rule: ListValidation }[] = [];
  private frozen?: { rows: number; columns: number };
  private filter?: Range;
  private lastRow = 0;

  constructor(readonly name: string) {}

  /**
   * Sets a cell's value and, when given, its whole style. Undefined leaves the cell blank; '' is
   * an empty text, as exceljs wrote it (readers that list a row's values see it).
   */
  set(row: number, col: number, value: CellValue | undefined, style?: CellStyle): void {
    const cell = this.cell(row, col);
    cell.value = value;
    if (style) cell.style = style;
  }

  /** Lays the given style's parts (font, fill, border, alignment) over the cell's own. */
  style(row: number, col: number, style: CellStyle): void {
    const cell = this.cell(row, col);
    cell.style = { ...cell.style, ...style };
  }

  /** Lays a style over every cell written so far in a row. */
  styleRow(row: number, style: CellStyle): void {
    for (const col of this.rows.get(row)?.keys() ?? []) this.style(row, col, style);
  }

  /** Writes the values in the row after the last one used, from column 1; returns its number. */
  addRow(values: (CellValue | undefined)[], style?: CellStyle): number {
    const row = this.lastRow + 1;
    values.forEach((v, i) => this.set(row, i + 1, v, style));
    this.lastRow = row;
    return row;
  }

  /** The text of a note shown when the pointer rests on the cell (a cell holds one: the last given). */
  note(row: number, col: number, text: string): void {
    this.cell(row, col);
    const index = this.notes.findIndex((n) => n.row === row && n.col === col);
    if (index >= 0) this.notes.splice(index, 1);
    this.notes.push({ row, col, text });
  }

  merge(top: number, left: number, bottom: number, right: number): void {
    const range = { top, left, bottom, right };
    checkRange(range);
    if (this.merges.some((m) => m.top <= bottom && top <= m.bottom && m.left <= right && left <= m.right)) {
      throw new Error(`merge ${rangeRef(range)} overlaps another on sheet ${this.name}`);
    }
    this.merges.push(range);
  }

  /** A column's width in characters. */
  width(col: number, width: number): void {
    this.widths.set(col, width);
  }

  widthOf(col: number): number | undefined {
    return this.widths.get(col);
  }

  /** A row's height in points. */
  height(row: number, height: number): void {
    this.heights.set(row, height);
    this.lastRow = Math.max(this.lastRow, row);
  }

  /** Keeps the first `rows` rows and `columns` columns in view while scrolling. */
  freeze(rows: number, columns = 0): void {
    this.frozen = { rows, columns };
  }

  autoFilter(top: number, left: number, bottom: number, right: number): void {
    this.filter = { top, left, bottom, right };
    checkRange(this.filter);
  }

  validate(top: number, left: number, bottom: number, right: number, rule: ListValidation): void {
    const range = { top, left, bottom, right };
    checkRange(range);
    // Excel reads a list given in the formula up to 255 characters.
    if (rule.list.join(',').length > 255) throw new Error(`list validation on ${this.name} is longer than Excel reads`);
    this.validations.push({ range, rule });
  }

  private cell(row: number, col: number): Cell {
    if (!Number.isInteger(row) || !Number.isInteger(col) || row < 1 || col < 1 || row > MAX_ROWS || col > MAX_COLUMNS) {
      throw new Error(`cell (${row}, ${col}) is outside a sheet`);
    }
    let cells = this.rows.get(row);
    if (!cells) this.rows.set(row, (cells = new Map()));
    let cell = cells.get(col);
    if (!cell) cells.set(col, (cell = {}));
    this.lastRow = Math.max(this.lastRow, row);
    return cell;
  }

  /** The worksheet part, its relationships, and its notes' parts, given the workbook's tables. */
  parts(index: number, parts: WorkbookParts): ZipEntry[] {
    const relations: string[] = [];
    const relate = (type: string, target: string, external = false) => {
      relations.push(`<Relationship Id="rId${relations.length + 1}" Type="${REL}/${type}" Target="${xmlText(target)}"${external ? ' TargetMode="External"' : ''}/>`);
      return `rId${relations.length}`;
    };
    const links: string[] = [];
    const rowNumbers = [...new Set([...this.rows.keys(), ...this.heights.keys()])].sort((a, b) => a - b);
    const data: string[] = [];
    let maxCol = 1;
    for (const r of rowNumbers) {
      const cells = [...(this.rows.get(r) ?? new Map<number, Cell>()).entries()].sort((a, b) => a[0] - b[0]);
      const height = this.heights.get(r);
      const xml: string[] = [`<row r="${r}"${height === undefined ? '' : ` ht="${height}" customHeight="1"`}>`];
      for (const [c, cell] of cells) {
        maxCol = Math.max(maxCol, c);
        const ref = cellRef(r, c);
        const s = cell.style ? parts.styles.index(cell.style) : 0;
        const styleAttr = s ? ` s="${s}"` : '';
        let value = cell.value;
        if (value !== undefined && typeof value === 'object') {
          if (links.length < MAX_LINKS) links.push(linkXml(ref, value, relate));
          value = value.text;
        }
        if (value === undefined) {
          if (styleAttr) xml.push(`<c r="${ref}"${styleAttr}/>`);
        } else if (typeof value === 'number' && Number.isFinite(value)) xml.push(`<c r="${ref}"${styleAttr}><v>${value}</v></c>`);
        else xml.push(`<c r="${ref}"${styleAttr} t="s"><v>${parts.strings.index(String(value))}</v></c>`);
      }
      xml.push('</row>');
      data.push(xml.join(''));
    }
    const lastRow = rowNumbers.at(-1) ?? 1;

    const noteEntries: ZipEntry[] = [];
    let legacyDrawing = '';
    if (this.notes.length) {
      const commentsPart = `xl/comments${index}.xml`;
      const vmlPart = `xl/drawings/vmlDrawing${index}.vml`;
      relate('comments', `../comments${index}.xml`);
      legacyDrawing = `<legacyDrawing r:id="${relate('vmlDrawing', `../drawings/vmlDrawing${index}.vml`)}"/>`;
      noteEntries.push({ name: commentsPart, data: commentsXml(this.notes) }, { name: vmlPart, data: vmlXml(this.notes, index) });
      parts.overrides.push([`/${commentsPart}`, 'application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml']);
    }

    const xml = [
      XML_HEAD,
      `<worksheet xmlns="${MAIN}" xmlns:r="${REL}">`,
      `<dimension ref="${rangeRef({ top: 1, left: 1, bottom: lastRow, right: maxCol })}"/>`,
      `<sheetViews><sheetView${index === 1 ? ' tabSelected="1"' : ''} workbookViewId="0">${this.paneXml()}</sheetView></sheetViews>`,
      `<sheetFormatPr defaultRowHeight="15"/>`,
      this.colsXml(),
      `<sheetData>${data.join('')}</sheetData>`,
      this.filter ? `<autoFilter ref="${rangeRef(this.filter)}"/>` : '',
      this.merges.length ? `<mergeCells count="${this.merges.length}">${this.merges.map((m) => `<mergeCell ref="${rangeRef(m)}"/>`).join('')}</mergeCells>` : '',
      this.validationsXml(),
      links.length ? `<hyperlinks>${links.join('')}</hyperlinks>` : '',
      '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>',
      legacyDrawing,
      '</worksheet>',
    ].join('');
    const entries: ZipEntry[] = [{ name: `xl/worksheets/sheet${index}.xml`, data: xml }];
    if (relations.length) entries.push({ name: `xl/worksheets/_rels/sheet${index}.xml.rels`, data: relationshipsXml(relations) });
    return [...entries, ...noteEntries];
  }

  /** The autoFilter's range in a defined name, as Excel keeps it. */
  filterName(sheetIndex: number): string {
    if (!this.filter) return '';
    const f = this.filter;
    const absolute = `$${columnName(f.left)}$${f.top}:$${columnName(f.right)}$${f.bottom}`;
    return `<definedName name="_xlnm._FilterDatabase" localSheetId="${sheetIndex}" hidden="1">${xmlText(`${quoteSheet(this.name)}!${absolute}`)}</definedName>`;
  }

  private paneXml(): string {
    const { rows = 0, columns = 0 } = this.frozen ?? {};
    if (!rows && !columns) return '';
    const pane = rows && columns ? 'bottomRight' : rows ? 'bottomLeft' : 'topRight';
    const split = `${columns ? ` xSplit="${columns}"` : ''}${rows ? ` ySplit="${rows}"` : ''}`;
    const topLeft = cellRef(rows + 1, columns + 1);
    return `<pane${split} topLeftCell="${topLeft}" activePane="${pane}" state="frozen"/><selection pane="${pane}" activeCell="${topLeft}" sqref="${topLeft}"/>`;
  }

  private colsXml(): string {
    if (!this.widths.size) return '';
    const cols = [...this.widths.entries()].sort((a, b) => a[0] - b[0]).map(([c, w]) => `<col min="${c}" max="${c}" width="${w}" customWidth="1"/>`);
    return `<cols>${cols.join('')}</cols>`;
  }

  private validationsXml(): string {
    if (!this.validations.length) return '';
    const items = this.validations.map(({ range, rule }) => {
      const attrs = [
        'type="list"',
        'allowBlank="1"',
        rule.prompt ? `showInputMessage="1" promptTitle="${xmlText(rule.prompt.title)}" prompt="${xmlText(rule.prompt.text)}"` : '',
        rule.strict ? `showErrorMessage="1"${rule.error ? ` errorTitle="${xmlText(rule.error.title)}" error="${xmlText(rule.error.text)}"` : ''}` : '',
        `sqref="${rangeRef(range)}"`,
      ].filter(Boolean);
      return `<dataValidation ${attrs.join(' ')}><formula1>${xmlText(`"${rule.list.join(',')}"`)}</formula1></dataValidation>`;
    });
    return `<dataValidations count="${items.length}">${items.join('')}</dataValidations>`;
  }
}

export class XlsxWorkbook {
  private readonly sheets: XlsxSheet[] = [];

  /** `created`: the instant the document says it was made (passed in: the writer reads no clock). */
  constructor(private readonly props: { creator: string; created?: Date }) {}

  addSheet(name: string): XlsxSheet {
    if (!name.trim() || name.length > MAX_SHEET_NAME || BAD_SHEET_NAME.test(name) || name.startsWith("'") || name.endsWith("'")) {
      throw new Error(`sheet name ${JSON.stringify(name)} is not one Excel accepts`);
    }
    if (this.sheets.some((s) => s.name.toLowerCase() === name.toLowerCase())) throw new Error(`sheet ${name} added twice`);
    const sheet = new XlsxSheet(name);
    this.sheets.push(sheet);
    return sheet;
  }

  sheet(name: string): XlsxSheet | undefined {
    return this.sheets.find((s) => s.name === name);
  }

  toBytes(): Uint8Array {
    if (!this.sheets.length) throw new Error('a workbook needs a sheet');
    const parts: WorkbookParts = { strings: new SharedStrings(), styles: new Styles(), overrides: [] };
    const sheetEntries = this.sheets.flatMap((s, i) => s.parts(i + 1, parts));
    const names = this.sheets.map((s, i) => s.filterName(i)).join('');
    const workbook = [
      XML_HEAD,
      `<workbook xmlns="${MAIN}" xmlns:r="${REL}">`,
      '<workbookPr/><bookViews><workbookView/></bookViews>',
      `<sheets>${this.sheets.map((s, i) => `<sheet name="${xmlText(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets>`,
      names ? `<definedNames>${names}</definedNames>` : '',
      '</workbook>',
    ].join('');
    const n = this.sheets.length;
    const workbookRels = [
      ...this.sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`),
      `<Relationship Id="rId${n + 1}" Type="${REL}/styles" Target="styles.xml"/>`,
      `<Relationship Id="rId${n + 2}" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>`,
    ];
    const overrides: [string, string][] = [
      ['/xl/workbook.xml', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml'],
      ...this.sheets.map((_, i): [string, string] => [`/xl/worksheets/sheet${i + 1}.xml`, 'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml']),
      ['/xl/styles.xml', 'application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml'],
      ['/xl/sharedStrings.xml', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml'],
      ['/docProps/core.xml', 'application/vnd.openxmlformats-package.core-properties+xml'],
      ['/docProps/app.xml', 'application/vnd.openxmlformats-officedocument.extended-properties+xml'],
      ...parts.overrides,
    ];
    const contentTypes = [
      XML_HEAD,
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
      '<Default Extension="xml" ContentType="application/xml"/>',
      '<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>',
      ...overrides.map(([part, type]) => `<Override PartName="${xmlText(part)}" ContentType="${type}"/>`),
      '</Types>',
    ].join('');
    const rootRels = [
      `<Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/>`,
      '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>',
      `<Relationship Id="rId3" Type="${REL}/extended-properties" Target="docProps/app.xml"/>`,
    ];
    return new Uint8Array(
      zip([
        { name: '[Content_Types].xml', data: contentTypes },
        { name: '_rels/.rels', data: relationshipsXml(rootRels) },
        { name: 'docProps/core.xml', data: this.coreXml() },
        { name: 'docProps/app.xml', data: `${XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>duban</Application></Properties>` },
        { name: 'xl/workbook.xml', data: workbook },
        { name: 'xl/_rels/workbook.xml.rels', data: relationshipsXml(workbookRels) },
        ...sheetEntries,
        { name: 'xl/styles.xml', data: parts.styles.xml() },
        { name: 'xl/sharedStrings.xml', data: parts.strings.xml() },
      ]),
    );
  }

  private coreXml(): string {
    const when = this.props.created ? this.props.created.toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
    const dates = when ? `<dcterms:created xsi:type="dcterms:W3CDTF">${when}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">${when}</dcterms:modified>` : '';
    return [
      XML_HEAD,
      '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
      `<dc:creator>${xmlText(this.props.creator)}</dc:creator>${dates}`,
      '</cp:coreProperties>',
    ].join('');
  }
}

interface WorkbookParts {
  strings: SharedStrings;
  styles: Styles;
  overrides: [string, string][];
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** Each distinct text once; a cell holds its index. */
class SharedStrings {
  private readonly indexes = new Map<string, number>();
  private count = 0;

  index(text: string): number {
    this.count++;
    const clean = cellText(text);
    let i = this.indexes.get(clean);
    if (i === undefined) this.indexes.set(clean, (i = this.indexes.size));
    return i;
  }

  xml(): string {
    const items = [...this.indexes.keys()].map((t) => `<si>${textRun(t)}</si>`);
    return `${XML_HEAD}<sst xmlns="${MAIN}" count="${this.count}" uniqueCount="${items.length}">${items.join('')}</sst>`;
  }
}

/** Text as Excel holds it: no unpaired surrogate, no more than a cell takes, a literal `_x0041_` kept literal. */
function cellText(text: string): string {
  const paired = text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '');
  return paired.length > MAX_CELL_TEXT ? `${paired.slice(0, MAX_CELL_TEXT - 1)}…` : paired;
}

function textRun(text: string): string {
  const escaped = xmlText(text).replace(/_(x[0-9A-Fa-f]{4}_)/g, '_x005F_$1');
  return /^\s|\s$/.test(text) ? `<t xml:space="preserve">${escaped}</t>` : `<t>${escaped}</t>`;
}

/** The cell formats in use, each font, fill and border written once. */
class Styles {
  private readonly fonts = new Indexed([fontXml({})]);
  // Excel reserves the first two fills.
  private readonly fills = new Indexed(['<fill><patternFill patternType="none"/></fill>', '<fill><patternFill patternType="gray125"/></fill>']);
  private readonly borders = new Indexed(['<border><left/><right/><top/><bottom/><diagonal/></border>']);
  private readonly formats = new Indexed(['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']);
  private readonly known = new WeakMap<CellStyle, number>();

  index(style: CellStyle): number {
    const seen = this.known.get(style);
    if (seen !== undefined) return seen;
    const font = style.font ? this.fonts.index(fontXml(style.font)) : 0;
    const fill = style.fill ? this.fills.index(`<fill><patternFill patternType="solid"><fgColor rgb="${argb(style.fill)}"/><bgColor indexed="64"/></patternFill></fill>`) : 0;
    const side = (name: string) => `<${name} style="thin"><color rgb="${argb(style.border!)}"/></${name}>`;
    const border = style.border ? this.borders.index(`<border>${['left', 'right', 'top', 'bottom'].map(side).join('')}<diagonal/></border>`) : 0;
    const a = style.alignment;
    const alignment = a && (a.horizontal || a.vertical || a.wrapText)
      ? `<alignment${a.horizontal ? ` horizontal="${a.horizontal}"` : ''}${a.vertical ? ` vertical="${a.vertical === 'middle' ? 'center' : a.vertical}"` : ''}${a.wrapText ? ' wrapText="1"' : ''}/>`
      : '';
    const applies = `${font ? ' applyFont="1"' : ''}${fill ? ' applyFill="1"' : ''}${border ? ' applyBorder="1"' : ''}${alignment ? ' applyAlignment="1"' : ''}`;
    const xf = alignment
      ? `<xf numFmtId="0" fontId="${font}" fillId="${fill}" borderId="${border}" xfId="0"${applies}>${alignment}</xf>`
      : `<xf numFmtId="0" fontId="${font}" fillId="${fill}" borderId="${border}" xfId="0"${applies}/>`;
    const index = this.formats.index(xf);
    this.known.set(style, index);
    return index;
  }

  xml(): string {
    return [
      XML_HEAD,
      `<styleSheet xmlns="${MAIN}">`,
      `<fonts count="${this.fonts.items.length}">${this.fonts.items.join('')}</fonts>`,
      `<fills count="${this.fills.items.length}">${this.fills.items.join('')}</fills>`,
      `<borders count="${this.borders.items.length}">${this.borders.items.join('')}</borders>`,
      `<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>`,
      `<cellXfs count="${this.formats.items.length}">${this.formats.items.join('')}</cellXfs>`,
      '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>',
      '<dxfs count="0"/><tableStyles count="0"/>',
      '</styleSheet>',
    ].join('');
  }
}

class Indexed {
  private readonly indexes = new Map<string, number>();
  constructor(readonly items: string[]) {
    items.forEach((item, i) => this.indexes.set(item, i));
  }

  index(item: string): number {
    let i = this.indexes.get(item);
    if (i === undefined) {
      i = this.items.push(item) - 1;
      this.indexes.set(item, i);
    }
    return i;
  }
}

function fontXml(font: NonNullable<CellStyle['font']>): string {
  return [
    '<font>',
    font.bold ? '<b/>' : '',
    font.underline ? '<u/>' : '',
    `<sz val="${font.size ?? DEFAULT_FONT.size}"/>`,
    font.color ? `<color rgb="${argb(font.color)}"/>` : '<color theme="1"/>',
    `<name val="${DEFAULT_FONT.name}"/><family val="3"/><charset val="134"/>`,
    '</font>',
  ].join('');
}

function argb(colour: Argb): string {
  if (!/^[0-9A-Fa-f]{8}$/.test(colour)) throw new Error(`colour ${colour} is not ARGB`);
  return colour.toUpperCase();
}

function linkXml(ref: string, link: CellLink, relate: (type: string, target: string, external: boolean) => string): string {
  const display = ` display="${xmlText(cellText(link.text))}"`;
  if (link.hyperlink.startsWith('#')) return `<hyperlink ref="${ref}" location="${xmlText(link.hyperlink.slice(1))}"${display}/>`;
  return `<hyperlink ref="${ref}" r:id="${relate('hyperlink', link.hyperlink, true)}"${display}/>`;
}

function relationshipsXml(relations: string[]): string {
  return `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${relations.join('')}</Relationships>`;
}

function commentsXml(notes: { row: number; col: number; text: string }[]): string {
  const list = notes.map((n) => `<comment ref="${cellRef(n.row, n.col)}" authorId="0"><text><r><rPr><sz val="9"/><rFont val="${DEFAULT_FONT.name}"/><charset val="134"/></rPr>${textRun(n.text)}</r></text></comment>`);
  return `${XML_HEAD}<comments xmlns="${MAIN}"><authors><author></author></authors><commentList>${list.join('')}</commentList></comments>`;
}

/** The shapes Excel draws the notes in: hidden until the pointer rests on the cell. */
function vmlXml(notes: { row: number; col: number }[], drawing: number): string {
  const shapes = notes.map(
    (n, i) =>
      `<v:shape id="_x0000_s${drawing * 1024 + 1 + i}" type="#_x0000_t202" style="position:absolute;margin-left:60pt;margin-top:2pt;width:160pt;height:60pt;z-index:${i + 1};visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">` +
      '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>' +
      '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>' +
      `<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>${n.col}, 15, ${n.row - 1}, 2, ${n.col + 2}, 15, ${n.row + 3}, 4</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>${n.row - 1}</x:Row><x:Column>${n.col - 1}</x:Column></x:ClientData>` +
      '</v:shape>',
  );
  return [
    '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">',
    `<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="${drawing}"/></o:shapelayout>`,
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>',
    ...shapes,
    '</xml>',
  ].join('');
}

/** 1 → A, 27 → AA. */
export function columnName(col: number): string {
  let name = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

export function cellRef(row: number, col: number): string {
  return `${columnName(col)}${row}`;
}

function rangeRef(r: Range): string {
  const from = cellRef(r.top, r.left);
  const to = cellRef(r.bottom, r.right);
  return from === to ? from : `${from}:${to}`;
}

function checkRange(r: Range): void {
  const ok = [r.top, r.left, r.bottom, r.right].every((n) => Number.isInteger(n) && n >= 1) && r.top <= r.bottom && r.left <= r.right && r.bottom <= MAX_ROWS && r.right <= MAX_COLUMNS;
  if (!ok) throw new Error(`range ${JSON.stringify(r)} is not one a sheet holds`);
}

/** A sheet's name as a formula or a link spells it: `'佐证材料'`. */
export function quoteSheet(name: string): string {
  return `'${name.replace(/'/g, "''")}'`;
}
