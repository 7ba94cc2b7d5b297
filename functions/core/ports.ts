/**
 * The ports core code talks through. Adapters (DynamoDB, the SES outbox, report renderers)
 * implement them; tests pass real adapters against the emulators.
 */
import type { CalendarYear } from './calendar.ts';
import type { Escalation, Interview } from './cadence/escalation-model.ts';
import type { ChannelKind, Indicator, OfficeWords, Person, RecurringDuty, Task, Unit } from './ledger.ts';
import type { BodyFill } from './notice-body.ts';

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

export type Versioned<T> = T & { version: number; createdAt: string; updatedAt: string };

/** A collection of entities with optimistic locking and an append-only history per entity. */
export interface VersionedCollection<T> {
  get(id: string): Promise<Versioned<T> | undefined>;
  list(): Promise<Versioned<T>[]>;
  /** Fails with AlreadyExistsError when the id is taken. */
  create(value: T, event: ChangeEvent): Promise<Versioned<T>>;
  /** Fails with VersionConflictError when someone else changed it since `expectedVersion`. */
  update(id: string, expectedVersion: number, value: T, event: ChangeEvent): Promise<Versioned<T>>;
  /**
   * Applies one planned change of a staged import: brings the entity from version `from` (0: not
   * there) to the next, holding `value`. Idempotent: when the entity already carries `event` (an
   * interrupted run wrote it), only the event copy and the projections are finished. Fails with
   * VersionConflictError when someone else changed the entity since the plan was made.
   */
  apply(change: PlannedChange<T>): Promise<void>;
  /** Bytes the entity's item takes as this collection writes it, the event it carries included. */
  itemBytes(value: T, event: ChangeEvent): number;
}

/** The collections an import writes. */
export type LedgerCollection = 'office' | 'units' | 'people' | 'tasks' | 'indicators' | 'duties';

/** One write an import plans before writing anything. */
export interface PlannedChange<T = unknown> {
  collection: LedgerCollection;
  id: string;
  /** The version the plan was made against; 0 when the entity is new. */
  from: number;
  value: T;
  /** The stored value it replaces (its projections are rewritten from the difference). */
  previous?: T;
  /** Fields taken from the stored entity, not the workbook, if the plan is made again (a task's status). */
  keep?: string[];
  event: ChangeEvent;
}

