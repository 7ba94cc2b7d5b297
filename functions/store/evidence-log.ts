/**
 * Evidence items on the one table: `EVIDENCE#<id>` / `ITEM`; while pending, an index entry under
 * `EVIDENCE#PENDING` / `<createdAt>#<id>` (the sweep reads the oldest, never the kept history); and
 * per task the digest of each kept file, `EVIDENCE#TASK#<code>` / `SHA#<sha256>` → the item's id.
 *
 * Several writers change one item: the unit's submission keeps it, the photo processing records its
 * thumbnail, the office marks it for the 公示 or deletes it. Each change is made to the item as it
 * is stored and written only if nobody wrote it since (a version on the item, a conditional put);
 * when somebody did, the item is read and the change made again, a few times. No writer loses
 * another's change. Items kept before versions existed carry none: the first write gives them one.
 */
import { VersionConflictError } from '../core/errors.ts';
import type { EvidenceChange, EvidenceLog } from '../core/evidence-files.ts';
import { evidenceItemSchema, type EvidenceItem } from '../core/evidence.ts';
import type { Item, TableClient } from './table-client.ts';

const itemKey = (id: string) => ({ pk: `EVIDENCE#${id}`, sk: 'ITEM' });
const PENDING = 'EVIDENCE#PENDING';
const pendingSk = (item: Pick<EvidenceItem, 'createdAt' | 'id'>) => `${item.createdAt}#${item.id}`;
const digestKey = (task: string, sha256: string) => ({ pk: `EVIDENCE#TASK#${task}`, sk: `SHA#${sha256}` });

/** How often a change is made again on a fresh read when another writer got there first. */
export const UPDATE_ATTEMPTS = 5;

const fromStored = (stored: Item): EvidenceItem => evidenceItemSchema.parse(stored);
const versionOf = (stored: Item) => (typeof stored.version === 'number' ? stored.version : 0);

export class DynamoEvidenceLog implements EvidenceLog {
  constructor(private readonly table: TableClient) {}

  async create(item: EvidenceItem): Promise<void> {
    await this.table.put({ ...itemKey(item.id), ...item, version: 1 });
    await this.table.put({ pk: PENDING, sk: pendingSk(item), id: item.id });
  }

  async get(id: string): Promise<EvidenceItem | undefined> {
    const stored = await this.table.get(itemKey(id).pk, itemKey(id).sk);
    return stored ? fromStored(stored) : undefined;
  }

  async update(id: string, change: EvidenceChange): Promise<EvidenceItem | undefined> {
    const { pk, sk } = itemKey(id);
    let seen = 0;
    for (let attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt++) {
      const stored = await this.table.get(pk, sk);
      if (!stored) return undefined;
      const item = fromStored(stored);
      const changed = change(item);
      if (!changed) return item;
      seen = versionOf(stored);
      const next: Item = { ...itemKey(id), ...changed, id, version: seen + 1 };
      const written = seen ? await this.table.putIfVersion(next, seen) : await this.table.putIf(next, 'attribute_exists(pk) AND attribute_not_exists(version)', {});
      if (!written) continue;
      if (changed.state !== 'pending') await this.table.delete(PENDING, pendingSk(changed));
      return fromStored(next);
    }
    throw new VersionConflictError(`佐证材料“${id}”`, seen);
  }

  async claimDigest(task: string, sha256: string, id: string): Promise<string> {
    if (await this.table.putNew({ ...digestKey(task, sha256), id })) return id;
    const held = await this.table.get(digestKey(task, sha256).pk, digestKey(task, sha256).sk);
    return String(held?.id ?? id);
  }

  async reclaimDigest(task: string, sha256: string, id: string): Promise<void> {
    await this.table.put({ ...digestKey(task, sha256), id });
  }

  async pendingBefore(iso: string, limit: number): Promise<EvidenceItem[]> {
    const entries = (await this.table.query({ partition: PENDING, upTo: `${iso}#` })).slice(0, limit);
    const items = await Promise.all(entries.map((e) => this.get(String(e.id))));
    return items.filter((i): i is EvidenceItem => i?.state === 'pending');
  }
}
