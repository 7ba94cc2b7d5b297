/**
 * A 回头看 answered from the phone form with a photo uploaded in its block: MZ-6-3 (lead unit
 * 市城管局) closed in October 2018 and asked in January 2019, through the real app, the daily job
 * and the SES emulator; the evidence store is the sandbox's.
 */
import { describe, expect, it } from 'vitest';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { instantAt } from '../functions/core/time.ts';
import { createApp } from '../functions/http/app.ts';
import { issueToken } from '../functions/http/auth.ts';
import { SECRET } from './support/app.ts';
import { useCadenceBench } from './support/cadence.ts';
import { folderEvidence, postUpload, rawJpeg, withExif } from './support/evidence.ts';

const bench = useCadenceBench();
const ONE_LEAD = 'MZ-6-3';

describe('回头看 with a photo from the phone form', () => {
  it('keeps the uploaded photo with the answer, its time and place read', async () => {
    const { store, deps, reports } = await bench.setup();
    let now = instantAt('2018-09-26', '10:00');
    const evidence = folderEvidence(store, bench.dynamo, async () => SECRET);
    const app = createApp({ store, clock: () => now, calendar: async () => deps.calendar, cadence: deps.config, linkSecret: async () => SECRET, reports, evidence: evidence.deps });
    const json = (path: string, token: string, body: unknown) => app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const office = (await store.people.list()).find((p) => p.roles.includes('整改办'))!;
    const chengguan = await issueToken(store, { kind: 'unit', unit: '市城管局' }, now);
    expect((await json(`/api/tasks/${ONE_LEAD}/closeout`, chengguan, { summary: '填埋场整治完成', evidence: ['https://example.org/cg.pdf'] })).status).toBe(202);
    now = instantAt('2018-09-27', '15:00');
    expect((await json(`/api/tasks/${ONE_LEAD}/closeout/review`, await issueToken(store, { kind: 'office', name: office.name }, now), { decision: 'approve' })).status).toBe(200);
    await runJob('escalation', instantAt('2018-10-10', '08:30'), deps);
    await runJob('escalation', instantAt('2019-01-03', '08:30'), deps);
    const liaison = (await store.units.get('市城管局'))!.liaison.email;
    const asked = (await bench.mail()).find((m) => m.subject.startsWith('【回头看】') && m.destination.to.includes(liaison))!;
    const link = /http:\/\/duban\.example\.org(\/report\?[^\s)>\]]+)/.exec(asked.body.text ?? '')![1]!;

    now = instantAt('2019-01-04', '10:00');
    const page = await (await app.request(link)).text();
    expect(page).toContain(`data-kind="lookback" data-field="lookback-file:${ONE_LEAD}"`);
    // The block asks for an upload form with the link, and the browser posts the photo to it.
    const query = new URL(`http://x${link}`).searchParams;
    const photo = withExif(rawJpeg('boiler-after'), { taken: '2019:01:03 15:20:00', lat: 31.3402, lon: 104.2011 });
    const given = await app.request(`/report/uploads?${query}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ task: ONE_LEAD, kind: 'lookback', files: [{ name: '回头看.jpg', type: 'image/jpeg', size: photo.length }] }) });
    expect(given.status).toBe(201);
    const upload = ((await given.json()) as any).uploads[0];
    expect((await postUpload(app, upload.upload, photo, {}, '回头看.jpg')).status).toBe(201);

    const answered = await app.request('/report', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([...query, ['kind', 'week'], ['key', 'lb-1'], [`lookback-holds:${ONE_LEAD}`, 'yes'], [`lookback-summary:${ONE_LEAD}`, '填埋场未见反弹'], [`lookback-file:${ONE_LEAD}`, upload.id]]),
    });
    expect(answered.status).toBe(201);
    expect((await answered.text()).replace(/<[^>]+>/g, '')).toContain('成效保持。填埋场未见反弹，佐证材料1个文件已保存');
    const [answer] = (await store.tasks.get(ONE_LEAD))!.closeOut!.lookbacks![0]!.answers;
    expect(answer).toMatchObject({ unit: '市城管局', holds: true, summary: '填埋场未见反弹', evidence: [upload.id] });
    expect(await evidence.deps.log.get(upload.id)).toMatchObject({ state: 'kept', kind: 'lookback', takenAt: '2019-01-03T07:20:00.000Z', place: { lat: 31.3402, lon: 104.2011 } });
  });
});
