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
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { EVIDENCE_LIMITS } from '../functions/core/evidence.ts';

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

/** cdk-nag's IAM5 on the two object prefixes, reviewed; `bucketExport` names the cross-stack export of the bucket's ARN. */
export function acknowledgeEvidenceGrants(stateless: Stack, bucketExport: string): void {
  for (const prefix of [UPLOADS_PREFIX, KEPT_PREFIX]) {
    Validations.of(stateless).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${bucketExport}/${prefix}*]`,
      reason: 'Evidence files are objects under one prefix of the evidence bucket, one key per file (uploads/<unit>/<task>/<kind>/<id>, evidence/<task>/<id>); the app signs uploads, reads them back, keeps them, deletes abandoned uploads and the files the office deletes with a reason.',
    });
  }
}
