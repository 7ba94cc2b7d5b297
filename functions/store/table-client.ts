/**
 * A thin typed layer over the DynamoDB client for the single table: get, conditional put,
 * delete and paginated queries. Items are plain objects; marshalling happens here only.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { IndexName } from './table.ts';
import { tableIndexes, tableKeys } from './table.ts';

export type Item = Record<string, unknown> & { pk: string; sk: string };

export interface QuerySpec {
  index?: IndexName;
  partition: string;
  beginsWith?: string;
  /** Inclusive upper bound on the sort key. */
  upTo?: string;
  /** Inclusive lower bound, with upTo: a BETWEEN. */
  from?: string;
}

const marshallOptions = { removeUndefinedValues: true, convertClassInstanceToMap: false };

/** DynamoDB refuses an item over 400 KB (names and values together). */
export const ITEM_LIMIT_BYTES = 400 * 1024;

/**
 * The size DynamoDB counts for an item, by its rules: UTF-8 bytes of each attribute name and
 * string, up to 21 bytes a number, 1 a boolean or null, 3 bytes per list or map plus 1 per element
 * (and each map key). Numbers are counted at their maximum, so the result never falls short.
 */
export function itemBytes(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) if (value !== undefined) size += Buffer.byteLength(name) + valueBytes(value);
  return size;
}

function valueBytes(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return 21;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + valueBytes(v), 0);
  if (typeof value === 'object') {
    let size = 3;
    for (const [key, v] of Object.entries(value as object)) if (v !== undefined) size += 1 + Buffer.byteLength(key) + valueBytes(v);
    return size;
  }
  return 0;
}

export class TableClient {
  private readonly writeListeners: ((pk: string, sk: string) => void)[] = [];

  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  /** Called with each item's key as this client writes or deletes it (the access cache forgets it). */
  onWrite(listener: (pk: string, sk: string) => void): void {
    this.writeListeners.push(listener);
  }

  private wrote(pk: unknown, sk: unknown): void {
    for (const listener of this.writeListeners) listener(String(pk), String(sk));
  }

  async get(pk: string, sk: string): Promise<Item | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall({ pk, sk }), ConsistentRead: true }),
    );
    return out.Item ? (unmarshall(out.Item) as Item) : undefined;
  }

  /** Puts unconditionally; use only for items that are pure projections of another item. */
  async put(item: Item): Promise<void> {
    this.wrote(item.pk, item.sk);
    try {
      await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: marshall(item, marshallOptions) }));
    } finally {
      this.wrote(item.pk, item.sk);
    }
  }

  /** Puts only if no item has this key; returns false if one already does. */
  async putNew(item: Item): Promise<boolean> {
    return this.putIf(item, 'attribute_not_exists(pk)', {});
  }

  /** Puts only if the stored item's version is `expected`; returns false otherwise. */
  async putIfVersion(item: Item, expected: number): Promise<boolean> {
    return this.putIf(item, 'version = :expected', { ':expected': expected });
  }

  async delete(pk: string, sk: string): Promise<void> {
    this.wrote(pk, sk);
    try {
      await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: marshall({ pk, sk }) }));
    } finally {
      this.wrote(pk, sk);
    }
  }

  async query(spec: QuerySpec): Promise<Item[]> {
    const index = spec.index ? tableIndexes.find((i) => i.name === spec.index)! : undefined;
    const pkName = index?.partition ?? tableKeys.partition;
    const skName = index?.sort ?? tableKeys.sort;
    const values: Record<string, unknown> = { ':pk': spec.partition };
    let condition = '#pk = :pk';
    if (spec.beginsWith !== undefined) {
      condition += ' AND begins_with(#sk, :prefix)';
      values[':prefix'] = spec.beginsWith;
    } else if (spec.from !== undefined && spec.upTo !== undefined) {
      condition += ' AND #sk BETWEEN :from AND :upTo';
      values[':from'] = spec.from;
      values[':upTo'] = spec.upTo;
    } else if (spec.upTo !== undefined) {
      condition += ' AND #sk <= :upTo';
      values[':upTo'] = spec.upTo;
    }
    const names: Record<string, string> = { '#pk': pkName };
    if (condition.includes('#sk')) names['#sk'] = skName;

    const items: Item[] = [];
    let startKey: Record<string, any> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index?.name,
          KeyConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(values),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const raw of out.Items ?? []) items.push(unmarshall(raw) as Item);
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /**
   * Sets and removes attributes of one item in place (the rest of the item is not rewritten), only
   * if `condition` holds when given; returns the item as it now is, or undefined if the condition
   * failed.
   */
  async update(
    pk: string,
    sk: string,
    change: { set: Record<string, unknown>; remove?: string[] },
    condition?: { expression: string; values: Record<string, unknown>; names?: Record<string, string> },
  ): Promise<Item | undefined> {
    const names: Record<string, string> = { ...condition?.names };
    const values: Record<string, unknown> = { ...condition?.values };
    const sets = Object.entries(change.set).map(([name, value], i) => {
      names[`#s${i}`] = name;
      values[`:s${i}`] = value;
      return `#s${i} = :s${i}`;
    });
    const removes = (change.remove ?? []).map((name, i) => {
      names[`#r${i}`] = name;
      return `#r${i}`;
    });
    this.wrote(pk, sk);
    const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ pk, sk }),
          UpdateExpression: expression,
          ConditionExpression: condition?.expression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: Object.keys(values).length ? marshall(values, marshallOptions) : undefined,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? (unmarshall(out.Attributes) as Item) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    } finally {
      this.wrote(pk, sk);
    }
  }

  /** Puts only if `condition` holds on the stored item; returns false otherwise. */
  async putIf(
    item: Item,
    condition: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<boolean> {
    this.wrote(item.pk, item.sk);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(item, marshallOptions),
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: Object.keys(values).length ? marshall(values) : undefined,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') {
        return false;
      }
      throw error;
    } finally {
      this.wrote(item.pk, item.sk);
    }
  }
}
