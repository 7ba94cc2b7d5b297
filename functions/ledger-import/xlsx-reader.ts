/**
 * Reads the cells of a .xlsx workbook as text, the way the office sees them: shared and inline
 * strings (rich text runs joined, phonetic guides left out), numbers, TRUE/FALSE as true/false,
 * formulas by their cached value, errors as empty, dates (numbers in a date format) as YYYY-MM-DD,
 * and a merged range's value in each of its cells. Sheets come in the workbook's order, each as a
 * grid of rows (row 1 first). Written for the ledger import, which needs nothing else of a
 * workbook; the reports are written by functions/reports/xlsx-writer.ts.
 */
import { posix } from 'node:path';
import { SourceError } from './source-limits.ts';
import { ZipEntries } from './zip-entries.ts';

export interface SheetGrid {
  name: string;
  /** rows[r][c]: the text of row r + 1, column c + 1 ('' where empty). */
  rows: string[][];
}

/** The workbook's sheets by name, and how to read each (self-closing tags come as an open and a close). */
export class XlsxWorkbook {
  private readonly zip: ZipEntries;
  private readonly sheetParts: { name: string; part: string }[] = [];
  private readonly workbookPart: string;
  private readonly relations: Map<string, { type: string; target: string }>;
  private date1904 = false;
  private shared?: string[];
  private dateStyles?: boolean[];

  constructor(bytes: Buffer, file: string) {
    this.zip = new ZipEntries(bytes, file);
    const root = relationsOf(this.xml('_rels/.rels') ?? '', '');
    this.workbookPart = [...root.values()].find((r) => r.type.endsWith('/officeDocument'))?.target ?? 'xl/workbook.xml';
    const workbook = this.xml(this.workbookPart);
    if (workbook === undefined) this.zip.corrupt();
    this.relations = relationsOf(this.xml(relsPathOf(this.workbookPart)) ?? '', posix.dirname(this.workbookPart));
    for (const token of tokens(workbook)) {
      if (token.kind !== 'open') continue;
      if (token.name === 'workbookPr') this.date1904 = ['1', 'true'].includes(token.attrs.date1904 ?? '');
      if (token.name === 'sheet') {
        const target = this.relations.get(token.attrs.id ?? '')?.target;
        if (token.attrs.name !== undefined && target) this.sheetParts.push({ name: token.attrs.name, part: target });
      }
    }
  }

  get sheetNames(): string[] {
    return this.sheetParts.map((s) => s.name);
  }

  /**
   * Counts the rows of a sheet that hold a value, inflating its XML piece by piece and keeping
   * only the unfinished tag between pieces; stops as soon as `stopAbove` is passed.
   */
  async countRows(sheet: string, stopAbove: number): Promise<number> {
    const part = this.sheetParts.find((s) => s.name === sheet)?.part;
    if (!part) return 0;
    const decoder = new TextDecoder();
    const pattern = /<(\/?)(?:[\w.-]+:)?(row|v|is)(?=[\s>/])([^>]*)>/g;
    let tail = '';
    let rows = 0;
    let inRow = false;
    let hasValue = false;
    await this.zip.stream(part, (chunk) => {
      const text = tail + decoder.decode(chunk, { stream: true });
      // In well-formed XML a '<' only starts a tag: every tag before the last '<' is whole.
      const cut = text.lastIndexOf('<');
      const whole = cut < 0 ? text : text.slice(0, cut);
      tail = cut < 0 ? '' : text.slice(cut);
      pattern.lastIndex = 0;
      for (let m = pattern.exec(whole); m; m = pattern.exec(whole)) {
        const [, close, name, rest] = m;
        if (name === 'row') {
          if (close) {
            if (inRow && hasValue) rows++;
            inRow = false;
          } else {
            inRow = !rest!.endsWith('/');
            hasValue = false;
          }
        } else if (!close && inRow) hasValue = true;
      }
      return rows <= stopAbove;
    });
    return rows;
  }

