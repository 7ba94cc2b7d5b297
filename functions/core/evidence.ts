/**
 * 佐证材料 as files: what a unit may upload (types checked by content, limits per file and per
 * submission), the evidence item kept for each file, the photo's time and place read from its
 * EXIF, and whether a photo was taken long before the period it is evidence for.
 *
 * A file travels in two steps (http/evidence.ts has the routes, evidence-files.ts the use cases):
 * the unit asks for an upload (a short-lived form the browser posts the bytes to, straight to S3 on
 * AWS), then names the upload's id in its submission (`evidence: ["ev_…"]`); only then is the file
 * checked by content, hashed and kept. Pure: no clock, no AWS.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ValidationError } from './errors.ts';

/** The submissions a file can be evidence for. */
export const submissionKinds = ['report', 'monthly', 'closeout', 'lookback', 'duty'] as const;
export type SubmissionKind = (typeof submissionKinds)[number];
export const submissionKindNames: Record<SubmissionKind, string> = {
  report: '进展报送',
  monthly: '月度交账',
  closeout: '销号申请',
  lookback: '回头看',
  duty: '常态化工作',
};

const MB = 1024 * 1024;
export const EVIDENCE_LIMITS = {
  /** Per file: a phone photo is 2–8 MB, a scanned acceptance sheet a few MB. */
  fileBytes: 20 * MB,
  /** Per submission. */
  files: 9,
  submissionBytes: 60 * MB,
  /** How long an upload form stays usable. */
  uploadMinutes: 15,
  /** An upload no submission named within this is deleted. */
  abandonedHours: 24,
  /** A photo taken this many days before the period began is flagged to the office. */
  staleDays: 30,
} as const;

