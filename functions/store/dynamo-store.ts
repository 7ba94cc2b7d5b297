/**
 * The Store port on one DynamoDB table. Every read is a GetItem or a Query on a key or an index;
 * nothing here scans. Projections (a unit's open-task links, milestone due entries) are derived
 * from the task after each write and are safe to rewrite.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CalendarYear } from '../core/calendar.ts';
import { defaultOfficeWords, taskStatuses, type Indicator, type OfficeWords, type Person, type RecurringDuty, type Task, type Unit } from '../core/ledger.ts';
import type { ChangeEvent, ChaseRecord, DueItem, DutyChase, DutyOccurrence, IndicatorReading, JobFailure, LatestReport, LedgerImportRecord, PeriodReport, PlannedChange, Principal, ProgressReport, StagedImport, Store, TokenRecord, UnitTaskLink, Versioned } from '../core/ports.ts';
import type { Escalation, Interview } from '../core/cadence/escalation-model.ts';
import { DubanError } from '../core/errors.ts';
import { DynamoJobFailureLog } from './job-failure-log.ts';
import { DynamoDutyLog } from './duty-log.ts';
import { isContinuing } from '../core/deadline.ts';
import { DynamoNoticeLog } from './notice-log.ts';
import { accountsOfMonth, firstReportsOf, foldLastWeeks, foldRollup, seedRollup } from './last-weeks.ts';
import { DynamoSignIns } from './sign-in-store.ts';
import { ITEM_LIMIT_BYTES, TableClient, type Item } from './table-client.ts';
import { DynamoCollection, ENTITY_SK, auditEvents, entityKey, fromItem, type EntityKind } from './versioned-collection.ts';
import { AccessCache } from './access-cache.ts';

const DUE_PARTITION = 'DUE';
const LOOKBACK_PARTITION = 'LOOKBACK';
const CONTINUING_TASKS = 'TASKS#continuing';
const DOCNUMBERS = 'DOCNUMBERS';
const openTasksOf = (unit: string) => `OPENTASKS#${unit}`;
const tokensOf = (p: Principal) => (p.kind === 'unit' ? `TOKENS#UNIT#${p.unit}` : `TOKENS#OFFICE#${p.name}`);
const milestoneSk = (index: number) => `MS#${String(index).padStart(3, '0')}`;

function linksOf(task: Task): UnitTaskLink[] {
  const lead = new Set(task.leadUnits);
  const units = [...new Set([...task.leadUnits, ...task.responsibleUnits])];
  return units.map((unit) => ({ unit, code: task.code, role: lead.has(unit) ? 'lead' : 'responsible' }));
}

const taskKind: EntityKind<Task> = {
  prefix: 'TASK',
  label: '整改任务',
  collection: 'TASKS',
  // Open and closed tasks live in separate partitions: scheduled jobs read only the open ones.
  partitionOf: (task) => `TASKS#${task.status}`,
  partitions: taskStatuses.map((status) => `TASKS#${status}`),
  id: (task) => task.code,
  indexAttributes(task): Record<string, string> {
    // A closed 长期坚持 task keeps reporting: the monthly account finds it in a sparse partition of byOpen.
    // A closed task waits in byDue, in its own partition, for the next day a 回头看 is asked or chased.
    const lookback: Record<string, string> = task.status === 'closed' && task.closeOut?.nextLookbackOn ? { gsi2pk: LOOKBACK_PARTITION, gsi2sk: `${task.closeOut.nextLookbackOn}#${task.code}` } : {};
    if (isContinuing(task)) return { ...lookback, gsi3pk: CONTINUING_TASKS, gsi3sk: task.code };
    if (task.status !== 'open' || task.deadline.kind === 'ongoing') return lookback;
    return { gsi2pk: DUE_PARTITION, gsi2sk: `${task.deadline.due}#TASK#${task.code}` };
  },
  async afterWrite(table, task, previous) {
    const open = task.status === 'open';
    for (const link of linksOf(task)) {
      await table.put({
        pk: entityKey('UNIT', link.unit),
        sk: entityKey('TASK', task.code),
        ...link,
        ...(open ? { gsi1pk: openTasksOf(link.unit), gsi1sk: task.code } : {}),
      });
    }
    const now = new Set(linksOf(task).map((l) => l.unit));
    for (const gone of previous ? linksOf(previous).filter((l) => !now.has(l.unit)) : []) {
      await table.delete(entityKey('UNIT', gone.unit), entityKey('TASK', task.code));
    }
    for (const [index, milestone] of task.milestones.entries()) {
      await table.put({
        pk: entityKey('TASK', task.code),
        sk: milestoneSk(index),
        code: task.code,
        ...milestone,
        ...(open ? { gsi2pk: DUE_PARTITION, gsi2sk: `${milestone.due}#MS#${task.code}#${index}` } : {}),
      });
    }
    for (let index = task.milestones.length; index < (previous?.milestones.length ?? 0); index++) {
      await table.delete(entityKey('TASK', task.code), milestoneSk(index));
    }
  },
};

const escalationKind: EntityKind<Escalation> = {
  prefix: 'ESCALATION',
  label: '督办升级',
  collection: 'ESCALATIONS',
  partitionOf: (e) => `ESCALATIONS#${e.open ? 'open' : 'closed'}`,
  partitions: ['ESCALATIONS#open', 'ESCALATIONS#closed'],
  id: (e) => e.id,
  // A proposal awaiting the office sits in a sparse partition of byOpen: the office's list is one query.
  indexAttributes: (e): Record<string, string> => (e.open && e.proposal ? { gsi3pk: PROPOSED_ESCALATIONS, gsi3sk: `${e.proposal.on}#${e.id}` } : {}),
};
const PROPOSED_ESCALATIONS = 'ESCALATIONS#proposed';
const interviewKind: EntityKind<Interview> = {
  prefix: 'INTERVIEW',
  label: '约谈记录',
  collection: 'INTERVIEWS',
  partitionOf: (i) => `INTERVIEWS#${i.status}`,
  partitions: ['INTERVIEWS#open', 'INTERVIEWS#closed'],
  id: (i) => i.id,
};

const unitKind: EntityKind<Unit> = { prefix: 'UNIT', label: '责任单位', collection: 'UNITS', id: (u) => u.name };
const personKind: EntityKind<Person> = { prefix: 'PERSON', label: '人员', collection: 'PEOPLE', id: (p) => p.name };
const indicatorKind: EntityKind<Indicator> = {
  prefix: 'INDICATOR',
  label: '目标指标',
  collection: 'INDICATORS',
  id: (i) => i.name,
};
const dutyKind: EntityKind<RecurringDuty> = { prefix: 'DUTY', label: '常态化工作', collection: 'DUTIES', id: (d) => d.name };
const OFFICE_ID = 'office';
const officeKind: EntityKind<OfficeWords> = { prefix: 'SETTINGS', label: '基本信息', collection: 'SETTINGS', id: () => OFFICE_ID };

/** An import's plan is kept in chunks of at most this many bytes of JSON (a province plan: about 60 items). */
const PLAN_CHUNK_BYTES = 300 * 1024;
const STAGED = { pk: 'LEDGER', sk: 'STAGED' } as const;
const planPartition = (id: string) => `IMPORT#${id}`;

