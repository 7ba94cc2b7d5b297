import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ZipEntries } from '../functions/ledger-import/zip-entries.ts';
import { crc32, xmlText, zip } from '../functions/reports/zip-writer.ts';

describe('the zip writer of the 台账 and the 公文', () => {
  const entries = [
    { name: '[Content_Types].xml', data: '<?xml version="1.0"?><Types/>' },
    { name: 'xl/worksheets/整改任务.xml', data: '<sheet>' + '市农业局牵头，东北镇配合；'.repeat(2000) + '</sheet>' },
    { name: 'media/photo.bin', data: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)) },
  ];

  it('gives back every entry, byte for byte, to our reader and to Python\'s zipfile', () => {
    const bytes = zip(entries);
    const read = new ZipEntries(bytes, '台账.xlsx');
    for (const e of entries) expect(read.read(e.name)?.equals(Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data))).toBe(true);
    const file = join(mkdtempSync(join(tmpdir(), 'duban-zip-')), 'a.zip');
    writeFileSync(file, bytes);
    const listed = execFileSync('python3', ['-c', 'import sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);assert z.testzip() is None;print("\\n".join(i.filename+" "+str(i.file_size) for i in z.infolist()))', file], { encoding: 'utf8' });
    expect(listed.trim().split('\n')).toEqual(entries.map((e) => `${e.name} ${Buffer.byteLength(e.data)}`));
  });

  it('writes the same bytes for the same entries, and the text compresses', () => {
    expect(zip(entries).equals(zip(entries))).toBe(true);
    expect(zip(entries).length).toBeLessThan(Buffer.byteLength(entries[1]!.data) / 10);
  });

  it('computes the CRC-32 zlib computes', () => {
    const data = Buffer.from('督办台账 2026-W48', 'utf8');
    expect(crc32(data)).toBe((zlib as unknown as { crc32: (b: Buffer) => number }).crc32(data));
  });

  it('refuses a name given twice and escapes text for XML', () => {
    expect(() => zip([entries[0]!, entries[0]!])).toThrow(/given twice/);
    expect(xmlText('A&B <"c">\u0001')).toBe('A&amp;B &lt;&quot;c&quot;&gt;');
  });
});
