/**
 * What is made of a kept photo (core/evidence-processing.ts): an iPhone's HEIC photo gets a JPEG of
 * the same size, every photo (JPEG, PNG, HEIC) a thumbnail at most 320 px on its long side (the
 * camera's own where the EXIF holds one), once; a photo that cannot be decoded is recorded for the
 * office and not tried again, and its submission stands. In the sandbox this happens in-process as
 * the file is kept; on AWS the evidence function does it on the bucket's ObjectCreated event.
 *
 * Real parts: dynalite with the sample ledger, the HTTP app with the sandbox's evidence folder behind
 * the app's stand-in for S3's browser POST, the real codec (libheif's WASM build, jpeg-js, pngjs).
 * The HEIC is a real one, 64 × 48, made once with libheif's heif-enc
 * (tests/fixtures/evidence/boiler-after.heic); the JPEG and PNG without thumbnails are made here
 * with jpeg-js and pngjs. MZ-6-3's lead unit 市城管局 reports on 2018-07-16 (a Monday).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultCadence } from '../functions/core/cadence/config.ts';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { processTaskEvidence } from '../functions/core/evidence-backlog.ts';
import { processEvidence, processKeptFile, THUMBNAIL_PX } from '../functions/core/evidence-processing.ts';
import type { Principal } from '../functions/core/ports.ts';
import { instantAt } from '../functions/core/time.ts';
import { createApp } from '../functions/http/app.ts';
import { issueToken } from '../functions/http/auth.ts';
import type { EvidenceAppDeps } from '../functions/http/evidence.ts';
import { photoCodec } from '../functions/reports/photo-codec.ts';
import { ArchivePublisher } from '../functions/reports/publish.ts';
import { evidenceHandler, NotYetKeptError, processedWhenKept } from '../functions/wiring/evidence-processing.ts';
import { useCadenceBench } from './support/cadence.ts';
import { useConsoleBench } from './support/console.ts';
import { folderEvidence } from './support/evidence.ts';

const bench = useCadenceBench();
const consoleBench = useConsoleBench();
const SECRET = 'a-test-secret-of-at-least-32-characters';
const TASK = 'MZ-6-3';
const LEAD = '市城管局';
const heic = new Uint8Array(readFileSync(join(import.meta.dirname, 'fixtures/evidence/boiler-after.heic')));

/** A 640 × 480 photo with no EXIF (so no camera thumbnail): a gradient, as jpeg-js encodes it. */
function plainPicture(width = 640, height = 480) {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([(x * 255) / width, (y * 255) / height, 128, 255], (y * width + x) * 4);
  return { width, height, data };
}
const plainJpeg = () => new Uint8Array(jpeg.encode(plainPicture(), 90).data);
const plainPng = () => new Uint8Array(PNG.sync.write(Object.assign(new PNG({ width: 480, height: 640 }), { data: Buffer.from(plainPicture(480, 640).data) })));
/** Starts as a JPEG (so it is taken as one), then nothing a decoder can read. */
const corruptJpeg = () => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...Array.from({ length: 200 }, (_, i) => (i * 37) % 251)]);

/** A JPEG by its first bytes, decoded: its width and height. */
function decoded(bytes: Uint8Array) {
  expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  const image = jpeg.decode(bytes, { useTArray: true });
  return { width: image.width, height: image.height };
}

/** Every file under `root` with its size and modification time: what a run wrote. */
function folderState(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(root, path)] = `${statSync(path).size}@${statSync(path).mtimeMs}`;
    }
  };
  walk(root);
  return out;
}

