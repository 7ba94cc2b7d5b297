/**
 * Failed job runs on the one table. One item per scheduled run, `JOBFAILURE#<job>@<instant>`:
 * - in the collection `JOBFAILURES` (index byCollection) sorted by the run's instant, so the
 *   console reads the recent ones with one query that grows with the failures, not with history;
 * - while neither resolved nor listed to the office, in the sparse index byOpen under
 *   `JOBFAILURE#OPEN`, so the next circular reads exactly what it has to tell.
 * A retry of the same run adds an attempt to the same item (conditional on the attempts read).
 */
import { jobFailureId } from '../core/cadence/job-failure.ts';
import type { JobFailure } from '../core/ports.ts';
import type { Item, TableClient } from './table-client.ts';

const COLLECTION = 'JOBFAILURES';
const OPEN = 'JOBFAILURE#OPEN';

const pkOf = (id: string) => `JOBFAILURE#${id}`;

function toItem(failure: JobFailure): Item {
  const open = !failure.resolvedAt && !failure.listedAt;
  return {
    pk: pkOf(failure.id),
    sk: 'A',
    gsi1pk: COLLECTION,
    gsi1sk: `${failure.at}#${failure.job}`,
    ...(open ? { gsi3pk: OPEN, gsi3sk: `${failure.at}#${failure.job}` } : {}),
    ...failure,
  };
}

function fromItem({ pk, sk, gsi1pk, gsi1sk, gsi3pk, gsi3sk, ...failure }: Item): JobFailure {
  return failure as unknown as JobFailure;
}

export class DynamoJobFailureLog {
  constructor(private readonly table: TableClient) {}

  async record(failure: JobFailure): Promise<JobFailure> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const stored = await this.table.get(pkOf(failure.id), 'A');
      if (!stored) {
        const first = { ...failure, attempts: Math.max(1, failure.attempts) };
        if (await this.table.putNew(toItem(first))) return first;
        continue;
      }
      const previous = fromItem(stored);
      // A new failure of the same run opens it again (it may have been listed or resolved before).
      const next: JobFailure = {
        ...failure,
        attempts: previous.attempts + 1,
        firstFailedAt: previous.firstFailedAt,
        resolvedAt: undefined,
        listedAt: undefined,
      };
      if (await this.table.putIf(toItem(next), 'attempts = :attempts', { ':attempts': previous.attempts })) return next;
    }
    throw new Error(`job failure ${failure.id}: too many concurrent writers`);
  }

  async resolve(job: string, at: string, resolvedAt: string): Promise<void> {
    await this.table.update(pkOf(jobFailureId(job, at)), 'A', { set: { resolvedAt }, remove: ['gsi3pk', 'gsi3sk'] }, { expression: 'attribute_exists(pk) AND attribute_not_exists(resolvedAt)', values: {} });
  }

  async recent(since: string): Promise<JobFailure[]> {
    const items = await this.table.query({ index: 'byCollection', partition: COLLECTION, from: since, upTo: '~' });
    return items.map(fromItem).sort((a, b) => b.at.localeCompare(a.at) || a.job.localeCompare(b.job));
  }

  async unlisted(): Promise<JobFailure[]> {
    return (await this.table.query({ index: 'byOpen', partition: OPEN })).map(fromItem);
  }

  async markListed(id: string, at: string): Promise<void> {
    await this.table.update(pkOf(id), 'A', { set: { listedAt: at }, remove: ['gsi3pk', 'gsi3sk'] }, { expression: 'attribute_exists(pk)', values: {} });
  }
}
