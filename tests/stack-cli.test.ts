/**
 * `npx duban --stack <name> <verb>` against a deployed stack. The one thing that cannot run here,
 * CloudFormation's DescribeStacks, is a small HTTP server speaking its query protocol with the
 * outputs a deployed duban stack has; the verbs then run for real against dynalite, which stands
 * where the deployed table would, and an S3 emulator (s3rver) where its evidence bucket would (the
 * only difference is the endpoint).
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THUMBNAIL_PX } from '../functions/core/evidence-processing.ts';
import { ensureTable } from '../functions/local/emulators.ts';
import { hashToken } from '../functions/http/auth.ts';
import { runCli } from '../functions/local/cli/index.ts';
import { SAMPLE_LEDGER } from '../functions/local/settings.ts';
import { DynamoStore } from '../functions/store/dynamo-store.ts';
import { DynamoEvidenceLog } from '../functions/store/evidence-log.ts';
import { TableClient } from '../functions/store/table-client.ts';
import { useS3Emulator } from './support/s3-emulator.ts';
import { useDynalite } from './support/store.ts';

const dynalite = useDynalite();
const table = 'DubanStateful-Ledger-1A2B3C4D5E6F';
const evidenceBucket = 'dubanstateful-evidence-4d5e6f';

/** The stacks CloudFormation knows, by name: their outputs. */
const stacks: Record<string, Record<string, string>> = {
  DubanStateless: {
    ApiUrl: 'https://abc123.execute-api.ap-southeast-1.amazonaws.com',
    AppUrl: 'https://abc123.execute-api.ap-southeast-1.amazonaws.com',
    TableName: table,
    ReportsBucketName: 'dubanstateful-reports-1a2b3c',
    EvidenceBucket: evidenceBucket,
    LinkSecretArn: 'arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:LinkSecret-AbCdEf',
    MailFrom: 'duban@hb.example.gov.cn',
    MailConfigurationSet: 'MailConfiguration-1A2B',
    AlarmTopicArn: 'arn:aws:sns:ap-southeast-1:111122223333:Alarms',
  },
  // The stateful stack has no outputs of its own: someone who names it is told which stack to name.
  DubanStateful: {},
  // A stack deployed before evidence files existed: the same table, no evidence bucket.
  DubanBeforeEvidence: { TableName: table, ReportsBucketName: 'dubanstateful-reports-1a2b3c' },
};
const asked: string[] = [];

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
function describeStacks(name: string): { status: number; body: string } {
  const outputs = stacks[name];
  if (!outputs) {
    return { status: 400, body: `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${xml(name)} does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>` };
  }
  const members = Object.entries(outputs).map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${xml(v)}</OutputValue></member>`).join('');
  return {
    status: 200,
    body:
      `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>` +
      `<StackName>${name}</StackName><StackId>arn:aws:cloudformation:ap-southeast-1:111122223333:stack/${name}/1</StackId>` +
      `<CreationTime>2026-01-05T01:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs>` +
      `</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>`,
  };
}

let cloudFormation: Server;
let env: Record<string, string>;
let dataDir: string;

beforeAll(async () => {
  cloudFormation = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const name = form.get('StackName') ?? '';
      asked.push(`${form.get('Action')} ${name}`);
      const answer = describeStacks(name);
      res.writeHead(answer.status, { 'content-type': 'text/xml' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => cloudFormation.listen(0, '127.0.0.1', resolve));
  await ensureTable(dynalite.client, table);
  dataDir = mkdtempSync(join(tmpdir(), 'duban-stack-cli-'));
  env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'ap-southeast-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    DUBAN_CLOUDFORMATION_ENDPOINT: `http://127.0.0.1:${(cloudFormation.address() as AddressInfo).port}`,
    DUBAN_DYNAMODB_ENDPOINT: dynalite.endpoint,
    DUBAN_DATA_DIR: dataDir,
  };
});
afterAll(() => new Promise<void>((resolve) => cloudFormation?.close(() => resolve())));

function terminal() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), now: () => new Date('2026-03-02T01:00:00Z') } };
}

