/**
 * iPhone photos (HEIC): kept as uploaded, and the daily 08:30 run adds a JPEG rendition beside each
 * one a 销号 carries, which the API record, the 公示 page and the 周通报 then show; the original
 * stays downloadable.
 *
 * Real parts: dynalite with the sample ledger, the HTTP app with the sandbox's evidence folder behind
 * the app's stand-in for S3's browser POST, the real decoder (heic-convert) the jobs load. The photo
 * is a real HEIC, 64 × 48, made once with libheif's heif-enc (tests/fixtures/evidence/boiler-after.heic).
 * MZ-6-3's lead unit 市城管局 asks for 销号 on 2018-07-16 (a Monday) with it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultCadence } from '../functions/core/cadence/config.ts';
import { closeOutStep } from '../functions/core/cadence/closeout-step.ts';
import type { JobDeps } from '../functions/core/cadence/job.ts';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import type { Principal } from '../functions/core/ports.ts';
import { instantAt } from '../functions/core/time.ts';
import { createApp } from '../functions/http/app.ts';
import { issueToken } from '../functions/http/auth.ts';
import { heicRenderer } from '../functions/reports/heic.ts';
import { ArchivePublisher } from '../functions/reports/publish.ts';
import { useCadenceBench } from './support/cadence.ts';
import { folderEvidence } from './support/evidence.ts';

const bench = useCadenceBench();
const SECRET = 'a-test-secret-of-at-least-32-characters';
const TASK = 'MZ-6-3';
const LEAD = '市城管局';
const heic = new Uint8Array(readFileSync(join(import.meta.dirname, 'fixtures/evidence/boiler-after.heic')));

/** A JPEG by its first bytes, decoded: its width and height. */
function decoded(bytes: Uint8Array) {
  expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  const image = jpeg.decode(bytes, { useTArray: true });
  return { width: image.width, height: image.height };
}

async function world() {
  const { store, reports: archived, deps } = await bench.setup();
  const { deps: evidence } = folderEvidence(store, bench.dynamo, async () => SECRET);
  const reports = new ArchivePublisher(archived.archive, { log: evidence.log, files: evidence.files });
  // As the jobs function wires them (wiring/jobs.ts): the evidence records and files, and the decoder.
  const jobs: JobDeps = { ...deps, reports, evidence: { log: evidence.log, files: evidence.files, heic: heicRenderer } };
  let now = instantAt('2018-07-16', '10:00');
  const app = createApp({ store, clock: () => now, calendar: async () => defaultCalendar(), cadence: defaultCadence, linkSecret: async () => SECRET, reports, evidence });
  const office = (await store.people.list()).find((p) => p.roles.includes('整改办'))!;
  const token = (principal: Principal) => issueToken(store, principal, now);
  const request = (method: string, path: string, token?: string, body?: unknown) =>
    app.request(path, { method, headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });

  const unitToken = await token({ kind: 'unit', unit: LEAD });
  const asked = (await (await request('POST', '/api/evidence/uploads', unitToken, { task: TASK, kind: 'closeout', files: [{ name: 'IMG_0412.HEIC', type: 'image/heic', size: heic.length }] })).json()) as any;
  const { id, upload } = asked.uploads[0] as { id: string; upload: { url: string; fields: Record<string, string> } };
  const form = new FormData();
  for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
  form.append('file', new Blob([heic]), 'file');
  expect((await app.request(upload.url, { method: 'POST', body: form })).status).toBe(201);
  expect((await request('POST', `/api/tasks/${TASK}/closeout`, unitToken, { summary: '燃煤锅炉已拆除，现场已清理', evidence: [id] })).status).toBe(202);
  const officeToken = await token({ kind: 'office', name: office.name });
  return { store, app, jobs, reports, id, unitToken, officeToken, request, setNow: (at: Date) => (now = at) };
}

