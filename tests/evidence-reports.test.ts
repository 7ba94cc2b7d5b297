/**
 * 佐证材料 where decisions and the public look: the compiled 周通报 (photos of the tasks closed that
 * week, with time and place), the 台账 workbook (each task's files linked to the console), and the
 * 公示 page (only the files the office marked, served only while the task is under 公示).
 *
 * Real parts: dynalite with the sample ledger, the SES emulator for the circular's mail, the HTTP
 * app with the sandbox's evidence folder behind the app's stand-in for S3's browser POST. MZ-6-3 has
 * one lead unit, 市城管局: it asks for 销号 on 2018-07-16 with two photos, the office approves, the
 * 公示 runs 07-17 to 07-23, the 08:30 run of 07-24 closes it, and the 周通报 of 2018-W30 follows.
 */
import ExcelJS from 'exceljs';
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
import { ArchivePublisher } from '../functions/reports/publish.ts';
import { useCadenceBench } from './support/cadence.ts';
import { useConsoleBench } from './support/console.ts';
import { folderEvidence, postUpload, rawJpeg, withExif } from './support/evidence.ts';
import { sheetLinks } from './support/xlsx.ts';

const bench = useCadenceBench();
const SECRET = 'a-test-secret-of-at-least-32-characters';
const TASK = 'MZ-6-3';
const LEAD = '市城管局';
const APP_URL = 'http://duban.example.org';

