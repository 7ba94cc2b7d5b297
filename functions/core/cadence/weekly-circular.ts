/**
 * 周通报. Input: the instant it fires. Output: one circular, sent to the leaders, the office and
 * every unit's liaison: an overview by light and by section, the red and yellow lists with their
 * reasons, the units that did not report, a ranking by on-time reporting, and, for the office,
 * the notices that could not be delivered and the addresses that are no longer mailed (undelivered.ts),
 * and the job runs that failed since the last circular with what to do (job-failure.ts). Runs on the last workday of the week.
 */
import { instantAt, isoWeekOf, localDateOf, localTimeOf, parseWeekPeriod } from '../time.ts';
import { levelNames } from './escalation-model.ts';
import { send, skipped, type JobDeps, type JobResult, type NoticeDraft, type Recipient } from './job.ts';
import { publishReport, reportAttachments } from '../reports/model.ts';
import { byLight, liaisonOf, loadSnapshot, peopleWithRole, type Snapshot } from './snapshot.ts';
import { countLights, taskRow } from './weekly-dispatch.ts';
import { undeliveredRows } from './undelivered.ts';
import { chineseDay, chineseWeek, reportDueDay } from './week.ts';
import { calendarReminders } from './calendar-reminder.ts';
import { jobFailureRow } from './job-failure.ts';
import { dutyRecords, recentDutyPeriods, type DutyRecordRow } from '../duties.ts';
import { extensionRows } from '../extension.ts';

export async function weeklyCircular(at: Date, deps: JobDeps): Promise<JobResult> {
  const today = localDateOf(at);
  const week = isoWeekOf(today);
  // Drafted before the calendar is asked about the week: in the last week of December it may not
  // know it, and the reminder must still go out; its id (week, recipient, kind) sends it once a week.
  const reminders = await calendarReminders(at, deps);
  let circularDay: boolean;
  try {
    circularDay = deps.calendar.lastWorkdayOfWeek(today) === today;
  } catch (error) {
    // The circular cannot run this week, and says so; the office still hears why, by email.
    if (reminders.length) await send('weekly-circular', week, at, reminders, deps);
    throw error;
  }
  if (!circularDay) {
    if (reminders.length) return send('weekly-circular', week, at, reminders, deps);
    return skipped('weekly-circular', at, week, 'not the last workday of the week');
  }
  // Each unit's first report this week (the ranking) and each task's latest progress come with the roll-up: no week's reports are read.
  const snapshot = await loadSnapshot(at, deps, { reports: 'firsts' });
  const failures = await deps.store.notices.failures();
  // Job runs that failed since the last circular (a calendar year not loaded …), with what to do.
  const jobFailures = await deps.store.unlistedJobFailures();
  const undelivered = undeliveredRows(failures, await deps.store.notices.suppressions(), snapshot);
  const compiled = compileCircular(snapshot, deps);
  const escalations = await escalationLists(deps);
  const duties = await circularDuties(snapshot, deps);
  const circular = { ...compiled, ...escalations, duties };
  // The full circular, with charts and the Excel 台账, is archived first; the email links to it.
  const published = await publishReport('weekly-circular', week, snapshot, deps, { circular: compiled, escalations, duties });
  const leaders = new Set(peopleWithRole(snapshot.people, '领导小组', '督办领导', '整改办').map((p) => p.email));
  const calendarWarning = upcomingYearWarning(today, deps);
  const office = new Set(peopleWithRole(snapshot.people, '整改办').map((p) => p.email));
  const recipients = new Map<string, Recipient>();
  for (const r of [
    ...peopleWithRole(snapshot.people, '领导小组', '督办领导', '整改办'),
    ...snapshot.units.map((u) => liaisonOf(u.unit)),
  ]) {
    if (!recipients.has(r.email.toLowerCase())) recipients.set(r.email.toLowerCase(), r);
  }
  const drafts: NoticeDraft[] = [...recipients.values()].map((to) => ({
    kind: 'weekly-circular',
    to,
    data: {
      ...emailLists(circular),
      forOffice: office.has(to.email),
      // The office is told what did not arrive: rejected addresses and suppressed ones (退信/投诉).
      failures: office.has(to.email) ? undelivered.failed : [],
      suppressed: office.has(to.email) ? undelivered.suppressed : [],
      allDelivered: undelivered.failed.length === 0 && undelivered.suppressed.length === 0,
      calendarWarning,
      jobFailures: office.has(to.email) ? jobFailures.map(jobFailureRow) : [],
      reportUrl: deps.links.report('weekly-circular', week, published.page.name, at),
      archiveUrl: office.has(to.email) ? deps.links.archive(at) : undefined,
      workbook: leaders.has(to.email) ? published.workbook.name : undefined,
    },
    // Leaders and the office get the 台账 workbook and the 公文 (.docx) with their digest.
    attachments: leaders.has(to.email) ? reportAttachments(published) : undefined,
  }));
  const result = await send('weekly-circular', week, at, [...drafts, ...reminders], deps);
  // The failures are now before the office; list them once.
  if (result.delivery && result.delivery.sent + result.delivery.alreadySent > 0) {
    for (const n of failures) await deps.store.notices.acknowledgeFailure(n.id);
    for (const f of jobFailures) await deps.store.markJobFailureListed(f.id, at.toISOString());
  }
  return result;
}

