/**
 * The report archive in S3 (the stateful stack's reports bucket): one object per file, keys as
 * the port gives them, the content type kept on the object. Listing pages through the prefix.
 */
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ArchivedFile, ReportArchive } from '../core/ports.ts';

export class S3Archive implements ReportArchive {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async get(key: string) {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return { body: await out.Body!.transformToByteArray(), contentType: out.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<ArchivedFile[]> {
    const files: ArchivedFile[] = [];
    let token: string | undefined;
    do {
      const out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of out.Contents ?? []) files.push({ key: o.Key!, size: o.Size ?? 0, contentType: '' });
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return files;
  }
}