/**
 * A progress report is one item, written once: `pk = TASK#<code>`, `sk = REPORT#<period>#<id>` (a
 * task's history, a task's period), and in byCollection `gsi1pk = WEEKLYREPORTS | MONTHLYREPORTS`,
 * `gsi1sk = <period>#<at>#<id>` (a period's reports: one query; the weekly reports since an instant:
 * one query). Nothing else is written when a unit reports.
 */
const WEEKLY_REPORTS = 'WEEKLYREPORTS';
const MONTHLY_REPORTS = 'MONTHLYREPORTS';
const isWeek = (period: string) => /^\d{4}-W\d{2}$/.test(period);
const reportsOf = (period: string) => (isWeek(period) ? WEEKLY_REPORTS : MONTHLY_REPORTS);
const reportOf = ({ pk, sk, gsi1pk, gsi1sk, ...report }: Item): ProgressReport => report as unknown as ProgressReport;

const chaseOf = (item: Item): ChaseRecord => ({ unit: item.unit as string, period: item.period as string, on: item.on as string, tasks: item.tasks as ChaseRecord['tasks'] });

export class DynamoStore implements Store {
  private readonly table: TableClient;
  readonly tasks: DynamoCollection<Task>;
  readonly units: DynamoCollection<Unit>;
  readonly people: DynamoCollection<Person>;
  readonly indicators: DynamoCollection<Indicator>;
  readonly duties: DynamoCollection<RecurringDuty>;
  readonly office: DynamoCollection<OfficeWords>;
  readonly maxPlannedChangeBytes = ITEM_LIMIT_BYTES - 10 * 1024;
  readonly notices: DynamoNoticeLog;
  readonly escalations: DynamoCollection<Escalation>;
  readonly interviews: DynamoCollection<Interview>;
  private readonly jobFailures: DynamoJobFailureLog;
  private readonly dutyLog: DynamoDutyLog;
  readonly signIns: DynamoSignIns;
  private readonly access: AccessCache;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
    /** How long the request path keeps a token, a unit or a task it read (access-cache.ts); a test passes its own clock. */
    options: { accessCacheMs?: number; now?: () => number } = {},
  ) {
    this.table = new TableClient(client, tableName);
    this.access = new AccessCache(options.accessCacheMs, options.now);
    this.table.onWrite((pk, sk) => this.access.forget(pk, sk));
    this.tasks = new DynamoCollection(this.table, taskKind);
    this.units = new DynamoCollection(this.table, unitKind);
    this.people = new DynamoCollection(this.table, personKind);
    this.indicators = new DynamoCollection(this.table, indicatorKind);
    this.duties = new DynamoCollection(this.table, dutyKind);
    this.office = new DynamoCollection(this.table, officeKind);
    this.notices = new DynamoNoticeLog(this.table);
    this.escalations = new DynamoCollection(this.table, escalationKind);
    this.interviews = new DynamoCollection(this.table, interviewKind);
    this.jobFailures = new DynamoJobFailureLog(this.table);
    this.dutyLog = new DynamoDutyLog(this.table);
    this.signIns = new DynamoSignIns(this.table);
  }

  recordJobFailure(failure: JobFailure) {
    return this.jobFailures.record(failure);
  }

  resolveJobFailure(job: string, at: string, resolvedAt: string) {
    return this.jobFailures.resolve(job, at, resolvedAt);
  }

  recentJobFailures(since: string) {
    return this.jobFailures.recent(since);
  }

  unlistedJobFailures() {
    return this.jobFailures.unlisted();
  }

  markJobFailureListed(id: string, at: string) {
    return this.jobFailures.markListed(id, at);
  }

  recordDutyOccurrence(occurrence: DutyOccurrence) {
    return this.dutyLog.recordOccurrence(occurrence);
  }

  dutyOccurrences(duty: string, fromPeriod: string, toPeriod: string) {
    return this.dutyLog.occurrences(duty, fromPeriod, toPeriod);
  }

  recordDutyChase(chase: DutyChase) {
    return this.dutyLog.recordChase(chase);
  }

  dutyChases(duty: string, fromPeriod: string, toPeriod: string) {
    return this.dutyLog.chases(duty, fromPeriod, toPeriod);
  }

  async continuingTasks() {
    const items = await this.table.query({ index: 'byOpen', partition: CONTINUING_TASKS });
    return items.map((item) => fromItem<Task>(item));
  }

  openEscalations() {
    return this.escalations.listPartition('ESCALATIONS#open');
  }

  async proposedEscalations() {
    const items = await this.table.query({ index: 'byOpen', partition: PROPOSED_ESCALATIONS });
    return items.map((item) => fromItem<Escalation>(item));
  }

  /** `pk = UNIT#<unit>`, `sk = CHASE#<week>` (a unit's record); `gsi1pk = CHASES#<month of the chase>` (a month's, for 考核). */
  async recordChase(chase: ChaseRecord): Promise<void> {
    await this.table.put({ pk: entityKey('UNIT', chase.unit), sk: `CHASE#${chase.period}`, gsi1pk: `CHASES#${chase.on.slice(0, 7)}`, gsi1sk: `${chase.period}#${chase.unit}`, ...chase });
  }

  async chasesOfUnit(unit: string): Promise<ChaseRecord[]> {
    return (await this.table.query({ partition: entityKey('UNIT', unit), beginsWith: 'CHASE#' })).map(chaseOf);
  }

  async chasesInMonth(month: string): Promise<ChaseRecord[]> {
    return (await this.table.query({ index: 'byCollection', partition: `CHASES#${month}` })).map(chaseOf);
  }

  openInterviews() {
    return this.interviews.listPartition('INTERVIEWS#open');
  }

  openTasks() {
    return this.tasks.listPartition('TASKS#open');
  }

  closedTasks() {
    return this.tasks.listPartition('TASKS#closed');
  }

  tasksUnderPublicNotice() {
    return this.tasks.listPartition('TASKS#notice');
  }

  async lookbacksDueBy(date: string) {
    const items = await this.table.query({ index: 'byDue', partition: LOOKBACK_PARTITION, upTo: `${date}#~` });
    return items.map((item) => fromItem<Task>(item));
  }

  async unitOpenTasks(unit: string): Promise<UnitTaskLink[]> {
    const items = await this.table.query({ index: 'byCollection', partition: openTasksOf(unit) });
    return items.map((item) => ({ unit: item.unit as string, code: item.code as string, role: item.role as UnitTaskLink['role'] }));
  }

  async dueOnOrBefore(date: string): Promise<DueItem[]> {
    // '#' sorts before any later character, so `${date}#~` bounds every key of that day.
    return this.dueItems(await this.table.query({ index: 'byDue', partition: DUE_PARTITION, upTo: `${date}#~` }));
  }

  async dueBetween(from: string, to: string): Promise<DueItem[]> {
    return this.dueItems(await this.table.query({ index: 'byDue', partition: DUE_PARTITION, from, upTo: `${to}#~` }));
  }

  private dueItems(items: Item[]): DueItem[] {
    return items.map((item) =>
      item.sk === 'A'
        ? { kind: 'task', code: (item.data as Task).code, due: (item.gsi2sk as string).slice(0, 10), content: (item.data as Task).title }
        : { kind: 'milestone', code: item.code as string, due: item.due as string, content: item.content as string },
    );
  }

  auditEvents(entity: string) {
    return auditEvents(this.table, entity);
  }

  /** One conditional put: it stores the report and is the idempotency check (false: that id was already stored). */
  async recordProgress(report: ProgressReport): Promise<boolean> {
    return this.table.putNew({
      pk: entityKey('TASK', report.code),
      sk: `REPORT#${report.period}#${report.id}`,
      gsi1pk: reportsOf(report.period),
      gsi1sk: `${report.period}#${report.at}#${report.id}`,
      ...report,
    });
  }

  /** Each task's latest weekly report from the compact roll-up (last-weeks.ts): a few items, not one per task. */
  async latestWeeklyReports(): Promise<LatestReport[]> {
    return [...(await foldLastWeeks(this.table)).values()];
  }

  async firstReportsOfWeek(week: string): Promise<Map<string, string>> {
    return firstReportsOf(this.table, week);
  }

  reportRollup() {
    return foldRollup(this.table);
  }

  monthlyAccounts(month: string) {
    return accountsOfMonth(this.table, month);
  }

  seedReportRollup(day: string) {
    return seedRollup(this.table, day);
  }

  async lastReportsOf(codes: string[]): Promise<{ code: string; unit: string; period: string; at: string }[]> {
    const latest = await foldLastWeeks(this.table);
    return codes.flatMap((code) => latest.get(code) ?? []);
  }

  async progressInPeriod(code: string, period: string): Promise<ProgressReport[]> {
    const items = await this.table.query({ partition: entityKey('TASK', code), beginsWith: `REPORT#${period}#` });
    return items.map(reportOf);
  }

  async progressOf(code: string): Promise<ProgressReport[]> {
    const items = await this.table.query({ partition: entityKey('TASK', code), beginsWith: 'REPORT#' });
    return items.map(reportOf);
  }

  async unitsReportedInPeriod(period: string): Promise<Set<string>> {
    return new Set((await this.reportedInPeriod(period)).map((r) => r.unit));
  }

  /**
   * Which unit reported on which task in the period: the period's reports (one query), each unit
   * and task with its first instant and its latest report. Tables written before reports carried
   * their period in byCollection kept a marker per unit and task (`PERIOD#<period>`): read too.
   */
  async reportedInPeriod(period: string): Promise<PeriodReport[]> {
    const [reports, legacy] = await Promise.all([
      this.table.query({ index: 'byCollection', partition: reportsOf(period), beginsWith: `${period}#` }),
      this.table.query({ partition: `PERIOD#${period}` }),
    ]);
    const byUnitAndTask = new Map<string, PeriodReport>();
    const fold = (entry: PeriodReport) => {
      const key = `${entry.unit}\n${entry.code}`;
      const known = byUnitAndTask.get(key);
      if (!known) return void byUnitAndTask.set(key, entry);
      const newer = entry.lastAt > known.lastAt ? entry : known;
      byUnitAndTask.set(key, { ...newer, at: entry.at < known.at ? entry.at : known.at });
    };
    for (const item of legacy) {
      fold({ unit: item.unit as string, code: item.code as string, at: item.at as string, lastAt: (item.lastAt as string | undefined) ?? (item.at as string), summary: item.summary as string | undefined, percent: item.percent as number | undefined });
    }
    for (const item of reports) {
      fold({ unit: item.unit as string, code: item.code as string, at: item.at as string, lastAt: item.at as string, summary: item.summary as string | undefined, percent: item.percent as number | undefined });
    }
    return [...byUnitAndTask.values()];
  }

  async recordReading(reading: IndicatorReading, replacing?: string): Promise<boolean> {
    const current = { pk: `READINGS#${reading.month}`, sk: entityKey('INDICATOR', reading.name), ...reading };
    if (replacing === undefined) await this.table.put(current);
    else if (!(await this.table.putIf(current, '#at = :at', { ':at': replacing }, { '#at': 'at' }))) return false;
    await this.table.put({ pk: entityKey('INDICATOR', reading.name), sk: `READING#${reading.month}#${reading.at}`, ...reading });
    return true;
  }

  async readingsOf(month: string): Promise<IndicatorReading[]> {
    const items = await this.table.query({ partition: `READINGS#${month}` });
    return items.map(({ pk, sk, ...reading }) => reading as unknown as IndicatorReading);
  }

  async readingHistory(name: string): Promise<IndicatorReading[]> {
    const items = await this.table.query({ partition: entityKey('INDICATOR', name), beginsWith: 'READING#' });
    return items.map(({ pk, sk, ...reading }) => reading as unknown as IndicatorReading);
  }

  async calendarYears(): Promise<CalendarYear[]> {
    const items = await this.table.query({ partition: 'CALENDAR', beginsWith: 'YEAR#' });
    return items.map((item) => item.data as CalendarYear);
  }

  async saveCalendarYear(year: CalendarYear, event: ChangeEvent): Promise<void> {
    await this.table.put({ pk: 'CALENDAR', sk: `YEAR#${year.year}`, data: year, lastEvent: event });
    await this.table.put({ pk: 'CALENDAR', sk: `EVENT#${event.at}#${year.year}`, ...event });
  }

  async recordImport(record: LedgerImportRecord): Promise<void> {
    await this.table.put({ pk: 'LEDGER', sk: `IMPORT#${record.at}`, ...record });
  }

  async saveToken(hash: string, principal: Principal, at: string): Promise<void> {
    // Each holder's tokens are listed under one partition of byCollection, so all of a unit's can be revoked.
    await this.table.put({ pk: `TOKEN#${hash}`, sk: 'A', principal, at, gsi1pk: tokensOf(principal), gsi1sk: `${at}#${hash}` });
  }

  async principalOfToken(hash: string): Promise<Principal | undefined> {
    const token = await this.tokenOf(hash);
    return token && !token.revokedAt ? token.principal : undefined;
  }

  /** Kept up to 30 s (access-cache.ts): a revocation here is seen at once, one by another process within that time. */
  async tokenOf(hash: string): Promise<TokenRecord | undefined> {
    const item = await this.access.read(`TOKEN#${hash}`, 'A', () => this.table.get(`TOKEN#${hash}`, 'A'));
    if (!item) return undefined;
    return { principal: item.principal as Principal, at: item.at as string, ...(item.revokedAt ? { revokedAt: item.revokedAt as string } : {}) };
  }

  async revokeToken(hash: string, at: string): Promise<boolean> {
    const updated = await this.table.update(
      `TOKEN#${hash}`,
      'A',
      { set: { revokedAt: at } },
      { expression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)', values: {} },
    );
    return updated !== undefined;
  }

  async revokeTokens(unit: string, at: string): Promise<number> {
    const items = await this.table.query({ index: 'byCollection', partition: tokensOf({ kind: 'unit', unit }) });
    let revoked = 0;
    for (const item of items) if (!item.revokedAt && (await this.revokeToken((item.pk as string).slice('TOKEN#'.length), at))) revoked++;
    return revoked;
  }

  /** The unit as the request path sees it (a token's or a link's): kept up to 30 s, forgotten at once on this process's own writes. */
  async accessUnit(name: string): Promise<Versioned<Unit> | undefined> {
    const item = await this.access.read(entityKey('UNIT', name), ENTITY_SK, () => this.table.get(entityKey('UNIT', name), ENTITY_SK));
    return item ? fromItem<Unit>(item) : undefined;
  }

  /** The task as a submission sees it (its units, its status): kept up to 30 s, forgotten at once on this process's own writes. */
  async accessTask(code: string): Promise<Versioned<Task> | undefined> {
    const item = await this.access.read(entityKey('TASK', code), ENTITY_SK, () => this.table.get(entityKey('TASK', code), ENTITY_SK));
    return item ? fromItem<Task>(item) : undefined;
  }

  async linkSecret(create: () => string): Promise<string> {
    await this.table.putNew({ pk: 'CONFIG', sk: 'LINK_SECRET', secret: create() });
    return (await this.table.get('CONFIG', 'LINK_SECRET'))!.secret as string;
  }

  /**
   * One partition `DOCNUMBERS`: a counter per year (`YEAR#2018`: the last number and the document
   * it went to) and the number each document got (`DOC#<document>`). The counter advances by one
   * conditional update; the document's number is then put if absent. A run stopped between the
   * two finds the counter naming its document and takes that number, so no number is skipped;
   * a concurrent run for the same document reads the number the first one recorded.
   */
  async documentNumber(document: string, year: number): Promise<{ year: number; number: number }> {
    const docKey = `DOC#${document}`;
    const yearKey = `YEAR#${year}`;
    for (let attempt = 0; attempt < 50; attempt++) {
      const assigned = await this.table.get(DOCNUMBERS, docKey);
      if (assigned) return { year: assigned.year as number, number: assigned.number as number };
      const counter = await this.table.get(DOCNUMBERS, yearKey);
      const last = (counter?.last as number | undefined) ?? 0;
      let number = last;
      if (counter?.lastDocument !== document) {
        const advanced = counter
          ? (await this.table.update(DOCNUMBERS, yearKey, { set: { last: last + 1, lastDocument: document } }, { expression: '#last = :last', values: { ':last': last }, names: { '#last': 'last' } })) !== undefined
          : await this.table.putNew({ pk: DOCNUMBERS, sk: yearKey, last: 1, lastDocument: document });
        if (!advanced) continue; // another document took this number: read the counter again
        number = last + 1;
      }
      await this.table.putNew({ pk: DOCNUMBERS, sk: docKey, document, year, number });
    }
    throw new DubanError('VERSION_CONFLICT', `${year}年发文字号同时编号的文件过多，请稍后重试`);
  }

  async officeWords(): Promise<OfficeWords> {
    const stored = await this.office.get(OFFICE_ID);
    if (!stored) return { ...defaultOfficeWords };
    const { version, createdAt, updatedAt, ...words } = stored;
    return { ...defaultOfficeWords, ...words };
  }

  /**
   * The plan goes first, in chunks under its own partition; the `LEDGER/STAGED` marker, written
   * last and only if absent, makes it count. A plan cut off before its marker is never applied.
   */
  async stageImport(staged: StagedImport, changes: PlannedChange[]): Promise<boolean> {
    const chunks: string[][] = [[]];
    let bytes = 0;
    for (const change of changes) {
      const json = JSON.stringify(change);
      const size = Buffer.byteLength(json);
      if (bytes + size > PLAN_CHUNK_BYTES && chunks.at(-1)!.length) {
        chunks.push([]);
        bytes = 0;
      }
      chunks.at(-1)!.push(json);
      bytes += size;
    }
    const sk = (index: number) => `CHUNK#${String(index).padStart(6, '0')}`;
    try {
      for (const [index, chunk] of chunks.entries()) {
        await this.table.put({ pk: planPartition(staged.id), sk: sk(index), changes: `[${chunk.join(',')}]` });
      }
      if (await this.table.putNew({ ...STAGED, ...staged, chunks: chunks.length })) return true;
    } catch (error) {
      await Promise.allSettled(chunks.map((_, index) => this.table.delete(planPartition(staged.id), sk(index))));
      throw error;
    }
    await Promise.allSettled(chunks.map((_, index) => this.table.delete(planPartition(staged.id), sk(index))));
    return false;
  }

  async stagedImport(): Promise<{ staged: StagedImport; changes: PlannedChange[] } | undefined> {
    const marker = await this.table.get(STAGED.pk, STAGED.sk);
    if (!marker) return undefined;
    const chunks = await this.table.query({ partition: planPartition(marker.id as string), beginsWith: 'CHUNK#' });
    return {
      staged: { id: marker.id as string, record: marker.record as LedgerImportRecord, changes: marker.changes as number },
      changes: chunks.flatMap((chunk) => JSON.parse(chunk.changes as string) as PlannedChange[]),
    };
  }

  async commitImport(staged: StagedImport): Promise<void> {
    await this.recordImport(staged.record);
    for (const chunk of await this.table.query({ partition: planPartition(staged.id), beginsWith: 'CHUNK#' })) {
      await this.table.delete(chunk.pk, chunk.sk);
    }
    await this.table.delete(STAGED.pk, STAGED.sk);
  }

  async imports(): Promise<LedgerImportRecord[]> {
    const items = await this.table.query({ partition: 'LEDGER', beginsWith: 'IMPORT#' });
    return items.map(({ pk, sk, ...record }) => record as unknown as LedgerImportRecord);
  }
}
