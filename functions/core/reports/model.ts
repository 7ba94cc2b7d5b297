/**
 * The compiled reports: 周通报 (a week) and 月交账 (a month), as data, from the ledger at an instant.
 *
 * Input: the report's kind and period, and the instant it is compiled at (by default the instant
 * its job fires: the week's last workday at the circular time, the next month's first workday at
 * the monthly-account time). Output: one model that every renderer (page, email, the Excel 台账,
 * charts) reads: the overview by light and section, what closed in the period, the red and yellow
 * lists with their reasons, who did not report, the ranking, escalations and open 约谈, what falls
 * due next, the full 台账 (open and closed tasks with their latest progress) and, for a month, each
 * unit's account and the indicators.
 */
import type { WorkdayCalendar } from '../calendar.ts';
import { ValidationError } from '../errors.ts';
import { isEvidenceId } from '../evidence.ts';
import type { Task } from '../ledger.ts';
import type { PeriodReport, Store, Versioned } from '../ports.ts';
import { addDays, instantAt, localDateOf, localTimeOf, parseMonthPeriod, parseWeekPeriod, type LocalDate } from '../time.ts';
import type { CadenceConfig } from '../cadence/config.ts';
import type { Links } from '../cadence/job.ts';
import { lightNames, type Light, type TaskLight } from '../cadence/lights.ts';
import { compileMonthlyAccount } from '../cadence/monthly-account.ts';
import { loadSnapshot, taskViews, type Snapshot, type TaskView } from '../cadence/snapshot.ts';
import { circularDuties, compileCircular, escalationLists } from '../cadence/weekly-circular.ts';
import type { DutyRecordRow } from '../duties.ts';
import { extensionRows } from '../extension.ts';
import { monthlyScores, type MonthScores } from '../scores.ts';
import { chineseDay } from '../cadence/week.ts';

export const reportKinds = ['weekly-circular', 'monthly-account'] as const;
export type ReportKind = (typeof reportKinds)[number];

export const reportLabels: Record<ReportKind, string> = { 'weekly-circular': '周通报', 'monthly-account': '月交账' };

export interface ReportDeps {
  store: Store;
  calendar: WorkdayCalendar;
  config: CadenceConfig;
  links: Links;
}

/** The instant a period's report is compiled by its job. */
export function reportInstant(kind: ReportKind, period: string, calendar: WorkdayCalendar, config: CadenceConfig): Date {
  if (kind === 'weekly-circular') {
    const { start } = parseWeekPeriod(period);
    const day = calendar.lastWorkdayOfWeek(start);
    if (!day) throw new ValidationError(`${period} 这一周没有工作日，不编制周通报`, 'period');
    return instantAt(day, config.circularTime);
  }
  const { end } = parseMonthPeriod(period);
  return instantAt(calendar.firstWorkdayOfMonth(addDays(end, 1))!, config.monthlyAccountTime);
}

export function parseReportKind(kind: string | undefined): ReportKind {
  if (!kind || !reportKinds.includes(kind as ReportKind)) {
    throw new ValidationError(`报告类型应为 weekly-circular（周通报）或 monthly-account（月交账），收到“${kind ?? ''}”`, 'kind');
  }
  return kind as ReportKind;
}

/** One line of the 台账, in the office's column order. */
export interface LedgerRow {
  code: string;
  category: string;
  problem: string;
  title: string;
  target: string;
  measures: string;
  leadUnits: string;
  responsibleUnits: string;
  overseers: string;
  deadline: string;
  due: string;
  milestones: string;
  notes: string;
  light: Light;
  lightName: string;
  reasons: string;
  status: string;
  progress: string;
  progressAt: string;
  percent?: number;
  /** The 佐证材料 files (upload ids) the task's 销号 record names: the request, the confirmations, the 回头看 answers. */
  evidence: string[];
}

/** A task whose photos a report shows, and why it shows them. */
export interface EvidenceTask {
  code: string;
  title: string;
  leadUnits: string;
  state: 'closed' | 'open';
  /** Why it was (closed) or is (open) red. */
  reasons: string;
  /** Upload ids (ev_…), once each. */
  evidence: string[];
}

