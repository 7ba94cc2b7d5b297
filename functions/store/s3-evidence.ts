/**
 * Evidence files in S3 (the stateful stack's evidence bucket). The browser uploads straight to the
 * bucket with a presigned POST whose policy admits one key under the unit's, task's and
 * submission's prefix, the declared size at most, the declared Content-Type, for a few minutes;
 * the function never carries the upload. Kept files open through short presigned GET links.
 * The policy is signed here (SigV4, as S3 documents it) with the function's own credentials.
 */
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createHmac } from 'node:crypto';
import type { EvidenceFiles, UploadForm } from '../core/evidence-files.ts';

const hmac = (key: Uint8Array | string, data: string) => createHmac('sha256', key).update(data).digest();

/** The bucket's URL a browser posts to: virtual-hosted on AWS, path-style on an emulator. */
export function bucketUrl(bucket: string, region: string, endpoint?: string): string {
  if (endpoint) return `${endpoint.replace(/\/$/, '')}/${bucket}`;
  return `https://${bucket}.s3.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

export class S3EvidenceFiles implements EvidenceFiles {
  readonly origin: string;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly url: string,
    /** Real time, given by the edge: S3 checks the policy's expiry and date against its own clock. */
    private readonly now: () => Date,
  ) {
    this.origin = new URL(url).origin;
  }

  async uploadForm(input: { key: string; prefix: string; contentType: string; maxBytes: number; minutes: number }): Promise<UploadForm> {
    const credentials = await this.s3.config.credentials();
    const region = await this.s3.config.region();
    const now = this.now();
    const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const credential = `${credentials.accessKeyId}/${day}/${region}/s3/aws4_request`;
    const fields: Record<string, string> = {
      key: input.key,
      'Content-Type': input.contentType,
      'x-amz-algorithm': 'AWS4-HMAC-SHA256',
      'x-amz-credential': credential,
      'x-amz-date': amzDate,
      ...(credentials.sessionToken ? { 'x-amz-security-token': credentials.sessionToken } : {}),
    };
    const policy = {
      expiration: new Date(now.getTime() + input.minutes * 60_000).toISOString(),
      conditions: [
        { bucket: this.bucket },
        ['starts-with', '$key', input.prefix],
        { key: input.key },
        ['content-length-range', 1, input.maxBytes],
        { 'Content-Type': input.contentType },
        { 'x-amz-algorithm': fields['x-amz-algorithm'] },
        { 'x-amz-credential': credential },
        { 'x-amz-date': amzDate },
        ...(credentials.sessionToken ? [{ 'x-amz-security-token': credentials.sessionToken }] : []),
      ],
    };
    const encoded = Buffer.from(JSON.stringify(policy)).toString('base64');
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), 's3'), 'aws4_request');
    return { url: this.url, fields: { ...fields, policy: encoded, 'x-amz-signature': hmac(signingKey, encoded).toString('hex') } };
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await out.Body!.transformToByteArray();
    } catch (error) {
      if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async move(from: string, to: string, contentType: string): Promise<void> {
    await this.s3.send(
      new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`, ContentType: contentType, MetadataDirective: 'REPLACE' }),
    );
    await this.remove(from);
  }

  async remove(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  openUrl(key: string, name: string, contentType: string): Promise<string> {
    const disposition = `inline; filename*=UTF-8''${encodeURIComponent(name)}`;
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key, ResponseContentDisposition: disposition, ResponseContentType: contentType }), { expiresIn: 300 });
  }
}
