/**
 * Imports a 台账 into the store, all or nothing.
 *
 * Input: the raw tables of a workbook or CSV folder, the instant of the import and who does it.
 * Output: what was created, updated, left unchanged and removed, or every problem found (then
 * nothing is written).
 *
 * Primary course: validate everything; plan every write against the stored versions (units the
 * workbook no longer lists are marked removed, never deleted; tasks it no longer lists are kept and
 * listed); check every item against DynamoDB's 400 KB limit; store the plan and mark it staged;
 * apply it; commit. dynalite has no transactions, so all-or-nothing is "resume to exactly after":
 * each planned write is idempotent and recognisable by the import's id in its event, so if a write
 * fails midway the next import (or the sandbox's start) first finishes the staged plan and tells
 * the office so. Until then the office is told the import was interrupted, in Chinese.
 */
import { createHash } from 'node:crypto';
import type { WorkdayCalendar } from '../core/calendar.ts';
import { DubanError, VersionConflictError } from '../core/errors.ts';
import type { Ledger, Unit } from '../core/ledger.ts';
import {
  unversioned,
  type ChangeEvent,
  type LedgerCollection,
  type LedgerImportRecord,
  type PlannedChange,
  type StagedImport,
  type Store,
  type Versioned,
  type VersionedCollection,
} from '../core/ports.ts';
import { localDateOf, localTimeOf } from '../core/time.ts';
import { DUTIES, INDICATORS, OFFICE, PEOPLE, TASKS, UNITS, type RawTable } from './sheets.ts';
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
  /** At most MAX_LISTED_ISSUES problems; `issueCount` counts them all. */
  issues: ImportIssue[];
  issueCount: number;
  tasks: Tally;
  units: Tally;
  people: Tally;
  indicators: Tally;
  duties: Tally;
  /** 基本信息: what happened to the office's words (absent: the workbook has no such sheet). */
  office: 'created' | 'updated' | 'unchanged' | 'absent';
  /** Tasks in the store that the workbook no longer lists (kept, for the office to decide). */
  missingFromWorkbook: string[];
  /** Units the workbook no longer lists: kept, marked removed, no longer mailed. */
  removedUnits: string[];
  /** Removed units the workbook lists again: active again. */
  reactivatedUnits: string[];
  /** An earlier import that had been interrupted and that this run finished first. */
  resumed?: LedgerImportRecord;
  /** What the office should read besides the counts, in Chinese. */
  notices: string[];
}

export interface ImportDeps {
  store: Store;
  calendar: WorkdayCalendar;
}

/**
 * A write failed: before the plan was staged (nothing of the ledger written), or midway (the plan
 * is staged, and the next import or sandbox start finishes it). The store's own error, in English,
 * is kept as the cause for the logs; the office reads the message.
 */
export class ImportInterruptedError extends DubanError {
  constructor(message: string, cause?: unknown) {
    super('IMPORT_INVALID', message);
    if (cause !== undefined) this.cause = cause;
  }

  static whileStaging(cause: unknown): ImportInterruptedError {
    return new ImportInterruptedError('导入未完成：保存导入计划时存储服务出错，台账内容未做任何改动，请稍后重试。', cause);
  }

  static midway(applied: number, planned: number, cause: unknown): ImportInterruptedError {
    return new ImportInterruptedError(
      `导入未完成：写入第 ${applied + 1} 项（共 ${planned} 项）时存储服务出错。本次导入的计划已保存，` +
        '已写入的部分不会丢失也不会重复：请稍后再次运行导入（或重新启动沙箱），系统会先按原计划补完本次导入，再告知结果。',
      cause,
    );
  }
}

/** Items stay this far under DynamoDB's 400 KB: the event copy and the index attributes ride along. */
const ENTITY_MAX_BYTES = 380 * 1024;

const emptyTally = (): Tally => ({ created: 0, updated: 0, unchanged: 0 });

