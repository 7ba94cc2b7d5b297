/**
 * Optimistic locking and append-only history without transactions.
 *
 * An entity item carries its data, a version and the event that produced that version
 * (`lastEvent`), all written by one conditional put, so state and its latest change cannot part.
 * The event is then copied to its own item (`EVENT#<version>`, put-if-absent, so a retry is
 * harmless); the next update first makes sure the previous copy exists. Nothing is lost if a
 * writer dies between the two puts.
 */
import { AlreadyExistsError, VersionConflictError } from '../core/errors.ts';
import type { AuditEvent, ChangeEvent, PlannedChange, Versioned, VersionedCollection } from '../core/ports.ts';
import { itemBytes, type Item, type TableClient } from './table-client.ts';

export const ENTITY_SK = 'A';

export interface EntityKind<T> {
  /** Key prefix and the name used in messages, e.g. TASK and 整改任务. */
  prefix: string;
  label: string;
  /** The collection every entity of this kind belongs to (gsi1pk); `partitions` lists every value it takes. */
  collection: string;
  partitionOf?(value: T): string;
  partitions?: string[];
  id(value: T): string;
  /** Extra index attributes derived from the value (e.g. the due-date index of a task). */
  indexAttributes?(value: T): Record<string, string>;
  /** Projections kept beside the entity (e.g. a unit's open-task links); rewritten after each write. */
  afterWrite?(table: TableClient, value: T, previous: T | undefined): Promise<void>;
}

export const entityKey = (prefix: string, id: string) => `${prefix}#${id}`;
const eventSk = (version: number) => `EVENT#${String(version).padStart(8, '0')}`;

export class DynamoCollection<T extends object> implements VersionedCollection<T> {
  constructor(
    private readonly table: TableClient,
    private readonly kind: EntityKind<T>,
  ) {}

  async get(id: string): Promise<Versioned<T> | undefined> {
    const item = await this.table.get(entityKey(this.kind.prefix, id), ENTITY_SK);
    return item ? fromItem<T>(item) : undefined;
  }

  async list(): Promise<Versioned<T>[]> {
    const partitions = this.kind.partitions ?? [this.kind.collection];
    const items = (await Promise.all(partitions.map((partition) => this.listPartition(partition)))).flat();
    return items.sort((a, b) => (this.kind.id(a) < this.kind.id(b) ? -1 : 1));
  }

  /** One partition of the collection, e.g. only the open tasks. */
  async listPartition(partition: string): Promise<Versioned<T>[]> {
    const items = await this.table.query({ index: 'byCollection', partition });
    return items.map((item) => fromItem<T>(item));
  }

  async create(value: T, event: ChangeEvent): Promise<Versioned<T>> {
    const item = this.toItem(value, 1, event, event.at);
    if (!(await this.table.putNew(item))) {
      throw new AlreadyExistsError(`${this.kind.label}“${this.kind.id(value)}”`);
    }
    await this.copyEvent(item);
    await this.kind.afterWrite?.(this.table, value, undefined);
    return fromItem<T>(item);
  }

  async update(id: string, expectedVersion: number, value: T, event: ChangeEvent): Promise<Versioned<T>> {
    const label = `${this.kind.label}“${id}”`;
    const current = await this.table.get(entityKey(this.kind.prefix, id), ENTITY_SK);
    if (!current || current.version !== expectedVersion) throw new VersionConflictError(label, expectedVersion);
    await this.copyEvent(current);
    const item = this.toItem(value, expectedVersion + 1, event, (current.createdAt as string) ?? event.at);
    if (!(await this.table.putIfVersion(item, expectedVersion))) throw new VersionConflictError(label, expectedVersion);
    await this.copyEvent(item);
    await this.kind.afterWrite?.(this.table, value, fromItem<T>(current));
    return fromItem<T>(item);
  }

  async apply(change: PlannedChange<T>): Promise<void> {
    const { id, from, value, event } = change;
    const label = `${this.kind.label}“${id}”`;
    const current = await this.table.get(entityKey(this.kind.prefix, id), ENTITY_SK);
    let item: Item;
    if (current && sameEvent(current.lastEvent as ChangeEvent | undefined, event)) {
      item = current; // written by an earlier, interrupted run of this import
    } else if (from === 0 ? !current : current?.version === from) {
      if (current) await this.copyEvent(current);
      item = this.toItem(value, from + 1, event, (current?.createdAt as string | undefined) ?? event.at);
      const written = from === 0 ? await this.table.putNew(item) : await this.table.putIfVersion(item, from);
      if (!written) throw new VersionConflictError(label, from);
    } else {
      throw new VersionConflictError(label, from);
    }
    await this.copyEvent(item);
    await this.kind.afterWrite?.(this.table, value, change.previous);
  }

  itemBytes(value: T, event: ChangeEvent): number {
    return itemBytes(this.toItem(value, Number.MAX_SAFE_INTEGER, event, event.at));
  }

  private toItem(value: T, version: number, event: ChangeEvent, createdAt: string): Item {
    const id = this.kind.id(value);
    return {
      pk: entityKey(this.kind.prefix, id),
      sk: ENTITY_SK,
      gsi1pk: this.kind.partitionOf?.(value) ?? this.kind.collection,
      gsi1sk: id,
      ...this.kind.indexAttributes?.(value),
      data: value,
      version,
      createdAt,
      updatedAt: event.at,
      lastEvent: event,
    };
  }

  private async copyEvent(item: Item): Promise<void> {
    const event = item.lastEvent as ChangeEvent | undefined;
    if (!event) return;
    await this.table.putNew({ pk: item.pk, sk: eventSk(item.version as number), ...event, version: item.version });
  }
}

/** The same change: what an interrupted import wrote is recognised by the event it carries (the import's id in it). */
function sameEvent(a: ChangeEvent | undefined, b: ChangeEvent): boolean {
  return !!a && a.type === b.type && a.by === b.by && a.at === b.at && a.detail?.import !== undefined && a.detail?.import === b.detail?.import;
}

export function fromItem<T>(item: Item): Versioned<T> {
  return {
    ...(item.data as T),
    version: item.version as number,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  };
}

export async function auditEvents(table: TableClient, entity: string): Promise<AuditEvent[]> {
  const items = await table.query({ partition: entity, beginsWith: 'EVENT#' });
  return items.map((item) => ({
    entity,
    version: item.version as number,
    type: item.type as string,
    by: item.by as string,
    at: item.at as string,
    detail: item.detail as Record<string, unknown> | undefined,
  }));
}
