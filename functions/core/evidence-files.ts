/**
 * 佐证材料 files, the use cases: a unit asks for upload forms (createUploads), the browser posts the
 * bytes straight to the bucket, the unit's submission names the uploads' ids and keepEvidence checks
 * each file by content, keeps it once per task (same content: same item) and reads the photo's
 * time and place; sweepAbandoned deletes uploads no submission named. What is made of a kept
 * photo (a HEIC photo's JPEG, a thumbnail) is made once it is kept, apart (evidence-processing.ts).
 *
 * Ports: EvidenceFiles (S3, or a folder in the sandbox) and EvidenceLog (the table).
 */
import { createHash, randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from './errors.ts';
import {
  checkDeclared,
  EVIDENCE_LIMITS,
  evidenceTypes,
  exifThumbnail,
  isEvidenceId,
  keptKey,
  limitsText,
  readExif,
  sniffType,
  digestScope,
  dutyUploadPrefix,
  ownerOf,
  submissionKindNames,
  uploadPrefix,
  type DeclaredFile,
  type EvidenceItem,
  type EvidenceOwner,
  type EvidenceType,
  type SubmissionKind,
} from './evidence.ts';
import { misuseText, recordOnOwner, sameOwner, taskOfItem, unitMayOpen, uploadOwner } from './evidence-owner.ts';
import { thumbnailKeyOf } from './evidence-processing.ts';
import type { Task } from './ledger.ts';
import { unversioned, type Principal, type Store } from './ports.ts';
import { ForbiddenError, taskFor } from './task-access.ts';

/** A form the browser posts one file to: `fields` first, then the file as `file`. */
export interface UploadForm {
  url: string;
  fields: Record<string, string>;
}

export interface EvidenceFiles {
  /** A form for exactly this key (under `prefix`), at most `maxBytes`, this Content-Type, usable for `minutes`. */
  uploadForm(input: { key: string; prefix: string; contentType: string; maxBytes: number; minutes: number; now: Date }): Promise<UploadForm>;
  read(key: string): Promise<Uint8Array | undefined>;
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  move(from: string, to: string, contentType: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** A short-lived link to open a kept file; undefined where the app serves the bytes itself (the sandbox). */
  openUrl(key: string, name: string, contentType: string): Promise<string | undefined>;
  /** The origin the browser posts to and loads files from, when it is not the app's own (for the page's CSP). */
  readonly origin?: string;
}

export interface EvidenceLog {
  create(item: EvidenceItem): Promise<void>;
  get(id: string): Promise<EvidenceItem | undefined>;
  /**
   * Changes the item as it is stored now: `change` gets it and returns it changed, or undefined to
   * leave it as it is. Written only if nobody else wrote the item meanwhile; otherwise read and
   * changed again (a few times, then a VersionConflictError). Returns the item as it then stands
   * (undefined: no such item). A pending item leaves the index of pending uploads once it is no
   * longer pending.
   */
  update(id: string, change: EvidenceChange): Promise<EvidenceItem | undefined>;
  /** Records that the task keeps a file with this content under `id`, unless one already does: returns the id that does. */
  claimDigest(task: string, sha256: string, id: string): Promise<string>;
  /** Hands the digest to `id` (the item that held it was never kept). */
  reclaimDigest(task: string, sha256: string, id: string): Promise<void>;
  /** Pending uploads created before `iso`, oldest first. */
  pendingBefore(iso: string, limit: number): Promise<EvidenceItem[]>;
}

/** A change to an evidence item, made to the item as stored (pure: it may be made more than once). */
export type EvidenceChange = (item: EvidenceItem) => EvidenceItem | undefined;

export interface EvidenceDeps {
  store: Store;
  files: EvidenceFiles;
  log: EvidenceLog;
}

/** The unit's folder in the bucket: a digest of its name (names are Chinese; keys stay ASCII). */
export const unitKey = (unit: string) => createHash('sha256').update(unit).digest('hex').slice(0, 16);

export interface UploadGiven {
  id: string;
  name: string;
  type: string;
  size: number;
  upload: UploadForm;
  expiresAt: string;
}

/**
 * Upload forms for a unit's files of one submission of one task: refused unless the unit may
 * submit for the task, the files are of the types taken and within the limits. Each form admits
 * only its key, its declared size and type, for a few minutes. Abandoned uploads are swept first.
 */
export async function createUploads(
  input: { task?: string; duty?: string; kind: SubmissionKind; files: DeclaredFile[] },
  principal: Principal,
  at: Date,
  deps: EvidenceDeps,
): Promise<{ uploads: UploadGiven[]; limits: string }> {
  if (principal.kind !== 'unit') throw new ForbiddenError('佐证材料由报送单位上传');
  const owner = await uploadOwner(input, principal, deps.store);
  const types = checkDeclared(input.files);
  await sweepAbandoned(at, deps, 10);
  const prefix = owner.duty !== undefined ? dutyUploadPrefix(unitKey(principal.unit), owner.duty) : uploadPrefix(unitKey(principal.unit), owner.task, input.kind);
  const expiresAt = new Date(at.getTime() + EVIDENCE_LIMITS.uploadMinutes * 60_000).toISOString();
  const uploads: UploadGiven[] = [];
  for (const [i, file] of input.files.entries()) {
    const type = evidenceTypes[types[i]!];
    const id = `ev_${randomUUID().replace(/-/g, '')}`;
    const key = `${prefix}${id}.${type.ext}`;
    await deps.log.create({ id, unit: principal.unit, ...owner, kind: input.kind, key, name: file.name, type: type.mime, size: file.size, state: 'pending', createdAt: at.toISOString() });
    const upload = await deps.files.uploadForm({ key, prefix, contentType: type.mime, maxBytes: file.size, minutes: EVIDENCE_LIMITS.uploadMinutes, now: at });
    uploads.push({ id, name: file.name, type: type.mime, size: file.size, upload, expiresAt });
  }
  return { uploads, limits: limitsText };
}

const sameSubmission = (a: SubmissionKind, b: SubmissionKind) => a === b || (a !== 'closeout' && a !== 'lookback' && a !== 'duty' && b !== 'closeout' && b !== 'lookback' && b !== 'duty');

interface Checked {
  item: EvidenceItem;
  bytes?: Uint8Array;
  type?: EvidenceType;
  sha256?: string;
}

/**
 * The evidence of a submission, with each upload id checked and kept: the upload must be this
 * unit's, for this task and this kind of submission; its object must be there, no larger than
 * declared, and by its content a type taken. Every file is checked before any is kept, and a
 * refused one is deleted. A file the task already keeps (same content) is not kept twice: its id
 * stands for both. Links (https://…) pass through. Returns the evidence with the kept ids.
 */
export async function keepEvidence(
  evidence: readonly string[],
  submission: { unit: string; kind: SubmissionKind } & EvidenceOwner,
  at: Date,
  deps: Pick<EvidenceDeps, 'files' | 'log'>,
): Promise<string[]> {
  const ids = evidence.filter(isEvidenceId);
  if (ids.length === 0) return [...evidence];
  if (new Set(ids).size > EVIDENCE_LIMITS.files) throw new ValidationError(`每次最多附${EVIDENCE_LIMITS.files}个文件`, 'evidence');
  const checked: Checked[] = [];
  let total = 0;
  for (const id of new Set(ids)) {
    const item = await deps.log.get(id);
    if (!item || item.state === 'deleted') throw new ValidationError(`上传的文件（${id}）不存在或已过期清理，请重新上传`, 'evidence');
    if (item.unit !== submission.unit || !sameOwner(ownerOf(item), submission) || !sameSubmission(item.kind, submission.kind)) {
      throw new ForbiddenError(misuseText(item, submission));
    }
    if (item.state !== 'pending') {
      checked.push({ item });
      continue;
    }
    const bytes = await deps.files.read(item.key);
    if (!bytes) throw new ValidationError(`文件“${item.name}”尚未上传完成，请重新上传后再提交`, 'evidence');
    if (bytes.length > item.size) {
      await refuse(item, deps);
      throw new ValidationError(`文件“${item.name}”实际大小超过上传时声明的大小，已拒收，请重新上传`, 'evidence');
    }
    let type: EvidenceType;
    try {
      type = sniffType(bytes, item.name);
    } catch (error) {
      await refuse(item, deps);
      throw error;
    }
    total += bytes.length;
    checked.push({ item, bytes, type, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  if (total > EVIDENCE_LIMITS.submissionBytes) throw new ValidationError(`本次文件合计超过${EVIDENCE_LIMITS.submissionBytes / 1024 / 1024} MB 的限制`, 'evidence');

  const keptAs = new Map<string, string>();
  for (const { item, bytes, type, sha256 } of checked) {
    if (!bytes || !type || !sha256) {
      keptAs.set(item.id, item.state === 'duplicate' && item.sameAs ? item.sameAs : item.id);
      continue;
    }
    let owner = await deps.log.claimDigest(digestScope(ownerOf(item)), sha256, item.id);
    if (owner !== item.id) {
      const held = await deps.log.get(owner);
      if (held?.state === 'kept') {
        await deps.files.remove(item.key);
        await deps.log.update(item.id, (now) => ({ ...now, state: 'duplicate', sameAs: owner, sha256, size: bytes.length, type: evidenceTypes[type].mime }));
        keptAs.set(item.id, owner);
        continue;
      }
      await deps.log.reclaimDigest(digestScope(ownerOf(item)), sha256, item.id);
      owner = item.id;
    }
    const key = keptKey(item, type);
    await deps.files.move(item.key, key, evidenceTypes[type].mime);
    const exif = type === 'jpeg' ? readExif(bytes) : {};
    // The camera's own thumbnail, where it embedded one: pages show it instead of the photo.
    const thumbnail = type === 'jpeg' ? exifThumbnail(bytes) : undefined;
    const thumbnailKey = thumbnail ? thumbnailKeyOf(key) : undefined;
    if (thumbnail && thumbnailKey) await deps.files.put(thumbnailKey, thumbnail, 'image/jpeg');
    await deps.log.update(item.id, (now) => ({ ...now, key, type: evidenceTypes[type].mime, size: bytes.length, sha256, ...exif, ...(thumbnailKey ? { thumbnailKey } : {}), state: 'kept', keptAt: at.toISOString() }));
    keptAs.set(item.id, item.id);
  }
  const seen = new Set<string>();
  return evidence
    .map((e) => (isEvidenceId(e) ? keptAs.get(e)! : e))
    .filter((e) => (seen.has(e) ? false : (seen.add(e), true)));
}

async function refuse(item: EvidenceItem, deps: Pick<EvidenceDeps, 'files' | 'log'>) {
  await deps.files.remove(item.key);
  await deps.log.update(item.id, (now) => ({ ...now, state: 'deleted' }));
}

/** An upload no submission has kept, deleted; one kept (or refused) meanwhile is left as it is. */
const deletePending: EvidenceChange = (now) => (now.state === 'pending' ? { ...now, state: 'deleted' } : undefined);

/** Deletes uploads no submission named within the allowed hours (their objects and their pending entries). */
export async function sweepAbandoned(at: Date, deps: Pick<EvidenceDeps, 'files' | 'log'>, limit = 100): Promise<number> {
  const before = new Date(at.getTime() - EVIDENCE_LIMITS.abandonedHours * 3_600_000).toISOString();
  const abandoned = await deps.log.pendingBefore(before, limit);
  for (const item of abandoned) {
    // The record first: a submission keeping the file at this moment wins, and its file stays.
    if ((await deps.log.update(item.id, deletePending))?.state === 'deleted') await deps.files.remove(item.key);
  }
  return abandoned.length;
}

/**
 * The office deletes a kept file with a reason: the task's history records who, when, which file
 * and why (a version of the task, as every change); then the file goes. The submission that named
 * it keeps the id, which no longer opens.
 */
export async function deleteEvidence(id: string, reason: string, principal: Principal, at: Date, deps: EvidenceDeps): Promise<EvidenceItem> {
  if (principal.kind !== 'office') throw new ForbiddenError('只有整改办可以删除佐证材料');
  if (!reason.trim()) throw new ValidationError('删除佐证材料须写明理由', 'reason');
  const item = isEvidenceId(id) ? await deps.log.get(id) : undefined;
  if (!item || item.state !== 'kept') throw new NotFoundError('佐证材料不存在或已删除');
  await recordOnOwner(item, { type: 'evidence.deleted', by: principal.name, at: at.toISOString(), detail: { id, name: item.name, reason: `${item.name}：${reason.trim()}` } }, principal, deps.store);
  // The record first, then its files as it then names them (a thumbnail recorded meanwhile too);
  // the photo processing, finding it deleted, removes what it made and records nothing.
  const deleted = (await deps.log.update(id, (now) => (now.state === 'kept' ? { ...now, state: 'deleted' } : undefined))) ?? { ...item, state: 'deleted' };
  for (const key of [deleted.key, deleted.thumbnailKey, deleted.jpegKey]) if (key) await deps.files.remove(key);
  return deleted;
}

/** The kept items a submission names, in its order (links and unknown ids left out). */
export async function evidenceItems(evidence: readonly string[], log: Pick<EvidenceLog, 'get'>): Promise<EvidenceItem[]> {
  const items = await Promise.all(evidence.filter(isEvidenceId).map((id) => log.get(id)));
  return items.filter((i): i is EvidenceItem => i?.state === 'kept');
}

/**
 * A kept file, for someone allowed to see it: the office and leaders, or a unit of the task.
 * Refused like a missing file otherwise, so ids cannot be probed.
 */
export async function evidenceFor(id: string, principal: Principal, deps: Pick<EvidenceDeps, 'store' | 'log'>): Promise<EvidenceItem> {
  const item = isEvidenceId(id) ? await deps.log.get(id) : undefined;
  if (!item || item.state !== 'kept') throw new NotFoundError('佐证材料不存在或已删除');
  if (principal.kind === 'unit' && !(await unitMayOpen(item, principal.unit, deps.store))) throw new NotFoundError('佐证材料不存在或已删除');
  return item;
}

/** The upload ids a task's 销号 names: the request and the lead units' confirmations (what its 公示 is about). */
export function closeOutEvidenceIds(task: Pick<Task, 'closeOut'>): string[] {
  const closeOut = task.closeOut;
  if (!closeOut) return [];
  return [...new Set([...closeOut.evidence, ...(closeOut.confirmations ?? []).flatMap((p) => p.evidence)].filter(isEvidenceId))];
}

const underPublicNotice = (task: Pick<Task, 'status' | 'closeOut'>) => task.status === 'notice' && task.closeOut?.state === 'publicNotice';

/**
 * The office marks a kept file of a task's 销号 as shown on the public 公示 page, or unmarks it
 * (at once: the public path serves only what is marked now). The task's history records who, when,
 * which file and the change; marking again as it stands records nothing.
 */
export async function markPublicity(id: string, shown: boolean, principal: Principal, at: Date, deps: Pick<EvidenceDeps, 'store' | 'log'>): Promise<EvidenceItem> {
  if (principal.kind !== 'office') throw new ForbiddenError('只有整改办可以设定公示的佐证材料');
  const item = isEvidenceId(id) ? await deps.log.get(id) : undefined;
  if (!item || item.state !== 'kept') throw new NotFoundError('佐证材料不存在或已删除');
  const task = await taskFor(deps.store, taskOfItem(item), principal);
  if (shown && !closeOutEvidenceIds(task).includes(id)) throw new ValidationError(`文件“${item.name}”不是任务 ${task.code} 销号申请的佐证材料，不能在销号公示中展示`, 'id');
  if ((item.shown ?? false) === shown) return item;
  await deps.store.tasks.update(task.code, task.version, unversioned(task), {
    type: 'evidence.publicity',
    by: principal.name,
    at: at.toISOString(),
    detail: { id, name: item.name, shown, reason: `${item.name}：${shown ? '在销号公示中展示' : '不再在销号公示中展示'}` },
  });
  // Only the mark changes: a thumbnail the photo processing recorded meanwhile stays.
  const marked = await deps.log.update(id, (now) => (now.state === 'kept' ? { ...now, shown } : undefined));
  if (!marked || marked.state !== 'kept') throw new NotFoundError('佐证材料不存在或已删除');
  return marked;
}

/** The marked files of a task under 公示, for the public page. */
export async function publicEvidence(task: Pick<Task, 'status' | 'closeOut'>, log: Pick<EvidenceLog, 'get'>): Promise<EvidenceItem[]> {
  if (!underPublicNotice(task)) return [];
  return (await evidenceItems(closeOutEvidenceIds(task), log)).filter((i) => i.shown === true);
}

/** A file anyone may open: marked, of a task under 公示 now. Anything else is not found (nothing to probe). */
export async function publicFile(id: string, deps: Pick<EvidenceDeps, 'store' | 'log'>): Promise<EvidenceItem> {
  const gone = () => new NotFoundError('该文件不在公示中');
  const item = isEvidenceId(id) ? await deps.log.get(id) : undefined;
  if (!item || item.state !== 'kept' || item.shown !== true) throw gone();
  const task = item.task !== undefined ? await deps.store.tasks.get(item.task) : undefined;
  if (!task || !underPublicNotice(task) || !closeOutEvidenceIds(task).includes(id)) throw gone();
  return item;
}
