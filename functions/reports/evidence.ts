/**
 * 佐证材料 in a compiled report: the files each task's 销号 record names, resolved once per report.
 *
 * - The Excel 台账 links every file by its name to the console's own URL of the file (/evidence/…),
 *   a task's and a 常态化工作 occurrence's alike:
 *   it opens only for someone signed in to the console (the office and leaders); the bucket is never
 *   named and nothing is public. The link does not expire with the workbook's age.
 * - The circular shows the photos of red tasks (the model's evidenceTasks): those closed in its
 *   period that were red when their 销号 was asked, and those red now with the photos their units
 *   reported in the period; green and yellow tasks show none. Each is the photo's thumbnail (the
 *   camera's, or the one made when it was kept), else the photo itself when small, scaled by the
 *   page, embedded in the page (data: URI) so the archived page and its email show it with no
 *   link; under each its time and place. At most six per task and 4 MB in all (the circular is
 *   mailed); the rest are counted and left to the task's page in the console.
 */
import type { EvidenceFiles, EvidenceLog } from '../core/evidence-files.ts';
import { evidenceItems } from '../core/evidence-files.ts';
import { placeText, takenAtText, type EvidenceItem } from '../core/evidence.ts';
import type { ReportModel } from '../core/reports/model.ts';

/** Where a report reads the files its tasks name. */
export interface ReportEvidenceSource {
  log: Pick<EvidenceLog, 'get'>;
  files: Pick<EvidenceFiles, 'read'>;
}

export interface ReportFileLink {
  id: string;
  name: string;
  url: string;
  takenAt?: string;
  place?: string;
}

export interface ReportPhoto {
  name: string;
  /** data:image/jpeg;base64,… */
  src: string;
  takenAt: string;
  place: string;
}

export interface ReportEvidence {
  /** Per task code: its files, each with the console's link. */
  links: Map<string, ReportFileLink[]>;
  /** Per task of the report's evidenceTasks: its photos, and how many more it has than the report embeds. */
  photos: Map<string, { shown: ReportPhoto[]; more: number }>;
  /** Per 常态化工作 duty, unit and period (dutyFilesKey): the files of the unit's occurrences, each with the console's link. */
  duties: Map<string, ReportFileLink[]>;
}

export const dutyFilesKey = (duty: string, unit: string, period: string) => `${duty}\n${unit}\n${period}`;

/** A photo without a thumbnail of its own is embedded as it is up to this size (the page scales it). */
export const EMBED_PHOTO_BYTES = 400 * 1024;
/** At most this many photos per task, and this many bytes in all: the circular goes out by email. */
export const EMBED_PER_TASK = 6;
export const EMBED_TOTAL_BYTES = 4 * 1024 * 1024;

const PHOTO_TYPES = new Set(['image/jpeg', 'image/png']);

export const consoleFileUrl = (home: string, id: string) => new URL(`evidence/${id}`, home.endsWith('/') ? home : `${home}/`).toString();

export async function reportEvidence(report: ReportModel, source: ReportEvidenceSource | undefined): Promise<ReportEvidence> {
  const result: ReportEvidence = { links: new Map(), photos: new Map(), duties: new Map() };
  if (!source) return result;
  const cache = new Map<string, EvidenceItem>();
  const itemsOf = async (ids: readonly string[]) => {
    const missing = ids.filter((id) => !cache.has(id));
    for (const item of await evidenceItems(missing, source.log)) cache.set(item.id, item);
    return ids.map((id) => cache.get(id)).filter((i): i is EvidenceItem => i !== undefined);
  };
  const linksOf = (items: EvidenceItem[]): ReportFileLink[] =>
    items.map((i) => ({
      id: i.id,
      name: i.name,
      url: consoleFileUrl(report.home, i.id),
      ...(i.takenAt ? { takenAt: takenAtText(i.takenAt) } : {}),
      ...(i.place ? { place: placeText(i.place) } : {}),
    }));
  for (const row of report.ledger) {
    if (!row.evidence?.length) continue;
    const items = await itemsOf(row.evidence);
    if (items.length) result.links.set(row.code, linksOf(items));
  }
  for (const row of report.duties) {
    for (const p of row.periods) {
      const items = p.evidence.length ? await itemsOf(p.evidence) : [];
      if (items.length) result.duties.set(dutyFilesKey(row.duty, row.unit, p.period), linksOf(items));
    }
  }
  let budget = EMBED_TOTAL_BYTES;
  for (const task of report.evidenceTasks) {
    if (!task.evidence?.length) continue;
    const candidates = (await itemsOf(task.evidence)).filter((i) => PHOTO_TYPES.has(i.type) || i.jpegKey);
    const shown: ReportPhoto[] = [];
    for (const item of candidates) {
      if (shown.length >= EMBED_PER_TASK) break;
      const bytes = await embedded(item, source.files, budget);
      if (!bytes) continue;
      budget -= bytes.length;
      const type = bytes.thumb ? 'image/jpeg' : item.type;
      shown.push({ name: item.name, src: `data:${type};base64,${Buffer.from(bytes.body).toString('base64')}`, takenAt: item.takenAt ? takenAtText(item.takenAt) : '拍摄时间不详', place: item.place ? placeText(item.place) : '拍摄地点不详' });
    }
    if (candidates.length) result.photos.set(task.code, { shown, more: candidates.length - shown.length });
  }
  return result;
}

/**
 * The photo's thumbnail (or the photo itself when small, or a HEIC photo's JPEG rendition), if it
 * fits in what is left of the report's budget. `thumb`: the body is a JPEG whatever the photo's type.
 */
async function embedded(item: EvidenceItem, files: Pick<EvidenceFiles, 'read'>, budget: number): Promise<{ body: Uint8Array; thumb: boolean; length: number } | undefined> {
  if (item.thumbnailKey) {
    const thumb = await files.read(item.thumbnailKey);
    if (thumb) return thumb.length <= budget ? { body: thumb, thumb: true, length: thumb.length } : undefined;
  }
  if (item.jpegKey) {
    const jpeg = await files.read(item.jpegKey);
    return jpeg && jpeg.length <= EMBED_PHOTO_BYTES && jpeg.length <= budget ? { body: jpeg, thumb: true, length: jpeg.length } : undefined;
  }
  if (item.size > EMBED_PHOTO_BYTES || item.size > budget) return undefined;
  const bytes = await files.read(item.key);
  return bytes ? { body: bytes, thumb: false, length: bytes.length } : undefined;
}