/** The app as the sandbox wires it (`processed`: photos processed as they are kept), or as on AWS (not: the evidence function does it). */
async function world(options: { processed: boolean }) {
  const { store, reports: archived, deps } = await bench.setup();
  const { deps: plain, root } = folderEvidence(store, bench.dynamo, async () => SECRET);
  let now = instantAt('2018-07-16', '10:00');
  const evidence: EvidenceAppDeps = options.processed ? processedWhenKept(plain, () => now) : plain;
  const reports = new ArchivePublisher(archived.archive, { log: plain.log, files: plain.files });
  const jobs = { ...deps, reports };
  const app = createApp({ store, clock: () => now, calendar: async () => defaultCalendar(), cadence: defaultCadence, linkSecret: async () => SECRET, reports, evidence });
  const office = (await store.people.list()).find((p) => p.roles.includes('整改办'))!;
  const token = (principal: Principal) => issueToken(store, principal, now);
  const request = (method: string, path: string, token?: string, body?: unknown) =>
    app.request(path, { method, headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const unitToken = await token({ kind: 'unit', unit: LEAD });
  const officeToken = await token({ kind: 'office', name: office.name });

  /** Uploads a file as the phone does, then names it in a submission; returns the upload's id and the submission's status. */
  async function submit(name: string, type: string, bytes: Uint8Array, kind: 'report' | 'closeout', on: { task: string; unit: string } = { task: TASK, unit: LEAD }) {
    const unitToken = await token({ kind: 'unit', unit: on.unit });
    const asked = (await (await request('POST', '/api/evidence/uploads', unitToken, { task: on.task, kind, files: [{ name, type, size: bytes.length }] })).json()) as any;
    const { id, upload } = asked.uploads[0] as { id: string; upload: { url: string; fields: Record<string, string> } };
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
    form.append('file', new Blob([bytes]), 'file');
    expect((await app.request(upload.url, { method: 'POST', body: form })).status).toBe(201);
    const path = kind === 'report' ? `/api/tasks/${on.task}/progress` : `/api/tasks/${on.task}/closeout`;
    const status = (await request('POST', path, unitToken, { summary: kind === 'report' ? '本周拆除燃煤锅炉2台' : '燃煤锅炉已拆除，现场已清理', evidence: [id] })).status;
    return { id, status };
  }
  const record = async (id: string) => (await (await request('GET', `/api/evidence/${id}`, unitToken)).json()) as any;
  const bytesOf = async (path: string) => {
    const response = await request('GET', path, unitToken);
    expect(response.status).toBe(200);
    return { type: response.headers.get('Content-Type'), bytes: new Uint8Array(await response.arrayBuffer()) };
  };
  const processing = { log: plain.log, files: plain.files, codec: photoCodec };
  return { store, app, jobs, reports, root, plain, processing, unitToken, officeToken, request, submit, record, bytesOf, tokenFor: (unit: string) => token({ kind: 'unit', unit }), setNow: (at: Date) => (now = at) };
}

describe('photos processed as they are kept (the sandbox)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  let heicId: string;
  beforeAll(async () => {
    w = await world({ processed: true });
  });

  it('shows a progress report’s HEIC photo as a JPEG of the same size right after the submission, with a thumbnail; the original stays', async () => {
    const { id, status } = await w.submit('IMG_0412.HEIC', 'image/heic', heic, 'report');
    expect(status).toBe(201);
    heicId = id;
    const record = await w.record(id);
    expect(record.evidence).toMatchObject({ name: 'IMG_0412.HEIC', type: 'image/heic', size: heic.length, processedAt: '2018-07-16T02:00:00.000Z' });
    expect(record.evidence.processingError).toBeUndefined();
    expect(record.jpeg).toBe(`/api/evidence/${id}/file?size=jpeg`);
    const rendition = await w.bytesOf(record.jpeg);
    expect(rendition.type).toBe('image/jpeg');
    expect(decoded(rendition.bytes)).toEqual({ width: 64, height: 48 });
    const thumbnail = await w.bytesOf(`/api/evidence/${id}/file?size=thumb`);
    expect(decoded(thumbnail.bytes)).toEqual({ width: 64, height: 48 });
    // The original is still there, byte for byte.
    const original = await w.bytesOf(record.href);
    expect(original.type).toBe('image/heic');
    expect(original.bytes).toEqual(heic);
  });

  it('makes a thumbnail of at most 320 px for a JPEG that carries none in its EXIF', async () => {
    const photo = plainJpeg();
    const { id, status } = await w.submit('现场.jpg', 'image/jpeg', photo, 'report');
    expect(status).toBe(201);
    const record = await w.record(id);
    expect(record.evidence.thumbnailKey).toMatch(/\.thumb\.jpg$/);
    expect(record.jpeg).toBeUndefined();
    expect(decoded((await w.bytesOf(`/api/evidence/${id}/file?size=thumb`)).bytes)).toEqual({ width: THUMBNAIL_PX, height: 240 });
    expect((await w.bytesOf(record.href)).bytes).toEqual(photo);
  });

  it('makes one for a PNG, its long side 320 px', async () => {
    const { id } = await w.submit('截图.png', 'image/png', plainPng(), 'report');
    const record = await w.record(id);
    expect(record.evidence).toMatchObject({ type: 'image/png', processedAt: '2018-07-16T02:00:00.000Z' });
    expect(decoded((await w.bytesOf(`/api/evidence/${id}/file?size=thumb`)).bytes)).toEqual({ width: 240, height: THUMBNAIL_PX });
  });

  it('records a photo that cannot be decoded for the office, keeps the submission, and does not try it again', async () => {
    const { id, status } = await w.submit('损坏.jpg', 'image/jpeg', corruptJpeg(), 'report');
    expect(status).toBe(201);
    expect((await w.store.progressOf(TASK)).some((r) => r.evidence?.includes(id))).toBe(true);
    const record = await w.record(id);
    expect(record.evidence.processingError).toBe('照片无法解码（文件可能已损坏）：无法生成缩略图，页面上只能下载原文件');
    expect(record.evidence.thumbnailKey).toBeUndefined();
    const before = folderState(w.root);
    const item = await w.plain.log.get(id);
    expect(await processKeptFile(item!.key, instantAt('2018-07-17', '10:00'), w.processing)).toEqual({ outcome: 'done', id });
    expect(folderState(w.root)).toEqual(before);
    expect(await w.plain.log.get(id)).toEqual(item);
  });

  it('writes nothing when a photo is processed again (an event delivered twice, an operator’s rerun)', async () => {
    const id = heicId;
    const item = (await w.plain.log.get(id))!;
    expect(item).toMatchObject({ jpegKey: expect.stringMatching(/\.jpg$/), thumbnailKey: expect.stringMatching(/\.thumb\.jpg$/) });
    const before = folderState(w.root);
    expect(await processEvidence([id, id], instantAt('2018-07-18', '10:00'), w.processing)).toEqual([{ outcome: 'done', id }]);
    expect(await processKeptFile(item.key, instantAt('2018-07-18', '10:00'), w.processing)).toEqual({ outcome: 'done', id });
    expect(folderState(w.root)).toEqual(before);
    expect(await w.plain.log.get(id)).toEqual(item);
  });

  it('embeds a red task’s HEIC photo of the week in the 周通报, as a JPEG', async () => {
    // MZ-1-1 (立行立改, due 2018-07-18) is red and overdue when its lead unit reports on 07-31 with an iPhone photo.
    const RED = 'MZ-1-1';
    const unit = (await w.store.tasks.get(RED))!.leadUnits[0]!;
    w.setNow(instantAt('2018-07-31', '10:00'));
    const { status } = await w.submit('IMG_0600.HEIC', 'image/heic', heic, 'report', { task: RED, unit });
    expect(status).toBe(201);
    await runJob('weekly-circular', instantAt('2018-08-03', '16:00'), w.jobs);
    const published = (await w.reports.find('weekly-circular', '2018-W31'))!;
    const html = new TextDecoder().decode((await w.reports.archive.get(published.page.key))!.body);
    const at = html.indexOf(`data-task="${RED}" data-state="open"`);
    expect(at).toBeGreaterThan(-1);
    const src = /<img src="data:image\/jpeg;base64,([^"]+)" alt="IMG_0600.HEIC"/.exec(html.slice(at));
    expect(src).not.toBeNull();
    expect(decoded(new Uint8Array(Buffer.from(src![1]!, 'base64')))).toEqual({ width: 64, height: 48 });
  });
});