export interface SectionCount {
  category: string;
  total: number;
  red: number;
  yellow: number;
  green: number;
  grey: number;
}

type CircularData = ReturnType<typeof compileCircular>;
type AccountData = Awaited<ReturnType<typeof compileMonthlyAccount>>;

export interface ReportModel {
  kind: ReportKind;
  period: string;
  label: string;
  title: string;
  periodText: string;
  compiledAt: string;
  compiledAtText: string;
  counts: { total: number; red: number; yellow: number; green: number; closed: number; closedThisPeriod: number };
  sections: SectionCount[];
  red: CircularData['red'];
  yellow: CircularData['yellow'];
  /** With the upload ids of the 佐证材料 its 销号 request and confirmations name (the circular shows the photos). */
  closedThisPeriod: { code: string; title: string; leadUnits: string; closedOn: string; evidence: string[] }[];
  /**
   * The 佐证材料 the report shows as photos: each task closed in the period that was red the day its
   * 销号 was asked (`closed`, with its 销号 files), and each task red now (`open`, with the files its
   * units reported in the period). Green and yellow tasks show none: leaders see what lagged, and
   * what was done about it.
   */
  evidenceTasks: EvidenceTask[];
  /** Closed tasks the office reopened in the period (回头看), and why. */
  reopenedThisPeriod: { code: string; title: string; leadUnits: string; reopenedOn: string; closedOn: string; reason: string }[];
  /** Tasks under 公示 at the instant (their 销号 is approved and waits for the 公示 to end). */
  underNotice: { code: string; title: string; leadUnits: string; from: string; until: string }[];
  upcoming: { code: string; title: string; label: string; content: string; due: string; day: string; leadUnits: string }[];
  reporting: { active: number; onTime: number; late: number; missing: number; label: string };
  notReported: string[];
  /** 周通报: units ranked by on-time reporting. */
  ranking: CircularData['ranking'];
  /** 月交账: each unit's account for the month. */
  accounts: (AccountData['units'][number] & { items: { code: string; title: string; summary: string; percent?: number }[] })[];
  indicators: AccountData['indicators'];
  /** 月交账: 考核 — every unit's score for the month with the breakdown per rule, ranked (core/scores.ts). */
  scores?: MonthScores;
  /** 常态化工作: each duty and unit, done / missed by period. */
  duties: DutyRecordRow[];
  /** The distinct periods the duties show, in order, for a table's heads. */
  dutyPeriods: string[];
  /** 月交账: closed 长期坚持 tasks and whether they reported in the month. */
  continuing: AccountData['continuing'];
  /** 延期 asked for, decided or pending in the period (the circular's; the account's month lists the same rule). */
  extensions: CircularData['extensions'];
  named: Awaited<ReturnType<typeof escalationLists>>['named'];
  listed: Awaited<ReturnType<typeof escalationLists>>['listed'];
  interviews: Awaited<ReturnType<typeof escalationLists>>['interviews'];
  ledger: LedgerRow[];
  home: string;
  /** The office's own words: the programme in the title, the office in the signature. */
  office: Snapshot['office'];
  /** What the 公文 (.docx) carries besides the lists. */
  document: ReportDocument;
}

/** The 公文's own parts (GB/T 9704-2012): its 发文字号, 成文日期 and 抄送. */
export interface ReportDocument {
  /** 县整改办〔2018〕12号: given when the report is compiled as the period's own; a preview has none. */
  number?: string;
  /** 成文日期 (and 印发日期), Arabic numerals, no leading zeros: 2018年7月13日. */
  date: string;
  /** 主送机关: the units the circular goes to. */
  to: string;
  /** 抄送: who else receives it (the leaders), as the 版记 names them. */
  copyTo: string[];
}

const byCode = (a: { code: string }, b: { code: string }) => a.code.localeCompare(b.code, 'en', { numeric: true });
const shanghai = (iso: string) => `${localDateOf(new Date(iso))} ${localTimeOf(new Date(iso))}`;

