/**
 * What is made of a kept photo once it is kept: a HEIC photo (iPhones) gets a JPEG rendition of the
 * same size, which browsers, the 公示 page and the circular can show (the original stays as
 * uploaded); every photo (JPEG, PNG, HEIC) gets a thumbnail for pages and reports: the one the
 * camera embedded in the EXIF where there is one, else the photo decoded and scaled down to
 * THUMBNAIL_PX on its long side. The item records both keys and when it was processed, so a second
 * run (S3 may deliver an event twice) writes nothing; a photo that cannot be decoded is recorded
 * with the reason the office reads, and is not tried again.
 *
 * On AWS this runs in a function of its own, on the bucket's ObjectCreated events under
 * `evidence/` (handlers/evidence-processing.ts); in the sandbox right after a file is kept.
 * Pure: the decoders, the files and the records are ports, the instant is given.
 */
import { exifThumbnail, isEvidenceId, jpegRenditionKey, type EvidenceItem } from './evidence.ts';
import type { EvidenceFiles, EvidenceLog } from './evidence-files.ts';

/** The long side of a thumbnail made by scaling the photo down, in pixels. */
export const THUMBNAIL_PX = 320;
/** JPEG quality of a HEIC photo's rendition (evidence, shown full size) and of a thumbnail. */
export const RENDITION_QUALITY = 85;
export const THUMBNAIL_QUALITY = 80;

/** A decoded picture: `width × height` pixels, 4 bytes each (RGBA), row by row. */
export interface Picture {
  width: number;
  height: number;
  data: Uint8Array;
}

export type PhotoFormat = 'jpeg' | 'png' | 'heic';

/** The decoders and the JPEG encoder (jpeg-js, pngjs and libheif at the edge). Each throws on bytes it cannot read. */
export interface PhotoCodec {
  decode(bytes: Uint8Array, format: PhotoFormat): Promise<Picture>;
  encodeJpeg(picture: Picture, quality: number): Promise<Uint8Array>;
}

export interface ProcessingDeps {
  files: Pick<EvidenceFiles, 'read' | 'put' | 'remove'>;
  log: Pick<EvidenceLog, 'get' | 'update'>;
  codec: PhotoCodec;
}

const formats: Record<string, PhotoFormat> = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/heic': 'heic' };

/** Where a kept photo's thumbnail goes: beside the original. */
export const thumbnailKeyOf = (key: string) => key.replace(/\.[a-z]+$/, '.thumb.jpg');

/** The evidence id a kept file's key names (`evidence/<task>/<id>.<ext>`); a thumbnail's key names none. */
export function evidenceIdOfKey(key: string): string | undefined {
  const id = /\/(ev_[0-9a-f]{32})\.[a-z]+$/.exec(key)?.[1];
  return id && isEvidenceId(id) ? id : undefined;
}

export type ProcessingOutcome =
  /** Rendition and/or thumbnail made now (the keys recorded). */
  | { outcome: 'processed'; id: string; jpegKey?: string; thumbnailKey?: string }
  /** Processed before (or a photo with nothing to make): nothing written. */
  | { outcome: 'done'; id: string }
  /** The photo could not be decoded: recorded with `message` (what the office reads), never tried again. */
  | { outcome: 'failed'; id: string; message: string }
  /** The upload is not kept yet (its submission is being stored): try again shortly. */
  | { outcome: 'pending'; id: string }
  /** Nothing to do: not a photo, not a kept original (a thumbnail, a rendition), deleted, unknown. */
  | { outcome: 'skipped'; id?: string; reason: string };

/** What the office reads beside a photo that could not be processed. */
export function processingFailure(item: Pick<EvidenceItem, 'type'>, needed: { rendition: boolean; thumbnail: boolean }): string {
  const parts = [needed.rendition ? '无法转换为 JPG' : '', needed.thumbnail ? '无法生成缩略图' : ''].filter(Boolean).join('，');
  const what = item.type === 'image/heic' ? 'HEIC 照片' : '照片';
  return `${what}无法解码（文件可能已损坏）：${parts}，页面上只能下载原文件`;
}

/**
 * Processes the kept file under `key` (as an ObjectCreated event names it): finds its item, makes
 * what it lacks, records it. Keys of a thumbnail or a rendition, and files other than photos, are
 * skipped; an upload whose submission has not recorded it as kept yet is `pending`.
 */
export async function processKeptFile(key: string, at: Date, deps: ProcessingDeps): Promise<ProcessingOutcome> {
  const id = evidenceIdOfKey(key);
  if (!id) return { outcome: 'skipped', reason: 'not an evidence file' };
  const item = await deps.log.get(id);
  if (!item) return { outcome: 'skipped', id, reason: 'unknown' };
  if (item.state === 'pending') return { outcome: 'pending', id };
  if (item.key !== key) return { outcome: 'skipped', id, reason: 'not the original' };
  return processItem(item, at, deps);
}