describe('photos processed by the evidence function (AWS)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  let handler: (event: unknown) => Promise<{ outcomes: unknown[] }>;
  beforeAll(async () => {
    w = await world({ processed: false });
    const endpoint = await bench.dynamo.config.endpoint!();
    // The handler module builds its dependencies from the environment, as Lambda gives it.
    Object.assign(process.env, {
      DUBAN_DYNAMODB_ENDPOINT: `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`,
      DUBAN_TABLE: w.store.tableName,
      DUBAN_EVIDENCE_DIR: w.root,
    });
    handler = (await import('../functions/handlers/evidence-processing.ts')).handler;
  });

  /** An S3 ObjectCreated notification for `key`, as S3 sends it (the key URL-encoded, a space as `+`). */
  const s3Event = (...keys: string[]) => ({
    Records: keys.map((key) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'cn-north-1',
      eventTime: '2018-07-16T02:00:01.000Z',
      eventName: 'ObjectCreated:Copy',
      s3: { s3SchemaVersion: '1.0', bucket: { name: 'duban-evidence', arn: 'arn:aws-cn:s3:::duban-evidence' }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'), size: 1024, sequencer: '0062E99A88DC407460' } },
    })),
  });

  it('turns the kept HEIC of a close-out into a JPEG and a thumbnail on the ObjectCreated event, then skips the files it wrote', async () => {
    const { id, status } = await w.submit('IMG_0412.HEIC', 'image/heic', heic, 'closeout');
    expect(status).toBe(202);
    // Kept, not yet processed: the page offers the original only.
    expect((await w.record(id)).jpeg).toBeUndefined();
    const key = (await w.plain.log.get(id))!.key;
    expect(key).toBe(`evidence/${TASK}/${id}.heic`);

    const { outcomes } = await handler(s3Event(key));
    expect(outcomes).toEqual([{ outcome: 'processed', id, jpegKey: `evidence/${TASK}/${id}.jpg`, thumbnailKey: `evidence/${TASK}/${id}.thumb.jpg` }]);
    const record = await w.record(id);
    expect(record.jpeg).toBe(`/api/evidence/${id}/file?size=jpeg`);
    expect(decoded((await w.bytesOf(record.jpeg)).bytes)).toEqual({ width: 64, height: 48 });

    // The two files it wrote raise events of their own: skipped, nothing written; the first event again: nothing.
    const before = folderState(w.root);
    const again = await handler(s3Event(`evidence/${TASK}/${id}.jpg`, `evidence/${TASK}/${id}.thumb.jpg`, key));
    expect(again.outcomes).toEqual([{ outcome: 'skipped', id, reason: 'not the original' }, { outcome: 'skipped', reason: 'not an evidence file' }, { outcome: 'done', id }]);
    expect(folderState(w.root)).toEqual(before);
  });

  it('waits for an upload its submission has not yet recorded as kept, then leaves it to Lambda’s retries', async () => {
    // An upload asked for and posted, whose submission is still being stored: its item is pending.
    const photo = plainJpeg();
    const asked = (await (await w.request('POST', '/api/evidence/uploads', await w.tokenFor(LEAD), { task: TASK, kind: 'report', files: [{ name: '稍后.jpg', type: 'image/jpeg', size: photo.length }] })).json()) as any;
    const id = asked.uploads[0].id as string;
    const waits: number[] = [];
    const run = evidenceHandler(w.processing, { now: () => instantAt('2018-07-16', '10:05'), sleep: async (ms) => void waits.push(ms), attempts: 3, log: () => {} });
    const key = `evidence/${TASK}/${id}.jpg`;
    await expect(run(s3Event(key))).rejects.toThrow(NotYetKeptError);
    expect(waits).toEqual([1000, 2000]);
    expect(await w.plain.log.get(id)).toMatchObject({ state: 'pending' });
    expect(folderState(w.root)[key.replace(/\.jpg$/, '.thumb.jpg')]).toBeUndefined();
  });

  it('processes the photos a task kept before (npx duban evidence process), once', async () => {
    const { id, status } = await w.submit('截图.png', 'image/png', plainPng(), 'report');
    expect(status).toBe(201);
    expect((await w.record(id)).evidence.thumbnailKey).toBeUndefined();
    const heicId = (await w.store.tasks.get(TASK))!.closeOut!.evidence[0]!;

    const outcomes = await processTaskEvidence([TASK], instantAt('2018-07-17', '09:00'), { store: w.store, ...w.processing });
    expect(outcomes).toEqual(expect.arrayContaining([{ outcome: 'processed', id, thumbnailKey: `evidence/${TASK}/${id}.thumb.jpg` }, { outcome: 'done', id: heicId }]));
    expect(outcomes).toHaveLength(2);
    expect(decoded((await w.bytesOf(`/api/evidence/${id}/file?size=thumb`)).bytes)).toEqual({ width: 240, height: THUMBNAIL_PX });

    const before = folderState(w.root);
    expect((await processTaskEvidence([TASK], instantAt('2018-07-18', '09:00'), { store: w.store, ...w.processing })).map((o) => o.outcome)).toEqual(['done', 'done']);
    expect(folderState(w.root)).toEqual(before);
  });

  it('shows the JPEG as a photo on the 公示 page and links the original', async () => {
    const id = (await w.store.tasks.get(TASK))!.closeOut!.evidence[0]!;
    w.setNow(instantAt('2018-07-18', '15:00'));
    expect((await w.request('POST', `/api/tasks/${TASK}/closeout/review`, w.officeToken, { decision: 'approve' })).status).toBe(200);
    expect((await w.request('POST', `/api/evidence/${id}/publicity`, w.officeToken, { shown: true })).status).toBe(200);
    w.setNow(instantAt('2018-07-19', '09:00'));

    const page = await (await w.request('GET', '/public/gongshi')).text();
    const section = page.slice(page.indexOf(`id="gongshi-${TASK}"`));
    // The tile shows the thumbnail (the page escapes `=` as &#x3D;); the link opens the original.
    expect(section).toContain(`<a href="/public/gongshi/evidence/${id}" target="_blank" rel="noreferrer noopener"><img src="/public/gongshi/evidence/${id}?size&#x3D;`);
    const shown = await w.request('GET', `/public/gongshi/evidence/${id}?size=jpeg`);
    expect(shown.headers.get('Content-Type')).toBe('image/jpeg');
    expect(decoded(new Uint8Array(await shown.arrayBuffer()))).toEqual({ width: 64, height: 48 });
    expect(new Uint8Array(await (await w.request('GET', `/public/gongshi/evidence/${id}`)).arrayBuffer())).toEqual(heic);
  });
});

