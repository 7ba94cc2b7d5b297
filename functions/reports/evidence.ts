/**
 * 佐证材料 in a compiled report: the files each task's 销号 record names, resolved once per report.
 *
 * - The Excel 台账 links every file by its name to the console's own URL of the file (/evidence/…):
 *   it opens only for someone signed in to the console (the office and leaders); the bucket is never
 *   named and nothing is public. The link does not expire with the workbook's age.
 * - The circular shows the photos of the tasks closed in its period: the camera's thumbnail (EXIF)
 *   where the photo carried one, else the photo itself when small, scaled by the page, embedded in
 *   the page (data: URI) so the archived page and its email show it with no link; under each its
 *   time and place.
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
  /** Per task closed in the period: its photos. */
  photos: Map<string, ReportPhoto[]>;
}

/** A photo without a thumbnail of its own is embedded as it is up to this size (the page scales it). */
export const EMBED_PHOTO_BYTES = 400 * 1024;

const PHOTO_TYPES = new Set(['image/jpeg', 'image/png']);

export const consoleFileUrl = (home: string, id: string) => new URL(`evidence/${id}`, home.endsWith('/') ? home : `${home}/`).toString();

export async function reportEvidence(report: ReportModel, source: ReportEvidenceSource | undefined): Promise<ReportEvidence> {
  const result: ReportEvidence = { links: new Map(), photos: new Map() };
  if (!source) return result;
  const cache = new Map<string, EvidenceItem>();
  const itemsOf = async (ids: readonly string[]) => {
    const missing = ids.filter((id) => !cache.has(id));
    for (const item of await evidenceItems(missing, source.log)) cache.set(item.id, item);
    return ids.map((id) => cache.get(id)).filter((i): i is EvidenceItem => i !== undefined);
  };
  for (const row of report.ledger) {
    if (!row.evidence?.length) continue;
    const items = await itemsOf(row.evidence);
    if (!items.length) continue;
    result.links.set(
      row.code,
      items.map((i) => ({
        id: i.id,
        name: i.name,
        url: consoleFileUrl(report.home, i.id),
        ...(i.takenAt ? { takenAt: takenAtText(i.takenAt) } : {}),
        ...(i.place ? { place: placeText(i.place) } : {}),
      })),
    );
  }
  for (const task of report.closedThisPeriod) {
    if (!task.evidence?.length) continue;
    const photos: ReportPhoto[] = [];
    for (const item of await itemsOf(task.evidence)) {
      if (!PHOTO_TYPES.has(item.type)) continue;
      const src = await embedded(item, source.files);
      if (!src) continue;
      photos.push({ name: item.name, src, takenAt: item.takenAt ? takenAtText(item.takenAt) : '拍摄时间不详', place: item.place ? placeText(item.place) : '拍摄地点不详' });
    }
    if (photos.length) result.photos.set(task.code, photos);
  }
  return result;
}

async function embedded(item: EvidenceItem, files: Pick<EvidenceFiles, 'read'>): Promise<string | undefined> {
  if (item.thumbnailKey) {
    const thumb = await files.read(item.thumbnailKey);
    if (thumb) return `data:image/jpeg;base64,${Buffer.from(thumb).toString('base64')}`;
  }
  if (item.size > EMBED_PHOTO_BYTES) return undefined;
  const bytes = await files.read(item.key);
  return bytes ? `data:${item.type};base64,${Buffer.from(bytes).toString('base64')}` : undefined;
}
