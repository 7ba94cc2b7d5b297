/**
 * Two writers on one evidence item: the photo processing (a thumbnail, recorded on the item) and the
 * office (marks a file for the 公示, un-marks it, deletes it with a reason). Whichever reads first
 * and writes last, neither loses the other's change, and a deleted file stays deleted.
 *
 * The interleaving is made, not hoped for: the table client below runs the other writer just before
 * the next write to the item, after the first writer has read it. Real parts: dynalite with the
 * sample ledger, the HTTP app, the sandbox's evidence folder, the real photo codec. MZ-6-3's lead
 * unit 市城管局 asks for its close-out on 2018-07-16 with four photos (no EXIF, so no camera
 * thumbnail: processing makes them).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceItem } from '../functions/core/evidence.ts';
import { processKeptFile, THUMBNAIL_PX, type ProcessingDeps } from '../functions/core/evidence-processing.ts';
import { instantAt } from '../functions/core/time.ts';
import { photoCodec } from '../functions/reports/photo-codec.ts';
import { DynamoEvidenceLog } from '../functions/store/evidence-log.ts';
import { TableClient, type Item } from '../functions/store/table-client.ts';
import { appBench, SECRET } from './support/app.ts';
import { folderEvidence, postUpload } from './support/evidence.ts';
import { useDynalite } from './support/store.ts';

const dynalite = useDynalite();
const TASK = 'MZ-6-3';
const LEAD = '市城管局';

/** A table client that runs `meanwhile` once, just before its next write to one item (its writer has read it by then). */
class InterleavingTable extends TableClient {
  private held?: { pk: string; meanwhile: () => Promise<unknown> };

  beforeNextWrite(pk: string, meanwhile: () => Promise<unknown>): void {
    this.held = { pk, meanwhile };
  }

  private async interleave(pk: string): Promise<void> {
    const held = this.held;
    if (held?.pk !== pk) return;
    this.held = undefined;
    await held.meanwhile();
  }

  override async put(item: Item): Promise<void> {
    await this.interleave(item.pk);
    return super.put(item);
  }

  override async putIf(item: Item, condition: string, values: Record<string, unknown>, names?: Record<string, string>): Promise<boolean> {
    await this.interleave(item.pk);
    return super.putIf(item, condition, values, names);
  }

  override async update(...args: Parameters<TableClient['update']>): ReturnType<TableClient['update']> {
    await this.interleave(args[0]);
    return super.update(...args);
  }
}

/** A 640 × 480 JPEG with no EXIF, its colours set by `shade` (each photo's content differs). */
function photo(shade: number): Uint8Array {
  const width = 640;
  const height = 480;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([(x * 255) / width, (y * 255) / height, shade, 255], (y * width + x) * 4);
  return new Uint8Array(jpeg.encode({ width, height, data }, 90).data);
}

