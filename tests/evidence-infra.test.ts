/**
 * The evidence bucket as CloudFormation sees it (aws-cdk-lib/assertions, cdk-nag's AwsSolutions
 * checks running on the synth): private, encrypted, TLS only, CORS for the app's origin only,
 * abandoned uploads expiring; the HTTP function granted only what the upload flow needs; the
 * evidence function triggered by kept files only, with least privilege, and its bundle (built by
 * esbuild as on deploy, libheif's .wasm beside it) processing a real HEIC in a plain Node process
 * against dynalite and the sandbox's evidence folder.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../infra/app.ts';
import { evidenceProcessing } from '../infra/evidence.ts';
import { STACK_OUTPUTS } from '../functions/local/stack.ts';
import { DynamoEvidenceLog } from '../functions/store/evidence-log.ts';
import { TableClient } from '../functions/store/table-client.ts';
import { useDynalite } from './support/store.ts';

function synth(context: Record<string, unknown> = {}) {
  const { app, stateful, stateless } = buildApp(
    new App({ context: { 'aws:cdk:bundling-stacks': [], mailDomain: 'duban.example.org', adminEmail: 'liufang@duban.example.org', adminName: '刘芳', ...context } }),
  );
  app.synth(); // throws on any cdk-nag finding not reviewed
  return { stateful: Template.fromStack(stateful), stateless: Template.fromStack(stateless) };
}

const evidenceBucketOf = (stateful: Template) => {
  const buckets = stateful.findResources('AWS::S3::Bucket', { Properties: { LoggingConfiguration: { LogFilePrefix: 'evidence/' } } });
  expect(Object.keys(buckets)).toHaveLength(1);
  return Object.entries(buckets)[0]!;
};

describe('the evidence bucket', () => {
  const { stateful, stateless } = synth({ appUrl: 'https://duban.example.gov.cn/' });

  it('is private, encrypted, versioned, retained, and admits browser uploads from the app’s origin only', () => {
    const [id, bucket] = evidenceBucketOf(stateful);
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
      CorsConfiguration: { CorsRules: [{ AllowedOrigins: ['https://duban.example.gov.cn'], AllowedMethods: ['POST', 'GET'], AllowedHeaders: ['*'], MaxAge: 3600 }] },
    });
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ Prefix: 'uploads/', ExpirationInDays: 1, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
    ]);
    stateful.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('grants the HTTP function put, get and delete under uploads/ and evidence/ only, the jobs reading kept files only, and nothing to list', () => {
    const [id] = evidenceBucketOf(stateful);
    const functionOf = (description: string) => Object.entries(stateless.findResources('AWS::Lambda::Function')).find(([, f]) => f.Properties.Description === description)!;
    for (const fn of ['duban HTTP app', 'duban cadence jobs']) expect(JSON.stringify(functionOf(fn)[1].Properties.Environment.Variables.DUBAN_EVIDENCE_BUCKET), fn).toContain(`Ref${id}`);
    const policies = Object.values(stateless.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p).includes(`GetAtt${id}Arn`));
    const granted = (role: string) =>
      policies
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(role))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((s) => JSON.stringify(s.Resource).includes(`GetAtt${id}Arn`))
        .map((s) => ({ actions: [s.Action].flat(), resources: JSON.stringify(s.Resource).match(/\/(uploads|evidence)\/\*/g) }));
    expect(granted('HttpFunction')).toEqual([
      { actions: ['s3:PutObject'], resources: ['/uploads/*', '/evidence/*'] },
      { actions: ['s3:GetObject'], resources: ['/uploads/*', '/evidence/*'] },
      { actions: ['s3:DeleteObject'], resources: ['/uploads/*', '/evidence/*'] },
    ]);
    // The jobs read kept files for the reports they compile (the 台账's links, the circular's photos).
    expect(granted('JobsFunction')).toEqual([{ actions: ['s3:GetObject'], resources: ['/evidence/*'] }]);
    // The evidence function reads kept files and writes their JPEG and thumbnail beside them; never an upload.
    expect(granted('EvidenceProcessingFunction')).toEqual([{ actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: ['/evidence/*'] }]);
    // CDK's notification handler may only read and set the bucket's notification (the evidence function's trigger).
    const handler = policies.find((p) => JSON.stringify(p.Properties.Roles).includes('BucketNotificationsHandler'))!;
    expect(handler.Properties.PolicyDocument.Statement.map((s: { Action: string }) => s.Action)).toEqual(['s3:PutBucketNotification', 's3:GetBucketNotification']);
    // No other function touches it.
    expect(policies.map((p) => (JSON.stringify(p.Properties.Roles).match(/(HttpFunction|JobsFunction|EvidenceProcessingFunction|BucketNotificationsHandler)/) ?? ['other'])[0]).sort()).toEqual([
      'BucketNotificationsHandler',
      'EvidenceProcessingFunction',
      'HttpFunction',
      'JobsFunction',
    ]);
  });

  it('is named by the stateless stack’s EvidenceBucket output, where npx duban --stack finds it', () => {
    const [id] = evidenceBucketOf(stateful);
    const outputs = stateless.findOutputs(STACK_OUTPUTS.evidenceBucket);
    expect(Object.keys(outputs)).toEqual(['EvidenceBucket']);
    // The bucket's name, exported by the stateful stack and imported here.
    const imported = outputs.EvidenceBucket!.Value['Fn::ImportValue'] as string;
    const exported = Object.values(stateful.findOutputs('*')).find((o) => o.Export?.Name === imported);
    expect(exported?.Value).toEqual({ Ref: id });
  });

  it('admits the region’s API Gateway origins when no appUrl is given (the app is then the HTTP API itself)', () => {
    const [, bucket] = evidenceBucketOf(synth().stateful);
    expect(bucket.Properties.CorsConfiguration.CorsRules[0].AllowedOrigins).toEqual([{ 'Fn::Join': ['', ['https://*.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] }]);
  });
});

describe('the evidence function', () => {
  const { stateless } = synth({ appUrl: 'https://duban.example.gov.cn/' });
  const functions = stateless.findResources('AWS::Lambda::Function', { Properties: { Description: 'duban evidence photos: HEIC to JPEG, thumbnails' } });
  const [fnId, fn] = Object.entries(functions)[0]!;

  it('is triggered by the evidence bucket’s ObjectCreated events for kept files only, never for uploads', () => {
    expect(Object.keys(functions)).toHaveLength(1);
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 2048, Timeout: 120 });
    expect(JSON.stringify(fn.Properties.Environment.Variables.DUBAN_EVIDENCE_BUCKET)).toContain('ExportsOutputRefEvidence');
    const notifications = Object.values(stateless.findResources('Custom::S3BucketNotifications'));
    expect(notifications).toHaveLength(1);
    expect(JSON.stringify(notifications[0]!.Properties.BucketName)).toContain('ExportsOutputRefEvidence');
    expect(notifications[0]!.Properties.NotificationConfiguration).toEqual({
      LambdaFunctionConfigurations: [
        { Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'evidence/' }] } }, LambdaFunctionArn: { 'Fn::GetAtt': [fnId, 'Arn'] } },
      ],
    });
    // Other notifications on the bucket stay (the bucket is referred to, not owned, here).
    expect(notifications[0]!.Properties.Managed).toBe(false);
    stateless.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 's3.amazonaws.com',
      SourceArn: Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('Evidence') }),
    });
  });

  it('may read, put and delete only the EVIDENCE# items of the table', () => {
    const role = JSON.stringify(fn.Properties.Role);
    const statements = Object.values(stateless.findResources('AWS::IAM::Policy'))
      .filter((p) => role.includes(p.Properties.Roles[0].Ref))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Condition?: unknown }[])
      .filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(statements).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EVIDENCE#*'] } },
      }),
    ]);
  });

  it('is retried twice, then its event kept in a queue of its own', () => {
    const configs = Object.values(stateless.findResources('AWS::Lambda::EventInvokeConfig')).filter((c) => JSON.stringify(c.Properties.FunctionName).includes(fnId));
    expect(configs).toHaveLength(1);
    expect(configs[0]!.Properties).toMatchObject({ MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^EvidenceProcessingFailed/), 'Arn'] } } } });
  });
});