export function compileCircular(snapshot: Snapshot, deps: Pick<JobDeps, 'calendar' | 'config' | 'links'>) {
  const { start, end } = parseWeekPeriod(snapshot.week);
  const due = reportDueDay(snapshot.today, deps.calendar, deps.config);
  const dueAt = due ? instantAt(due, deps.config.reportDueTime) : undefined;
  const firstReport = snapshot.firstReports;

  const active = snapshot.units.filter((u) => u.tasks.length > 0);
  const ranking = active
    .map((u) => {
      const first = firstReport.get(u.unit.name);
      const onTime = first !== undefined && (!dueAt || new Date(first) <= dueAt);
      return {
        unit: u.unit.name,
        status: first === undefined ? '未报送' : onTime ? '按时报送' : '逾期报送',
        order: first === undefined ? 2 : onTime ? 0 : 1,
        first: first ?? '',
        reportedAt: first ? `${localDateOf(new Date(first)).slice(5)} ${localTimeOf(new Date(first))}` : '—',
        tasks: u.tasks.length,
        red: u.tasks.filter((t) => t.view.light.light === 'red').length,
      };
    })
    .sort((a, b) => a.order - b.order || a.first.localeCompare(b.first) || a.red - b.red || a.unit.localeCompare(b.unit, 'zh'))
    .map((row, i) => ({ ...row, rank: i + 1 }));

  const sections = [...new Set(snapshot.tasks.map((t) => t.task.category))].map((category) => ({
    category: category || '未分类',
    ...countLights(snapshot.tasks.filter((t) => t.task.category === category)),
  }));
  const rows = byLight(snapshot.tasks).map((v) => taskRow(v, undefined, deps));
  return {
    week: chineseWeek(snapshot.week, start, end),
    counts: countLights(snapshot.tasks),
    sections,
    red: rows.filter((r) => r.light === 'red'),
    yellow: rows.filter((r) => r.light === 'yellow'),
    notReported: ranking.filter((r) => r.order === 2).map((r) => r.unit),
    ranking,
    unitsActive: active.length,
    unitsReported: ranking.filter((r) => r.order < 2).length,
    // 延期 asked for or decided this week, and those still waiting for the office.
    extensions: extensionRows(snapshot.tasks.map((v) => v.task), start, end),
    // Closed tasks the office reopened this week (回头看), with why: back in the cadence from that day.
    reopened: snapshot.tasks
      .filter((v) => v.task.reopened && v.task.reopened.on >= start && v.task.reopened.on <= end)
      .map((v) => ({ code: v.task.code, title: v.task.title, leadUnits: v.task.leadUnitsText, on: chineseDay(v.task.reopened!.on), reason: v.task.reopened!.reason })),
    home: deps.links.home(),
  };
}