  /** Every cell of a sheet as text. */
  readSheet(sheet: string): SheetGrid {
    const part = this.sheetParts.find((s) => s.name === sheet)?.part;
    const xml = part ? this.xml(part) : undefined;
    if (xml === undefined) this.zip.corrupt();
    const shared = this.sharedStrings();
    const dates = this.dateStylesOf();
    const rows: string[][] = [];
    const merges: string[] = [];
    let rowIndex = -1;
    let colIndex = -1;
    let cell: { type: string; style: number; value?: string; inline: string[] } | undefined;
    let into: 'v' | 't' | undefined;
    let phonetic = 0;
    let text = '';
    for (const token of tokens(xml)) {
      switch (token.kind) {
        case 'text':
          if (into) text += token.text;
          continue;
        case 'open':
          if (token.name === 'row') {
            rowIndex = token.attrs.r ? Number(token.attrs.r) - 1 : rowIndex + 1;
            colIndex = -1;
          } else if (token.name === 'c') {
            colIndex = token.attrs.r ? columnIndex(token.attrs.r) : colIndex + 1;
            cell = { type: token.attrs.t ?? 'n', style: Number(token.attrs.s ?? 0), inline: [] };
          } else if (token.name === 'rPh') phonetic++;
          else if (cell && (token.name === 'v' || (token.name === 't' && !phonetic))) {
            into = token.name;
            text = '';
          } else if (token.name === 'mergeCell' && token.attrs.ref) merges.push(token.attrs.ref);
          continue;
        case 'close':
          if (token.name === 'rPh') phonetic--;
          else if ((token.name === 'v' || token.name === 't') && into === token.name && cell) {
            this.endText(cell, into, text);
            into = undefined;
          } else if (token.name === 'c' && cell) {
            const value = cellText(cell, shared, dates, this.date1904);
            if (value !== '' && rowIndex >= 0 && colIndex >= 0) (rows[rowIndex] ??= [])[colIndex] = value;
            cell = undefined;
          }
      }
    }
    for (const ref of merges) fillMerge(rows, ref);
    return { name: sheet, rows: Array.from(rows, (row) => Array.from(row ?? [], (v) => v ?? '')) };
  }

  private endText(cell: { value?: string; inline: string[] }, into: 'v' | 't', text: string): void {
    if (into === 'v') cell.value = text;
    else cell.inline.push(text);
  }

  private xml(part: string): string | undefined {
    const bytes = this.zip.read(part);
    return bytes === undefined ? undefined : bytes.toString('utf8').replace(/^\uFEFF/, '');
  }

  private relatedPart(type: string, fallback: string): string {
    return [...this.relations.values()].find((r) => r.type.endsWith(type))?.target ?? fallback;
  }

  /** sharedStrings.xml: each <si>'s text, its runs joined, phonetic guides left out. */
  private sharedStrings(): string[] {
    if (this.shared) return this.shared;
    const xml = this.xml(this.relatedPart('/sharedStrings', posix.join(posix.dirname(this.workbookPart), 'sharedStrings.xml'))) ?? '';
    const strings: string[] = [];
    let current: string[] | undefined;
    let inText = false;
    let phonetic = 0;
    for (const token of tokens(xml)) {
      if (token.kind === 'open') {
        if (token.name === 'si') current = [];
        else if (token.name === 'rPh') phonetic++;
        else if (token.name === 't' && !phonetic) inText = true;
      } else if (token.kind === 'close') {
        if (token.name === 'si') {
          strings.push((current ?? []).join(''));
          current = undefined;
        } else if (token.name === 'rPh') phonetic--;
        else if (token.name === 't') inText = false;
      } else if (inText && current) current.push(token.text);
    }
    return (this.shared = strings);
  }

  /** styles.xml: for each cell style (cellXfs), whether its number format shows a date or time. */
  private dateStylesOf(): boolean[] {
    if (this.dateStyles) return this.dateStyles;
    const xml = this.xml(this.relatedPart('/styles', posix.join(posix.dirname(this.workbookPart), 'styles.xml'))) ?? '';
    const formats = new Map<number, string>();
    const styles: boolean[] = [];
    let inCellXfs = false;
    for (const token of tokens(xml)) {
      if (token.kind === 'close' && token.name === 'cellXfs') inCellXfs = false;
      if (token.kind !== 'open') continue;
      if (token.name === 'numFmt') formats.set(Number(token.attrs.numFmtId), token.attrs.formatCode ?? '');
      else if (token.name === 'cellXfs') inCellXfs = !token.selfClosing;
      else if (token.name === 'xf' && inCellXfs) {
        const id = Number(token.attrs.numFmtId ?? 0);
        styles.push(formats.has(id) ? isDateFormat(formats.get(id)!) : BUILT_IN_DATE_FORMATS.has(id));
      }
    }
    return (this.dateStyles = styles);
  }
}

/**
 * The built-in formats that show dates and times: 14–22 and 45–47 everywhere, 27–36 and 50–58
 * in Chinese (and other East Asian) Excel, such as yyyy"年"m"月"d"日".
 */
const BUILT_IN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

/** A custom format shows a date when, outside quotes, brackets and escapes, it has y, m, d, h or s. */
export function isDateFormat(code: string): boolean {
  const bare = code
    .replace(/\[[^\]]*\]/g, '')
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/[_*]./g, '');
  return /[ymdhs]/i.test(bare) && !/^general$/i.test(bare.trim());
}

