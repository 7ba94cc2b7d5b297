/**
 * Imports a 台账 into the store.
 *
 * Input: the raw tables of a workbook or CSV folder, the instant of the import and who does it.
 * Output: what was created, updated and left unchanged, or every problem found (then nothing is
 * written). Primary course: validate everything first; only a clean ledger is written, entity by
 * entity, each write conditional on the version read, each change an audit event. Re-importing an
 * updated workbook updates tasks by 任务编号 and keeps their history and status; tasks missing from
 * the workbook are kept and listed, never deleted. Every write is idempotent, so an import cut off
 * by a crash is finished by running it again.
 */
import type { WorkdayCalendar } from '../core/calendar.ts';
import { VersionConflictError } from '../core/errors.ts';
import { unversioned, type ChangeEvent, type Store, type VersionedCollection } from '../core/ports.ts';
import { localDateOf } from '../core/time.ts';
import type { RawTable } from './sheets.ts';
import { validateLedger, type ImportIssue } from './validate.ts';

export interface ImportOptions {
  at: Date;
  by: string;
  source: string;
  dryRun?: boolean;
}

export interface Tally {
  created: number;
  updated: number;
  unchanged: number;
}

export interface ImportSummary {
  ok: boolean;
  dryRun: boolean;
  issues: ImportIssue[];
  tasks: Tally;
  units: Tally;
  people: Tally;
  indicators: Tally;
  duties: Tally;
  /** Tasks in the store that the workbook no longer lists (kept, for the office to decide). */
  missingFromWorkbook: string[];
}

export interface ImportDeps {
  store: Store;
  calendar: WorkdayCalendar;
}

const emptyTally = (): Tally => ({ created: 0, updated: 0, unchanged: 0 });

export async function importLedger(tables: RawTable[], options: ImportOptions, deps: ImportDeps): Promise<ImportSummary> {
  const { store, calendar } = deps;
  const storedTasks = await store.tasks.list();
  const result = validateLedger(tables, {
    calendar,
    enteredOn: localDateOf(options.at),
    storedDeadlines: new Map(storedTasks.map((t) => [t.code, t.deadline])),
  });
  const summary: ImportSummary = {
    ok: result.ok,
    dryRun: options.dryRun ?? false,
    issues: result.ok ? [] : result.issues,
    tasks: emptyTally(),
    units: emptyTally(),
    people: emptyTally(),
    indicators: emptyTally(),
    duties: emptyTally(),
    missingFromWorkbook: [],
  };
  if (!result.ok) return summary;
  const { ledger } = result;
  const listed = new Set(ledger.tasks.map((t) => t.code));
  summary.missingFromWorkbook = storedTasks.filter((t) => !listed.has(t.code)).map((t) => t.code);

  const event: ChangeEvent = { type: 'ledger.imported', by: options.by, at: options.at.toISOString(), detail: { source: options.source } };
  const write = !summary.dryRun;
  summary.units = await sync(store.units, ledger.units, (u) => u.name, event, write);
  summary.people = await sync(store.people, ledger.people, (p) => p.name, event, write);
  // A re-import changes what the office wrote, never where a task stands (open, closed…).
  summary.tasks = await sync(store.tasks, ledger.tasks, (t) => t.code, event, write, (next, stored) => ({ ...next, status: stored.status, closeOut: stored.closeOut }));
  summary.indicators = await sync(store.indicators, ledger.indicators, (i) => i.name, event, write);
  summary.duties = await sync(store.duties, ledger.duties, (d) => d.name, event, write);
  if (write) {
    await store.recordImport({
      at: event.at,
      by: options.by,
      source: options.source,
      created: summary.tasks.created,
      updated: summary.tasks.updated,
      unchanged: summary.tasks.unchanged,
    });
  }
  return summary;
}

async function sync<T extends object>(
  collection: VersionedCollection<T>,
  values: T[],
  idOf: (value: T) => string,
  event: ChangeEvent,
  write: boolean,
  keep: (next: T, stored: T) => T = (next) => next,
): Promise<Tally> {
  const tally = emptyTally();
  const stored = new Map((await collection.list()).map((v) => [idOf(v), v]));
  for (const value of values) {
    const id = idOf(value);
    const current = stored.get(id);
    if (!current) {
      tally.created++;
      if (write) await collection.create(value, event);
      continue;
    }
    const next = keep(value, current);
    const changed = changedFields(unversioned(current), next);
    if (changed.length === 0) {
      tally.unchanged++;
      continue;
    }
    tally.updated++;
    if (!write) continue;
    const changeEvent = { ...event, detail: { ...event.detail, changed } };
    try {
      await collection.update(id, current.version, next, changeEvent);
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      // Someone changed it while we imported: apply the workbook on top of their version.
      const fresh = (await collection.get(id))!;
      await collection.update(id, fresh.version, keep(value, fresh), changeEvent);
    }
  }
  return tally;
}

function changedFields<T extends object>(before: T, after: T): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter(
    (key) => JSON.stringify((before as Record<string, unknown>)[key]) !== JSON.stringify((after as Record<string, unknown>)[key]),
  );
}