describe('a photo that cannot be processed, in the office’s console', () => {
  it('shows on the task’s page, beside the file, why it has no thumbnail', async () => {
    const at = instantAt('2018-07-10', '10:00');
    const c = await consoleBench.setup(at, undefined, {
      evidence: (store) => processedWhenKept(folderEvidence(store, consoleBench.dynalite.client, async () => SECRET).deps, () => at),
    });
    const unit = await c.token(LEAD);
    const bytes = corruptJpeg();
    const asked = (await (await c.post('/api/evidence/uploads', unit, { task: TASK, kind: 'report', files: [{ name: '锅炉现场.jpg', type: 'image/jpeg', size: bytes.length }] })).json()) as any;
    const { id, upload } = asked.uploads[0] as { id: string; upload: { url: string; fields: Record<string, string> } };
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
    form.append('file', new Blob([bytes]), 'file');
    expect((await c.app.request(upload.url, { method: 'POST', body: form })).status).toBe(201);
    expect((await c.post(`/api/tasks/${TASK}/progress`, unit, { summary: '本周拆除燃煤锅炉2台', evidence: [id] })).status).toBe(201);

    const office = (await c.store.people.list()).find((p) => p.roles.includes('整改办'))!;
    const { cookie } = await c.signIn(office.email);
    const page = await (await c.request(`/tasks/${TASK}`, { cookie })).text();
    const figure = page.slice(page.indexOf('<span class="name">锅炉现场.jpg</span>'));
    expect(figure.slice(0, figure.indexOf('</figcaption>'))).toContain('<span class="flag" role="note">照片无法解码（文件可能已损坏）：无法生成缩略图，页面上只能下载原文件</span>');
  });
});
