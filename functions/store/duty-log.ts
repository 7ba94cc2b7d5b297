/**
 * Recurring duties' occurrences and chases on the one table, under the duty's own partition
 * (`DUTY#<name>`, beside its entity item): `OCC#<period>#<unit>#<id>` and `CHASE#<period>#<unit>`.
 * A duty's record over some periods is one query each, growing with those periods, not history.
 */
import type { DutyChase, DutyOccurrence } from '../core/ports.ts';
import type { Item, TableClient } from './table-client.ts';
import { entityKey } from './versioned-collection.ts';

const pkOf = (duty: string) => entityKey('DUTY', duty);
/**
 * The character after '#': `<prefix>$` bounds every `<prefix>#…` key from above. ('#~' would not:
 * sort keys compare as UTF-8 bytes, and a unit's name in Chinese sorts after '~'.)
 */
const AFTER_HASH = '$';

function strip<T>({ pk, sk, ...rest }: Item): T {
  return rest as unknown as T;
}

export class DynamoDutyLog {
  constructor(private readonly table: TableClient) {}

  recordOccurrence(o: DutyOccurrence): Promise<boolean> {
    return this.table.putNew({ pk: pkOf(o.duty), sk: `OCC#${o.period}#${o.unit}#${o.id}`, ...o });
  }

  async occurrences(duty: string, from: string, to: string): Promise<DutyOccurrence[]> {
    const items = await this.table.query({ partition: pkOf(duty), from: `OCC#${from}`, upTo: `OCC#${to}${AFTER_HASH}` });
    return items.map((item) => strip<DutyOccurrence>(item)).sort((a, b) => a.date.localeCompare(b.date) || a.at.localeCompare(b.at));
  }

  async recordChase(chase: DutyChase): Promise<void> {
    await this.table.putNew({ pk: pkOf(chase.duty), sk: `CHASE#${chase.period}#${chase.unit}`, ...chase });
  }

  async chases(duty: string, from: string, to: string): Promise<DutyChase[]> {
    const items = await this.table.query({ partition: pkOf(duty), from: `CHASE#${from}`, upTo: `CHASE#${to}${AFTER_HASH}` });
    return items.map((item) => strip<DutyChase>(item));
  }
}
