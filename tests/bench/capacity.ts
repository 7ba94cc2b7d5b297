/**
 * Counting at the DynamoDB client, for the bench: requests by command, items read and written, and
 * the capacity consumed. Every request asks for ReturnConsumedCapacity=TOTAL and the units dynalite
 * reports are summed (table units: reads by 4 KB, half for an eventually consistent read; writes by
 * 1 KB). dynalite does not charge index writes, which DynamoDB does (each index whose key a
 * written item carries costs the item's size in write units again): those are counted here from
 * the written items' sizes (`indexWriteUnits`). Index entries removed by a delete or an update
 * that drops a key are not counted (a few per task write: small beside the rest).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { dynamoClientOptions } from '../../functions/wiring/common.ts';
import { itemBytes } from '../../functions/store/table-client.ts';
import { tableIndexes } from '../../functions/store/table.ts';

export interface Counts {
  requests: number;
  read: number;
  written: number;
  byCommand: Record<string, number>;
  /** Read units dynalite reported (the table's and the indexes' queries). */
  readUnits: number;
  /** Write units dynalite reported for the table. */
  writeUnits: number;
  /** Write units the indexes cost on DynamoDB, counted from the written items. */
  indexWriteUnits: number;
}

export const zeroCounts = (): Counts => ({ requests: 0, read: 0, written: 0, byCommand: {}, readUnits: 0, writeUnits: 0, indexWriteUnits: 0 });

const CAPACITY = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem', 'TransactWriteItems', 'TransactGetItems']);

function indexUnits(raw: Record<string, any> | undefined): number {
  if (!raw) return 0;
  const item = unmarshall(raw);
  const units = Math.max(1, Math.ceil(itemBytes(item) / 1024));
  return tableIndexes.filter((index) => item[index.partition] !== undefined && item[index.sort] !== undefined).length * units;
}

export function countInto(client: DynamoDBClient, counts: () => Counts, counting: () => boolean = () => true): void {
  client.middlewareStack.add(
    (next, context) => async (input) => {
      if (!counting()) return next(input);
      const name = String(context.commandName).replace(/Command$/, '');
      const request = input.input as Record<string, any>;
      if (CAPACITY.has(name)) request.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(input);
      const out = result.output as Record<string, any>;
      const c = counts();
      c.requests++;
      c.byCommand[name] = (c.byCommand[name] ?? 0) + 1;
      const consumed = [out.ConsumedCapacity].flat().filter(Boolean) as { CapacityUnits?: number }[];
      const units = consumed.reduce((n, x) => n + (x.CapacityUnits ?? 0), 0);
      if (name === 'GetItem' || name === 'Query' || name === 'Scan' || name === 'BatchGetItem' || name === 'TransactGetItems') c.readUnits += units;
      else c.writeUnits += units;
      if (name === 'GetItem') c.read += out.Item ? 1 : 0;
      else if (name === 'Query' || name === 'Scan') c.read += out.Items?.length ?? 0;
      else if (name === 'BatchGetItem') for (const items of Object.values(out.Responses ?? {})) c.read += (items as unknown[]).length;
      else if (name === 'PutItem') {
        c.written++;
        c.indexWriteUnits += indexUnits(request.Item);
      } else if (name === 'UpdateItem') {
        c.written++;
        c.indexWriteUnits += indexUnits(out.Attributes);
      } else if (name === 'DeleteItem') c.written++;
      else if (name === 'BatchWriteItem') {
        const unprocessed = Object.values(out.UnprocessedItems ?? {}).reduce((n: number, items) => n + (items as unknown[]).length, 0);
        for (const items of Object.values(request.RequestItems ?? {})) {
          for (const r of items as { PutRequest?: { Item: Record<string, any> } }[]) {
            c.written++;
            c.indexWriteUnits += indexUnits(r.PutRequest?.Item);
          }
        }
        c.written -= unprocessed;
      }
      return result;
    },
    { step: 'initialize', name: 'benchCapacity' },
  );
}

/**
 * A client on `endpoint`, built as the app builds its clients, that counts what it sends; `take()`
 * returns the counts since the last take. `count(false)` stops counting (and asking dynalite for
 * the capacity), so that a timed run costs what the app costs.
 */
export function capacityCountingClient(endpoint: string): { client: DynamoDBClient; take: () => Counts; count: (on: boolean) => void } {
  let counts = zeroCounts();
  let counting = true;
  const client = new DynamoDBClient({ region: 'cn-north-1', endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 10, ...dynamoClientOptions });
  countInto(client, () => counts, () => counting);
  return {
    client,
    count: (on) => (counting = on),
    take: () => {
      const taken = counts;
      counts = zeroCounts();
      return taken;
    },
  };
}