async function world() {
  let table: InterleavingTable | undefined;
  let root = '';
  let processing: ProcessingDeps | undefined;
  const w = await appBench(dynalite, instantAt('2018-07-16', '10:00'), {
    evidence: (store) => {
      const made = folderEvidence(store, dynalite.client, async () => SECRET);
      root = made.root;
      // The app and the processing write through the same interleaving client.
      table = new InterleavingTable(dynalite.client, store.tableName);
      const log = new DynamoEvidenceLog(table);
      processing = { log, files: made.deps.files, codec: photoCodec };
      return { ...made.deps, log };
    },
  });
  const unit = await w.token(LEAD);
  const office = await w.officeToken();
  const names = ['锅炉拆除前.jpg', '锅炉拆除后.jpg', '场地清理.jpg', '验收现场.jpg'];
  const photos = names.map((_, i) => photo(40 * (i + 1)));
  const asked = (await (await w.post('/api/evidence/uploads', unit, { task: TASK, kind: 'closeout', files: names.map((name, i) => ({ name, type: 'image/jpeg', size: photos[i]!.length })) })).json()) as any;
  const ids = asked.uploads.map((u: { id: string }) => u.id) as string[];
  for (const [i, given] of asked.uploads.entries()) expect((await postUpload(w.app, given.upload, photos[i]!)).status).toBe(201);
  expect((await w.post(`/api/tasks/${TASK}/closeout`, unit, { summary: '燃煤锅炉已拆除，现场已清理', evidence: ids })).status).toBe(202);

  const json = async (response: Response | Promise<Response>) => ({ status: (await response).status, body: (await (await response).json()) as any });
  const itemKey = (id: string) => `EVIDENCE#${id}`;
  return {
    ...w,
    ids,
    office,
    root,
    /** Processing of a kept photo, as the evidence function runs it on the ObjectCreated event. */
    process: async (id: string) => processKeptFile(((await processing!.log.get(id)) as EvidenceItem).key, instantAt('2018-07-16', '10:05'), processing!),
    mark: (id: string, shown: boolean) => json(w.post(`/api/evidence/${id}/publicity`, office, { shown })),
    remove: (id: string, reason: string) => json(w.app.request(`/api/evidence/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${office}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ reason }) })),
    /** The file as the office opens it in the console's API. */
    record: (id: string) => json(w.get(`/api/evidence/${id}`, office)),
    beforeNextWrite: (id: string, meanwhile: () => Promise<unknown>) => table!.beforeNextWrite(itemKey(id), meanwhile),
    /** The files kept under the task's folder for this id (the photo, its thumbnail). */
    filesOf: (id: string) => {
      const dir = join(root, 'evidence', TASK);
      return existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(id)).sort() : [];
    },
  };
}

/** The thumbnail the office's page shows: a JPEG at most THUMBNAIL_PX on its long side. */
async function thumbnailSize(w: Awaited<ReturnType<typeof world>>, id: string) {
  const response = await w.get(`/api/evidence/${id}/file?size=thumb`, w.office);
  expect(response.status).toBe(200);
  const image = jpeg.decode(new Uint8Array(await response.arrayBuffer()), { useTArray: true });
  return { width: image.width, height: image.height };
}

describe('a photo processed while the office works on it', () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world();
  });

  it('keeps the office’s mark for the 公示 made after processing read the photo, and the thumbnail processing made', async () => {
    const [id] = w.ids;
    let marked: Awaited<ReturnType<typeof w.mark>> | undefined;
    w.beforeNextWrite(id!, async () => (marked = await w.mark(id!, true)));
    expect(await w.process(id!)).toEqual({ outcome: 'processed', id, thumbnailKey: `evidence/${TASK}/${id}.thumb.jpg` });
    expect(marked).toMatchObject({ status: 200, body: { evidence: { id, name: '锅炉拆除前.jpg', shown: true } } });

    const { body } = await w.record(id!);
    expect(body.evidence).toMatchObject({ shown: true, thumbnailKey: `evidence/${TASK}/${id}.thumb.jpg`, processedAt: '2018-07-16T02:05:00.000Z' });
    expect(await thumbnailSize(w, id!)).toEqual({ width: THUMBNAIL_PX, height: 240 });
  });

  it('keeps the office’s un-marking made after processing read the photo, and the thumbnail', async () => {
    const [, id] = w.ids;
    expect((await w.mark(id!, true)).body.evidence.shown).toBe(true);
    w.beforeNextWrite(id!, () => w.mark(id!, false));
    expect(await w.process(id!)).toMatchObject({ outcome: 'processed', id });

    const { body } = await w.record(id!);
    expect(body.evidence.shown).toBe(false);
    expect(body.evidence.thumbnailKey).toBe(`evidence/${TASK}/${id}.thumb.jpg`);
    expect(await thumbnailSize(w, id!)).toEqual({ width: THUMBNAIL_PX, height: 240 });
  });

  it('keeps the thumbnail processing recorded after the office read the photo to mark it, and the mark', async () => {
    const [, , id] = w.ids;
    let processed: Awaited<ReturnType<typeof w.process>> | undefined;
    w.beforeNextWrite(id!, async () => (processed = await w.process(id!)));
    const marked = await w.mark(id!, true);
    expect(marked).toMatchObject({ status: 200, body: { evidence: { id, shown: true } } });
    expect(processed).toEqual({ outcome: 'processed', id, thumbnailKey: `evidence/${TASK}/${id}.thumb.jpg` });

    const { body } = await w.record(id!);
    expect(body.evidence).toMatchObject({ shown: true, thumbnailKey: `evidence/${TASK}/${id}.thumb.jpg`, processedAt: '2018-07-16T02:05:00.000Z' });
    expect(await thumbnailSize(w, id!)).toEqual({ width: THUMBNAIL_PX, height: 240 });
    // The task's history records the mark once.
    const history = (await (await w.get(`/api/tasks/${TASK}/history`, w.office)).json()) as any;
    expect(history.events.filter((e: any) => e.type === 'evidence.publicity' && e.detail.id === id)).toHaveLength(1);
  });

  it('leaves a photo the office deleted while it was processed deleted, its reason in the task’s history, with no thumbnail left behind', async () => {
    const [, , , id] = w.ids;
    let removed: Awaited<ReturnType<typeof w.remove>> | undefined;
    w.beforeNextWrite(id!, async () => (removed = await w.remove(id!, '照片与销号内容无关')));
    expect(await w.process(id!)).toEqual({ outcome: 'skipped', id, reason: 'deleted' });
    expect(removed).toMatchObject({ status: 200, body: { deleted: { id, name: '验收现场.jpg', task: TASK } } });

    const record = await w.record(id!);
    expect(record.status).toBe(404);
    expect(record.body.error.message).toBe('佐证材料不存在或已删除');
    expect(w.filesOf(id!)).toEqual([]);
    const history = (await (await w.get(`/api/tasks/${TASK}/history`, w.office)).json()) as any;
    const officer = (await w.store.people.list()).find((p) => p.roles.includes('整改办'))!;
    expect(history.events.at(-1)).toMatchObject({ type: 'evidence.deleted', by: officer.name, detail: { id, name: '验收现场.jpg', reason: '验收现场.jpg：照片与销号内容无关' } });
  });

  it('writes nothing when a deleted photo is processed (an event delivered late), and does not fail', async () => {
    const [, , , id] = w.ids;
    const log = new DynamoEvidenceLog(new TableClient(dynalite.client, w.store.tableName));
    const before = await log.get(id!);
    expect(before).toMatchObject({ state: 'deleted' });
    expect(await w.process(id!)).toEqual({ outcome: 'skipped', id, reason: 'deleted' });
    expect(await log.get(id!)).toEqual(before);
    expect(w.filesOf(id!)).toEqual([]);
    // The other photos are as they were left: marked, un-marked, marked; each with its thumbnail.
    const shown = await Promise.all(w.ids.slice(0, 3).map(async (i) => (await w.record(i)).body.evidence.shown));
    expect(shown).toEqual([true, false, true]);
    expect(w.ids.slice(0, 3).map((i) => w.filesOf(i))).toEqual(w.ids.slice(0, 3).map((i) => [`${i}.jpg`, `${i}.thumb.jpg`]));
  });
});
