/**
 * 佐证材料 in Chromium on a 390 px phone: a liaison of 市城管局 opens its report link, goes to the
 * 销号 request of MZ-6-3, attaches two photos (EXIF time and place; one taken months before) and a
 * PDF, loses the connection on one upload and retries it, submits; the office sees the request in
 * 销号审核 with the photos side by side, their time and place, the old photo flagged, the PDF linked.
 */
import { serve } from '@hono/node-server';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { instantAt } from '../functions/core/time.ts';
import { SECRET } from './support/app.ts';
import { CHROMIUM, haveBrowser, phoneContext } from './support/browser.ts';
import { useConsoleBench } from './support/console.ts';
import { recordWithFiles } from './support/duty-evidence.ts';
import { folderEvidence, rawJpeg, smallPdf, withExif } from './support/evidence.ts';

const bench = useConsoleBench();

/** The app served on a free port, and a 390 px phone's browser to open it in. */
async function onPhone(app: { fetch: (request: Request) => Response | Promise<Response> }) {
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  const context = await phoneContext();
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    context,
    close: async () => {
      await context.close();
      await new Promise((r) => server.close(r));
    },
  };
}
const TASK = 'MZ-6-3';
const UNIT = '市城管局';

describe('佐证材料 on a phone, then in the office’s review', () => {
  it.skipIf(!haveBrowser && !process.env.CI)('attaches two photos and a PDF to a close-out request and shows them to the office with time and place', async () => {
    expect(existsSync(CHROMIUM), 'Chromium must be installed (apt-get install chromium)').toBe(true);
    let evidenceRoot = '';
    const w = await bench.setup(instantAt('2018-07-10', '10:00'), undefined, {
      evidence: (store) => {
        const made = folderEvidence(store, bench.dynalite.client, async () => SECRET);
        evidenceRoot = made.root;
        return made.deps;
      },
    });
    const office = (await w.store.people.list()).find((p) => p.roles.includes('整改办'))!;
    const { base, context, close } = await onPhone(w.app);
    try {
      const page = await context.newPage();
      await page.goto(`${base}${w.link(UNIT)}`);
      await page.click(`#task-${TASK} .closeout-link a`);
      await expect.poll(() => page.locator('h1').textContent()).toBe(`${UNIT} · 申请销号`);
      expect(await page.locator('.limits').textContent()).toContain('每个文件不超过20 MB，每次最多9个文件');
      await page.fill('#summary', '燃煤锅炉已拆除，场地已复绿');

      // The first upload to the store fails as on a weak connection; the page offers 重试.
      let dropped = false;
      await page.route('**/evidence/upload', (route) => {
        if (dropped) return route.continue();
        dropped = true;
        return route.abort('connectionreset');
      });
      // The recent photo carries the camera's thumbnail (pages show it); the old one does not.
      const recent = withExif(rawJpeg('boiler-after'), { taken: '2018:07:09 10:30:00', lat: 31.338, lon: 104.2089, thumbnail: rawJpeg('boiler-before') });
      const old = withExif(rawJpeg('boiler-before'), { taken: '2018:03:01 09:00:00', lat: 31.3391, lon: 104.2101 });
      await page.setInputFiles('#files', [
        { name: '拆除后.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(recent) },
        { name: '拆除前.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(old) },
        { name: '验收单.pdf', mimeType: 'application/pdf', buffer: Buffer.from(smallPdf()) },
      ]);
      await expect.poll(() => page.locator('.uploads li.failed').count()).toBe(1);
      expect(await page.locator('.uploads li.failed .state').textContent()).toBe('网络中断，上传未完成');
      await expect.poll(() => page.locator('.uploads li.done').count()).toBe(2);
      expect(await page.locator('button.submit').isDisabled()).toBe(false);
      await page.click('.uploads li.failed button.retry');
      await expect.poll(() => page.locator('.uploads li.done').count()).toBe(3);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.click('button.submit');
      await expect.poll(() => page.locator('h1').textContent()).toBe('销号申请已提交');
      const done = await page.locator('main').textContent();
      expect(done).toContain('佐证材料（3个文件）');
      expect(done).toContain('拍摄于 2018-07-09 10:30 · 北纬31.3380°，东经104.2089°');

      const task = (await w.store.tasks.get(TASK))!;
      expect(task.closeOut).toMatchObject({ state: 'requested', summary: '燃煤锅炉已拆除，场地已复绿' });
      expect(task.closeOut!.evidence).toHaveLength(3);

      // The office signs in and reviews.
      const { cookie } = await w.signIn(office.email);
      const [name, value] = cookie.split('=');
      await context.addCookies([{ name: name!, value: value!, url: base }]);
      await page.goto(`${base}/closeouts`);
      const card = page.locator(`#closeout-${TASK}`);
      await expect.poll(() => card.locator('figure.evidence').count()).toBe(3);
      const captions = await card.locator('figure.evidence figcaption').allTextContents();
      const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
      expect(squash(captions[0]!)).toBe('拆除后.jpg 拍摄于 2018-07-09 10:30 北纬31.3380°，东经104.2089°');
      expect(squash(captions[1]!)).toBe('拆除前.jpg 拍摄于 2018-03-01 09:00 北纬31.3391°，东经104.2101° 拍摄时间早于申请30天以上，请核实是否为整改后照片');
      expect(squash(captions[2]!)).toBe('验收单.pdf');
      expect(await card.locator('figure.stale').count()).toBe(1);
      // The photos load (served to the session, allowed by the page's policy).
      await expect.poll(() => card.locator('img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth))).toEqual([320, 320]);
      expect(await card.locator('img').evaluateAll((imgs) => imgs.map((i) => /size=thumb$/.test(i.getAttribute('src') ?? '')))).toEqual([true, false]);
      expect(await card.locator('a.doc').textContent()).toBe('PDF 文件');
      // A unit's link does not open the console's files.
      const href = (await card.locator('a.doc').getAttribute('href'))!;
      expect((await fetch(`${base}${href}`)).status).toBe(401);
      // The task's page keeps them in its record.
      await page.goto(`${base}/tasks/${TASK}`);
      await expect.poll(() => page.locator('figure.evidence').count()).toBe(3);
      expect(squash((await page.locator('figure.evidence figcaption').first().textContent())!)).toBe(`拆除后.jpg ${UNIT}申请销号 拍摄于 2018-07-09 10:30 北纬31.3380°，东经104.2089°`);
      expect(await page.locator('.closeout li a').allTextContents()).toEqual(['上传的文件', '上传的文件', '上传的文件']);
      expect(evidenceRoot).not.toBe('');
    } finally {
      await close();
    }
  });

  it.skipIf(!haveBrowser && !process.env.CI)('records a 常态化工作 occurrence with a photo and a PDF from the phone, and shows them to the office beside the occurrence with time and place', async () => {
    const DUTY = '《今日绵竹》中央环境保护督察整改专栏';
    const PRESS = '市委宣传部';
    const w = await bench.setup(instantAt('2018-07-10', '10:00'), undefined, {
      evidence: (store) => folderEvidence(store, bench.dynalite.client, async () => SECRET).deps,
    });
    const office = (await w.store.people.list()).find((p) => p.roles.includes('整改办'))!;
    const { base, context, close } = await onPhone(w.app);
    try {
      const page = await context.newPage();
      await page.goto(`${base}${w.link(PRESS)}`);
      const block = page.locator('section.duty', { hasText: DUTY });
      await block.locator('textarea[name^="duty-detail:"]').fill('专栏刊发督察整改进展报道一篇');
      const photo = withExif(rawJpeg('boiler-after'), { taken: '2018:07:09 16:20:00', lat: 31.3402, lon: 104.2011, thumbnail: rawJpeg('boiler-before') });
      await block.locator('input[type=file]').setInputFiles([
        { name: '版面.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(photo) },
        { name: '报纸PDF版.pdf', mimeType: 'application/pdf', buffer: Buffer.from(smallPdf()) },
      ]);
      await expect.poll(() => block.locator('.uploads li.done').count()).toBe(2);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.click('button[type=submit]');
      await expect.poll(() => page.locator('h1').textContent()).toBe('报送成功');
      expect(await page.locator('main li', { hasText: DUTY }).textContent()).toBe(`${DUTY} 2018-07-10：专栏刊发督察整改进展报道一篇，佐证材料2个文件已保存`);
      const [occurrence] = await w.store.dutyOccurrences(DUTY, '2018-W28', '2018-W28');
      expect(occurrence).toMatchObject({ unit: PRESS, date: '2018-07-10', detail: '专栏刊发督察整改进展报道一篇', evidence: [expect.stringMatching(/^ev_[0-9a-f]{32}$/), expect.stringMatching(/^ev_[0-9a-f]{32}$/)] });

      // The office reviews the duty's occurrences: the photo and the PDF side by side, the photo's time and place.
      const { cookie } = await w.signIn(office.email);
      const [name, value] = cookie.split('=');
      await context.addCookies([{ name: name!, value: value!, url: base }]);
      await page.goto(`${base}/duties`);
      const record = page.locator('section.duty', { hasText: DUTY }).locator('.occurrence-record');
      expect(await record.count()).toBe(1);
      const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
      expect(squash((await record.locator('p').first().textContent())!)).toContain(`${PRESS} · 2018-07-10`);
      expect((await record.locator('figure.evidence figcaption').allTextContents()).map(squash)).toEqual(['版面.jpg 拍摄于 2018-07-09 16:20 北纬31.3402°，东经104.2011°', '报纸PDF版.pdf']);
      await expect.poll(() => record.locator('img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth))).toEqual([320]);
      expect(await record.locator('a.doc').textContent()).toBe('PDF 文件');
      // The unit's link opens its own file; another unit's link does not.
      const id = occurrence!.evidence[1]!;
      expect((await fetch(`${base}/report/evidence/${id}?${w.link(PRESS).split('?')[1]}`)).status).toBe(200);
      expect((await fetch(`${base}/report/evidence/${id}?${w.link('市城管局').split('?')[1]}`)).status).toBe(404);
    } finally {
      await close();
    }
  });

  it.skipIf(!haveBrowser && !process.env.CI)('the office deletes a 常态化工作 photo with a reason on the console: the photo is gone and the duty’s own page shows the reason and who deleted it', async () => {
    const DUTY = '《今日绵竹》中央环境保护督察整改专栏';
    const PRESS = '市委宣传部';
    const w = await bench.setup(instantAt('2018-07-10', '10:00'), undefined, {
      evidence: (store) => folderEvidence(store, bench.dynalite.client, async () => SECRET).deps,
    });
    // The liaison's occurrence with a photo and a PDF, over the API.
    const ids = await recordWithFiles(w, DUTY, PRESS, { date: '2018-07-10', detail: '专栏刊发督察整改进展报道一篇' });

    const office = (await w.store.people.list()).find((p) => p.roles.includes('整改办'))!;
    const { base, context, close } = await onPhone(w.app);
    try {
      const page = await context.newPage();
      // Without a session the duty's page is the sign-in page, with nothing of the duty.
      const anonymous = await page.goto(`${base}/duties/${encodeURIComponent(DUTY)}`);
      expect(anonymous!.status()).toBe(401);
      expect(await page.locator('main').textContent()).toContain('请先登录后再查看此页面。');
      expect(await page.locator('main').textContent()).not.toContain('专栏刊发督察整改进展报道一篇');

      const { cookie } = await w.signIn(office.email);
      const [name, value] = cookie.split('=');
      await context.addCookies([{ name: name!, value: value!, url: base }]);
      await page.goto(`${base}/duties`);
      const duty = page.locator('section.duty', { hasText: DUTY });
      const photoTile = duty.locator('figure.evidence', { hasText: '版面.jpg' });
      await expect.poll(() => photoTile.locator('img').evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
      await photoTile.locator('summary', { hasText: '删除' }).click();
      // The reason is required: the browser does not send the form without it.
      await photoTile.locator('button', { hasText: '删除此文件' }).click();
      expect(await photoTile.locator('input[name=reason]').evaluate((i) => (i as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing)).toBe(true);
      await photoTile.locator('input[name=reason]').fill('照片含无关人员面部');
      await photoTile.locator('button', { hasText: '删除此文件' }).click();
      await expect.poll(() => page.locator('[role=status]').textContent()).toBe(`已删除文件“版面.jpg”，删除理由已记入“${DUTY}”的变更记录。`);
      const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
      expect((await duty.locator('figure.evidence figcaption .name').allTextContents()).map(squash)).toEqual(['报纸PDF版.pdf']);

      // The duty's own page, from the list: the occurrence keeps its PDF; the changes say what was deleted, why and by whom.
      await duty.locator('a.history-link').click();
      await expect.poll(() => page.locator('h1').textContent()).toBe(DUTY);
      const week = page.locator('section.period', { hasText: '2018年第28周' });
      expect(squash((await week.locator('.unit-status').textContent())!)).toBe(`${PRESS}：已完成`);
      expect((await week.locator('figure.evidence figcaption .name').allTextContents()).map(squash)).toEqual(['报纸PDF版.pdf']);
      expect(await week.locator('p.removed').textContent()).toBe('另有1个文件已被整改办删除，理由见下方变更记录。');
      expect((await page.locator('table.history tbody tr').first().locator('td').allTextContents()).map(squash)).toEqual(['2018-07-10 10:00', '删除佐证材料：版面.jpg：照片含无关人员面部', office.name]);
      expect((await fetch(`${base}/evidence/${ids[0]}`, { headers: { cookie } })).status).toBe(404);
    } finally {
      await close();
    }
  });

  it.skipIf(!haveBrowser && !process.env.CI)('attaches a photo to a weekly report from the phone form and stores it with the report', async () => {
    const w = await bench.setup(instantAt('2018-07-10', '10:00'), undefined, {
      evidence: (store) => folderEvidence(store, bench.dynalite.client, async () => SECRET).deps,
    });
    const { base, context, close } = await onPhone(w.app);
    try {
      const page = await context.newPage();
      await page.goto(`${base}${w.link(UNIT)}`);
      expect(await page.locator('p.limits').textContent()).toContain('每个文件不超过20 MB');
      await page.fill(`[name="summary:${TASK}"]`, '本周完成锅炉拆除');
      await page.setInputFiles(`#files-${TASK}`, [{ name: '现场.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(rawJpeg('boiler-after')) }]);
      await expect.poll(() => page.locator(`#task-${TASK} .uploads li.done`).count()).toBe(1);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.click('button[type=submit]');
      await expect.poll(() => page.locator('h1').textContent()).toBe('报送成功');
      const [report] = await w.store.progressOf(TASK);
      expect(report).toMatchObject({ unit: UNIT, summary: '本周完成锅炉拆除', evidence: [expect.stringMatching(/^ev_[0-9a-f]{32}$/)] });
    } finally {
      await close();
    }
  });
});