/** Each 常态化工作's record by unit: the two weeks (months, quarters) before this one and this one. */
export function circularDuties(snapshot: Snapshot, deps: Pick<JobDeps, 'store' | 'calendar'>): Promise<DutyRecordRow[]> {
  return dutyRecords(snapshot.today, (cadence) => recentDutyPeriods(cadence, snapshot.today), deps);
}

/** Rows an email shows of each list; the rest are in the archived circular and its workbook. */
export const EMAIL_LIST_ROWS = { tasks: 50, ranking: 100, escalations: 50 };

/** A province's circular lists thousands of tasks: the email shows the first rows and says how many more. */
function emailLists<T extends { red: unknown[]; yellow: unknown[]; ranking: unknown[]; named: unknown[]; listed: unknown[]; interviews: unknown[] }>(circular: T) {
  const cap = <R>(rows: R[], limit: number) => rows.slice(0, limit);
  const more = (rows: unknown[], limit: number) => Math.max(0, rows.length - limit);
  const { tasks, ranking, escalations } = EMAIL_LIST_ROWS;
  return {
    ...circular,
    red: cap(circular.red, tasks),
    redMore: more(circular.red, tasks),
    yellow: cap(circular.yellow, tasks),
    yellowMore: more(circular.yellow, tasks),
    ranking: cap(circular.ranking, ranking),
    rankingMore: more(circular.ranking, ranking),
    named: cap(circular.named, escalations),
    namedMore: more(circular.named, escalations),
    listed: cap(circular.listed, escalations),
    listedMore: more(circular.listed, escalations),
    interviews: cap(circular.interviews, escalations),
    interviewsMore: more(circular.interviews, escalations),
  };
}

/**
 * From October on, the office is told loudly, every week, if next year's holidays are not loaded:
 * after 31 December every workday question about the new year is refused, not guessed.
 */
export function upcomingYearWarning(today: string, deps: Pick<JobDeps, 'calendar' | 'warn'>): string | undefined {
  const next = Number(today.slice(0, 4)) + 1;
  if (today.slice(5) < '10-01' || deps.calendar.knows(next)) return undefined;
  const message = `工作日历尚未载入${next}年的法定节假日安排。国务院办公厅发布通知后，请将通知全文存为文本文件，运行 npx duban calendar notice 通知.txt 载入；未载入前，${next}年的到期提醒、周调度等将无法计算工作日而停止运行。`;
  deps.warn?.(message);
  return message;
}

/** 通报 (L2 and up) and 挂牌督办 (L4 and up) lists, one row per lead unit with its tasks, and the open 约谈. */
export async function escalationLists(deps: Pick<JobDeps, 'store'>) {
  const open = (await deps.store.openEscalations()).filter((e) => Array.isArray(e.tasks)).sort((a, b) => b.level - a.level || a.unit.localeCompare(b.unit, 'zh'));
  const row = (e: (typeof open)[number]) => ({
    code: e.tasks.map((t) => t.code).join('、') || '（原因已消除，待摘牌）',
    unit: e.unit,
    levelName: levelNames[e.level],
    since: e.levelSince,
    reasons: e.tasks.map((t) => `${t.code}：${t.reasons.join('；')}`).join('；'),
  });
  const interviews = await deps.store.openInterviews();
  return {
    named: open.filter((e) => e.level >= 2).map(row),
    listed: open.filter((e) => e.level >= 4).map(row),
    interviews: interviews.map((i) => ({ code: (i.codes ?? []).join('、'), unit: i.unit, openedOn: i.openedOn, state: i.heldAt ? '已约谈' : i.scheduledAt ? `已定于${i.scheduledAt}` : '待安排' })),
  };
}