/** The file types taken, each recognised by its first bytes (never by its name). */
export const evidenceTypes = {
  jpeg: { mime: 'image/jpeg', ext: 'jpg', name: 'JPG 照片', photo: true },
  png: { mime: 'image/png', ext: 'png', name: 'PNG 图片', photo: true },
  heic: { mime: 'image/heic', ext: 'heic', name: 'HEIC 照片（苹果手机）', photo: true },
  pdf: { mime: 'application/pdf', ext: 'pdf', name: 'PDF 文件', photo: false },
  docx: { mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', ext: 'docx', name: 'Word 文档（.docx）', photo: false },
  xlsx: { mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ext: 'xlsx', name: 'Excel 表格（.xlsx）', photo: false },
} as const;
export type EvidenceType = keyof typeof evidenceTypes;

/** The limits as the form and the API state them, before anything is uploaded. */
export const limitsText =
  `支持照片（JPG、PNG、苹果手机的 HEIC）、PDF、Word（.docx）和 Excel（.xlsx）；` +
  `每个文件不超过${EVIDENCE_LIMITS.fileBytes / MB} MB，每次最多${EVIDENCE_LIMITS.files}个文件、合计不超过${EVIDENCE_LIMITS.submissionBytes / MB} MB`;

/** `ev_` and 32 hex digits: an upload's id, as a submission names it among its evidence. */
export const EVIDENCE_ID = /^ev_[0-9a-f]{32}$/;
export const isEvidenceId = (s: string) => EVIDENCE_ID.test(s);

/** How many of a submission's evidence entries are uploaded files (the rest are links or notes). */
export const uploadedFileCount = (evidence: readonly string[] | undefined) => (evidence ?? []).filter(isEvidenceId).length;

export interface Place {
  lat: number;
  lon: number;
}

/**
 * One file of evidence. `pending` until a submission names it; then `kept` (or `duplicate` of a file
 * its owner already has). It belongs to a task (`task`), or, for a 常态化工作 occurrence (kind
 * `duty`), to the duty (`duty`) and the unit that recorded it.
 */
export const evidenceItemSchema = z.object({
  id: z.string(),
  unit: z.string(),
  /** The task it is evidence for; absent for a duty's file. */
  task: z.string().optional(),
  /** The 常态化工作 duty it is evidence for (kind `duty`). */
  duty: z.string().optional(),
  kind: z.enum(submissionKinds),
  /** The object's key: under `uploads/` while pending, under `evidence/` once kept. */
  key: z.string(),
  /** The name the phone gave (shown, never trusted for the type). */
  name: z.string(),
  /** Declared at the upload, then as found in the content. */
  type: z.string(),
  /** The most the upload form accepts; then the stored size. */
  size: z.number(),
  sha256: z.string().optional(),
  takenAt: z.string().optional(),
  place: z.object({ lat: z.number(), lon: z.number() }).optional(),
  thumbnailKey: z.string().optional(),
  /** A HEIC photo's JPEG rendition (made once it is kept, evidence-processing.ts): what pages, the 公示 and the circular show; the original is kept. */
  jpegKey: z.string().optional(),
  /** When its rendition and thumbnail were made (or found impossible): processed once. */
  processedAt: z.string().optional(),
  /** Why a photo has no rendition or thumbnail (it could not be decoded), as the office reads it. */
  processingError: z.string().optional(),
  state: z.enum(['pending', 'kept', 'duplicate', 'deleted']),
  createdAt: z.string(),
  keptAt: z.string().optional(),
  /** For a duplicate: the item the task already keeps with the same content. */
  sameAs: z.string().optional(),
  /** Marked by the office to be shown on the public 公示 page while the task is under 公示. */
  shown: z.boolean().optional(),
});
export type EvidenceItem = z.infer<typeof evidenceItemSchema>;

/** What a unit declares for each file before uploading it; refused here with the reason in Chinese. */
export interface DeclaredFile {
  name: string;
  type: string;
  size: number;
}

const byExtension = new Map<string, EvidenceType>([
  ['jpg', 'jpeg'],
  ['jpeg', 'jpeg'],
  ['png', 'png'],
  ['heic', 'heic'],
  ['heif', 'heic'],
  ['pdf', 'pdf'],
  ['docx', 'docx'],
  ['xlsx', 'xlsx'],
]);

/** The type a declared file claims (by its name, then its MIME type): only to refuse early; the content decides. */
export function declaredType(file: DeclaredFile): EvidenceType | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(file.name)?.[1]?.toLowerCase();
  const fromName = ext ? byExtension.get(ext) : undefined;
  if (fromName) return fromName;
  const mime = file.type.toLowerCase().split(';')[0]!.trim();
  if (mime === 'image/heif') return 'heic';
  return (Object.keys(evidenceTypes) as EvidenceType[]).find((t) => evidenceTypes[t].mime === mime);
}

/** The declared files of one submission, checked against the limits before any upload form is given. */
export function checkDeclared(files: DeclaredFile[], alreadyAttached = 0): EvidenceType[] {
  if (files.length === 0) throw new ValidationError('请至少选择1个文件', 'files');
  if (files.length + alreadyAttached > EVIDENCE_LIMITS.files) throw new ValidationError(`每次最多上传${EVIDENCE_LIMITS.files}个文件（本次选择了${files.length}个）`, 'files');
  let total = 0;
  const types = files.map((file, i) => {
    const type = declaredType(file);
    if (!type) throw new ValidationError(`文件“${file.name}”的类型不受支持：${limitsText}`, `files.${i}.name`);
    if (file.size <= 0) throw new ValidationError(`文件“${file.name}”是空文件`, `files.${i}.size`);
    if (file.size > EVIDENCE_LIMITS.fileBytes) throw new ValidationError(`文件“${file.name}”大小为${megabytes(file.size)}，超过每个文件${EVIDENCE_LIMITS.fileBytes / MB} MB 的限制`, `files.${i}.size`);
    total += file.size;
    return type;
  });
  if (total > EVIDENCE_LIMITS.submissionBytes) throw new ValidationError(`本次文件合计${megabytes(total)}，超过每次${EVIDENCE_LIMITS.submissionBytes / MB} MB 的限制`, 'files');
  return types;
}