function cellText(cell: { type: string; style: number; value?: string; inline: string[] }, shared: string[], dates: boolean[], date1904: boolean): string {
  const value = cell.value;
  switch (cell.type) {
    case 's':
      return value === undefined ? '' : (shared[Number(value)] ?? '').trim();
    case 'inlineStr':
      return cell.inline.join('').trim();
    case 'str':
      return (value ?? '').trim();
    case 'b':
      return value === undefined || value === '' ? '' : String(value.trim() === '1' || value.trim() === 'true');
    case 'e':
      return '';
    case 'd': {
      const date = value ? new Date(value) : undefined;
      return date && !Number.isNaN(date.getTime()) ? date.toISOString().slice(0, 10) : (value ?? '').trim();
    }
    default: {
      if (value === undefined || value.trim() === '') return '';
      const number = Number(value);
      if (!Number.isFinite(number)) return value.trim();
      if (dates[cell.style]) return serialToDate(number, date1904);
      return String(number);
    }
  }
}

/** A date serial (days since 1899-12-30, or 1904-01-01) as the date it shows. */
function serialToDate(serial: number, date1904: boolean): string {
  const date = new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
  return Number.isNaN(date.getTime()) ? String(serial) : date.toISOString().slice(0, 10);
}

/** "BC12" → 54 (zero-based), the row digits ignored. */
function columnIndex(ref: string): number {
  let col = 0;
  for (const ch of ref.toUpperCase()) {
    const code = ch.charCodeAt(0);
    if (code < 65 || code > 90) break;
    col = col * 26 + (code - 64);
  }
  return col - 1;
}

/** Every cell of a merged range shows its top-left cell's value. */
function fillMerge(rows: string[][], ref: string): void {
  const [from, to = from] = ref.split(':') as [string, string?];
  const rowOf = (r: string) => Number(r.replace(/^[A-Za-z]+/, '')) - 1;
  const top = rowOf(from);
  const left = columnIndex(from);
  const bottom = rowOf(to);
  const right = columnIndex(to);
  if (![top, left, bottom, right].every(Number.isInteger) || top < 0 || left < 0) return;
  const value = rows[top]?.[left];
  if (value === undefined || value === '') return;
  // Each row of the range shows the value (a range drawn over a whole column stops well past any sheet's limit).
  for (let r = top; r <= Math.min(bottom, top + 25_000); r++) {
    for (let c = left; c <= right && c < 16_384; c++) (rows[r] ??= [])[c] = value;
  }
}

function relsPathOf(part: string): string {
  return posix.join(posix.dirname(part), '_rels', `${posix.basename(part)}.rels`);
}

/** A .rels part: id → type and target, the target resolved against `base`. */
function relationsOf(xml: string, base: string): Map<string, { type: string; target: string }> {
  const relations = new Map<string, { type: string; target: string }>();
  for (const token of tokens(xml)) {
    if (token.kind !== 'open' || token.name !== 'Relationship' || token.attrs.TargetMode === 'External') continue;
    const target = token.attrs.Target ?? '';
    const resolved = target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join(base, target));
    relations.set(token.attrs.Id ?? '', { type: token.attrs.Type ?? '', target: resolved });
  }
  return relations;
}

type Token =
  | { kind: 'open'; name: string; attrs: Record<string, string>; selfClosing: boolean }
  | { kind: 'close'; name: string }
  | { kind: 'text'; text: string };

/**
 * The tags and text of an XML part. Namespace prefixes are dropped from element and attribute
 * names (some writers spell <x:c>, <x:row>); entities and Excel's _xHHHH_ escapes are decoded.
 */
function* tokens(xml: string): Generator<Token> {
  const pattern = /<(\/?)(?:[\w.-]+:)?([\w.-]+)((?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<!\[CDATA\[([\s\S]*?)\]\]>|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<![^>]*>/g;
  let last = 0;
  for (let m = pattern.exec(xml); m; m = pattern.exec(xml)) {
    if (m.index > last) yield { kind: 'text', text: decodeText(xml.slice(last, m.index)) };
    last = pattern.lastIndex;
    const [, close, name, attrText, selfClosing, cdata] = m;
    if (cdata !== undefined) yield { kind: 'text', text: cdata };
    else if (name === undefined) continue;
    else if (close) yield { kind: 'close', name };
    else {
      const attrs: Record<string, string> = {};
      for (const a of attrText!.matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        const key = a[1]!.startsWith('xmlns') ? a[1]! : a[1]!.replace(/^[\w.-]+:/, '');
        attrs[key] = decodeEntities(a[2] ?? a[3] ?? '');
      }
      yield { kind: 'open', name, attrs, selfClosing: selfClosing === '/' };
      if (selfClosing === '/') yield { kind: 'close', name };
    }
  }
  if (last < xml.length) yield { kind: 'text', text: decodeText(xml.slice(last)) };
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|\w+);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref] ?? whole;
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Cell text: entities, then Excel's escapes for control characters (_x000D_ is a carriage return). */
function decodeText(text: string): string {
  const decoded = decodeEntities(text);
  return decoded.includes('_x') ? decoded.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : decoded;
}

export { SourceError };