/** Compiles a report at `at` (its job's instant unless given). Reads the open and the closed tasks. */
export async function compileReport(kind: ReportKind, period: string, deps: ReportDeps, at?: Date): Promise<ReportModel> {
  const when = at ?? reportInstant(kind, period, deps.calendar, deps.config);
  const snapshot = await loadSnapshot(when, deps);
  const report = await buildReport(kind, period, snapshot, deps);
  // Compiled when due (or later) it is the period's own circular and takes its 文号; earlier, a preview.
  return isDue(kind, period, when, deps) ? numberReport(report, deps.store) : report;
}

function isDue(kind: ReportKind, period: string, at: Date, deps: ReportDeps): boolean {
  try {
    return at >= reportInstant(kind, period, deps.calendar, deps.config);
  } catch {
    return false; // a week without workdays has no circular of its own
  }
}

/**
 * Gives a compiled report its 发文字号: the office's prefix (its short name when the 基本信息 sheet
 * gives none), the year of the 成文日期 in 〔〕 and the year's next number, without 第 or leading
 * zeros (GB/T 9704-2012, 7.2.5). Numbered once per kind and period: a rerun gets the same number.
 */
export async function numberReport(report: ReportModel, store: Pick<Store, 'documentNumber'>): Promise<ReportModel> {
  const year = Number(localDateOf(new Date(report.compiledAt)).slice(0, 4));
  const assigned = await store.documentNumber(`${report.kind}/${report.period}`, year);
  const prefix = report.office.documentPrefix.trim() || report.office.officeShortName;
  return { ...report, document: { ...report.document, number: `${prefix}〔${assigned.year}〕${assigned.number}号` } };
}

/** What a job has already compiled for its email, so the report does not compile it again. */
export interface CompiledParts {
  circular?: CircularData;
  escalations?: Awaited<ReturnType<typeof escalationLists>>;
  account?: AccountData;
  duties?: DutyRecordRow[];
  scores?: MonthScores;
}

