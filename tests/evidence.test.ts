/**
 * 佐证材料 uploads over the API, on real parts: the HTTP app over dynalite with the sample ledger,
 * files in a folder behind the app's stand-in for S3's browser POST (the same policy conditions),
 * and the S3 adapter against an S3 emulator (s3rver). MZ-6-3 has one lead unit, 市城管局; MZ-7-1
 * is led by 市委编办 and 市环保局 only.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepEvidence, unitKey } from '../functions/core/evidence-files.ts';
import { dutyKey, dutyUploadPrefix, exifThumbnail, readExif, sniffType, uploadPrefix } from '../functions/core/evidence.ts';
import { instantAt } from '../functions/core/time.ts';
import { DynamoEvidenceLog } from '../functions/store/evidence-log.ts';
import { bucketUrl, S3EvidenceFiles } from '../functions/store/s3-evidence.ts';
import { TableClient } from '../functions/store/table-client.ts';
import { appBench, SECRET } from './support/app.ts';
import { folderEvidence, postUpload, rawJpeg, smallPdf, withExif } from './support/evidence.ts';
import { useDynalite } from './support/store.ts';

const dynalite = useDynalite();

const ONE_LEAD = 'MZ-6-3';
const OTHER = 'MZ-7-1';
const A = '市城管局';
const B = '市委编办';

const photo = () => withExif(rawJpeg('boiler-after'), { taken: '2018:07:09 10:30:00', lat: 31.338, lon: 104.2089 });

async function bench() {
  let root = '';
  const app = await appBench(dynalite, instantAt('2018-07-10', '10:00'), {
    evidence: (store) => {
      const made = folderEvidence(store, dynalite.client, async () => SECRET);
      root = made.root;
      return made.deps;
    },
  });
  const tokenA = await app.token(A);
  const tokenB = await app.token(B);
  const ask = async (token: string, task: string, kind: string, files: { name: string; type: string; size: number }[]) => {
    const answer = await app.post('/api/evidence/uploads', token, { task, kind, files });
    return { status: answer.status, body: (await answer.json()) as any };
  };
  /** Posts a file as a browser would post it to the upload form's URL. */
  const send = async (upload: { url: string; fields: Record<string, string> }, bytes: Uint8Array, fields: Record<string, string> = {}) => {
    const answer = await postUpload(app.app, upload, bytes, fields);
    return { status: answer.status, body: (await answer.json()) as any };
  };
  /** Every file kept or waiting under the evidence folder. */
  const stored = (prefix: string) => {
    const dir = join(root, prefix);
    const walk = (d: string): string[] => (existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)])) : []);
    return walk(dir);
  };
  return { ...app, tokenA, tokenB, ask, send, stored };
}

