/**
 * What exceljs does not read back from a workbook: the hyperlinks to a place in the workbook
 * (`location`, with no relationship), as Excel writes and reads them. Read from the parts themselves.
 */
import { posix } from 'node:path';
import { ZipEntries } from '../../functions/ledger-import/zip-entries.ts';

const attr = (tag: string, name: string) => tag.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1];
const unescape = (text: string) => text.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** A sheet's hyperlinks by cell: a URL, or `#'sheet'!A5` for a place in the workbook. */
export function sheetLinks(bytes: Uint8Array, sheet: string): Map<string, string> {
  const zip = new ZipEntries(Buffer.from(bytes), 'book.xlsx');
  const text = (part: string) => zip.read(part)?.toString('utf8') ?? '';
  const relations = (part: string) =>
    new Map([...text(part).matchAll(/<Relationship\b[^>]*>/g)].map(([tag]) => [attr(tag, 'Id')!, unescape(attr(tag, 'Target')!)]));
  const sheetTag = [...text('xl/workbook.xml').matchAll(/<sheet\b[^>]*>/g)].map(([tag]) => tag).find((tag) => unescape(attr(tag, 'name') ?? '') === sheet);
  if (!sheetTag) throw new Error(`no sheet ${sheet}`);
  const part = posix.join('xl', relations('xl/_rels/workbook.xml.rels').get(attr(sheetTag, 'r:id')!)!);
  const targets = relations(posix.join(posix.dirname(part), '_rels', `${posix.basename(part)}.rels`));
  const links = new Map<string, string>();
  for (const [tag] of text(part).matchAll(/<hyperlink\b[^>]*>/g)) {
    const id = attr(tag, 'r:id');
    const location = attr(tag, 'location');
    links.set(attr(tag, 'ref')!, id ? targets.get(id)! + (location ? `#${unescape(location)}` : '') : `#${unescape(location ?? '')}`);
  }
  return links;
}