export const megabytes = (bytes: number) => `${(bytes / MB).toFixed(bytes < MB ? 2 : 1)} MB`;

const ascii = (bytes: Uint8Array, from: number, length: number) => String.fromCharCode(...bytes.subarray(from, from + length));
const startsWith = (bytes: Uint8Array, signature: number[]) => signature.every((b, i) => bytes[i] === b);

/** What a refused file turned out to be, said in Chinese. */
function whatItIs(bytes: Uint8Array): string {
  if (startsWith(bytes, [0x4d, 0x5a])) return '可执行程序（Windows .exe）';
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return '可执行程序（Linux）';
  if ([[0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xcf, 0xfa, 0xed, 0xfe], [0xce, 0xfa, 0xed, 0xfe], [0xca, 0xfe, 0xba, 0xbe]].some((s) => startsWith(bytes, s))) return '可执行程序（苹果）';
  if (startsWith(bytes, [0x23, 0x21])) return '脚本程序';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return '压缩包或其他格式的文档';
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0])) return '旧版 Office 文件（.doc/.xls），请另存为 .docx/.xlsx 后上传';
  return '无法识别的格式';
}

const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);

/** The names of the entries in a ZIP file (its local file headers), enough to tell .docx from .xlsx. */
function zipEntryNames(bytes: Uint8Array, limit = 200): string[] {
  const names: string[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 30 <= bytes.length && names.length < limit && view.getUint32(at, true) === 0x04034b50) {
    const flags = view.getUint16(at + 6, true);
    const compressed = view.getUint32(at + 18, true);
    const nameLength = view.getUint16(at + 26, true);
    const extraLength = view.getUint16(at + 28, true);
    names.push(new TextDecoder().decode(bytes.subarray(at + 30, at + 30 + nameLength)));
    // With a data descriptor the size is not in the header: fall back to the central directory.
    if (flags & 0x08) break;
    at += 30 + nameLength + extraLength + compressed;
  }
  if (names.length < 2) {
    // The central directory names every entry.
    for (let i = 0; i + 46 <= bytes.length && names.length < limit; i++) {
      if (view.getUint32(i, true) !== 0x02014b50) continue;
      const nameLength = view.getUint16(i + 28, true);
      names.push(new TextDecoder().decode(bytes.subarray(i + 46, i + 46 + nameLength)));
      i += 45 + nameLength;
    }
  }
  return names;
}

/**
 * The type of a file by its content: a JPEG, PNG, HEIC/HEIF, PDF, or a ZIP holding an Office
 * document ([Content_Types].xml with word/ or xl/). Anything else is refused, naming what it is.
 * `bytes` is the whole file (a docx is told from an xlsx by its entries).
 */
export function sniffType(bytes: Uint8Array, name: string): EvidenceType {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (bytes.length >= 12 && ascii(bytes, 4, 4) === 'ftyp' && HEIF_BRANDS.has(ascii(bytes, 8, 4))) return 'heic';
  if (ascii(bytes, 0, 5) === '%PDF-') return 'pdf';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    const names = zipEntryNames(bytes);
    if (names.includes('[Content_Types].xml')) {
      if (names.some((n) => n.startsWith('word/'))) return 'docx';
      if (names.some((n) => n.startsWith('xl/'))) return 'xlsx';
    }
  }
  throw new ValidationError(`文件“${name}”的内容是${whatItIs(bytes)}，不是照片、PDF 或 Word/Excel 文档，已拒收：${limitsText}`, 'evidence');
}

/** Where an upload for this unit, task and submission may go: the presigned form allows only this prefix. */
export function uploadPrefix(unitKey: string, task: string, kind: SubmissionKind): string {
  return `uploads/${unitKey}/${encodeURIComponent(task)}/${kind}/`;
}

