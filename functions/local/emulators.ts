/**
 * The embedded stand-ins for AWS on a laptop and in tests: dynalite for DynamoDB (persisted to a
 * folder, or in memory) and aws-ses-v2-local for SES, with its mail viewer.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTableInput } from '../store/table.ts';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections?.();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}

function addressOf(server: Server) {
  const port = (server.address() as AddressInfo).port;
  return { port, url: `http://127.0.0.1:${port}` };
}

/** Starts dynalite on `port` (0 picks a free one); `path` persists the data in that folder. */
export async function startDynalite(options: { port?: number; path?: string } = {}): Promise<RunningServer> {
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return { ...addressOf(server), close: () => closeServer(server) };
}

/** Starts the SES emulator; its mail viewer is at `/`, the received mail at `/store`. */
export async function startSesEmulator(options: { port?: number } = {}): Promise<RunningServer> {
  type Start = (c: object) => Promise<Server>;
  // CommonJS interop differs between Node's loader ({default: {default}}) and vite's ({default}).
  const module = (await import('aws-ses-v2-local')) as unknown as { default: Start | { default: Start } };
  const start = typeof module.default === 'function' ? module.default : module.default.default;
  const server = await start({ host: '127.0.0.1', port: options.port ?? 0 });
  return { ...addressOf(server), close: () => closeServer(server) };
}

/** Creates the table if it is not there yet (the CDK stack does this on AWS), and waits until it is active. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException) && (error as Error).name !== 'ResourceNotFoundException') throw error;
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Table ${tableName} did not become active`);
}
