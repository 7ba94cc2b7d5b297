/**
 * The ports core code talks through. Adapters (DynamoDB, the SES outbox, report renderers)
 * implement them; tests pass real adapters against the emulators.
 */
import type { CalendarYear } from './calendar.ts';
import type { Indicator, Person, RecurringDuty, Task, Unit } from './ledger.ts';

/** Who changed something and why: a person's email, `import:<file>`, or a rule such as `rule:escalation`. */
export interface ChangeEvent {
  type: string;
  by: string;
  at: string; // ISO instant
  detail?: Record<string, unknown>;
}

export interface AuditEvent extends ChangeEvent {
  entity: string; // e.g. TASK#MZ-4-1
  version: number;
}

export type Versioned<T> = T & { version: number; updatedAt: string };

/** A collection of entities with optimistic locking and an append-only history per entity. */
export interface VersionedCollection<T> {
  get(id: string): Promise<Versioned<T> | undefined>;
  list(): Promise<Versioned<T>[]>;
  /** Fails with AlreadyExistsError when the id is taken. */
  create(value: T, event: ChangeEvent): Promise<Versioned<T>>;
  /** Fails with VersionConflictError when someone else changed it since `expectedVersion`. */
  update(id: string, expectedVersion: number, value: T, event: ChangeEvent): Promise<Versioned<T>>;
}

export interface UnitTaskLink {
  unit: string;
  code: string;
  role: 'lead' | 'responsible';
}

export interface DueItem {
  kind: 'task' | 'milestone';
  code: string;
  due: string; // LocalDate
  content: string;
}

export interface ProgressReport {
  id: string; // idempotency: the same id stores once
  code: string;
  unit: string;
  period: string; // 2018-W28
  summary: string;
  percent?: number;
  evidence: string[];
  by: string;
  at: string; // ISO instant the server received it
}

export interface LedgerImportRecord {
  at: string;
  by: string;
  source: string;
  created: number;
  updated: number;
  unchanged: number;
}

export interface Store {
  tasks: VersionedCollection<Task>;
  units: VersionedCollection<Unit>;
  people: VersionedCollection<Person>;
  indicators: VersionedCollection<Indicator>;
  duties: VersionedCollection<RecurringDuty>;
  /** The open tasks a unit leads or is responsible for. */
  unitOpenTasks(unit: string): Promise<UnitTaskLink[]>;
  /** Open tasks and milestones due on or before `date` (a sparse index: cost grows with what is due). */
  dueOnOrBefore(date: string): Promise<DueItem[]>;
  auditEvents(entity: string): Promise<AuditEvent[]>;
  /** Stores a report once per id; returns false when that id was already stored. */
  recordProgress(report: ProgressReport): Promise<boolean>;
  progressInPeriod(code: string, period: string): Promise<ProgressReport[]>;
  unitsReportedInPeriod(period: string): Promise<Set<string>>;
  calendarYears(): Promise<CalendarYear[]>;
  saveCalendarYear(year: CalendarYear, event: ChangeEvent): Promise<void>;
  recordImport(record: LedgerImportRecord): Promise<void>;
  imports(): Promise<LedgerImportRecord[]>;
}
