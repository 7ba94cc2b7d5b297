/** A fresh dynalite and table per test file: the real DynamoDB API, nothing mocked. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { ensureTable, startDynalite, type RunningServer } from '../../functions/local/emulators.ts';
import { DynamoStore } from '../../functions/store/dynamo-store.ts';

export interface TestStore {
  client: DynamoDBClient;
  endpoint: string;
  /** A store on a new, empty table. */
  fresh(): Promise<DynamoStore>;
}

export function useDynalite(): TestStore {
  let server: RunningServer;
  const handle = {} as TestStore;
  beforeAll(async () => {
    server = await startDynalite();
    handle.endpoint = server.url;
    handle.client = new DynamoDBClient({
      region: 'cn-north-1',
      endpoint: server.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    handle.fresh = async () => {
      const table = `t-${randomUUID()}`;
      await ensureTable(handle.client, table);
      return new DynamoStore(handle.client, table);
    };
  });
  afterAll(async () => {
    handle.client?.destroy();
    await server?.close();
  });
  return handle;
}
