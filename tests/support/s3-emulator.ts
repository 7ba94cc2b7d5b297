/**
 * An S3 emulator (s3rver) for the tests of a file: on a free port, with the buckets named, and a
 * client for it; closed after the file's tests. It admits its own key pair (S3RVER) and the one the
 * app signs with against a local endpoint (wiring/common.ts), so that code wired from configuration
 * (`DUBAN_S3_ENDPOINT`) reaches it as it would reach S3.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export interface S3Emulator {
  /** `http://127.0.0.1:<port>`: the endpoint to give DUBAN_S3_ENDPOINT or a client. */
  readonly endpoint: string;
  readonly client: S3Client;
}

export function useS3Emulator(buckets: string[], region = 'cn-north-1'): S3Emulator {
  let server: { close(): Promise<void> } | undefined;
  let endpoint = '';
  let client: S3Client | undefined;
  beforeAll(async () => {
    const { default: S3rver } = await import('s3rver');
    const { default: account } = (await import('s3rver/lib/models/account.js' as string)) as { default: { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } } };
    account.DUMMY_ACCOUNT.createKeyPair('local', 'local');
    const s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: mkdtempSync(join(tmpdir(), 'duban-s3-')), configureBuckets: buckets.map((name) => ({ name })) });
    const { port } = (await s3rver.run()) as { port: number };
    server = s3rver;
    endpoint = `http://127.0.0.1:${port}`;
    client = new S3Client({ region, endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });
  return {
    get endpoint() {
      return endpoint;
    },
    get client() {
      return client!;
    },
  };
}