describe('npx duban --stack', () => {
  it('imports the ledger and issues a token into the table the stack outputs name, opening nothing locally', async () => {
    const imported = terminal();
    expect(await runCli(['--stack', 'DubanStateless', 'import', SAMPLE_LEDGER], imported.io, env)).toBe(0);
    expect(imported.err[0]).toBe(`已连接部署栈 DubanStateless（区域 ap-southeast-1，数据表 ${table}）`);
    expect(imported.out).toContain('导入完成：');
    expect(asked).toContain('DescribeStacks DubanStateless');

    const store = new DynamoStore(dynalite.client, table);
    expect(await store.openTasks()).toHaveLength(31);
    expect((await store.imports())[0]).toMatchObject({ at: '2026-03-02T01:00:00.000Z' });

    const issued = terminal();
    expect(await runCli(['--stack=DubanStateless', 'token', '市林业局'], issued.io, env)).toBe(0);
    expect(await store.principalOfToken(hashToken(issued.out[0]!))).toEqual({ kind: 'unit', unit: '市林业局' });

    const calendar = terminal();
    expect(await runCli(['--stack', 'DubanStateless', 'calendar'], calendar.io, env)).toBe(0);
    expect(calendar.out.join('\n')).toContain('2026');

    // No sandbox store was opened on the data folder.
    expect(existsSync(dataDir) ? readdirSync(dataDir) : []).toEqual([]);
  });

  it('says in Chinese when the stack is not there, or is not the one with the outputs, and never shows a stack trace', async () => {
    const missing = terminal();
    expect(await runCli(['--stack', 'DubanProd', 'calendar'], missing.io, env)).toBe(1);
    expect(missing.err).toEqual(['错误：在区域 ap-southeast-1 找不到部署栈“DubanProd”：请核对栈名（cdk deploy 输出的无状态栈，默认 DubanStateless）和区域（AWS_REGION）']);

    const stateful = terminal();
    expect(await runCli(['--stack', 'DubanStateful', 'calendar'], stateful.io, env)).toBe(1);
    expect(stateful.err[0]).toContain('部署栈“DubanStateful”没有输出 TableName：请指定督办的无状态栈（默认 DubanStateless');

    const noName = terminal();
    expect(await runCli(['--stack', 'import', SAMPLE_LEDGER], noName.io, env)).toBe(2);
    expect(noName.err[0]).toMatch(/^参数有误：--stack 后应跟部署栈的名称/);

    const bare = terminal();
    expect(await runCli(['--stack'], bare.io, env)).toBe(2);
    expect(bare.err[0]).toMatch(/^参数有误：--stack 后应跟部署栈的名称/);

    const local = terminal();
    expect(await runCli(['--stack', 'DubanStateless', 'replay', '--from', '2018-07-09', '--to', '2018-07-10'], local.io, env)).toBe(2);
    expect(local.err).toEqual(['命令 replay 只用于本机沙盒，不能加 --stack 对已部署的系统运行']);

    for (const t of [missing, stateful, noName, bare, local]) expect(t.err.join('\n')).not.toMatch(/^\s+at |^\w*Error:/m);
  });
});