export async function importLedger(tables: RawTable[], options: ImportOptions, deps: ImportDeps): Promise<ImportSummary> {
  const { store, calendar } = deps;
  const summary: ImportSummary = {
    ok: false,
    dryRun: options.dryRun ?? false,
    issues: [],
    issueCount: 0,
    tasks: emptyTally(),
    units: emptyTally(),
    people: emptyTally(),
    indicators: emptyTally(),
    duties: emptyTally(),
    office: 'absent',
    missingFromWorkbook: [],
    removedUnits: [],
    reactivatedUnits: [],
    notices: [],
  };
  if (!summary.dryRun) {
    summary.resumed = await resumeStagedImport({ at: options.at, by: options.by }, deps);
    if (summary.resumed) summary.notices.push(resumedNotice(summary.resumed));
  }

  const storedTasks = await store.tasks.list();
  const result = validateLedger(tables, {
    calendar,
    enteredOn: localDateOf(options.at),
    storedDeadlines: new Map(storedTasks.map((t) => [t.code, t.deadline])),
  });
  if (!result.ok) return { ...summary, issues: result.issues, issueCount: result.issueCount };
  const { ledger } = result;
  const listed = new Set(ledger.tasks.map((t) => t.code));
  summary.missingFromWorkbook = storedTasks.filter((t) => !listed.has(t.code)).map((t) => t.code);

  const event: ChangeEvent = { type: 'ledger.imported', by: options.by, at: options.at.toISOString(), detail: { source: options.source } };
  const plan = await planImport(ledger, storedTasks, event, store, summary);

  const tooLarge = oversized(plan, store, tables);
  if (tooLarge.length) return { ...summary, issues: tooLarge, issueCount: tooLarge.length };
  summary.ok = true;
  if (summary.removedUnits.length) {
    summary.notices.push(`以下单位本次台账未列出，已标记为撤销（保留记录，不再发送通知）：${summary.removedUnits.join('、')}`);
  }
  if (summary.reactivatedUnits.length) summary.notices.push(`以下单位重新列入台账，已恢复：${summary.reactivatedUnits.join('、')}`);
  if (summary.dryRun) return summary;

  const record: LedgerImportRecord = {
    at: event.at,
    by: options.by,
    source: options.source,
    created: summary.tasks.created,
    updated: summary.tasks.updated,
    unchanged: summary.tasks.unchanged,
    ...(summary.removedUnits.length ? { removedUnits: summary.removedUnits } : {}),
  };
  // The import's id is derived from what it does: the same plan has the same id (and its writes are recognised).
  const id = createHash('sha256').update(JSON.stringify([record, plan])).digest('hex').slice(0, 24);
  const changes = plan.map((change) => ({ ...change, event: { ...change.event, detail: { ...change.event.detail, import: id } } }));
  const staged: StagedImport = { id, record, changes: changes.length };
  let stagedNow: boolean;
  try {
    stagedNow = await store.stageImport(staged, changes);
  } catch (error) {
    // Nothing of the ledger is written before the plan is staged.
    throw ImportInterruptedError.whileStaging(error);
  }
  if (!stagedNow) throw new DubanError('IMPORT_INVALID', '另一次台账导入正在进行，请等它完成后再导入');
  await applyPlan(staged, changes, store);
  // A ledger's first import starts the reports' roll-up here: its first fold reads no older report.
  // The ledger is in; should this write fail, the first fold reads every report once and logs it.
  if (!storedTasks.length) await store.seedReportRollup(localDateOf(options.at)).catch(() => false);
  return summary;
}

/**
 * Finishes an import that was staged but not committed (a write failed or the process died
 * midway), exactly as planned. Returns its record, or undefined when there was none.
 * The sandbox calls this on start; every import calls it first.
 */
export async function resumeStagedImport(by: { at: Date; by: string }, deps: Pick<ImportDeps, 'store'>): Promise<LedgerImportRecord | undefined> {
  const pending = await deps.store.stagedImport();
  if (!pending) return undefined;
  const staged = { ...pending.staged, record: { ...pending.staged.record, completedAt: by.at.toISOString(), completedBy: by.by } };
  await applyPlan(staged, pending.changes, deps.store);
  return staged.record;
}

export function resumedNotice(record: LedgerImportRecord): string {
  const at = new Date(record.at);
  return `上次导入（${record.source}，${localDateOf(at)} ${localTimeOf(at)}，${record.by}）曾中断，现已按原计划补完。`;
}

async function applyPlan(staged: StagedImport, changes: PlannedChange[], store: Store): Promise<void> {
  for (const [index, change] of changes.entries()) {
    try {
      await applyChange(change, store);
    } catch (error) {
      if (error instanceof DubanError) throw error;
      throw ImportInterruptedError.midway(index, changes.length, error);
    }
  }
  try {
    await store.commitImport(staged);
  } catch (error) {
    throw ImportInterruptedError.midway(changes.length - 1, changes.length, error);
  }
}

async function applyChange(change: PlannedChange, store: Store): Promise<void> {
  const collection = collectionOf(store, change.collection);
  try {
    await collection.apply(change as PlannedChange<object>);
  } catch (error) {
    if (!(error instanceof VersionConflictError) || change.from === 0) throw error;
    // Someone changed it since the plan was made: apply the workbook on top of their version.
    const fresh = (await collection.get(change.id))!;
    const kept = Object.fromEntries((change.keep ?? []).map((key) => [key, (fresh as Record<string, unknown>)[key]]));
    await collection.apply({ ...change, from: fresh.version, previous: unversioned(fresh), value: { ...(change.value as object), ...kept } });
  }
}

function collectionOf(store: Store, name: LedgerCollection): VersionedCollection<object> {
  return store[name] as unknown as VersionedCollection<object>;
}