describe('HEIC photos from iPhones', () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world();
  });

  it('keeps the HEIC as uploaded; the 08:30 run adds a JPEG of the same size, which the API record offers', async () => {
    const before = (await (await w.request('GET', `/api/evidence/${w.id}`, w.unitToken)).json()) as any;
    expect(before.evidence).toMatchObject({ name: 'IMG_0412.HEIC', type: 'image/heic', size: heic.length });
    expect(before.jpeg).toBeUndefined();

    await runJob('escalation', instantAt('2018-07-17', '08:30'), w.jobs);

    const record = (await (await w.request('GET', `/api/evidence/${w.id}`, w.unitToken)).json()) as any;
    expect(record.evidence).toMatchObject({ name: 'IMG_0412.HEIC', type: 'image/heic', size: heic.length });
    expect(record.jpeg).toBe(`/api/evidence/${w.id}/file?size=jpeg`);
    const rendition = await w.request('GET', record.jpeg, w.unitToken);
    expect(rendition.status).toBe(200);
    expect(rendition.headers.get('Content-Type')).toBe('image/jpeg');
    expect(rendition.headers.get('Content-Disposition')).toBe(`inline; filename*=UTF-8''IMG_0412.jpg`);
    expect(decoded(new Uint8Array(await rendition.arrayBuffer()))).toEqual({ width: 64, height: 48 });

    // The original is still there, byte for byte.
    const original = await w.request('GET', record.href, w.unitToken);
    expect(original.headers.get('Content-Type')).toBe('image/heic');
    expect(new Uint8Array(await original.arrayBuffer())).toEqual(heic);

    // The next run finds nothing left to render and leaves the rendition as it is.
    const stored = record.evidence.jpegKey as string;
    await runJob('escalation', instantAt('2018-07-18', '08:30'), w.jobs);
    expect(((await (await w.request('GET', `/api/evidence/${w.id}`, w.unitToken)).json()) as any).evidence.jpegKey).toBe(stored);
  });

  it('shows the JPEG as a photo on the 公示 page and links the original', async () => {
    w.setNow(instantAt('2018-07-18', '15:00'));
    expect((await w.request('POST', `/api/tasks/${TASK}/closeout/review`, w.officeToken, { decision: 'approve' })).status).toBe(200);
    expect((await w.request('POST', `/api/evidence/${w.id}/publicity`, w.officeToken, { shown: true })).status).toBe(200);
    w.setNow(instantAt('2018-07-19', '09:00'));

    const page = await (await w.request('GET', '/public/gongshi')).text();
    const section = page.slice(page.indexOf(`id="gongshi-${TASK}"`));
    // The tile shows the rendition (the page escapes `=` as &#x3D;); the link opens the original.
    expect(section).toContain(`<a href="/public/gongshi/evidence/${w.id}" target="_blank" rel="noreferrer noopener"><img src="/public/gongshi/evidence/${w.id}?size&#x3D;jpeg" alt="IMG_0412.HEIC"`);
    const shown = await w.request('GET', `/public/gongshi/evidence/${w.id}?size=jpeg`);
    expect(shown.headers.get('Content-Type')).toBe('image/jpeg');
    expect(decoded(new Uint8Array(await shown.arrayBuffer()))).toEqual({ width: 64, height: 48 });
    expect(new Uint8Array(await (await w.request('GET', `/public/gongshi/evidence/${w.id}`)).arrayBuffer())).toEqual(heic);
  });

  it('embeds the JPEG in the 周通报 of the week the task closed', async () => {
    await closeOutStep(instantAt('2018-07-30', '08:30'), w.jobs);
    expect((await w.store.tasks.get(TASK))!.closeOut).toMatchObject({ state: 'closed', closedOn: '2018-07-30' });
    await runJob('weekly-circular', instantAt('2018-08-03', '16:00'), w.jobs);
    const published = (await w.reports.find('weekly-circular', '2018-W31'))!;
    const html = new TextDecoder().decode((await w.reports.archive.get(published.page.key))!.body);
    const block = html.slice(html.indexOf(`data-task="${TASK}"`));
    const src = /<img src="data:image\/jpeg;base64,([^"]+)" alt="IMG_0412.HEIC"/.exec(block);
    expect(src).not.toBeNull();
    expect(decoded(new Uint8Array(Buffer.from(src![1]!, 'base64')))).toEqual({ width: 64, height: 48 });
  });
});