/** An import whose plan is stored and whose writes may not all have landed yet. */
export interface StagedImport {
  id: string;
  record: LedgerImportRecord;
  changes: number;
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

/** An indicator's value for a month, as a responsible unit or the office gave it. */
export interface IndicatorReading {
  name: string;
  month: string; // 2018-07
  value: number;
  by: string;
  at: string; // ISO instant
  /** A correction of the month's reading: why, and the value it replaced (that reading stays in the history). */
  correction?: { reason: string; previous: { value: number; by: string; at: string } };
}

/** A unit's reporting on a task in a period: first report (for on-time ranking) and the latest one. */
/** A task's latest weekly report: its week, instant and unit, and what it said. */
export interface LatestReport {
  code: string;
  unit: string;
  period: string;
  at: string;
  summary?: string;
  percent?: number;
}

/** The reports' roll-up as the jobs read it: each task's latest weekly report and the weeks it reported in lately. */
export interface ReportRollup {
  latest: LatestReport[];
  /** Each task's weeks with a weekly report, newest first, at most `recentWeeksKept` (the task's latest ones). */
  recentWeeks: Map<string, string[]>;
  recentWeeksKept: number;
}

export interface PeriodReport {
  unit: string;
  code: string;
  /** When it first reported in the period. */
  at: string;
  lastAt: string;
  summary?: string;
  percent?: number;
}

/** One occurrence of a recurring duty (常态化工作), recorded by a unit or for it by the office. */
export interface DutyOccurrence {
  id: string; // idempotency: the same id stores once
  duty: string;
  unit: string;
  /** The day it happened, and the duty's period holding it (2018-W28, 2018-07, 2018-Q3). */
  date: string;
  period: string;
  evidence: string[];
  detail: string;
  minutes?: number;
  by: string;
  at: string; // ISO instant the server received it
}

/** A unit chased for a duty period that ended without its occurrences. */
export interface DutyChase {
  duty: string;
  unit: string;
  period: string;
  on: string; // LocalDate of the chase
}

/** A unit chased for not reporting in a week, as lead or responsible unit of the tasks listed. */
export interface ChaseRecord {
  unit: string;
  period: string; // 2018-W28
  on: string; // LocalDate of the chase
  tasks: { code: string; role: 'lead' | 'responsible' }[];
}

export interface LedgerImportRecord {
  at: string;
  by: string;
  source: string;
  created: number;
  updated: number;
  unchanged: number;
  /** Units the workbook no longer listed, marked removed by this import. */
  removedUnits?: string[];
  /** Set when the import was interrupted and a later run finished it (ISO instant, and who). */
  completedAt?: string;
  completedBy?: string;
}

export interface Store {
  tasks: VersionedCollection<Task>;
  units: VersionedCollection<Unit>;
  people: VersionedCollection<Person>;
  indicators: VersionedCollection<Indicator>;
  duties: VersionedCollection<RecurringDuty>;
  /** The office's own words (基本信息): one entity, id `office`. */
  office: VersionedCollection<OfficeWords>;
  /** The stored words, or the neutral defaults when no workbook gave them. */
  officeWords(): Promise<OfficeWords>;
  /**
   * Stores an import's plan, then marks it staged (at most one import is staged at a time: false
   * when another one is). Only then may its changes be applied.
   */
  stageImport(staged: StagedImport, changes: PlannedChange[]): Promise<boolean>;
  /** The staged import not yet committed, with its plan, if any. */
  stagedImport(): Promise<{ staged: StagedImport; changes: PlannedChange[] } | undefined>;
  /** Records the import as done and clears its plan. */
  commitImport(staged: StagedImport): Promise<void>;
  /** The largest plan entry a stage can hold (bytes of its JSON). */
  readonly maxPlannedChangeBytes: number;
  /** Every open task (closed ones are not read: cost follows what is open, not history). */
  openTasks(): Promise<Versioned<Task>[]>;
  /** The closed tasks: read only to compile the 台账 in a report, never by a reminder. */
  closedTasks(): Promise<Versioned<Task>[]>;
  /** The tasks under 公示 (status `notice`): the public page and the daily job read only these. */
  tasksUnderPublicNotice(): Promise<Versioned<Task>[]>;
  /** Closed tasks with a 回头看 to ask or chase on or before `date` (a sparse index on that day). */
  lookbacksDueBy(date: string): Promise<Versioned<Task>[]>;
  /** The open tasks a unit leads or is responsible for. */
  unitOpenTasks(unit: string): Promise<UnitTaskLink[]>;
  /** Open tasks and milestones due on or before `date` (a sparse index: cost grows with what is due). */
  dueOnOrBefore(date: string): Promise<DueItem[]>;
  auditEvents(entity: string): Promise<AuditEvent[]>;
  /** Stores a report once per id; returns false when that id was already stored. */
  recordProgress(report: ProgressReport): Promise<boolean>;
  progressInPeriod(code: string, period: string): Promise<ProgressReport[]>;
  /** Every report on a task, oldest period first. */
  progressOf(code: string): Promise<ProgressReport[]>;
  unitsReportedInPeriod(period: string): Promise<Set<string>>;
  /** Which unit reported on which task in a period, with its latest report (one query on the period's partition). */
  reportedInPeriod(period: string): Promise<PeriodReport[]>;
  /**
   * Each task's latest weekly report, from a compact roll-up (a few items however many tasks) brought
   * up to date with the reports written since it was last read: what the jobs count missed weeks from.
   */
  latestWeeklyReports(): Promise<LatestReport[]>;
  /** Each unit's first weekly report of the week (unit → instant), as the last `latestWeeklyReports` left it. */
  firstReportsOfWeek(week: string): Promise<Map<string, string>>;
  /** The roll-up brought up to date (as `latestWeeklyReports`), with the weeks each task reported in lately. */
  reportRollup(): Promise<ReportRollup>;
  /** The month's monthly accounts as `reportedInPeriod(month)` gives them, from the roll-up as the last fold left it (a few items). */
  monthlyAccounts(month: string): Promise<PeriodReport[]>;
  /** Starts the roll-up at a ledger's first import (`day`: its day), so its first fold reads no older report. */
  seedReportRollup(day: string): Promise<boolean>;
  /** The same, for these tasks only. */
  lastReportsOf(codes: string[]): Promise<{ code: string; unit: string; period: string; at: string }[]>;
  /** Open tasks and milestones due in [from, to]. */
  dueBetween(from: string, to: string): Promise<DueItem[]>;
  notices: NoticeLog;
  /** One per lead unit; `openEscalations` reads only the open ones, `proposedEscalations` those awaiting the office. */
  escalations: VersionedCollection<Escalation>;
  openEscalations(): Promise<Versioned<Escalation>[]>;
  proposedEscalations(): Promise<Versioned<Escalation>[]>;
  /** Stores a duty occurrence once per id; false when that id was already stored. */
  recordDutyOccurrence(occurrence: DutyOccurrence): Promise<boolean>;
  /** A duty's occurrences in the periods from `fromPeriod` to `toPeriod` (one query). */
  dutyOccurrences(duty: string, fromPeriod: string, toPeriod: string): Promise<DutyOccurrence[]>;
  /** Keeps a duty chase (once per duty, unit and period). */
  recordDutyChase(chase: DutyChase): Promise<void>;
  dutyChases(duty: string, fromPeriod: string, toPeriod: string): Promise<DutyChase[]>;
  /** Closed tasks that keep reporting (完成+长期坚持): a sparse index, never the closed history. */
  continuingTasks(): Promise<Versioned<Task>[]>;
  /** Keeps a 催办 of a unit for missing weekly reports (once per unit and week): what 考核 counts. */
  recordChase(chase: ChaseRecord): Promise<void>;
  /** A unit's 催办 records, oldest first (one query). */
  chasesOfUnit(unit: string): Promise<ChaseRecord[]>;
  /** Every unit's 催办 records made in a month (2018-07), one query: what a monthly score counts. */
  chasesInMonth(month: string): Promise<ChaseRecord[]>;
  interviews: VersionedCollection<Interview>;
  openInterviews(): Promise<Versioned<Interview>[]>;
  /**
   * Keeps a month's reading of an indicator (the latest for that month wins; all stay in its history).
   * With `replacing` (the instant of the reading it corrects), only while that reading is still the
   * month's: false, and nothing written, when another has taken its place.
   */
  recordReading(reading: IndicatorReading, replacing?: string): Promise<boolean>;
  /** The latest reading of each indicator for a month (one query). */
  readingsOf(month: string): Promise<IndicatorReading[]>;
  /** Every reading an indicator has had, corrections included, oldest month first (one query). */
  readingHistory(name: string): Promise<IndicatorReading[]>;
  calendarYears(): Promise<CalendarYear[]>;
  saveCalendarYear(year: CalendarYear, event: ChangeEvent): Promise<void>;
  recordImport(record: LedgerImportRecord): Promise<void>;
  /** API tokens are kept only as hashes. */
  saveToken(hash: string, principal: Principal, at: string): Promise<void>;
  /** The principal of a live token; undefined for an unknown or revoked one. */
  principalOfToken(hash: string): Promise<Principal | undefined>;
  /**
   * The stored token, revoked or not. On the request path: kept in memory up to 30 s, so a token
   * revoked by another process is refused within that time (at once when revoked through this store).
   */
  tokenOf(hash: string): Promise<TokenRecord | undefined>;
  /** The unit a token or link names, as the request path sees it: kept like `tokenOf`. Never use it to update. */
  accessUnit(name: string): Promise<Versioned<Unit> | undefined>;
  /** The task a unit reports on (its units, its status), kept like `tokenOf`. Never use it to update. */
  accessTask(code: string): Promise<Versioned<Task> | undefined>;
  /** Revokes one token; false when no live token has that hash. */
  revokeToken(hash: string, at: string): Promise<boolean>;
  /** Revokes every live token of a unit (one query on the unit's tokens); returns how many. */
  revokeTokens(unit: string, at: string): Promise<number>;
  /** The key that signs email links; created once, on first use. */
  linkSecret(create: () => string): Promise<string>;
  /**
   * The 发文字号 sequence number of a compiled document (`weekly-circular/2018-W28`): the next
   * number of `year` on first call, the same year and number on every later call (a rerun of the
   * period reuses it). Numbers of a year follow each other without gaps, concurrent callers included.
   */
  documentNumber(document: string, year: number): Promise<{ year: number; number: number }>;
  imports(): Promise<LedgerImportRecord[]>;
  /** Records a failed job run; a retry of the same job and instant adds an attempt to the same record. */
  recordJobFailure(failure: JobFailure): Promise<JobFailure>;
  /** A retry or rerun of the same job and instant succeeded: the failure is resolved (nothing when there was none). */
  resolveJobFailure(job: string, at: string, resolvedAt: string): Promise<void>;
  /** Failed runs for instants at or after `since` (ISO), newest first, resolved ones included (the console's 总览). */
  recentJobFailures(since: string): Promise<JobFailure[]>;
  /** Failed runs neither resolved nor yet listed to the office, oldest first (its next circular lists them). */
  unlistedJobFailures(): Promise<JobFailure[]>;
  /** The office's circular has listed this failure. */
  markJobFailureListed(id: string, at: string): Promise<void>;
  /** The console's sign-in: one-time link nonces, sessions, per-address request counters. */
  signIns: SignInStore;
}

/** A person signed in to the console: the office, or a leader reading. Kept by the hash of the cookie. */
export interface ConsoleSession {
  /** sha256 of the cookie's value (the value itself is never stored). */
  hash: string;
  /** The person's name in 领导与联系人, and the address the link went to. */
  person: string;
  email: string;
  role: 'office' | 'leader';
  /** Every form of the session carries it (CSRF). */
  csrf: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
}

export interface SignInStore {
  /** Counts one sign-in request of an address in a window (e.g. its hour); returns the count so far. */
  countRequest(email: string, window: string): Promise<number>;
  /** Records a one-time link's nonce (by hash) until it expires. */
  saveNonce(hash: string, email: string, expiresAt: string): Promise<void>;
  /** Marks a nonce used; false when it is unknown or was used already (one conditional write). */
  useNonce(hash: string, at: string): Promise<boolean>;
  saveSession(session: ConsoleSession): Promise<void>;
  session(hash: string): Promise<ConsoleSession | undefined>;
  /** Ends a session; false when no live session has that hash. */
  revokeSession(hash: string, at: string): Promise<boolean>;
}

/**
 * A cadence job run that threw (say, a calendar year not loaded): kept so that the office sees it
 * on the console and in its next circular, in Chinese, with what to do. One record per scheduled
 * run (job and instant), however often it was retried.
 */
export interface JobFailure {
  /** `<job>@<instant>`. */
  id: string;
  job: string;
  /** The instant the run was for (ISO). */
  at: string;
  /** The period the run was for: a day (2018-07-09), a week (2018-W28) or a month (2018-07). */
  period: string;
  /** The error's code (CALENDAR_YEAR_UNKNOWN …), or INTERNAL for a fault with no code. */
  code: string;
  /** What went wrong, in Chinese. */
  message: string;
  /** What the office does about it, in Chinese. */
  action: string;
  attempts: number;
  /** When it first and last failed (ISO, on the clock of the edge that ran it). */
  firstFailedAt: string;
  lastFailedAt: string;
  /** When a retry or rerun of the same job and instant succeeded. */
  resolvedAt?: string;
  /** When the office's circular listed it. */
  listedAt?: string;
}

/** An API token as kept (only its hash is stored). */
export interface TokenRecord {
  principal: Principal;
  /** When it was issued (ISO instant). */
  at: string;
  revokedAt?: string;
}

/** One message to one recipient, rendered before it is recorded so that a retry sends the same bytes. */
export interface Notice {
  /** Derived from job, period, recipient and kind: the same notice always has the same id. */
  id: string;
  job: string;
  period: string;
  kind: string;
  /**
   * Who, and on which channel: `channel` absent means email (notices recorded before channels
   * existed); `address` is the email or the robot's webhook; `secret` a 钉钉 robot's signing key.
   */
  to: { name: string; email: string; role: string; unit?: string; channel?: ChannelKind; address?: string; secret?: string };
  subject: string;
  html: string;
  text: string;
  status: 'pending' | 'sent' | 'failed' | 'suppressed';
  attempts: number;
  createdAt: string;
  sentAt?: string;
  messageId?: string;
  error?: string;
  /** Files from the report archive sent with it (kept by key: the bytes stay in the archive). */
  attachments?: { filename: string; key: string; contentType: string }[];
  /**
   * When `html` and `text` hold stand-ins for the recipient's words (so that one stored body serves
   * many notices): each stand-in and its value, filled in right before sending (notice-body.ts).
   */
  fills?: BodyFill[];
  /** The address of the stored body (the hash of its content), once recorded. */
  bodyRef?: string;
  /** While a sender holds it: who, and until when (ISO instant). */
  claimedBy?: string;
  claimedUntil?: string;
}

export interface NoticeLog {
  /** Records a notice unless one with its id exists; returns false then. */
  record(notice: Notice): Promise<boolean>;
  /**
   * Records rendered notices in batches: each distinct body once, then the headers. Recording a
   * notice again changes nothing of its delivery (its outcome is kept apart from its header).
   */
  recordAll(notices: Notice[]): Promise<void>;
  /** One notice, its body filled in for its recipient. */
  get(id: string): Promise<Notice | undefined>;
  /** The notices of a job run, with their bodies (`bodies: false`: headers only, html and text empty). */
  ofRun(job: string, period: string, options?: { bodies?: boolean }): Promise<Notice[]>;
  /**
   * Takes the sending of a run (job and period) unless another sender holds it past `now`; the holder
   * takes it again to extend it. One conditional write on a small item: two runs never send at once.
   */
  takeRun(job: string, period: string, by: string, now: Date, until: Date): Promise<boolean>;
  /** Lets go of a run taken by `by`. */
  releaseRun(job: string, period: string, by: string): Promise<void>;
  /** The outcomes of notices sent or settled (no body), read consistently in batches; a notice without one is as its header says. */
  states(ids: string[]): Promise<Map<string, Notice>>;
  /** The notices with their bodies filled in for their recipients (each distinct body read once). */
  withBodies(notices: Notice[]): Promise<Notice[]>;
  /** Writes the outcomes of sends, in batches, by the holder of their run. */
  settleAll(notices: Notice[]): Promise<void>;
  settle(notice: Notice): Promise<void>;
  /** Failed deliveries not yet listed to the office. */
  failures(): Promise<Notice[]>;
  acknowledgeFailure(id: string): Promise<void>;
  isSuppressed(email: string): Promise<boolean>;
  /** Which of these addresses are on the suppression list (lower case), in batches. */
  suppressedAmong(emails: string[]): Promise<Set<string>>;
  suppress(email: string, reason: string, at: string): Promise<void>;
  /** Every address on the suppression list, with why (退信 / 投诉) and since when (one query). */
  suppressions(): Promise<{ email: string; reason: string; at: string }[]>;
}

export interface Attachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

export interface OutgoingMail {
  /** The email address, or the robot's webhook URL. */
  to: string;
  /** Which channel carries it; absent: email. */
  channel?: ChannelKind;
  /** A 钉钉 robot's signing secret. */
  secret?: string;
  subject: string;
  html: string;
  text: string;
  attachments?: Attachment[];
}

/** A file in the report archive. Keys look like `weekly-circular/2018-W28/周通报-2018-W28.html`. */
export interface ArchivedFile {
  key: string;
  size: number;
  contentType: string;
}

/** Where compiled reports are kept: S3 on AWS, the data folder in the sandbox. */
export interface ReportArchive {
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  get(key: string): Promise<{ body: Uint8Array; contentType: string } | undefined>;
  /** Every file whose key starts with `prefix`, by key. */
  list(prefix: string): Promise<ArchivedFile[]>;
}

/**
 * Sends one message on its channel (email by SES or SMTP, a 企业微信 or 钉钉 robot). Throws
 * MailError, whose `retryable` says whether trying again can help.
 */
export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}

export class MailError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Who is calling: a unit (its liaison, by token or signed link) or the rectification office. */
export type Principal = { kind: 'unit'; unit: string } | { kind: 'office'; name: string };

/** The entity without its version bookkeeping: what an update writes back. */
export function unversioned<T extends object>(value: Versioned<T>): T {
  const { version, createdAt, updatedAt, ...rest } = value;
  return rest as unknown as T;
}
