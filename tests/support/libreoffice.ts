/**
 * What a reader sees of an office document: LibreOffice (headless) prints it to PDF, poppler's
 * pdftotext reads back each page's size and each word with its box, in points from the page's
 * top-left corner. Each conversion has its own LibreOffice profile, so parallel runs do not clash.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { SaxesParser } from 'saxes';

export const SOFFICE = '/usr/bin/soffice';
export const haveLibreOffice = existsSync(SOFFICE) && existsSync('/usr/bin/pdftotext');

const run = promisify(execFile);

export interface PdfWord {
  text: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface PdfPage {
  width: number;
  height: number;
  words: PdfWord[];
}

/** The document (`name` gives the format: x.docx, x.xlsx) as LibreOffice prints it. */
export async function printed(bytes: Uint8Array, name: string): Promise<PdfPage[]> {
  const dir = mkdtempSync(join(tmpdir(), 'duban-lo-'));
  try {
    writeFileSync(join(dir, name), bytes);
    const profile = pathToFileURL(join(dir, 'profile')).href;
    await run(SOFFICE, [`-env:UserInstallation=${profile}`, '--headless', '--norestore', '--convert-to', 'pdf', '--outdir', dir, join(dir, name)], { timeout: 50_000 });
    const pdf = join(dir, name.replace(/\.[^.]+$/, '.pdf'));
    if (!existsSync(pdf)) throw new Error(`LibreOffice did not print ${name}`);
    await run('pdftotext', ['-bbox', pdf, join(dir, 'words.html')]);
    return pagesOf(readFileSync(join(dir, 'words.html'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pagesOf(html: string): PdfPage[] {
  const pages: PdfPage[] = [];
  let word: PdfWord | undefined;
  const parser = new SaxesParser();
  parser.on('opentag', (tag) => {
    const a = tag.attributes as Record<string, string>;
    if (tag.name === 'page') pages.push({ width: Number(a.width), height: Number(a.height), words: [] });
    if (tag.name === 'word') word = { text: '', x0: Number(a.xMin), y0: Number(a.yMin), x1: Number(a.xMax), y1: Number(a.yMax) };
  });
  parser.on('text', (t) => {
    if (word) word.text += t;
  });
  parser.on('closetag', (tag) => {
    if (tag.name === 'word' && word) pages.at(-1)!.words.push(word);
    if (tag.name === 'word') word = undefined;
  });
  parser.write(html).close();
  return pages;
}

/** The words of a page as lines of text, top to bottom, each line's words left to right. */
export function linesOf(page: PdfPage): { y: number; x0: number; x1: number; text: string }[] {
  const lines: PdfWord[][] = [];
  for (const w of [...page.words].sort((a, b) => a.y1 - b.y1)) {
    const line = lines.find((l) => Math.abs(l[0]!.y1 - w.y1) < 2);
    if (line) line.push(w);
    else lines.push([w]);
  }
  return lines.map((l) => {
    const words = l.sort((a, b) => a.x0 - b.x0);
    return { y: words[0]!.y1, x0: words[0]!.x0, x1: Math.max(...words.map((w) => w.x1)), text: words.map((w) => w.text).join('') };
  });
}

/** Millimetres to PDF points. */
export const mmToPt = (mm: number) => (mm * 72) / 25.4;
