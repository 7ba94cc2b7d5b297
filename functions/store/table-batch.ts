/**
 * Batched reads and writes on the single table: BatchGetItem (100 keys a request) and
 * BatchWriteItem (25 puts a request), with what DynamoDB leaves unprocessed retried after a
 * short, growing pause. Batches carry no conditions: use them for items whose content is fixed by
 * their key (a body addressed by its hash) or owned by one writer at a time (a run's outcomes,
 * written by the sender holding the run).
 */
import { BatchGetItemCommand, BatchWriteItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Item, TableClient } from './table-client.ts';

const GET_LIMIT = 100;
const WRITE_LIMIT = 25;
/** Batches in flight at once. */
const PARALLEL = 4;

const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

async function inParallel<T>(jobs: T[], work: (job: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(PARALLEL, jobs.length) }, async () => {
    while (next < jobs.length) await work(jobs[next++]!);
  }));
}

/** The items that exist among `keys` (each key once), read consistently unless told otherwise. */
export async function batchGet(table: TableClient, keys: { pk: string; sk: string }[], options: { consistent?: boolean; attributes?: string[] } = {}): Promise<Item[]> {
  const unique = [...new Map(keys.map((k) => [`${k.pk}\n${k.sk}`, k])).values()];
  const found: Item[] = [];
  const names = options.attributes ? Object.fromEntries(options.attributes.map((a, i) => [`#a${i}`, a])) : undefined;
  await inParallel(chunks(unique, GET_LIMIT), async (chunk) => {
    let pending: Record<string, AttributeValue>[] = chunk.map((k) => marshall(k));
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt) await pause(attempt);
      const out = await table.client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [table.tableName]: {
              Keys: pending,
              ConsistentRead: options.consistent ?? true,
              ...(names ? { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names } : {}),
            },
          },
        }),
      );
      for (const raw of out.Responses?.[table.tableName] ?? []) found.push(unmarshall(raw) as Item);
      pending = out.UnprocessedKeys?.[table.tableName]?.Keys ?? [];
    }
  });
  return found;
}

/** Puts every item (the last of two with the same key wins), 25 to a request. */
export async function batchPut(table: TableClient, items: Item[]): Promise<void> {
  const unique = [...new Map(items.map((i) => [`${i.pk}\n${i.sk}`, i])).values()];
  await inParallel(chunks(unique, WRITE_LIMIT), async (chunk) => {
    let pending = chunk.map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false }) } }));
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt) await pause(attempt);
      const out = await table.client.send(new BatchWriteItemCommand({ RequestItems: { [table.tableName]: pending } }));
      pending = (out.UnprocessedItems?.[table.tableName] ?? []) as typeof pending;
    }
  });
}