/** A duty's folder: a digest of its name (names are Chinese and long; keys stay ASCII and short). */
export const dutyKey = (duty: string) => createHash('sha256').update(duty).digest('hex').slice(0, 16);

/** Where an upload for this unit's occurrence of a duty may go (never a task's prefix: a task's kind follows its code). */
export const dutyUploadPrefix = (unitKey: string, duty: string) => `uploads/${unitKey}/duties/${dutyKey(duty)}/`;

/** What a file is evidence for: a task, or a 常态化工作 duty. */
export type EvidenceOwner = { task: string; duty?: undefined } | { duty: string; task?: undefined };

/** The owner an item names. */
export const ownerOf = (item: Pick<EvidenceItem, 'task' | 'duty'>): EvidenceOwner => (item.duty !== undefined ? { duty: item.duty } : { task: item.task ?? '' });

/** The owner in Chinese: 任务 MZ-6-3, 常态化工作“…”. */
export const ownerText = (owner: EvidenceOwner) => (owner.duty !== undefined ? `常态化工作“${owner.duty}”` : `任务 ${owner.task}`);

/** The scope a file's content is kept once in: the task's code, or the duty's folder. */
export const digestScope = (owner: EvidenceOwner) => (owner.duty !== undefined ? `DUTY#${dutyKey(owner.duty)}` : owner.task);

/** Where a kept HEIC photo's JPEG rendition goes: beside the original. */
export const jpegRenditionKey = (key: string) => key.replace(/\.[a-z]+$/, '.jpg');

/** Where a kept file lives: under its task's folder, or its duty's (`evidence/duties/<digest>/`). */
export const keptKey = (item: Pick<EvidenceItem, 'task' | 'duty' | 'id'>, type: EvidenceType) =>
  item.duty !== undefined ? `evidence/duties/${dutyKey(item.duty)}/${item.id}.${evidenceTypes[type].ext}` : `evidence/${encodeURIComponent(item.task ?? '')}/${item.id}.${evidenceTypes[type].ext}`;

/** A photo taken more than `staleDays` days before the period it is evidence for began. */
export function takenLongBefore(takenAt: string | undefined, periodStart: Date, staleDays: number = EVIDENCE_LIMITS.staleDays): boolean {
  if (!takenAt) return false;
  return new Date(takenAt).getTime() < periodStart.getTime() - staleDays * 86_400_000;
}

