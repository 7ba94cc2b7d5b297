/**
 * 佐证材料 files from configuration: the evidence bucket on AWS (DUBAN_EVIDENCE_BUCKET, browser
 * uploads straight to S3), else a folder (DUBAN_EVIDENCE_DIR, beside the reports in the sandbox's
 * data folder) with the app's stand-in for the bucket's POST. Records on the one table.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dirname, join } from 'node:path';
import * as z from 'zod';
import type { EvidenceAppDeps } from '../http/evidence.ts';
import type { ReportEvidenceSource } from '../reports/evidence.ts';
import { DynamoEvidenceLog } from '../store/evidence-log.ts';
import { FolderEvidenceFiles } from '../store/folder-evidence.ts';
import { bucketUrl, S3EvidenceFiles } from '../store/s3-evidence.ts';
import { TableClient } from '../store/table-client.ts';
import { s3Client, type Config } from './common.ts';

const evidenceConfig = z.object({
  /** The private evidence bucket (AWS); unset, files are kept in DUBAN_EVIDENCE_DIR. */
  DUBAN_EVIDENCE_BUCKET: z.string().min(3).optional(),
  DUBAN_EVIDENCE_DIR: z.string().min(1).optional(),
});

/** `now` is the edge's real time: an S3 upload policy is dated and expires by AWS's clock. */
export function evidenceDeps(config: Config, dynamo: DynamoDBClient, secret: () => Promise<string>, now: () => Date, env: NodeJS.ProcessEnv = process.env): EvidenceAppDeps {
  const settings = evidenceConfig.parse(env);
  const log = new DynamoEvidenceLog(new TableClient(dynamo, config.DUBAN_TABLE));
  if (settings.DUBAN_EVIDENCE_BUCKET) {
    const bucket = settings.DUBAN_EVIDENCE_BUCKET;
    return { log, files: new S3EvidenceFiles(s3Client(config), bucket, bucketUrl(bucket, config.AWS_REGION, config.DUBAN_S3_ENDPOINT), now) };
  }
  const files = new FolderEvidenceFiles(settings.DUBAN_EVIDENCE_DIR ?? join(dirname(config.DUBAN_REPORTS_DIR), 'evidence'), secret, config.DUBAN_APP_URL);
  return { log, files, receive: (fields, body, now) => files.receive(fields, body, now) };
}

/** What the jobs use of the files: records and kept files for the reports they compile and the HEIC renditions, never an upload form. */
export function reportEvidenceSource(config: Config, dynamo: DynamoDBClient, env: NodeJS.ProcessEnv = process.env): ReportEvidenceSource & Pick<EvidenceAppDeps, 'log' | 'files'> {
  const signsNothing = () => {
    throw new Error('report compilation signs no uploads');
  };
  const { log, files } = evidenceDeps(config, dynamo, signsNothing, signsNothing, env);
  return { log, files };
}
