/**
 * 月交账. Input: the instant it fires. Output, depending on the day:
 * - 3 workdays before the last workday of the month, and on that day: a reminder to every unit with
 *   open tasks that has not yet given its account for the month;
 * - on the first workday of the next month: a 催办 to the units still missing, and the compiled
 *   monthly account to the leaders and the office.
 * Workdays follow the calendar, make-up days included.
 */
import { addDays, localDateOf, monthOf, monthStart, parseMonthPeriod } from '../time.ts';
import { readingOnce } from './period-reads.ts';
import { toNotices, skipped, type JobDeps, type JobResult, type NoticeDraft } from './job.ts';
import { publishReport, reportAttachments } from '../reports/model.ts';
import { indicatorStatus } from '../indicators.ts';
import { correctionNotes, indicatorTrend } from '../indicator-trend.ts';
import { headOf, liaisonOf, loadSnapshot, peopleWithRole, type Snapshot } from './snapshot.ts';
import { monthlyScores, type MonthScores } from '../scores.ts';
import { countLights } from './weekly-dispatch.ts';
import { chineseDay } from './week.ts';
import { dutyPeriodsOfMonth, dutyRecords } from '../duties.ts';
import type { Task } from '../ledger.ts';
import type { PeriodReport, Versioned } from '../ports.ts';
import type { LocalDate } from '../time.ts';

const monthLabel = (month: string) => `${month.slice(0, 4)}年${Number(month.slice(5, 7))}月`;

export async function monthlyAccount(at: Date, runDeps: JobDeps): Promise<JobResult> {
  // The ledger, the roll-up and the month's accounts are read once for the snapshot, the reminders, the account, its report and the scores.
  const deps = { ...runDeps, store: readingOnce(runDeps.store) };
  const { calendar, config } = deps;
  const today = localDateOf(at);
  const month = monthOf(today);
  const lastWorkday = calendar.lastWorkdayOfMonth(today)!;
  const reminderOffset = config.monthlyReminderOffsets.find((n) => calendar.addWorkdays(lastWorkday, -n) === today);
  const closing = calendar.firstWorkdayOfMonth(today) === today;
  // On the first workday the run closes the month before: its notices are filed under that month.
  const previous = monthOf(addDays(monthStart(today), -1));
  if (reminderOffset === undefined && !closing) return skipped('monthly-account', at, month, 'no monthly account step today');

  // No week's reports: each task's latest, this week's included, is in the roll-up the snapshot folds.
  const snapshot = await loadSnapshot(at, deps, { reports: 'none' });
  const notices = [];
  if (reminderOffset !== undefined) {
    const drafts = await missing(month, snapshot, deps, (unit) => ({
      kind: `monthly-reminder-${reminderOffset}`,
      data: { month: monthLabel(month), dueDay: chineseDay(lastWorkday), today: reminderOffset === 0, reportUrl: deps.links.reportForm(unit, at) },
    }));
    notices.push(...(await toNotices('monthly-account', month, at, drafts, deps)));
  }
  if (closing) {
    const drafts = await missing(previous, snapshot, deps, (unit) => ({
      kind: 'monthly-chase',
      data: { month: monthLabel(previous), reportUrl: deps.links.reportForm(unit, at) },
    }));
    const account = await compileMonthlyAccount(previous, snapshot, deps);
    // 考核: every unit's score for the month, ranked; the report lists them, each unit head gets its own.
    const scores = await monthlyScores(previous, at, deps);
    const published = await publishReport('monthly-account', previous, snapshot, deps, { account, scores });
    // A province has a thousand units: the email lists the first hundred, the workbook all.
    const data = { ...account, units: account.units.slice(0, 100), unitsMore: Math.max(0, account.units.length - 100), reportUrl: deps.links.report('monthly-account', previous, published.page.name, at), workbook: published.workbook.name, scores: scores.units.slice(0, 100), scoresMore: Math.max(0, scores.units.length - 100), scoreBase: scores.base };
    const attachments = reportAttachments(published);
    for (const to of peopleWithRole(snapshot.people, '领导小组', '督办领导', '整改办')) {
      drafts.push({ kind: 'monthly-account', to, data, attachments });
    }
    // 完成+长期坚持 tasks silent all month: their lead units are chased too.
    drafts.push(...continuingChases(account.continuing, snapshot, deps, at, previous));
    drafts.push(...scoreNotices(scores, snapshot, deps));
    notices.push(...(await toNotices('monthly-account', previous, at, dedupe(drafts), deps)));
  }
  const delivery = await deps.deliver(notices);
  return { job: 'monthly-account', at: at.toISOString(), period: closing ? previous : month, delivery };
}

async function missing(month: string, snapshot: Snapshot, deps: JobDeps, make: (unit: string) => Omit<NoticeDraft, 'to'>): Promise<NoticeDraft[]> {
  const accounted = await deps.store.unitsReportedInPeriod(month);
  return snapshot.units
    .filter((u) => u.tasks.length > 0 && !accounted.has(u.unit.name))
    .map((u) => ({ ...make(u.unit.name), to: liaisonOf(u.unit), data: { unit: u.unit.name, ...make(u.unit.name).data } }));
}