/** 2018-07-10 14:32 (the photo's own clock, Beijing time unless it recorded an offset). */
export function takenAtText(takenAt: string): string {
  const shifted = new Date(new Date(takenAt).getTime() + 8 * 3_600_000).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 16)}`;
}

/** 北纬31.34°，东经104.20° */
export function placeText(place: Place): string {
  const lat = `${place.lat >= 0 ? '北纬' : '南纬'}${Math.abs(place.lat).toFixed(4)}°`;
  const lon = `${place.lon >= 0 ? '东经' : '西经'}${Math.abs(place.lon).toFixed(4)}°`;
  return `${lat}，${lon}`;
}

/**
 * The time and place a JPEG's EXIF records (APP1 "Exif"): DateTimeOriginal (with OffsetTimeOriginal
 * when present, else Beijing time) and the GPS latitude and longitude. Absent or unreadable: nothing.
 */
export function readExif(bytes: Uint8Array): { takenAt?: string; place?: Place } {
  try {
    const tiff = exifSegment(bytes);
    return tiff ? readTiff(tiff) : {};
  } catch {
    return {};
  }
}

/**
 * The small JPEG a phone camera embeds in the EXIF (IFD1, about 160 × 120): the thumbnail pages
 * show, made without decoding the photo. Absent, or not a JPEG: nothing.
 */
export function exifThumbnail(bytes: Uint8Array): Uint8Array | undefined {
  try {
    const view = exifSegment(bytes);
    if (!view) return undefined;
    const little = view.getUint16(0) === 0x4949;
    const u16 = (o: number) => view.getUint16(o, little);
    const u32 = (o: number) => view.getUint32(o, little);
    const ifd0 = u32(4);
    const ifd1 = u32(ifd0 + 2 + u16(ifd0) * 12);
    if (!ifd1) return undefined;
    let offset = 0;
    let length = 0;
    for (let i = 0; i < u16(ifd1); i++) {
      const e = ifd1 + 2 + i * 12;
      if (u16(e) === 0x0201) offset = u32(e + 8);
      if (u16(e) === 0x0202) length = u32(e + 8);
    }
    if (!offset || !length || offset + length > view.byteLength) return undefined;
    const start = view.byteOffset - bytes.byteOffset + offset;
    const thumbnail = bytes.slice(start, start + length);
    return startsWith(thumbnail, [0xff, 0xd8, 0xff]) ? thumbnail : undefined;
  } catch {
    return undefined;
  }
}

function exifSegment(bytes: Uint8Array): DataView | undefined {
  if (!startsWith(bytes, [0xff, 0xd8])) return undefined;
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1]!;
    if (marker === 0xda || marker === 0xd9) return undefined; // image data: no EXIF before it
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (marker === 0xe1 && ascii(bytes, at + 4, 6) === 'Exif\0\0') {
      return new DataView(bytes.buffer, bytes.byteOffset + at + 10, Math.min(length - 8, bytes.length - at - 10));
    }
    at += 2 + length;
  }
  return undefined;
}

function readTiff(view: DataView): { takenAt?: string; place?: Place } {
  const little = view.getUint16(0) === 0x4949;
  const u16 = (o: number) => view.getUint16(o, little);
  const u32 = (o: number) => view.getUint32(o, little);
  const ifd = (offset: number) => {
    const entries = new Map<number, { type: number; count: number; value: number }>();
    const n = u16(offset);
    for (let i = 0; i < n; i++) {
      const e = offset + 2 + i * 12;
      entries.set(u16(e), { type: u16(e + 2), count: u32(e + 4), value: e + 8 });
    }
    return entries;
  };
  const text = (entry: { count: number; value: number } | undefined) => {
    if (!entry) return undefined;
    const at = entry.count > 4 ? u32(entry.value) : entry.value;
    let s = '';
    for (let i = 0; i < entry.count; i++) {
      const c = view.getUint8(at + i);
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  };
  const rationals = (entry: { count: number; value: number } | undefined) => {
    if (!entry) return undefined;
    const at = u32(entry.value);
    return Array.from({ length: entry.count }, (_, i) => u32(at + i * 8) / (u32(at + i * 8 + 4) || 1));
  };
  const root = ifd(u32(4));
  const result: { takenAt?: string; place?: Place } = {};
  const exifPointer = root.get(0x8769);
  if (exifPointer) {
    const exif = ifd(u32(exifPointer.value));
    const original = text(exif.get(0x9003)) ?? text(root.get(0x0132));
    const offset = text(exif.get(0x9011));
    const match = original && /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(original);
    if (match) {
      const zone = offset && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : '+08:00';
      const at = new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}${zone}`);
      if (!Number.isNaN(at.getTime())) result.takenAt = at.toISOString();
    }
  }
  const gpsPointer = root.get(0x8825);
  if (gpsPointer) {
    const gps = ifd(u32(gpsPointer.value));
    const degrees = (parts: number[] | undefined) => (parts && parts.length === 3 ? parts[0]! + parts[1]! / 60 + parts[2]! / 3600 : undefined);
    const lat = degrees(rationals(gps.get(2)));
    const lon = degrees(rationals(gps.get(4)));
    if (lat !== undefined && lon !== undefined && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
      const sign = (ref: string | undefined, negative: string) => (ref === negative ? -1 : 1);
      result.place = { lat: Math.round(sign(text(gps.get(1)), 'S') * lat * 1e6) / 1e6, lon: Math.round(sign(text(gps.get(3)), 'W') * lon * 1e6) / 1e6 };
    }
  }
  return result;
}
