/**
 * The evidence bucket (佐证材料: photos and documents units upload) and what the app may do with it.
 *
 * - The bucket: private (all public access blocked, objects owned by the bucket owner), encrypted,
 *   TLS only, versioned, access-logged, retained with the table (files are kept as long as the
 *   task's record). CORS admits the app's origin only, for the browser's POST and GET. Uploads no
 *   submission named are under `uploads/` and expire after a day (the app's sweep deletes them
 *   sooner); their old versions go a day later.
 * - The HTTP function: it signs the upload forms (so it may put under `uploads/`), reads an upload
 *   back to check it, copies it under `evidence/` and deletes the upload, signs links to open kept
 *   files, and deletes a kept file when the office does so with a reason (in the task's history).
 *   Nothing else: no listing. The bucket is versioned: a deleted file's last version stays.
 * - The evidence function (evidenceProcessing): on each ObjectCreated event under `evidence/` (a
 *   file kept), it reads the file, writes its JPEG rendition and thumbnail beside it and records
 *   them on the file's item (functions/core/evidence-processing.ts). It may get, put and delete
 *   under `evidence/` only (delete: what it wrote for a file the office deleted meanwhile), and on
 *   the table read, put and delete the `EVIDENCE#` items only. libheif's .wasm is shipped beside
 *   its bundle, not inlined. A run that fails is retried twice, then kept in a queue for 14 days.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BlockPublicAccess, Bucket, BucketEncryption, EventType, HttpMethods, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { EVIDENCE_LIMITS } from '../functions/core/evidence.ts';
import { DubanFunction } from './duban-function.ts';

export const UPLOADS_PREFIX = 'uploads/';
export const KEPT_PREFIX = 'evidence/';

/**
 * The app's origin for CORS: the appUrl given at deploy time; without one the app is the HTTP API's
 * own URL, which the stateful stack cannot name, so any API Gateway origin of the region is admitted.
 */
export function appOrigins(appUrl: string | undefined, stack: Stack): string[] {
  if (appUrl) return [new URL(appUrl).origin];
  return [`https://*.execute-api.${stack.region}.${stack.urlSuffix}`];
}

export function evidenceBucket(scope: Construct, accessLogs: IBucket, origins: string[]): Bucket {
  return new Bucket(scope, 'Evidence', {
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: 'evidence/',
    cors: [{ allowedOrigins: origins, allowedMethods: [HttpMethods.POST, HttpMethods.GET], allowedHeaders: ['*'], maxAge: 3600 }],
    lifecycleRules: [
      {
        id: 'abandoned-uploads',
        prefix: UPLOADS_PREFIX,
        expiration: Duration.hours(EVIDENCE_LIMITS.abandonedHours),
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** The HTTP function's access to the evidence bucket, and the bucket's name in its environment. */
export function bindEvidence(fn: NodejsFunction, bucket: IBucket): void {
  fn.addEnvironment('DUBAN_EVIDENCE_BUCKET', bucket.bucketName);
  const uploads = bucket.arnForObjects(`${UPLOADS_PREFIX}*`);
  const kept = bucket.arnForObjects(`${KEPT_PREFIX}*`);
  fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:PutObject'], resources: [uploads, kept] }));
  fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: [uploads, kept] }));
  fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:DeleteObject'], resources: [uploads, kept] }));
}

/**
 * The jobs function reads kept files (never uploads, never writes): the 台账 it compiles links each
 * task's files, and the circular shows the photos of the tasks closed that week.
 */
export function bindEvidenceReader(fn: NodejsFunction, bucket: IBucket): void {
  fn.addEnvironment('DUBAN_EVIDENCE_BUCKET', bucket.bucketName);
  fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${KEPT_PREFIX}*`)] }));
}

/** Where libheif's WebAssembly build is, from the project's root: shipped beside the evidence function's bundle. */
export const LIBHEIF_WASM_SOURCE = 'node_modules/libheif-js/libheif-wasm/libheif.wasm';

/**
 * The evidence function, triggered by the bucket's ObjectCreated events for kept files (never for
 * uploads, which nothing has checked yet). The bucket is referred to by name here, so that its
 * notification is configured from this stack (the bucket's stack cannot name this function).
 */
/** The function, and the queue its runs go to when every retry failed (an alarm watches it: infra/operations.ts). */
export function evidenceProcessing(scope: Construct, bucket: IBucket, table: ITable): { processing: DubanFunction; failed: Queue } {
  const processing = new DubanFunction(scope, 'EvidenceProcessing', {
    handler: 'evidence-processing',
    description: 'duban evidence photos: HEIC to JPEG, thumbnails',
    // A 12-megapixel photo decodes to about 48 MB of pixels; more memory is also more CPU.
    memorySize: 2048,
    timeout: Duration.minutes(2),
    environment: { DUBAN_EVIDENCE_BUCKET: bucket.bucketName, DUBAN_TABLE: table.tableName },
    beside: [LIBHEIF_WASM_SOURCE],
    // libheif's JavaScript glue is CommonJS and reads __dirname, which an ESM bundle has not.
    define: { __dirname: 'import.meta.dirname' },
  });
  const fn = processing.fn;
  const kept = bucket.arnForObjects(`${KEPT_PREFIX}*`);
  fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [kept] }));
  fn.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EVIDENCE#*'] } },
    }),
  );
  const failed = new Queue(scope, 'EvidenceProcessingFailed', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
  fn.configureAsyncInvoke({ onFailure: new SqsDestination(failed), retryAttempts: 2 });
  const named = Bucket.fromBucketAttributes(scope, 'EvidenceBucketRef', { bucketArn: bucket.bucketArn, bucketName: bucket.bucketName });
  named.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(fn), { prefix: KEPT_PREFIX });
  return { processing, failed };
}

/** cdk-nag's IAM5 on the two object prefixes, reviewed; `bucketExport` names the cross-stack export of the bucket's ARN. */
export function acknowledgeEvidenceGrants(stateless: Stack, bucketExport: string): void {
  for (const prefix of [UPLOADS_PREFIX, KEPT_PREFIX]) {
    Validations.of(stateless).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${bucketExport}/${prefix}*]`,
      reason: 'Evidence files are objects under one prefix of the evidence bucket, one key per file (uploads/<unit>/<task>/<kind>/<id>, evidence/<task>/<id>); the app signs uploads, reads them back, keeps them, deletes abandoned uploads and the files the office deletes with a reason.',
    });
  }
}
