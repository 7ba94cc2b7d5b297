/**
 * Evidence items on the one table: `EVIDENCE#<id>` / `ITEM`; while pending, an index entry under
 * `EVIDENCE#PENDING` / `<createdAt>#<id>` (the sweep reads the oldest, never the kept history); and
 * per task the digest of each kept file, `EVIDENCE#TASK#<code>` / `SHA#<sha256>` → the item's id.
 */
import type { EvidenceLog } from '../core/evidence-files.ts';
import { evidenceItemSchema, type EvidenceItem } from '../core/evidence.ts';
import type { TableClient } from './table-client.ts';

const itemKey = (id: string) => ({ pk: `EVIDENCE#${id}`, sk: 'ITEM' });
const PENDING = 'EVIDENCE#PENDING';
const pendingSk = (item: Pick<EvidenceItem, 'createdAt' | 'id'>) => `${item.createdAt}#${item.id}`;
const digestKey = (task: string, sha256: string) => ({ pk: `EVIDENCE#TASK#${task}`, sk: `SHA#${sha256}` });

export class DynamoEvidenceLog implements EvidenceLog {
  constructor(private readonly table: TableClient) {}

  async create(item: EvidenceItem): Promise<void> {
    await this.table.put({ ...itemKey(item.id), ...item });
    await this.table.put({ pk: PENDING, sk: pendingSk(item), id: item.id });
  }

  async get(id: string): Promise<EvidenceItem | undefined> {
    const stored = await this.table.get(itemKey(id).pk, itemKey(id).sk);
    if (!stored) return undefined;
    const { pk, sk, ...item } = stored;
    return evidenceItemSchema.parse(item);
  }

  async save(item: EvidenceItem): Promise<void> {
    await this.table.put({ ...itemKey(item.id), ...item });
    if (item.state !== 'pending') await this.table.delete(PENDING, pendingSk(item));
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