/** Processes kept items by id (files kept before processing existed; the office's or operator's run). */
export async function processEvidence(ids: readonly string[], at: Date, deps: ProcessingDeps): Promise<ProcessingOutcome[]> {
  const outcomes: ProcessingOutcome[] = [];
  for (const id of new Set(ids.filter(isEvidenceId))) {
    const item = await deps.log.get(id);
    outcomes.push(item ? await processItem(item, at, deps) : { outcome: 'skipped', id, reason: 'unknown' });
  }
  return outcomes;
}

/** Whether a kept item still lacks what processing makes. */
export function needsProcessing(item: EvidenceItem): boolean {
  return item.state === 'kept' && formats[item.type] !== undefined && !item.processedAt;
}

async function processItem(item: EvidenceItem, at: Date, deps: ProcessingDeps): Promise<ProcessingOutcome> {
  const format = formats[item.type];
  if (item.state !== 'kept') return { outcome: 'skipped', id: item.id, reason: item.state };
  if (!format) return { outcome: 'skipped', id: item.id, reason: 'not a photo' };
  if (item.processedAt) return { outcome: 'done', id: item.id };
  const needed = { rendition: format === 'heic' && !item.jpegKey, thumbnail: !item.thumbnailKey };
  const made: { jpegKey?: string; thumbnailKey?: string } = {};
  let failure: string | undefined;
  if (needed.rendition || needed.thumbnail) {
    const bytes = await deps.files.read(item.key);
    if (!bytes) return { outcome: 'skipped', id: item.id, reason: 'file missing' };
    const embedded = format === 'jpeg' && needed.thumbnail ? exifThumbnail(bytes) : undefined;
    let picture: Picture | undefined;
    if (needed.rendition || !embedded) {
      try {
        picture = await deps.codec.decode(bytes, format);
      } catch {
        failure = processingFailure(item, needed);
      }
    }
    if (picture && needed.rendition) {
      made.jpegKey = jpegRenditionKey(item.key);
      await deps.files.put(made.jpegKey, await deps.codec.encodeJpeg(picture, RENDITION_QUALITY), 'image/jpeg');
    }
    const thumbnail = embedded ?? (picture && needed.thumbnail ? await deps.codec.encodeJpeg(scaleDown(picture, THUMBNAIL_PX), THUMBNAIL_QUALITY) : undefined);
    if (thumbnail) {
      made.thumbnailKey = thumbnailKeyOf(item.key);
      await deps.files.put(made.thumbnailKey, thumbnail, 'image/jpeg');
    }
  }
  // Recorded on the item as it is stored: the office may have marked it for the 公示 meanwhile
  // (the mark stays), processed it in another run (nothing written), or deleted it (nothing
  // written, and what was made here goes).
  const ours = { recorded: false };
  const stored = await deps.log.update(item.id, (now) => {
    ours.recorded = now.state === 'kept' && !now.processedAt;
    return ours.recorded ? { ...now, ...made, processedAt: at.toISOString(), ...(failure ? { processingError: failure } : {}) } : undefined;
  });
  if (!stored || stored.state !== 'kept') {
    for (const key of Object.values(made)) await deps.files.remove(key);
    return { outcome: 'skipped', id: item.id, reason: stored?.state ?? 'unknown' };
  }
  if (!ours.recorded) return { outcome: 'done', id: item.id };
  if (failure) return { outcome: 'failed', id: item.id, message: failure };
  return Object.keys(made).length ? { outcome: 'processed', id: item.id, ...made } : { outcome: 'done', id: item.id };
}

/**
 * The picture scaled down so that its long side is at most `longSide` (each pixel of the result
 * the mean of the source pixels it covers); a smaller picture is returned as it is.
 */
export function scaleDown(picture: Picture, longSide: number): Picture {
  const { width, height, data } = picture;
  const factor = Math.max(width, height) / longSide;
  if (factor <= 1) return picture;
  const w = Math.max(1, Math.round(width / factor));
  const h = Math.max(1, Math.round(height / factor));
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * height) / h);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * height) / h));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * width) / w);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * width) / w));
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = y0; sy < y1; sy++) {
        let i = (sy * width + x0) * 4;
        for (let sx = x0; sx < x1; sx++, i += 4) {
          r += data[i]!;
          g += data[i + 1]!;
          b += data[i + 2]!;
          a += data[i + 3]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * w + x) * 4;
      out[o] = r / n;
      out[o + 1] = g / n;
      out[o + 2] = b / n;
      out[o + 3] = a / n;
    }
  }
  return { width: w, height: h, data: out };
}