describe('the evidence function’s bundle', () => {
  const dynalite = useDynalite();

  /** A stack holding only the evidence function, bundled as on deploy. */
  function bundle() {
    const outdir = mkdtempSync(join(tmpdir(), 'duban-cdk-evidence-'));
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'EvidenceOnly');
    const table = new Table(stack, 'Ledger', { partitionKey: { name: 'pk', type: AttributeType.STRING }, sortKey: { name: 'sk', type: AttributeType.STRING } });
    evidenceProcessing(stack, new Bucket(stack, 'Evidence'), table);
    const template = app.synth().getStackByName('EvidenceOnly').template as { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }> };
    const [, fn] = Object.entries(template.Resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('EvidenceProcessingFunction'))!;
    return join(outdir, fn.Metadata!['aws:asset:path']!);
  }

  it('holds under 1,000 KB of JavaScript, libheif’s .wasm beside it, and turns a kept HEIC into a JPEG in a plain Node process', async () => {
    const dir = bundle();
    const code = statSync(join(dir, 'index.mjs')).size;
    expect(code).toBeLessThanOrEqual(1000 * 1024);
    const wasm = readFileSync(join(dir, 'libheif.wasm'));
    expect([...wasm.subarray(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]);
    // Not inlined: the bundle is smaller than the .wasm and holds no base64 WebAssembly module.
    expect(code).toBeLessThan(wasm.length);
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).not.toContain('AGFzbQ');

    // A kept HEIC photo, as keepEvidence leaves it: its item on the table, its file in the folder.
    const store = await dynalite.fresh();
    const folder = mkdtempSync(join(tmpdir(), 'duban-evidence-'));
    const id = 'ev_0123456789abcdef0123456789abcdef';
    const key = `evidence/${encodeURIComponent('县-1')}/${id}.heic`;
    mkdirSync(join(folder, 'evidence', encodeURIComponent('县-1')), { recursive: true });
    copyFileSync(join(import.meta.dirname, 'fixtures/evidence/boiler-after.heic'), join(folder, key));
    const log = new DynamoEvidenceLog(new TableClient(dynalite.client, store.tableName));
    const kept = { id, unit: '县住建局', task: '县-1', kind: 'report' as const, key, name: 'IMG_0500.HEIC', type: 'image/heic', size: 871, state: 'kept' as const, createdAt: '2018-07-16T02:00:00.000Z', keptAt: '2018-07-16T02:00:01.000Z' };
    await log.create(kept);

    // The key as S3 sends it: URL-encoded (the task's folder is itself percent-encoded in the key).
    const event = { Records: [{ eventName: 'ObjectCreated:Copy', eventTime: '2018-07-16T02:00:01.000Z', s3: { bucket: { name: 'evidence' }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: 871 } } }] };
    const script = `const { handler } = await import(${JSON.stringify(join(dir, 'index.mjs'))}); console.log(JSON.stringify(await handler(${JSON.stringify(event)}, {})));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, AWS_REGION: 'cn-north-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', DUBAN_TABLE: store.tableName, DUBAN_DYNAMODB_ENDPOINT: dynalite.endpoint, DUBAN_EVIDENCE_DIR: folder },
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    const jpegKey = key.replace(/\.heic$/, '.jpg');
    expect(result).toEqual({ outcomes: [{ outcome: 'processed', id, jpegKey, thumbnailKey: key.replace(/\.heic$/, '.thumb.jpg') }] });
    expect(existsSync(join(folder, jpegKey))).toBe(true);
    const image = jpeg.decode(readFileSync(join(folder, jpegKey)), { useTArray: true });
    expect({ width: image.width, height: image.height }).toEqual({ width: 64, height: 48 });
    expect(await log.get(id)).toMatchObject({ jpegKey, processedAt: expect.any(String) });
  }, 300_000);
});