/** The same, from a snapshot a job has already loaded. */
export async function buildReport(kind: ReportKind, period: string, snapshot: Snapshot, deps: ReportDeps, parts: CompiledParts = {}): Promise<ReportModel> {
  const { start, end } = kind === 'weekly-circular' ? parseWeekPeriod(period) : parseMonthPeriod(period);
  const [closed, notice, escalations, periodReports] = await Promise.all([
    deps.store.closedTasks(),
    deps.store.tasksUnderPublicNotice(),
    parts.escalations ?? escalationLists(deps),
    kind === 'weekly-circular' ? Promise.resolve(snapshot.reported.get(period) ?? []) : deps.store.reportedInPeriod(period),
  ]);
  const circular = parts.circular ?? compileCircular(snapshot, deps);
  const account = kind === 'monthly-account' ? (parts.account ?? (await compileMonthlyAccount(period, snapshot, deps))) : undefined;
  // 常态化工作 by period: the circular's recent periods, the month's for the account.
  const duties = kind === 'weekly-circular' ? (parts.duties ?? (await circularDuties(snapshot, deps))) : account!.duties;

  const closedThisPeriod = closed
    .filter((t) => {
      const on = closedOn(t);
      return on !== undefined && on >= start && on <= end;
    })
    .sort(byCode)
    .map((t) => ({ code: t.code, title: t.title, leadUnits: t.leadUnitsText, closedOn: closedOn(t)!, evidence: closeOutFiles(t, false) }));

  const evidenceTasks = await redEvidence(closedThisPeriod, closed, circular.red, period, deps);

  const reopenedThisPeriod = snapshot.tasks
    .map((v) => v.task)
    .filter((t) => t.reopened && t.reopened.on >= start && t.reopened.on <= end)
    .sort(byCode)
    .map((t) => ({ code: t.code, title: t.title, leadUnits: t.leadUnitsText, reopenedOn: t.reopened!.on, closedOn: t.reopened!.closedOn ?? '', reason: t.reopened!.reason }));
  const underNotice = notice
    .filter((t) => t.closeOut?.publicNotice)
    .sort(byCode)
    .map((t) => ({ code: t.code, title: t.title, leadUnits: t.leadUnitsText, from: t.closeOut!.publicNotice!.from, until: t.closeOut!.publicNotice!.until }));

  // Each task's latest progress: the period's own report, else its latest weekly report (the roll-up's).
  const rolledUp = [...snapshot.latest.values()].filter((r) => r.period <= snapshot.week).map((r): PeriodReport => ({ unit: r.unit, code: r.code, at: r.at, lastAt: r.at, summary: r.summary, percent: r.percent }));
  const latest = latestProgress(periodReports, kind === 'weekly-circular' ? [rolledUp] : [snapshot.reported.get(snapshot.week) ?? [], rolledUp]);
  const ledger = [
    ...snapshot.tasks.map((v) => ledgerRow(v.task, v, latest)),
    // Under 公示: approved, not yet closed; counted as on track.
    ...notice.map((t) => ledgerRow(t, { light: { light: 'green', reasons: [`销号公示中（至${t.closeOut?.publicNotice?.until ?? ''}）`] } }, latest)),
    ...closed.map((t) => ledgerRow(t, undefined, latest)),
  ].sort(byCode);

  const categories = [...new Set(ledger.map((r) => r.category))];
  const sections = categories.map((category) => {
    const rows = ledger.filter((r) => r.category === category);
    const count = (light: Light) => rows.filter((r) => r.light === light).length;
    return { category, total: rows.length, red: count('red'), yellow: count('yellow'), green: count('green'), grey: count('grey') };
  });

  const soonUntil = deps.calendar.addWorkdays(snapshot.today, deps.config.yellowWithinWorkdays);
  const titles = new Map(snapshot.tasks.map((v) => [v.task.code, v.task]));
  const upcoming = (await deps.store.dueBetween(addDays(snapshot.today, 1), soonUntil))
    .filter((d) => titles.has(d.code))
    .map((d) => ({
      code: d.code,
      title: titles.get(d.code)!.title,
      label: d.kind === 'task' ? '整改时限' : '阶段节点',
      content: d.content,
      due: d.due,
      day: chineseDay(d.due),
      leadUnits: titles.get(d.code)!.leadUnitsText,
    }))
    .sort((a, b) => a.due.localeCompare(b.due) || byCode(a, b));

  const accounts = (account?.units ?? []).map((u) => ({
    ...u,
    items: periodReports
      .filter((r) => r.unit === u.unit)
      .sort(byCode)
      .map((r) => ({ code: r.code, title: titles.get(r.code)?.title ?? closed.find((t) => t.code === r.code)?.title ?? '', summary: r.summary ?? '', percent: r.percent })),
  }));

  const onTime = circular.ranking.filter((r) => r.order === 0).length;
  const late = circular.ranking.filter((r) => r.order === 1).length;
  const reporting =
    kind === 'weekly-circular'
      ? { active: circular.unitsActive, onTime, late, missing: circular.notReported.length, label: '本周进展报送' }
      : { active: accounts.length, onTime: accounts.filter((a) => a.accounted > 0).length, late: 0, missing: account!.missing.length, label: '本月交账' };

  const scores = kind === 'monthly-account' ? (parts.scores ?? (await monthlyScores(period, snapshot.at, deps))) : undefined;
  const label = reportLabels[kind];
  const periodText = kind === 'weekly-circular' ? circular.week : account!.month;
  return {
    kind,
    period,
    label,
    title: kind === 'weekly-circular' ? `${periodText}${snapshot.office.programme}推进情况通报` : `${periodText}${snapshot.office.programme}交账情况`,
    periodText,
    compiledAt: snapshot.at.toISOString(),
    compiledAtText: shanghai(snapshot.at.toISOString()),
    counts: { ...circular.counts, closed: closed.length, closedThisPeriod: closedThisPeriod.length },
    sections,
    red: circular.red,
    yellow: circular.yellow,
    closedThisPeriod,
    evidenceTasks,
    reopenedThisPeriod,
    underNotice,
    upcoming,
    reporting,
    notReported: kind === 'weekly-circular' ? circular.notReported : account!.missing,
    ranking: kind === 'weekly-circular' ? circular.ranking : [],
    accounts,
    indicators: account?.indicators ?? [],
    ...(scores ? { scores } : {}),
    duties,
    dutyPeriods: dutyPeriodHeads(duties),
    continuing: account?.continuing ?? [],
    extensions: extensionRows(snapshot.tasks.map((v) => v.task), start, end),
    ...escalations,
    ledger,
    home: deps.links.home(),
    office: snapshot.office,
    document: {
      date: chineseDate(snapshot.today),
      to: kind === 'weekly-circular' ? '各牵头单位、责任单位' : `${snapshot.office.programme}领导小组`,
      copyTo: copyTo(snapshot, kind),
    },
  };
}