describe('npx duban --stack <name> evidence process', () => {
  const s3 = useS3Emulator([evidenceBucket], 'ap-southeast-1');

  /** A 640 × 480 JPEG with no EXIF (no camera thumbnail), kept before photos were processed: its object in the bucket, its item, a report naming it. */
  async function keptPhoto(store: DynamoStore) {
    const id = 'ev_5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a';
    const key = `evidence/MZ-6-3/${id}.jpg`;
    const data = new Uint8Array(640 * 480 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 251));
    const bytes = new Uint8Array(jpeg.encode({ width: 640, height: 480, data }, 90).data);
    await s3.client.send(new PutObjectCommand({ Bucket: evidenceBucket, Key: key, Body: bytes, ContentType: 'image/jpeg' }));
    await new DynamoEvidenceLog(new TableClient(dynalite.client, table)).create({
      id, unit: '市城管局', task: 'MZ-6-3', kind: 'report', key, name: '锅炉拆除后.jpg', type: 'image/jpeg', size: bytes.length, state: 'kept', createdAt: '2026-03-02T00:50:00.000Z', keptAt: '2026-03-02T00:51:00.000Z',
    });
    await store.recordProgress({ id: 'report-stack-evidence', code: 'MZ-6-3', unit: '市城管局', period: '2026-W10', summary: '燃煤锅炉已拆除', evidence: [id], by: '市城管局', at: '2026-03-02T00:51:00.000Z' });
    return { id, key };
  }

  it('processes the photos in the evidence bucket the stack outputs, with no bucket given by hand; once', async () => {
    const store = new DynamoStore(dynalite.client, table);
    if (!(await store.tasks.get('MZ-6-3'))) expect(await runCli(['--stack', 'DubanStateless', 'import', SAMPLE_LEDGER], terminal().io, env)).toBe(0);
    const { id, key } = await keptPhoto(store);
    const stackEnv = { ...env, DUBAN_S3_ENDPOINT: s3.endpoint };
    expect(stackEnv).not.toHaveProperty('DUBAN_EVIDENCE_BUCKET');

    const first = terminal();
    expect(await runCli(['--stack', 'DubanStateless', 'evidence', 'process', 'MZ-6-3'], first.io, stackEnv)).toBe(0);
    expect(first.err).toEqual([`已连接部署栈 DubanStateless（区域 ap-southeast-1，数据表 ${table}）`, '按当前时间 2026-03-02 09:00（北京时间）执行', `佐证材料存储桶 ${evidenceBucket}`]);
    expect(first.out).toEqual(['已处理1张照片，此前已处理0张，其余0个文件无需处理']);
    const thumbnailKey = key.replace(/\.jpg$/, '.thumb.jpg');
    const thumbnail = await s3.client.send(new GetObjectCommand({ Bucket: evidenceBucket, Key: thumbnailKey }));
    const image = jpeg.decode(await thumbnail.Body!.transformToByteArray(), { useTArray: true });
    expect({ width: image.width, height: image.height }).toEqual({ width: THUMBNAIL_PX, height: 240 });
    expect(await new DynamoEvidenceLog(new TableClient(dynalite.client, table)).get(id)).toMatchObject({ state: 'kept', thumbnailKey, processedAt: '2026-03-02T01:00:00.000Z' });

    const again = terminal();
    expect(await runCli(['--stack', 'DubanStateless', 'evidence', 'process', 'MZ-6-3'], again.io, stackEnv)).toBe(0);
    expect(again.out).toEqual(['已处理0张照片，此前已处理1张，其余0个文件无需处理']);
  });

  it('names the missing output in Chinese when the stack has no evidence bucket, and processes nothing', async () => {
    const store = new DynamoStore(dynalite.client, table);
    if (!(await store.tasks.get('MZ-6-3'))) expect(await runCli(['--stack', 'DubanStateless', 'import', SAMPLE_LEDGER], terminal().io, env)).toBe(0);
    const before = await new DynamoEvidenceLog(new TableClient(dynalite.client, table)).get('ev_5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a');
    const t = terminal();
    // A bucket named in the shell is not taken for the stack's.
    expect(await runCli(['--stack', 'DubanBeforeEvidence', 'evidence', 'process', 'MZ-6-3'], t.io, { ...env, DUBAN_S3_ENDPOINT: s3.endpoint, DUBAN_EVIDENCE_BUCKET: evidenceBucket })).toBe(1);
    expect(t.err.at(-1)).toBe('错误：部署栈“DubanBeforeEvidence”没有输出 EvidenceBucket（佐证材料的存储桶），无法处理照片：请指定督办的无状态栈（默认 DubanStateless），或用当前版本重新部署后再运行');
    expect(t.out).toEqual([]);
    expect(t.err.join('\n')).not.toMatch(/^\s+at |^\w*Error:/m);
    expect(await new DynamoEvidenceLog(new TableClient(dynalite.client, table)).get('ev_5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a')).toEqual(before);
  });
});