// The first photo carries its camera's thumbnail; the second does not (the circular shows the photo itself, scaled).
const thumbnail = rawJpeg('boiler-before');
const before = withExif(rawJpeg('boiler-after'), { taken: '2018:07:09 10:30:00', lat: 31.338, lon: 104.2089, thumbnail });
const after = withExif(rawJpeg('boiler-after'), { taken: '2018:07:13 16:05:00', lat: 31.3412, lon: 104.2101 });
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The app and the jobs over the cadence bench, the sandbox's evidence store, a clock the test moves from `start`. */
async function appWorld(start: Date) {
  const { store, reports: archived, deps } = await bench.setup();
  const { deps: evidence } = folderEvidence(store, bench.dynamo, async () => SECRET);
  // The jobs read the files as the jobs function does: the records and the kept files.
  const reports = new ArchivePublisher(archived.archive, { log: evidence.log, files: evidence.files });
  const jobs: JobDeps = { ...deps, reports };
  let now = start;
  const app = createApp({ store, clock: () => now, calendar: async () => defaultCalendar(), cadence: defaultCadence, linkSecret: async () => SECRET, reports, evidence });
  const office = (await store.people.list()).find((p) => p.roles.includes('整改办'))!;
  const token = (principal: Principal) => issueToken(store, principal, now);
  const request = (method: string, path: string, token?: string, body?: unknown) =>
    app.request(path, { method, headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  /** A unit uploads photos for a submission of a task, as its phone does: the ids to name. */
  const upload = async (unitToken: string, task: string, kind: string, photos: { name: string; bytes: Uint8Array }[]) => {
    const asked = (await (await request('POST', '/api/evidence/uploads', unitToken, { task, kind, files: photos.map((p) => ({ name: p.name, type: 'image/jpeg', size: p.bytes.length })) })).json()) as any;
    for (const [i, given] of (asked.uploads as { upload: { url: string; fields: Record<string, string> } }[]).entries()) {
      expect((await postUpload(app, given.upload, photos[i]!.bytes)).status).toBe(201);
    }
    return (asked.uploads as { id: string }[]).map((u) => u.id);
  };
  const circular = async (week: string) => {
    const published = (await reports.find('weekly-circular', week))!;
    const page = published.page.key;
    const email = published.files.find((f) => f.name.endsWith('邮件版.html'))!.key;
    return Promise.all([page, email].map(async (key) => ({ key, html: new TextDecoder().decode((await reports.archive.get(key))!.body) })));
  };
  return { store, app, jobs, reports, office, token, request, upload, circular, setNow: (at: Date) => (now = at) };
}

async function world() {
  const w = await appWorld(instantAt('2018-07-16', '10:00'));
  const { store, app, jobs, reports, office, token, request } = w;

  // The unit uploads the two photos and asks for 销号.
  const unitToken = await token({ kind: 'unit', unit: LEAD });
  const ids = await w.upload(unitToken, TASK, 'closeout', [
    { name: '拆除前.jpg', bytes: before },
    { name: '拆除后.jpg', bytes: after },
  ]);
  expect((await request('POST', `/api/tasks/${TASK}/closeout`, unitToken, { summary: '燃煤锅炉已拆除，现场已清理', evidence: ids })).status).toBe(202);

  // The office approves: the 公示 runs 07-17 to 07-23.
  w.setNow(instantAt('2018-07-16', '15:00'));
  const officeToken = await token({ kind: 'office', name: office.name });
  expect((await request('POST', `/api/tasks/${TASK}/closeout/review`, officeToken, { decision: 'approve' })).status).toBe(200);
  w.setNow(instantAt('2018-07-18', '09:00'));
  return { store, app, jobs, reports, ids, unitToken, officeToken, request, circular: w.circular, setNow: w.setNow };
}

describe('佐证材料 on the 公示 page, in the 周通报 and in the 台账', () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world();
  });

  it('shows on the 公示 page only the file the office marked, serves it, and 404s the other; a unit cannot mark', async () => {
    const [first, second] = w.ids as [string, string];
    // A unit cannot mark, and nothing is shown before the office marks.
    const byUnit = await w.request('POST', `/api/evidence/${first}/publicity`, w.unitToken, { shown: true });
    expect(byUnit.status).toBe(403);
    expect(((await byUnit.json()) as any).error.message).toBe('只有整改办可以设定公示的佐证材料');
    expect((await w.request('GET', `/public/gongshi/evidence/${first}`)).status).toBe(404);
    const bad = await w.request('POST', `/api/evidence/${first}/publicity`, w.officeToken, { shown: 'yes' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.message).toContain('“是否公示”（shown）应为 true 或 false');

    const marked = await w.request('POST', `/api/evidence/${first}/publicity`, w.officeToken, { shown: true });
    expect(marked.status).toBe(200);
    expect(((await marked.json()) as any).evidence).toEqual({ id: first, name: '拆除前.jpg', task: TASK, shown: true });

    const page = await (await w.request('GET', '/public/gongshi')).text();
    const section = page.slice(page.indexOf(`id="gongshi-${TASK}"`));
    expect(section).toContain(`href="/public/gongshi/evidence/${first}"`);
    expect(section).toContain('拆除前.jpg');
    expect(section).toContain('拍摄于 2018-07-09 10:30');
    expect(section).toContain('北纬31.3380°，东经104.2089°');
    // Both photos count as what they are, though only the marked one is shown.
    expect(section).toContain('佐证材料2份：图片2份');
    expect(section).not.toContain('网页');
    expect(page).not.toContain(second);
    expect(page).not.toContain('拆除后.jpg');

    const served = await w.request('GET', `/public/gongshi/evidence/${first}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('Cache-Control')).toBe('no-store');
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(before);
    const thumb = await w.request('GET', `/public/gongshi/evidence/${first}?size=thumb`);
    expect(new Uint8Array(await thumb.arrayBuffer())).toEqual(thumbnail);
    expect((await w.request('GET', `/public/gongshi/evidence/${second}`)).status).toBe(404);

    // Unmarking takes effect at once; each change is in the task's history.
    expect((await w.request('POST', `/api/evidence/${second}/publicity`, w.officeToken, { shown: true })).status).toBe(200);
    expect((await w.request('POST', `/api/evidence/${second}/publicity`, w.officeToken, { shown: false })).status).toBe(200);
    expect((await w.request('GET', `/public/gongshi/evidence/${second}`)).status).toBe(404);
    expect(await (await w.request('GET', '/public/gongshi')).text()).not.toContain(second);
    const history = (await (await w.request('GET', `/api/tasks/${TASK}/history`, w.officeToken)).json()) as { events: { type: string; detail: { id?: string; shown?: boolean } }[] };
    expect(history.events.filter((e) => e.type === 'evidence.publicity').map((e) => [e.detail.id, e.detail.shown])).toEqual([
      [first, true],
      [second, true],
      [second, false],
    ]);
  });

  it('lists a task closed that week in the 周通报 without its photos when it was not red when its 销号 was asked', async () => {
    await closeOutStep(instantAt('2018-07-24', '08:30'), w.jobs);
    expect((await w.store.tasks.get(TASK))!.closeOut).toMatchObject({ state: 'closed', closedOn: '2018-07-24' });
    // Closed: its marked file is no longer public.
    w.setNow(instantAt('2018-07-24', '09:00'));
    expect((await w.request('GET', `/public/gongshi/evidence/${w.ids[0]}`)).status).toBe(404);

    await runJob('weekly-circular', instantAt('2018-07-27', '16:00'), w.jobs);
    // Asked on 07-16 with one weekly report missing: yellow then, so the circular shows no photo of it.
    for (const { key, html } of await w.circular('2018-W30')) {
      expect(html, key).toMatch(new RegExp(`<td[^>]*>${TASK} 加强城乡生活垃圾处理处置</td><td[^>]*>${LEAD}</td><td[^>]*>2018-07-24</td>`));
      expect(html, key).not.toContain(`data-task="${TASK}"`);
      expect(html, key).not.toContain(base64(after));
    }
  });

  it('links the task’s files in the 台账 workbook to the console, where they open only after signing in', async () => {
    const published = (await w.reports.find('weekly-circular', '2018-W30'))!;
    const bytes = (await w.reports.archive.get(published.workbook.key))!.body;
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(bytes) as never);
    const [first, second] = w.ids as [string, string];
    const url = (id: string) => `${APP_URL}/evidence/${id}`;

    // The task's row in its section names both files and links to their lines in the 佐证材料 sheet.
    const section = book.worksheets.find((s) => s.getColumn(2).values.includes(TASK))!;
    const header = (section.getRow(1).values as unknown[]).indexOf('佐证材料');
    const row = section.getRow((section.getColumn(2).values as unknown[]).indexOf(TASK));
    // A link to a place in the workbook is a `location`, as Excel writes it; exceljs reads only its text.
    expect(row.getCell(header).value).toBe('2个文件：拆除前.jpg、拆除后.jpg');
    expect(sheetLinks(bytes, section.name).get(row.getCell(header).address)).toBe("#'佐证材料'!A3");

    const files = book.getWorksheet('佐证材料')!;
    const lines = [3, 4].map((n) => (files.getRow(n).values as unknown[]).slice(1));
    expect(lines).toEqual([
      [TASK, expect.any(String), { text: '拆除前.jpg', hyperlink: url(first) }, '2018-07-09 10:30', '北纬31.3380°，东经104.2089°', { text: url(first), hyperlink: url(first) }],
      [TASK, expect.any(String), { text: '拆除后.jpg', hyperlink: url(second) }, '2018-07-13 16:05', '北纬31.3412°，东经104.2101°', { text: url(second), hyperlink: url(second) }],
    ]);
    // The link is the console's: without a session it does not open the file.
    const bare = await w.app.request(`/evidence/${first}`);
    expect(bare.status).not.toBe(200);
    expect(new Uint8Array(await bare.arrayBuffer())).not.toEqual(before);
  });
});

describe('the 周通报’s photos of red tasks', () => {
  it('shows a red-then-closed task’s photos and a red open task’s photos of the week, not a green task’s, and links a duty occurrence’s file in the 台账', async () => {
    const w = await appWorld(instantAt('2018-07-23', '10:00'));
    const [CLOSING, RED, GREEN] = ['MZ-6-4', 'MZ-1-1', TASK];
    // 07-23: 市农业局 asks for 销号 of MZ-6-4 with two photos, the weeks of 07-09 and 07-16 unreported: red then.
    const farming = await w.token({ kind: 'unit', unit: '市农业局' });
    const closing = await w.upload(farming, CLOSING, 'closeout', [
      { name: '整治前.jpg', bytes: before },
      { name: '整治后.jpg', bytes: after },
    ]);
    expect((await w.request('POST', `/api/tasks/${CLOSING}/closeout`, farming, { summary: '农村面源污染整治完成', evidence: closing })).status).toBe(202);
    const officeToken = await w.token({ kind: 'office', name: w.office.name });
    expect((await w.request('POST', `/api/tasks/${CLOSING}/closeout/review`, officeToken, { decision: 'approve' })).status).toBe(200);
    await closeOutStep(instantAt('2018-07-31', '08:30'), w.jobs);
    expect((await w.store.tasks.get(CLOSING))!.closeOut).toMatchObject({ state: 'closed', closedOn: '2018-07-31' });

    // 07-31: MZ-1-1 (立行立改, due 07-18: red, overdue) and MZ-6-3 (due 2020: green once reported) report with a photo each.
    w.setNow(instantAt('2018-07-31', '10:00'));
    const redPhoto = withExif(rawJpeg('boiler-before'), { taken: '2018:07:30 09:15:00', lat: 31.3367, lon: 104.2055 });
    const greenPhoto = withExif(rawJpeg('boiler-after'), { taken: '2018:07:30 11:00:00', lat: 31.35, lon: 104.22 });
    const office = await w.token({ kind: 'unit', unit: '市委办公室' });
    const redIds = await w.upload(office, RED, 'report', [{ name: '整改现场.jpg', bytes: redPhoto }]);
    expect((await w.request('POST', `/api/tasks/${RED}/progress`, office, { summary: '已印发整改工作方案', evidence: redIds })).status).toBe(201);
    const chengguan = await w.token({ kind: 'unit', unit: LEAD });
    const greenIds = await w.upload(chengguan, GREEN, 'report', [{ name: '垃圾站.jpg', bytes: greenPhoto }]);
    expect((await w.request('POST', `/api/tasks/${GREEN}/progress`, chengguan, { summary: '垃圾站改造推进中', evidence: greenIds })).status).toBe(201);

    // 市委宣传部 records this week's newspaper column with a photo of the page: counted and linked beside the duty.
    const DUTY = '《今日绵竹》中央环境保护督察整改专栏';
    const press = await w.token({ kind: 'unit', unit: '市委宣传部' });
    const pagePhoto = withExif(rawJpeg('boiler-after'), { taken: '2018:07:31 08:00:00', lat: 31.34, lon: 104.2 });
    const given = (await (await w.request('POST', '/api/evidence/uploads', press, { duty: DUTY, kind: 'duty', files: [{ name: '专栏版面.jpg', type: 'image/jpeg', size: pagePhoto.length }] })).json()) as any;
    expect((await postUpload(w.app, given.uploads[0].upload, pagePhoto)).status).toBe(201);
    const dutyFile = given.uploads[0].id as string;
    expect((await w.request('POST', `/api/duties/${encodeURIComponent(DUTY)}/occurrences`, press, { date: '2018-07-31', detail: '刊发整改专栏', evidence: [dutyFile] })).status).toBe(201);

    await runJob('weekly-circular', instantAt('2018-08-03', '16:00'), w.jobs);
    const published = (await w.reports.find('weekly-circular', '2018-W31'))!;
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from((await w.reports.archive.get(published.workbook.key))!.body) as never);
    const duties = book.getWorksheet('常态化工作')!;
    const line = (duties.getSheetValues() as unknown[][]).find((r) => r?.[1] === DUTY && String(r[4]).startsWith('2018年第31周'))!.slice(1);
    const url = `${APP_URL}/evidence/${dutyFile}`;
    expect(line).toEqual([DUTY, '市委宣传部', '每周不少于1次', '2018年第31周（7月30日—8月5日）', '已完成', { text: '专栏版面.jpg', hyperlink: url }, '2018-07-31 08:00', '北纬31.3400°，东经104.2000°']);
    for (const { key, html } of await w.circular('2018-W31')) {
      expect(html, key).toContain('2018年第31周（7月30日—8月5日）：已完成（佐证材料1个文件）');
      const block = (code: string, state: string) => {
        const at = html.indexOf(`data-task="${code}" data-state="${state}"`);
        expect(at, `${key}: ${code} ${state}`).toBeGreaterThan(-1);
        return html.slice(at, html.indexOf('</div>\n', html.indexOf('evidence-photo', at) + 1) + 400);
      };
      // Red then closed: its 销号 photos with time and place, and why it was red.
      const closed = block(CLOSING, 'closed');
      expect(closed, key).toContain('销号申请时为红灯：连续2周未报送进展');
      expect(closed, key).toContain(`<img src="data:image/jpeg;base64,${base64(thumbnail)}" alt="整治前.jpg"`);
      expect(closed, key).toContain(`<img src="data:image/jpeg;base64,${base64(after)}" alt="整治后.jpg"`);
      expect(closed, key).toMatch(/拍摄时间：2018-07-09 10:30<\/div><div[^>]*>拍摄地点：北纬31\.3380°，东经104\.2089°/);
      expect(closed, key).toMatch(/拍摄时间：2018-07-13 16:05<\/div><div[^>]*>拍摄地点：北纬31\.3412°，东经104\.2101°/);
      // Red and open: the photo its unit reported this week, under the red list.
      const open = block(RED, 'open');
      expect(open, key).toContain(`${RED} `);
      expect(open, key).toContain('本周报送的现场照片');
      expect(open, key).toContain(`<img src="data:image/jpeg;base64,${base64(redPhoto)}" alt="整改现场.jpg"`);
      expect(open, key).toMatch(/拍摄时间：2018-07-30 09:15<\/div><div[^>]*>拍摄地点：北纬31\.3367°，东经104\.2055°/);
      expect(html.indexOf(`data-task="${RED}"`), key).toBeLessThan(html.indexOf('三、黄灯任务'));
      // Green: reported a photo this week, shown nowhere.
      expect(html, key).not.toContain(`data-task="${GREEN}"`);
      expect(html, key).not.toContain(base64(greenPhoto));
    }
  });
});

const consoleBench = useConsoleBench();

describe('公示 marking in the console’s 销号审核', () => {
  it('ticks a file of a task under 公示 for the public page and unticks it, with the CSRF token of the session', async () => {
    const c = await consoleBench.setup(instantAt('2018-07-16', '10:00'), APP_URL, { evidence: (store) => folderEvidence(store, consoleBench.dynalite.client, async () => SECRET).deps });
    const unitToken = await c.token(LEAD);
    const asked = (await (await c.post('/api/evidence/uploads', unitToken, { task: TASK, kind: 'closeout', files: [{ name: '拆除前.jpg', type: 'image/jpeg', size: before.length }] })).json()) as any;
    const { id, upload } = asked.uploads[0] as { id: string; upload: { url: string; fields: Record<string, string> } };
    expect((await postUpload(c.app, upload, before)).status).toBe(201);
    expect((await c.post(`/api/tasks/${TASK}/closeout`, unitToken, { summary: '燃煤锅炉已拆除', evidence: [id] })).status).toBe(202);
    expect((await c.post(`/api/tasks/${TASK}/closeout/review`, await c.officeToken(), { decision: 'approve' })).status).toBe(200);
    c.setNow(instantAt('2018-07-18', '09:00'));

    const office = (await c.store.people.list()).find((p) => p.roles.includes('整改办'))!;
    const { cookie, csrf } = await c.signIn(office.email);
    const action = `/tasks/${TASK}/evidence/${id}/publicity`;
    const box = (page: string) => page.slice(page.indexOf(`action="${action}"`)).match(/<input type="checkbox" name="shown" value="on"( checked)?>/)![0];
    const review = await (await c.request('/closeouts', { cookie })).text();
    expect(review).toContain(`action="${action}"`);
    expect(box(review)).not.toContain('checked');

    const tick = await c.request(action, { method: 'POST', cookie, body: c.form({ _csrf: csrf, shown: 'on' }) });
    expect(tick.status).toBe(303);
    expect(box(await (await c.request('/closeouts', { cookie })).text())).toContain('checked');
    expect(await (await c.request('/public/gongshi')).text()).toContain(`/public/gongshi/evidence/${id}`);
    expect((await c.request(`/public/gongshi/evidence/${id}`)).status).toBe(200);

    // Without the session's CSRF token nothing changes; unticked, the file leaves the public page at once.
    expect((await c.request(action, { method: 'POST', cookie, body: c.form({ _csrf: 'forged' }) })).status).toBe(403);
    expect((await c.request(`/public/gongshi/evidence/${id}`)).status).toBe(200);
    expect((await c.request(action, { method: 'POST', cookie, body: c.form({ _csrf: csrf }) })).status).toBe(303);
    expect((await c.request(`/public/gongshi/evidence/${id}`)).status).toBe(404);
    expect(await (await c.request('/public/gongshi')).text()).not.toContain(id);
  });
});