/** The period labels the duty rows use, once each, in order of first appearance. */
function dutyPeriodHeads(rows: DutyRecordRow[]): string[] {
  return [...new Set(rows.flatMap((r) => r.periods.map((p) => p.label)))];
}

/** 2018年7月13日 (GB/T 9704-2012, 7.3.5.4: Arabic numerals, the year in full, no leading zeros). */
const chineseDate = (day: LocalDate) => `${day.slice(0, 4)}年${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日`;

/** The 版记's 抄送: the leaders who receive the report besides its 主送. */
function copyTo(snapshot: Snapshot, kind: ReportKind): string[] {
  const has = (role: string) => snapshot.people.some((p) => (p.roles as readonly string[]).includes(role));
  if (kind === 'monthly-account') return has('督办领导') ? ['各督办领导'] : [];
  return [...(has('领导小组') ? ['领导小组各成员'] : []), ...(has('督办领导') ? ['各督办领导'] : [])];
}

/**
 * A job's report for its period: the archived one if a run already published it (a rerun sends
 * what was first compiled, and compiles nothing), else built from the job's snapshot and archived.
 */
export async function publishReport(kind: ReportKind, period: string, snapshot: Snapshot, deps: ReportDeps & { reports: ReportPublisher }, parts: CompiledParts = {}): Promise<PublishedReport> {
  return (await deps.reports.find(kind, period)) ?? deps.reports.publish(await numberReport(await buildReport(kind, period, snapshot, deps, parts), deps.store));
}

/**
 * The tasks whose photos the report shows (ReportModel.evidenceTasks): those closed in the period
 * that were red when their 销号 was asked, then those red now with the files reported in the period
 * (one query per red task: the red list is short).
 */
async function redEvidence(closedThisPeriod: ReportModel['closedThisPeriod'], closed: Versioned<Task>[], red: CircularData['red'], period: string, deps: ReportDeps): Promise<EvidenceTask[]> {
  const tasks = new Map(closed.map((t) => [t.code, t]));
  const rows: EvidenceTask[] = [];
  for (const c of closedThisPeriod) {
    const task = tasks.get(c.code);
    const light = task ? await lightWhenAsked(task, deps) : undefined;
    if (light?.light === 'red') rows.push({ code: c.code, title: c.title, leadUnits: c.leadUnits, state: 'closed', reasons: light.reasons.join('；'), evidence: c.evidence });
  }
  for (const r of red) {
    const reports = await deps.store.progressInPeriod(r.code, period);
    const evidence = [...new Set(reports.flatMap((p) => p.evidence).filter(isEvidenceId))];
    rows.push({ code: r.code, title: r.title, leadUnits: r.leadUnits, state: 'open', reasons: r.reasons, evidence });
  }
  return rows;
}

/**
 * A closed task's light the day its 销号 was asked, by the lights' own rule: the task as it stood
 * open then (overdue, a milestone missed, weekly reports missing), counting only the weekly
 * reports it had before that instant.
 */
export async function lightWhenAsked(task: Versioned<Task>, deps: Pick<ReportDeps, 'store' | 'calendar' | 'config'>): Promise<TaskLight> {
  const asked = task.closeOut?.at;
  if (!asked) return { light: 'grey', reasons: [] };
  const weeks = (await deps.store.progressOf(task.code)).filter((r) => r.at < asked && /-W\d{2}$/.test(r.period)).map((r) => r.period).sort();
  const last = weeks.at(-1);
  const [view] = taskViews([{ ...task, status: 'open', closeOut: undefined }], new Map(last ? [[task.code, last]] : []), localDateOf(new Date(asked)), deps);
  return view!.light;
}

/** The day a task closed (销号): its 公示 ended; before 公示 existed, the day the office approved it. */
function closedOn(task: Task): LocalDate | undefined {
  if (task.closeOut?.closedOn) return task.closeOut.closedOn;
  const at = task.closeOut?.reviewedAt;
  return at ? localDateOf(new Date(at)) : undefined;
}