function dedupe(drafts: NoticeDraft[]): NoticeDraft[] {
  const seen = new Set<string>();
  return drafts.filter((d) => {
    const key = `${d.kind}\n${d.to.email.toLowerCase()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export async function compileMonthlyAccount(month: string, snapshot: Snapshot, deps: Pick<JobDeps, 'store' | 'links' | 'calendar'>) {
  const accounted = await deps.store.reportedInPeriod(month);
  const byUnit = new Map<string, number>();
  for (const r of accounted) byUnit.set(r.unit, (byUnit.get(r.unit) ?? 0) + 1);
  const [indicators, readings] = await Promise.all([deps.store.indicators.list(), deps.store.readingsOf(month)]);
  const readingOf = new Map(readings.map((r) => [r.name, r]));
  // Each indicator's months up to this one, for its trend against the trajectory (one query each).
  const histories = await Promise.all(indicators.map((i) => deps.store.readingHistory(i.name)));
  const active = snapshot.units.filter((u) => u.tasks.length > 0);
  const { start, end } = parseMonthPeriod(month);
  const reportedCodes = new Map<string, PeriodReport>();
  for (const r of accounted) if (!reportedCodes.has(r.code) || r.lastAt > reportedCodes.get(r.code)!.lastAt) reportedCodes.set(r.code, r);
  const continuing = (await deps.store.continuingTasks())
    .map((task) => {
      const closedOn = closedDay(task);
      if (closedOn > end) return undefined; // closed after the month (a report compiled late): not yet its duty
      const report = reportedCodes.get(task.code);
      const status = report ? '已报送' : closedOn >= start ? '本月销号，自下月起每月报送' : '未报送';
      return { code: task.code, title: task.title, leadUnits: task.leadUnits, leadUnitsText: task.leadUnitsText, deadline: task.deadline.text, closedOn, status, silent: !report && closedOn < start, summary: report?.summary ?? '' };
    })
    .filter((row) => row !== undefined)
    .sort((a, b) => a.code.localeCompare(b.code, 'en', { numeric: true }));
  const duties = await dutyRecords(snapshot.today, (c) => dutyPeriodsOfMonth(c, month), deps);
  return {
    month: monthLabel(month),
    range: `${chineseDay(start)}至${chineseDay(end)}`,
    counts: countLights(snapshot.tasks),
    units: active
      .map((u) => ({
        unit: u.unit.name,
        tasks: u.tasks.length,
        accounted: byUnit.get(u.unit.name) ?? 0,
        status: byUnit.has(u.unit.name) ? '已交账' : '未交账',
        red: u.tasks.filter((t) => t.view.light.light === 'red').length,
      }))
      .sort((a, b) => Number(b.accounted > 0) - Number(a.accounted > 0) || a.unit.localeCompare(b.unit, 'zh')),
    missing: active.filter((u) => !byUnit.has(u.unit.name)).map((u) => u.unit.name),
    indicators: indicators.map((i, n) => {
      const reading = readingOf.get(i.name);
      const trend = indicatorTrend(i, histories[n]!, month);
      return {
        ...i,
        targetText: `${i.direction} ${i.target}${i.measureUnit}（${i.year}年）`,
        value: reading?.value,
        valueText: reading ? `${reading.value}${i.measureUnit}` : '未报送',
        status: indicatorStatus(i, reading?.value),
        reportedBy: reading?.by ?? '',
        corrected: correctionNotes(trend).join('；'),
        trend,
      };
    }),
    continuing,
    duties: duties.map((d) => ({ ...d, summary: `${d.periods.filter((p) => p.status === 'done').length}/${d.periods.filter((p) => p.status !== 'exempt').length}` })),
    home: deps.links.home(),
  };
}

/** The day a task closed: the end of its 公示, or the office's approval for tasks closed before 公示 existed. */
function closedDay(task: Versioned<Task>): LocalDate {
  const closeOut = task.closeOut as { closedOn?: string; reviewedAt?: string } | undefined;
  return closeOut?.closedOn ?? localDateOf(new Date(closeOut?.reviewedAt ?? task.updatedAt));
}

/** One 催办 per lead unit listing its continuing tasks that had no report all month. */
function continuingChases(rows: { code: string; title: string; leadUnits: string[]; silent: boolean }[], snapshot: Snapshot, deps: JobDeps, at: Date, month: string): NoticeDraft[] {
  const byUnit = new Map<string, { code: string; title: string }[]>();
  for (const row of rows.filter((r) => r.silent)) {
    for (const unit of row.leadUnits) byUnit.set(unit, [...(byUnit.get(unit) ?? []), { code: row.code, title: row.title }]);
  }
  const units = new Map(snapshot.units.map((u) => [u.unit.name, u.unit]));
  return [...byUnit]
    .filter(([unit]) => units.has(unit))
    .map(([unit, tasks]) => ({
      kind: 'continuing-chase',
      to: liaisonOf(units.get(unit)!),
      data: { unit, month: monthLabel(month), tasks, reportUrl: deps.links.reportForm(unit, at) },
    }));
}

/** Each unit head: its unit's 考核 score for the month, its rank among all units, and what moved it. */
function scoreNotices(scores: MonthScores, snapshot: Snapshot, deps: JobDeps): NoticeDraft[] {
  const units = new Map(snapshot.units.map((u) => [u.unit.name, u.unit]));
  return scores.units
    .filter((s) => units.has(s.unit))
    .map((s) => ({
      kind: 'monthly-score',
      to: headOf(units.get(s.unit)!),
      data: {
        unit: s.unit,
        month: scores.monthText,
        base: scores.base,
        total: s.total,
        rank: s.rank,
        of: scores.units.length,
        rules: s.rules.map((r) => ({ ...r, signed: `${r.points > 0 ? '+' : ''}${r.points}`, weightText: `${r.weight > 0 ? '加' : '扣'}${Math.abs(r.weight)}分/次` })),
        home: deps.links.home(),
      },
    }));
}