describe('佐证材料 uploads', () => {
  it('gives a unit upload forms only for its own task, within the stated limits, in Chinese', async () => {
    const w = await bench();
    const other = await w.ask(w.tokenA, OTHER, 'closeout', [{ name: 'a.jpg', type: 'image/jpeg', size: 1000 }]);
    expect(other.status).toBe(403);
    expect(other.body.error.message).toBe(`${A}不是任务 ${OTHER} 的牵头单位或责任单位，不能查看或报送该任务`);
    const big = await w.ask(w.tokenA, ONE_LEAD, 'closeout', [{ name: '全景.jpg', type: 'image/jpeg', size: 21 * 1024 * 1024 }]);
    expect(big.status).toBe(400);
    expect(big.body.error).toMatchObject({ message: '文件“全景.jpg”大小为21.0 MB，超过每个文件20 MB 的限制', field: 'files.0.size' });
    const exe = await w.ask(w.tokenA, ONE_LEAD, 'closeout', [{ name: 'setup.exe', type: 'application/x-msdownload', size: 1000 }]);
    expect(exe.status).toBe(400);
    expect(exe.body.error.message).toContain('文件“setup.exe”的类型不受支持：支持照片（JPG、PNG、苹果手机的 HEIC）、PDF、Word（.docx）和 Excel（.xlsx）');
    const given = await w.ask(w.tokenA, ONE_LEAD, 'closeout', [{ name: '现场.jpg', type: 'image/jpeg', size: 5000 }]);
    expect(given.status).toBe(201);
    expect(given.body.limits).toBe('支持照片（JPG、PNG、苹果手机的 HEIC）、PDF、Word（.docx）和 Excel（.xlsx）；每个文件不超过20 MB，每次最多9个文件、合计不超过60 MB');
    expect(given.body.uploads[0].upload.fields.key).toMatch(new RegExp(`^${uploadPrefix(unitKey(A), ONE_LEAD, 'closeout')}ev_[0-9a-f]{32}\\.jpg$`));
  });

  it('refuses an upload form used for unit B’s task or for a larger file, and a submission naming another unit’s upload', async () => {
    const w = await bench();
    const bytes = photo();
    const { body } = await w.ask(w.tokenA, ONE_LEAD, 'closeout', [{ name: '现场.jpg', type: 'image/jpeg', size: bytes.length }]);
    const upload = body.uploads[0];
    // The same form pointed at unit B's task: the policy admits only its own key and prefix.
    const elsewhere = `${uploadPrefix(unitKey(B), OTHER, 'closeout')}${upload.id}.jpg`;
    const moved = await w.send(upload.upload, bytes, { key: elsewhere });
    expect(moved.status).toBe(403);
    expect(moved.body.error.message).toBe('上传凭证不允许上传到该位置（只能用于签发它的单位、任务和报送）');
    expect(w.stored('uploads')).toEqual([]);
    // A larger file than declared.
    const larger = await w.send(upload.upload, new Uint8Array([...bytes, 0, 0, 0]));
    expect(larger.status).toBe(403);
    expect(larger.body.error.message).toBe(`文件大小（${bytes.length + 3} 字节）超出上传凭证允许的范围（不超过 ${bytes.length} 字节）`);
    expect(w.stored('uploads')).toEqual([]);
    // A form whose policy was altered.
    const forged = await w.send(upload.upload, bytes, { policy: Buffer.from('{"expiration":"2099-01-01T00:00:00Z","conditions":[]}').toString('base64') });
    expect(forged.status).toBe(403);
    expect(forged.body.error.message).toBe('上传凭证无效或已被修改：请重新选择文件上传');
    // As issued, it is taken.
    expect((await w.send(upload.upload, bytes)).status).toBe(201);
    // Unit B cannot name A's upload in its own close-out request.
    const stolen = await w.post(`/api/tasks/${OTHER}/closeout`, w.tokenB, { summary: '已完成', evidence: [upload.id] });
    expect(stolen.status).toBe(403);
    expect(((await stolen.json()) as any).error.message).toBe(`文件“现场.jpg”是为任务 ${ONE_LEAD} 的销号申请上传的，不能用于${B}的任务 ${OTHER} 的销号申请`);
    expect((await w.store.tasks.get(OTHER))!.closeOut).toBeUndefined();
    // Unit A can, and the file is kept under evidence/ with its time and place.
    const asked = await w.post(`/api/tasks/${ONE_LEAD}/closeout`, w.tokenA, { summary: '燃煤锅炉已拆除', evidence: [upload.id, 'https://example.org/ys.pdf'] });
    expect(asked.status).toBe(202);
    expect((await w.store.tasks.get(ONE_LEAD))!.closeOut!.evidence).toEqual([upload.id, 'https://example.org/ys.pdf']);
    const record = (await (await w.get(`/api/evidence/${upload.id}`, w.tokenA)).json()) as any;
    expect(record.evidence).toMatchObject({ name: '现场.jpg', type: 'image/jpeg', size: bytes.length, takenAt: '2018-07-09T02:30:00.000Z', place: { lat: 31.338, lon: 104.2089 } });
    expect(w.stored('uploads')).toEqual([]);
    expect(w.stored('evidence')).toHaveLength(1);
    const file = await w.get(`/api/evidence/${upload.id}/file`, w.tokenA);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
    expect((await w.get(`/api/evidence/${upload.id}`, w.tokenB)).status).toBe(404);
  });

  it('refuses an executable renamed .jpg, deletes it and stores nothing of the submission', async () => {
    const w = await bench();
    const exe = new Uint8Array(Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(400, 1)]));
    const { body } = await w.ask(w.tokenA, ONE_LEAD, 'closeout', [{ name: '现场照片.jpg', type: 'image/jpeg', size: exe.length }]);
    expect((await w.send(body.uploads[0].upload, exe)).status).toBe(201);
    const asked = await w.post(`/api/tasks/${ONE_LEAD}/closeout`, w.tokenA, { summary: '已完成', evidence: [body.uploads[0].id] });
    expect(asked.status).toBe(400);
    expect(((await asked.json()) as any).error).toMatchObject({
      message: expect.stringContaining('文件“现场照片.jpg”的内容是可执行程序（Windows .exe），不是照片、PDF 或 Word/Excel 文档，已拒收'),
      field: 'evidence',
    });
    expect((await w.store.tasks.get(ONE_LEAD))!.closeOut).toBeUndefined();
    expect(w.stored('')).toEqual([]);
  });

  it('cleans up an upload no submission followed, and says so when it is named later', async () => {
    const w = await bench();
    const bytes = photo();
    const first = (await w.ask(w.tokenA, ONE_LEAD, 'report', [{ name: '周报.jpg', type: 'image/jpeg', size: bytes.length }])).body.uploads[0];
    expect((await w.send(first.upload, bytes)).status).toBe(201);
    expect(w.stored('uploads')).toHaveLength(1);
    // A day and more later another upload is asked for: the abandoned one is swept first.
    w.setNow(instantAt('2018-07-11', '11:00'));
    expect((await w.ask(w.tokenA, ONE_LEAD, 'report', [{ name: 'b.pdf', type: 'application/pdf', size: 100 }])).status).toBe(201);
    expect(w.stored('uploads')).toEqual([]);
    const late = await w.post(`/api/tasks/${ONE_LEAD}/progress`, w.tokenA, { summary: '本周进展', evidence: [first.id] });
    expect(late.status).toBe(400);
    expect(((await late.json()) as any).error.message).toBe(`上传的文件（${first.id}）不存在或已过期清理，请重新上传`);
  });

  it('stores each file once when the same submission is retried, or the same photo uploaded again', async () => {
    const w = await bench();
    const [jpeg, pdf] = [photo(), smallPdf()];
    const files = [
      { name: '现场.jpg', type: 'image/jpeg', size: jpeg.length },
      { name: '验收单.pdf', type: 'application/pdf', size: pdf.length },
    ];
    const { body } = await w.ask(w.tokenA, ONE_LEAD, 'report', files);
    expect((await w.send(body.uploads[0].upload, jpeg)).status).toBe(201);
    expect((await w.send(body.uploads[1].upload, pdf)).status).toBe(201);
    const ids = body.uploads.map((u: any) => u.id);
    const report = { summary: '锅炉拆除完毕', evidence: ids };
    const first = await w.post(`/api/tasks/${ONE_LEAD}/progress`, w.tokenA, report, { 'Idempotency-Key': 'phone-1' });
    expect(first.status).toBe(201);
    const retried = await w.post(`/api/tasks/${ONE_LEAD}/progress`, w.tokenA, report, { 'Idempotency-Key': 'phone-1' });
    expect(retried.status).toBe(200);
    // The phone lost the answer and uploaded the photo again as a new file: the task keeps it once.
    const again = (await w.ask(w.tokenA, ONE_LEAD, 'report', [files[0]!])).body.uploads[0];
    expect((await w.send(again.upload, jpeg)).status).toBe(201);
    const third = await w.post(`/api/tasks/${ONE_LEAD}/progress`, w.tokenA, { summary: '锅炉拆除完毕', evidence: [again.id] }, { 'Idempotency-Key': 'phone-2' });
    expect(((await third.json()) as any).report.evidence).toEqual([ids[0]]);
    expect(w.stored('evidence')).toHaveLength(2);
    expect(w.stored('uploads')).toEqual([]);
    const reports = await w.store.progressOf(ONE_LEAD);
    expect(reports.map((r) => r.evidence).sort((a, b) => b!.length - a!.length)).toEqual([ids, [ids[0]]]);
  });

  it('takes the files a task’s block uploaded on the phone form, and refuses an id of another unit typed in', async () => {
    const w = await bench();
    const page = await (await w.get(w.link(A))).text();
    expect(page).toContain('佐证材料可上传照片和文件：支持照片（JPG、PNG、苹果手机的 HEIC）');
    expect(page).toContain(`data-field="evidence-file:${ONE_LEAD}"`);
    const bytes = photo();
    const mine = (await w.ask(w.tokenA, ONE_LEAD, 'report', [{ name: '现场.jpg', type: 'image/jpeg', size: bytes.length }])).body.uploads[0];
    const theirs = (await w.ask(w.tokenB, OTHER, 'report', [{ name: '他人.jpg', type: 'image/jpeg', size: bytes.length }])).body.uploads[0];
    await w.send(mine.upload, bytes);
    await w.send(theirs.upload, bytes);
    const signed = Object.fromEntries(new URL(`http://x${w.link(A)}`).searchParams);
    const post = (fields: [string, string][]) =>
      w.app.request('/report', { method: 'POST', body: new URLSearchParams([...Object.entries(signed), ['kind', 'week'], ['key', 'form-1'], ...fields]), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    const refused = await post([[`summary:${ONE_LEAD}`, '本周拆除锅炉'], [`evidence:${ONE_LEAD}`, theirs.id]]);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain(`文件“他人.jpg”是为任务 ${OTHER} 的进展报送上传的，不能用于${A}的任务 ${ONE_LEAD} 的进展报送`);
    expect(await w.store.progressOf(ONE_LEAD)).toEqual([]);
    const saved = await post([[`summary:${ONE_LEAD}`, '本周拆除锅炉'], [`evidence-file:${ONE_LEAD}`, mine.id], [`evidence:${ONE_LEAD}`, 'https://example.org/公告']]);
    expect(saved.status).toBe(201);
    // The 报送成功 page counts the files kept, not the link typed beside them.
    expect((await saved.text()).replace(/<[^>]+>/g, '')).toMatch(new RegExp(`${ONE_LEAD} [^：]*：本周拆除锅炉，佐证材料1个文件已保存`));
    expect((await w.store.progressOf(ONE_LEAD)).map((r) => r.evidence)).toEqual([[mine.id, 'https://example.org/公告']]);
    expect(w.stored('evidence')).toHaveLength(1);
  });

  it('lets the office alone delete a kept file, with a reason the task’s history keeps', async () => {
    const w = await bench();
    const bytes = photo();
    const upload = (await w.ask(w.tokenA, ONE_LEAD, 'report', [{ name: '无关.jpg', type: 'image/jpeg', size: bytes.length }])).body.uploads[0];
    await w.send(upload.upload, bytes);
    expect((await w.post(`/api/tasks/${ONE_LEAD}/progress`, w.tokenA, { summary: '本周进展', evidence: [upload.id] })).status).toBe(201);
    const remove = (token: string, body: unknown) => w.app.request(`/api/evidence/${upload.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const byUnit = await remove(w.tokenA, { reason: '传错了' });
    expect(byUnit.status).toBe(403);
    expect(((await byUnit.json()) as any).error.message).toBe('只有整改办可以删除佐证材料');
    const office = await w.officeToken();
    const noReason = await remove(office, { reason: ' ' });
    expect(noReason.status).toBe(400);
    expect(((await noReason.json()) as any).error).toMatchObject({ message: '“删除理由”不能为空', field: 'reason' });
    expect(w.stored('evidence')).toHaveLength(1);
    const deleted = await remove(office, { reason: '照片与本任务无关' });
    expect(deleted.status).toBe(200);
    expect(w.stored('evidence')).toEqual([]);
    expect((await w.get(`/api/evidence/${upload.id}`, office)).status).toBe(404);
    const history = (await (await w.get(`/api/tasks/${ONE_LEAD}/history`, office)).json()) as any;
    const officer = (await w.store.people.list()).find((p) => p.roles.includes('整改办'))!;
    expect(history.events.at(-1)).toMatchObject({ type: 'evidence.deleted', by: officer.name, detail: { id: upload.id, name: '无关.jpg', reason: '无关.jpg：照片与本任务无关' } });
    expect((await remove(office, { reason: '再删一次' })).status).toBe(404);
  });

  it('keeps a duty occurrence’s photo and PDF under the duty, for its unit only: unit B can neither attach nor open unit A’s files; the office deletes one with a reason the duty’s history keeps', async () => {
    const w = await bench();
    const DUTY = '饮用水安全状况信息公开';
    const [envA, envB] = ['市环保局', '市住建局'];
    const [tokenA, tokenB] = [await w.token(envA), await w.token(envB)];
    const [jpeg, pdf] = [photo(), smallPdf()];
    const files = [
      { name: '公开截图.jpg', type: 'image/jpeg', size: jpeg.length },
      { name: '公开文件.pdf', type: 'application/pdf', size: pdf.length },
    ];
    // A duty's upload names the duty, never a task; a unit the duty does not name is refused.
    const noDuty = await w.ask(tokenA, ONE_LEAD, 'duty', files);
    expect(noDuty.status).toBe(400);
    expect(noDuty.body.error).toMatchObject({ message: '为常态化工作上传文件时须写明“常态化工作事项”（duty）', field: 'duty' });
    const notMine = await w.post('/api/evidence/uploads', w.tokenA, { duty: DUTY, kind: 'duty', files });
    expect(notMine.status).toBe(403);
    expect(((await notMine.json()) as any).error.message).toBe(`${A}不是常态化工作“${DUTY}”的责任单位，不能为其上传或查看佐证材料`);
    const given = (await (await w.post('/api/evidence/uploads', tokenA, { duty: DUTY, kind: 'duty', files })).json()) as any;
    const prefix = dutyUploadPrefix(unitKey(envA), DUTY);
    expect(given.uploads.map((u: any) => u.upload.fields.key)).toEqual([expect.stringMatching(new RegExp(`^${prefix}ev_[0-9a-f]{32}\\.jpg$`)), expect.stringMatching(new RegExp(`^${prefix}ev_[0-9a-f]{32}\\.pdf$`))]);
    // The form admits only the duty's own prefix: not a task's.
    expect((await w.send(given.uploads[0].upload, jpeg, { key: `${uploadPrefix(unitKey(envA), ONE_LEAD, 'report')}${given.uploads[0].id}.jpg` })).status).toBe(403);
    expect((await w.send(given.uploads[0].upload, jpeg)).status).toBe(201);
    expect((await w.send(given.uploads[1].upload, pdf)).status).toBe(201);
    const ids = given.uploads.map((u: any) => u.id);
    const occurrence = { date: '2018-07-09', detail: '公开第二季度饮用水安全状况信息', evidence: [...ids, '市政府网站公告栏'] };

    // Unit B, responsible for the same duty, cannot name A's files in its own occurrence; nothing is stored.
    const stolen = await w.post(`/api/duties/${encodeURIComponent(DUTY)}/occurrences`, tokenB, occurrence);
    expect(stolen.status).toBe(403);
    expect(((await stolen.json()) as any).error.message).toBe(`文件“公开截图.jpg”是${envA}为常态化工作“${DUTY}”上传的，不能用于${envB}记录的常态化工作“${DUTY}”`);
    expect(await w.store.dutyOccurrences(DUTY, '2018-Q3', '2018-Q3')).toEqual([]);
    // A refused occurrence (a day after today) keeps no file.
    const future = await w.post(`/api/duties/${encodeURIComponent(DUTY)}/occurrences`, tokenA, { ...occurrence, date: '2018-07-11' });
    expect(future.status).toBe(400);
    expect(w.stored('evidence')).toEqual([]);

    const recorded = await w.post(`/api/duties/${encodeURIComponent(DUTY)}/occurrences`, tokenA, occurrence);
    expect(recorded.status).toBe(201);
    expect(((await recorded.json()) as any).occurrence).toMatchObject({ unit: envA, period: '2018-Q3', evidence: [...ids, '市政府网站公告栏'] });
    expect(w.stored('uploads')).toEqual([]);
    expect(w.stored(`evidence/duties/${dutyKey(DUTY)}`).map((f) => f.slice(f.lastIndexOf('/') + 1)).sort()).toEqual([`${ids[0]}.jpg`, `${ids[1]}.pdf`].sort());

    // A opens its files with their time and place; B cannot, as if they did not exist; the office can.
    const record = (await (await w.get(`/api/evidence/${ids[0]}`, tokenA)).json()) as any;
    expect(record.evidence).toMatchObject({ name: '公开截图.jpg', duty: DUTY, unit: envA, kind: 'duty', takenAt: '2018-07-09T02:30:00.000Z', place: { lat: 31.338, lon: 104.2089 } });
    expect(new Uint8Array(await (await w.get(`/api/evidence/${ids[1]}/file`, tokenA)).arrayBuffer())).toEqual(pdf);
    for (const id of ids) {
      expect((await w.get(`/api/evidence/${id}`, tokenB)).status).toBe(404);
      expect((await w.get(`/api/evidence/${id}/file`, tokenB)).status).toBe(404);
    }
    expect((await w.get(`/api/evidence/${ids[0]}`, await w.officeToken())).status).toBe(200);

    // The office deletes a file with a reason: the duty's history keeps who, which file and why.
    const office = await w.officeToken();
    const deleted = await w.app.request(`/api/evidence/${ids[0]}`, { method: 'DELETE', headers: { Authorization: `Bearer ${office}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ reason: '截图含个人信息' }) });
    expect(deleted.status).toBe(200);
    expect(w.stored(`evidence/duties/${dutyKey(DUTY)}`).map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual([`${ids[1]}.pdf`]);
    expect((await w.get(`/api/evidence/${ids[0]}`, tokenA)).status).toBe(404);
    const officer = (await w.store.people.list()).find((p) => p.roles.includes('整改办'))!;
    expect((await w.store.auditEvents(`DUTY#${DUTY}`)).at(-1)).toMatchObject({ type: 'evidence.deleted', by: officer.name, detail: { id: ids[0], name: '公开截图.jpg', reason: '公开截图.jpg：截图含个人信息' } });
  });

  it('tells the types apart by content and reads a photo’s time and place', async () => {
    expect(sniffType(photo(), 'a.png')).toBe('jpeg');
    expect(sniffType(smallPdf(), 'a.jpg')).toBe('pdf');
    const { Document, Packer, Paragraph } = await import('docx');
    const docx = new Uint8Array(await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('验收意见')] }] })));
    expect(sniffType(docx, '验收.xlsx')).toBe('docx');
    const ExcelJS = (await import('exceljs')).default;
    const book = new ExcelJS.Workbook();
    book.addWorksheet('台账').addRow(['任务编号']);
    expect(sniffType(new Uint8Array(await book.xlsx.writeBuffer()), '台账.docx')).toBe('xlsx');
    expect(() => sniffType(new Uint8Array(Buffer.from('#!/bin/sh\nrm -rf /\n')), 'x.pdf')).toThrow('文件“x.pdf”的内容是脚本程序');
    expect(readExif(withExif(rawJpeg('boiler-before'), { taken: '2018:01:02 08:00:00', lat: -33.5, lon: -70.25 }))).toEqual({
      takenAt: '2018-01-02T00:00:00.000Z',
      place: { lat: -33.5, lon: -70.25 },
    });
    expect(readExif(rawJpeg('boiler-before'))).toEqual({});
    const small = rawJpeg('boiler-before');
    expect(exifThumbnail(withExif(rawJpeg('boiler-after'), { taken: '2018:01:02 08:00:00', lat: 1, lon: 1, thumbnail: small }))).toEqual(small);
    expect(exifThumbnail(photo())).toBeUndefined();
  });
});