/** The latest report on each task: the period's own first, then the earlier periods, most recent first. */
function latestProgress(period: PeriodReport[], earlier: PeriodReport[][]): Map<string, PeriodReport> {
  const latest = new Map<string, PeriodReport>();
  for (const reports of [period, ...earlier]) {
    const found = new Map<string, PeriodReport>();
    for (const r of reports) {
      if (latest.has(r.code)) continue;
      const seen = found.get(r.code);
      if (!seen || r.lastAt > seen.lastAt) found.set(r.code, r);
    }
    for (const [code, r] of found) latest.set(code, r);
  }
  return latest;
}

function ledgerRow(task: Versioned<Task>, view: Pick<TaskView, 'light'> | undefined, latest: Map<string, PeriodReport>): LedgerRow {
  const light = view?.light ?? { light: 'grey' as const, reasons: [] };
  const progress = latest.get(task.code);
  const closeOut = task.closeOut;
  return {
    code: task.code,
    category: task.category || '未分类',
    problem: task.problem,
    title: task.title,
    target: task.target,
    measures: task.measures,
    leadUnits: task.leadUnitsText,
    responsibleUnits: task.responsibleUnitsText,
    overseers: task.overseers.join('、'),
    deadline: task.deadline.text,
    due: task.deadline.kind === 'ongoing' ? '' : task.deadline.due,
    milestones: task.milestones.map((m) => `${m.due} ${m.content}`).join('；'),
    notes: task.notes,
    light: light.light,
    lightName: lightNames[light.light],
    reasons: light.reasons.join('；'),
    status:
      task.status === 'closed'
        ? `已销号（${closedOn(task) ?? ''}）`
        : task.status === 'notice'
          ? `销号公示中（${closeOut?.publicNotice?.from ?? ''}至${closeOut?.publicNotice?.until ?? ''}）`
          : closeOut?.state === 'requested'
            ? '销号审核中'
            : closeOut?.state === 'asked' || closeOut?.state === 'confirming'
              ? '销号待牵头单位确认'
              : task.reopened
                ? `整改中（${task.reopened.on}重新打开）`
                : '整改中',
    progress: progress?.summary ?? (task.status !== 'open' ? closeOut?.summary ?? '' : ''),
    progressAt: progress ? shanghai(progress.lastAt) : '',
    percent: progress?.percent,
    evidence: closeOutFiles(task, true),
  };
}

/** The upload ids (ev_…) of a task's 销号 record, once each: the request, the confirmations and, with `lookbacks`, the 回头看 answers. */
function closeOutFiles(task: Task, lookbacks: boolean): string[] {
  const closeOut = task.closeOut;
  if (!closeOut) return [];
  const named = [
    ...closeOut.evidence,
    ...(closeOut.confirmations ?? []).flatMap((p) => p.evidence),
    ...(lookbacks ? (closeOut.lookbacks ?? []).flatMap((l) => l.answers.flatMap((a) => a.evidence)) : []),
  ];
  return [...new Set(named.filter(isEvidenceId))];
}

/** A report as archived: its files, with the page, the workbook and the 公文 named. */
export interface PublishedReport {
  kind: ReportKind;
  period: string;
  files: { name: string; key: string; contentType: string }[];
  page: { name: string; key: string };
  workbook: { name: string; key: string; contentType: string };
  /** The 公文 (.docx); absent from reports archived before it was made. */
  document?: { name: string; key: string; contentType: string };
}

/** The files a report is sent with: the 台账 workbook and, where archived, the 公文 (.docx). */
export function reportAttachments(published: PublishedReport): { filename: string; key: string; contentType: string }[] {
  return [published.workbook, ...(published.document ? [published.document] : [])].map((f) => ({ filename: f.name, key: f.key, contentType: f.contentType }));
}

/** Renders a compiled report (page, email version, the Excel 台账, charts) and archives it. */
export interface ReportPublisher {
  /** Archives the report unless this period's report is already archived; either way says where it is. */
  publish(report: ReportModel): Promise<PublishedReport>;
  /** The archived report of a period, if any. */
  find(kind: ReportKind, period: string): Promise<PublishedReport | undefined>;
}
