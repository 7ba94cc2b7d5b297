/**
 * Evidence files for tests: two small JPEGs (tests/fixtures/evidence, drawn by Chromium) given an
 * EXIF segment written here by hand (DateTimeOriginal and GPS, as a phone writes them), a small
 * PDF, and the evidence store of the sandbox (a folder with the app's stand-in for S3's POST).
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvidenceAppDeps } from '../../functions/http/evidence.ts';
import { DynamoEvidenceLog } from '../../functions/store/evidence-log.ts';
import { FolderEvidenceFiles } from '../../functions/store/folder-evidence.ts';
import { TableClient } from '../../functions/store/table-client.ts';
import type { DynamoStore } from '../../functions/store/dynamo-store.ts';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const FIXTURES = join(import.meta.dirname, '../fixtures/evidence');
export const rawJpeg = (name: 'boiler-before' | 'boiler-after') => new Uint8Array(readFileSync(join(FIXTURES, `${name}.raw.jpg`)));

/**
 * A JPEG with an EXIF APP1 segment: DateTimeOriginal ("2018:07:09 10:30:00", the phone's local
 * time), the GPS position, and (IFD1) the small JPEG a camera embeds as its thumbnail.
 */
export function withExif(jpeg: Uint8Array, exif: { taken: string; lat: number; lon: number; thumbnail?: Uint8Array }): Uint8Array {
  const thumbnail = exif.thumbnail ? Buffer.from(exif.thumbnail) : undefined;
  const tiff = Buffer.alloc(thumbnail ? 208 + thumbnail.length : 178);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  const entry = (at: number, tag: number, type: number, count: number, value: number) => {
    tiff.writeUInt16LE(tag, at);
    tiff.writeUInt16LE(type, at + 2);
    tiff.writeUInt32LE(count, at + 4);
    tiff.writeUInt32LE(value, at + 8);
  };
  // IFD0: pointers to the Exif IFD (38) and the GPS IFD (76).
  tiff.writeUInt16LE(2, 8);
  entry(10, 0x8769, 4, 1, 38);
  entry(22, 0x8825, 4, 1, 76);
  // Exif IFD: DateTimeOriginal, 20 ASCII bytes at 56.
  tiff.writeUInt16LE(1, 38);
  entry(40, 0x9003, 2, 20, 56);
  tiff.write(`${exif.taken}\0`, 56, 'latin1');
  // GPS IFD: N/S, latitude (3 rationals at 130), E/W, longitude (at 154).
  tiff.writeUInt16LE(4, 76);
  entry(78, 1, 2, 2, 0);
  tiff.write(exif.lat >= 0 ? 'N' : 'S', 86, 'latin1');
  entry(90, 2, 5, 3, 130);
  entry(102, 3, 2, 2, 0);
  tiff.write(exif.lon >= 0 ? 'E' : 'W', 110, 'latin1');
  entry(114, 4, 5, 3, 154);
  const dms = (at: number, value: number) => {
    const v = Math.abs(value);
    const d = Math.floor(v);
    const m = Math.floor((v - d) * 60);
    const s = Math.round(((v - d) * 60 - m) * 60 * 100);
    [d, 1, m, 1, s, 100].forEach((n, i) => tiff.writeUInt32LE(n, at + i * 4));
  };
  dms(130, exif.lat);
  dms(154, exif.lon);
  if (thumbnail) {
    // IFD0's next IFD is IFD1 at 178: JPEGInterchangeFormat (the thumbnail at 208) and its length.
    tiff.writeUInt32LE(178, 34);
    tiff.writeUInt16LE(2, 178);
    entry(180, 0x0201, 4, 1, 208);
    entry(192, 0x0202, 4, 1, thumbnail.length);
    thumbnail.copy(tiff, 208);
  }
  const header = Buffer.from('Exif\0\0', 'latin1');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(2 + header.length + tiff.length);
  return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1]), length, header, tiff, Buffer.from(jpeg.subarray(2))]));
}

/** A one-page PDF: 验收单 (a signed acceptance sheet, as a scan would arrive). */
export function smallPdf(): Uint8Array {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    '<< /Length 44 >>\nstream\nBT /F1 12 Tf 20 50 Td (Acceptance) Tj ET\nendstream',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(body, 'latin1'));
}

/** The sandbox's evidence store on a test's dynalite table and a fresh folder. */
export function folderEvidence(store: DynamoStore, client: DynamoDBClient, secret: () => Promise<string>, appUrl = '') {
  const root = mkdtempSync(join(tmpdir(), 'duban-evidence-'));
  const files = new FolderEvidenceFiles(root, secret, appUrl);
  const deps: EvidenceAppDeps = { files, log: new DynamoEvidenceLog(new TableClient(client, store.tableName)), receive: (fields, body, now) => files.receive(fields, body, now) };
  return { root, deps };
}

/** Anything that answers a request as the app does (the Hono app, or `fetch` for an S3 emulator). */
export interface Requester {
  request(url: string, init: RequestInit): Response | Promise<Response>;
}

/**
 * Posts a file to an upload form as a browser posts it: the form's fields (with `fields` over them),
 * then the bytes as `file`. Answers the store's response (201 from the sandbox's stand-in for S3).
 */
export async function postUpload(app: Requester, upload: { url: string; fields: Record<string, string> }, bytes: Uint8Array, fields: Record<string, string> = {}, name = 'file'): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of Object.entries({ ...upload.fields, ...fields })) form.append(k, v);
  form.append('file', new Blob([bytes]), name);
  return app.request(upload.url, { method: 'POST', body: form });
}