describe('佐证材料 in S3 (an S3 emulator)', () => {
  let server: { close(): Promise<void> };
  let s3: S3Client;
  let endpoint = '';
  beforeAll(async () => {
    const { default: S3rver } = await import('s3rver');
    const s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: mkdtempSync(join(tmpdir(), 'duban-s3-evidence-')), configureBuckets: [{ name: 'evidence' }] });
    const { port } = (await s3rver.run()) as { port: number };
    server = s3rver;
    endpoint = `http://127.0.0.1:${port}`;
    s3 = new S3Client({ region: 'cn-north-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.close();
  });

  it('signs a POST policy limited to the key, its prefix, the size, the type and 15 minutes, and keeps the posted file', async () => {
    const now = new Date('2026-03-02T08:00:00Z');
    const files = new S3EvidenceFiles(s3, 'evidence', bucketUrl('evidence', 'cn-north-1', endpoint), () => now);
    const prefix = uploadPrefix(unitKey(A), ONE_LEAD, 'closeout');
    const key = `${prefix}ev_${'1'.repeat(32)}.jpg`;
    const small = rawJpeg('boiler-before');
    const bytes = withExif(rawJpeg('boiler-after'), { taken: '2018:07:09 10:30:00', lat: 31.338, lon: 104.2089, thumbnail: small });
    const form = await files.uploadForm({ key, prefix, contentType: 'image/jpeg', maxBytes: bytes.length, minutes: 15 });
    expect(form.url).toBe(`${endpoint}/evidence`);
    const policy = JSON.parse(Buffer.from(form.fields.policy!, 'base64').toString('utf8'));
    expect(policy.expiration).toBe('2026-03-02T08:15:00.000Z');
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        { bucket: 'evidence' },
        ['starts-with', '$key', prefix],
        { key },
        ['content-length-range', 1, bytes.length],
        { 'Content-Type': 'image/jpeg' },
        { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
        { 'x-amz-credential': 'S3RVER/20260302/cn-north-1/s3/aws4_request' },
        { 'x-amz-date': '20260302T080000Z' },
      ]),
    );
    expect(form.fields['x-amz-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(bucketUrl('evidence-1', 'ap-southeast-1')).toBe('https://evidence-1.s3.ap-southeast-1.amazonaws.com');
    expect(bucketUrl('evidence-1', 'cn-north-1')).toBe('https://evidence-1.s3.cn-north-1.amazonaws.com.cn');

    // The browser's POST, as the page sends it.
    const body = new FormData();
    for (const [k, v] of Object.entries(form.fields)) body.append(k, v);
    body.append('file', new Blob([bytes], { type: 'image/jpeg' }), '现场.jpg');
    expect((await fetch(form.url, { method: 'POST', body })).status).toBe(204);

    const store = await dynalite.fresh();
    const log = new DynamoEvidenceLog(new TableClient(dynalite.client, store.tableName));
    const id = `ev_${'1'.repeat(32)}`;
    await log.create({ id, unit: A, task: ONE_LEAD, kind: 'closeout', key, name: '现场.jpg', type: 'image/jpeg', size: bytes.length, state: 'pending', createdAt: now.toISOString() });
    expect(await keepEvidence([id], { unit: A, task: ONE_LEAD, kind: 'closeout' }, now, { files, log })).toEqual([id]);
    const kept = (await log.get(id))!;
    expect(kept).toMatchObject({ state: 'kept', key: `evidence/${ONE_LEAD}/${id}.jpg`, takenAt: '2018-07-09T02:30:00.000Z', thumbnailKey: `evidence/${ONE_LEAD}/${id}.thumb.jpg` });
    expect(await files.read(kept.thumbnailKey!)).toEqual(small);
    expect(await files.read(key)).toBeUndefined();
    const link = await files.openUrl(kept.key, '现场.jpg', 'image/jpeg');
    expect(new Uint8Array(await (await fetch(link)).arrayBuffer())).toEqual(bytes);
  });
});