/** Every write the workbook asks for, against what is stored now; counts go into `summary`. */
async function planImport(ledger: Ledger, storedTasks: Versioned<Ledger['tasks'][number]>[], event: ChangeEvent, store: Store, summary: ImportSummary): Promise<PlannedChange[]> {
  const plan: PlannedChange[] = [];
  const diff = <T extends object>(
    collection: LedgerCollection,
    stored: Versioned<T>[],
    values: T[],
    idOf: (value: T) => string,
    keep: (keyof T & string)[] = [],
  ): Tally => {
    const tally = emptyTally();
    const byId = new Map(stored.map((v) => [idOf(v), v]));
    for (const value of values) {
      const id = idOf(value);
      const current = byId.get(id);
      if (!current) {
        tally.created++;
        plan.push({ collection, id, from: 0, value, event });
        continue;
      }
      const next = { ...value, ...Object.fromEntries(keep.filter((key) => current[key] !== undefined).map((key) => [key, current[key]])) } as T;
      const previous = unversioned(current);
      const changed = changedFields(previous, next);
      if (changed.length === 0) {
        tally.unchanged++;
        continue;
      }
      tally.updated++;
      plan.push({ collection, id, from: current.version, value: next, previous, ...(keep.length ? { keep } : {}), event: { ...event, detail: { ...event.detail, changed } } });
    }
    return tally;
  };

  if (ledger.office) {
    const stored = await store.office.get('office');
    const tally = diff('office', stored ? [stored] : [], [ledger.office], () => 'office');
    summary.office = tally.created ? 'created' : tally.updated ? 'updated' : 'unchanged';
  }

  const storedUnits = await store.units.list();
  const inactive = new Set(storedUnits.filter((u) => u.active === false).map((u) => u.name));
  // What the office decided over the API (停用, 收回令牌和链接) stands whatever the workbook says.
  summary.units = diff('units', storedUnits, ledger.units, (u) => u.name, ['deactivated', 'credentialsValidFrom']);
  const deactivated = new Set(storedUnits.filter((u) => u.deactivated).map((u) => u.name));
  summary.reactivatedUnits = ledger.units.filter((u) => inactive.has(u.name) && !deactivated.has(u.name)).map((u) => u.name);
  const listedUnits = new Set(ledger.units.map((u) => u.name));
  for (const unit of storedUnits.filter((u) => !listedUnits.has(u.name) && u.active !== false)) {
    const previous = unversioned<Unit>(unit);
    summary.removedUnits.push(unit.name);
    plan.push({
      collection: 'units',
      id: unit.name,
      from: unit.version,
      value: { ...previous, active: false, removedAt: event.at },
      previous,
      event: { ...event, type: 'unit.removed', detail: { ...event.detail, changed: ['active', 'removedAt'] } },
    });
  }

  summary.people = diff('people', await store.people.list(), ledger.people, (p) => p.name);
  // A re-import changes what the office wrote, never where a task stands (open, closed…).
  // An approved 延期 stands while the workbook still gives the original 整改时限 (the office may write a new one).
  const storedByCode = new Map(storedTasks.map((t) => [t.code, t]));
  const tasks = ledger.tasks.map((t) => {
    const stored = storedByCode.get(t.code);
    return stored?.originalDeadline && t.deadline.text === stored.originalDeadline.text ? { ...t, deadline: stored.deadline } : t;
  });
  summary.tasks = diff('tasks', storedTasks, tasks, (t) => t.code, ['status', 'closeOut', 'extension', 'originalDeadline']);
  summary.indicators = diff('indicators', await store.indicators.list(), ledger.indicators, (i) => i.name);
  summary.duties = diff('duties', await store.duties.list(), ledger.duties, (d) => d.name);
  return plan;
}

const sheetOf: Record<LedgerCollection, { sheet: string; key: string }> = {
  office: { sheet: OFFICE, key: '项目' },
  units: { sheet: UNITS, key: '单位名称' },
  people: { sheet: PEOPLE, key: '姓名' },
  tasks: { sheet: TASKS, key: '任务编号' },
  indicators: { sheet: INDICATORS, key: '指标名称' },
  duties: { sheet: DUTIES, key: '事项' },
};

/**
 * Every planned item is measured as the store writes it, before the first write: an entity over
 * the limit (a cell of many unit names expanded from large groups, say) is refused with its sheet
 * and row, and nothing is written.
 */
function oversized(plan: PlannedChange[], store: Store, tables: RawTable[]): ImportIssue[] {
  const issues: ImportIssue[] = [];
  for (const change of plan) {
    const entity = collectionOf(store, change.collection).itemBytes(change.value as object, change.event);
    const staged = Buffer.byteLength(JSON.stringify(change)) + 200; // the import id and the chunk's keys
    if (entity <= ENTITY_MAX_BYTES && staged <= store.maxPlannedChangeBytes) continue;
    const { sheet, key } = sheetOf[change.collection];
    const row = tables.find((t) => t.sheet === sheet)?.rows.find((r) => r.cells[key] === change.id)?.row;
    const kb = Math.ceil(Math.max(entity, staged / 2) / 1024);
    issues.push({ sheet, row, message: `“${change.id}”的内容合计约 ${kb} KB，超过单条记录的上限（${Math.floor(ENTITY_MAX_BYTES / 1024 / 2)} KB）：请精简各列文字，或把过大的分组拆开` });
  }
  return issues;
}

function changedFields<T extends object>(before: T, after: T): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter(
    (key) => JSON.stringify((before as Record<string, unknown>)[key]) !== JSON.stringify((after as Record<string, unknown>)[key]),
  );
}
