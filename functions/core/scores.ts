/**
 * 考核: a monthly score per unit, from the rules in the cadence settings (config.ts, `scoring`).
 *
 * Input: the month, the instant it is scored at (a month still running is scored up to that day),
 * and what the store keeps: the tasks, the weekly and monthly reports, the 催办 records of the
 * month, the escalations. Output: every unit that had a task open in the month (as lead or
 * responsible unit), its score (`base` + Σ weight × count) with the breakdown per rule and what
 * each rule counted, and its rank (ties share a rank: 1, 1, 3).
 *
 * What a unit is counted for:
 * - every unit: its weekly reports (late or missing weeks: a missing week is one it was chased for
 *   and never reported), the 催办 it got, its monthly account;
 * - lead units only: their tasks overdue, milestones missed, the escalation level they reached,
 *   tasks closed on time and 回头看 answered. Escalation stays with the lead unit: a responsible
 *   unit that never reports loses points through its 催办 and missing weeks, never through a level.
 *
 * `scoreMonth` is pure; `monthlyScores` reads what it needs through the store port.
 */
import type { WorkdayCalendar } from './calendar.ts';
import type { CadenceConfig, ScoreRuleId, ScoringConfig } from './cadence/config.ts';
import { levelNames, type Escalation } from './cadence/escalation-model.ts';
import { chineseDay, reportDueDay } from './cadence/week.ts';
import { ValidationError } from './errors.ts';
import { isActiveUnit, unitsOfTask, type Task, type Unit } from './ledger.ts';
import type { ChaseRecord, PeriodReport, ReportRollup, Store } from './ports.ts';
import { addDays, instantAt, isoWeekOf, localDateOf, localTimeOf, monthOf, parseMonthPeriod, parseWeekPeriod, weekStart, type LocalDate } from './time.ts';

export const scoreRuleIds = ['weeklyReports', 'chases', 'monthlyAccount', 'overdueTasks', 'missedMilestones', 'escalation', 'closedOnTime', 'lookbacks'] as const satisfies readonly ScoreRuleId[];

export interface RuleScore {
  rule: ScoreRuleId;
  label: string;
  description: string;
  weight: number;
  /** What the rule counted in the month. */
  count: number;
  /** weight × count. */
  points: number;
  /** Each counted item, in Chinese (the week and why, the task, the milestone, the level). */
  items: string[];
}

export interface UnitScore {
  unit: string;
  /** The unit leads at least one task scored in the month. */
  leads: boolean;
  tasks: number;
  total: number;
  rank: number;
  rules: RuleScore[];
  /** The rules that moved the score, `label −2` each, for a line of text. */
  summary: string;
}

export interface MonthScores {
  month: string;
  monthText: string;
  /** The last day scored: the month's end, or the day it was scored on while the month runs. */
  through: LocalDate;
  base: number;
  rules: { rule: ScoreRuleId; label: string; description: string; weight: number }[];
  units: UnitScore[];
}

export interface ScoreTask {
  code: string;
  title: string;
  leadUnits: string[];
  responsibleUnits: string[];
  deadline: Task['deadline'];
  milestones: Task['milestones'];
  status: Task['status'];
  closeOut?: Task['closeOut'];
  /** When the task came into the ledger (ISO instant). */
  createdAt: string;
}

export interface ScoreInput {
  month: string;
  /** The instant it is scored at. */
  at: Date;
  units: string[];
  tasks: ScoreTask[];
  /** The weeks that touch the month, each with its report-due instant (ISO; none in a week without workdays). */
  weeks: { week: string; due?: string }[];
  /** Each unit's first weekly report (ISO instant) in each of those weeks: week → unit → instant. */
  firstReports: Map<string, Map<string, string>>;
  /** The weeks each task had a weekly report in: at least the weeks of the month's milestones. */
  reportedWeeks: Map<string, Set<string>>;
  /** The month's monthly accounts. */
  monthly: PeriodReport[];
  /** The end of the month's last workday (ISO): an account after it is late. */
  monthlyDue: string;
  chases: ChaseRecord[];
  escalations: Escalation[];
  scoring: ScoringConfig;
}

const monthText = (month: string) => `${month.slice(0, 4)}年${Number(month.slice(5, 7))}月`;
const shanghai = (iso: string) => `${chineseDay(localDateOf(new Date(iso)))}${localTimeOf(new Date(iso))}`;
const weekText = (week: string) => {
  const { start, end } = parseWeekPeriod(week);
  return `${Number(start.slice(5, 7))}月${Number(start.slice(8, 10))}日至${Number(end.slice(5, 7))}月${Number(end.slice(8, 10))}日当周`;
};

/** The day the office approved a task's close-out (it is done then; the 公示 follows), if it did. */
function approvedOn(task: ScoreTask): LocalDate | undefined {
  const c = task.closeOut;
  if (!c || (c.state !== 'publicNotice' && c.state !== 'closed') || task.status === 'open') return undefined;
  const at = c.reviewedAt ?? c.closedAt;
  return at ? localDateOf(new Date(at)) : c.closedOn;
}

/** The day a task closed (its 公示 ended; before 公示 existed, the office's approval). */
function closedOn(task: ScoreTask): LocalDate | undefined {
  if (task.status !== 'closed') return undefined;
  return task.closeOut?.closedOn ?? approvedOn(task);
}

export function scoreMonth(input: ScoreInput): MonthScores {
  const { month, scoring } = input;
  const { start, end } = parseMonthPeriod(month);
  const today = localDateOf(input.at);
  // The days scored: the month, up to yesterday while it runs (today is not over).
  const through = end < today ? end : addDays(today, -1);
  const inScope = input.tasks.filter((t) => localDateOf(new Date(t.createdAt)) <= end && !((closedOn(t) ?? '9999') < start));
  const active = new Set(input.units);

  const tasksOf = new Map<string, { task: ScoreTask; lead: boolean }[]>();
  for (const task of inScope) {
    for (const unit of unitsOfTask(task)) {
      if (!active.has(unit)) continue;
      const links = tasksOf.get(unit) ?? [];
      links.push({ task, lead: task.leadUnits.includes(unit) });
      tasksOf.set(unit, links);
    }
  }
  // 回头看 are asked of tasks closed long before: each answer of the month counts, wherever its task is.
  const answeredOf = new Map<string, string[]>();
  for (const task of input.tasks) {
    for (const [round, l] of (task.closeOut?.lookbacks ?? []).entries()) {
      for (const a of l.answers) {
        const on = localDateOf(new Date(a.at));
        if (!active.has(a.unit) || on < start || on > through || !task.leadUnits.includes(a.unit)) continue;
        const answered = answeredOf.get(a.unit) ?? [];
        answered.push(`${task.code} 第${round + 1}次回头看（${chineseDay(on)}报送）`);
        answeredOf.set(a.unit, answered);
        if (!tasksOf.has(a.unit)) tasksOf.set(a.unit, []);
      }
    }
  }
  const firstOfWeek = input.firstReports;
  const firstAccount = firstByUnit(input.monthly);
  const chasesOf = new Map<string, ChaseRecord[]>();
  for (const c of input.chases) chasesOf.set(c.unit, [...(chasesOf.get(c.unit) ?? []), c]);
  const weeksOfMonth = input.weeks.filter((w): w is { week: string; due: string } => !!w.due && monthOf(localDateOf(new Date(w.due))) === month);

  const ruleOf = (rule: ScoreRuleId, items: string[], count = items.length): RuleScore => {
    const { weight, label, description } = scoring.rules[rule];
    return { rule, label, description, weight, count, points: weight * count, items };
  };

  const scored = [...tasksOf].map(([unit, links]) => {
    const lead = links.filter((l) => l.lead).map((l) => l.task);
    const chases = chasesOf.get(unit) ?? [];
    const chasedWeeks = new Set(chases.map((c) => c.period));

    // Weekly reports: the first report of the week against the week's due instant.
    const weekly: string[] = [];
    for (const { week, due } of weeksOfMonth) {
      if (new Date(due) > input.at) continue; // not due yet
      const first = firstOfWeek.get(week)?.get(unit);
      if (first && first > due) weekly.push(`${weekText(week)}：迟报（时限${shanghai(due)}，${shanghai(first)}报送）`);
      else if (!first && chasedWeeks.has(week)) weekly.push(`${weekText(week)}：经催办仍未报送`);
    }

    const chased = chases.map((c) => `${chineseDay(c.on)}催办（${c.tasks.map((t) => t.code).join('、')}）`);

    const account = firstAccount.get(unit);
    const monthly: string[] = [];
    if (account && account > input.monthlyDue) monthly.push(`迟交（${shanghai(account)}提交）`);
    else if (!account && new Date(input.monthlyDue) <= input.at) monthly.push(`${monthText(month)}未提交月交账`);

    const overdue: string[] = [];
    const milestones: string[] = [];
    const closed: string[] = [];
    const lookbacks = answeredOf.get(unit) ?? [];
    for (const task of lead) {
      const done = approvedOn(task);
      if (task.deadline.kind !== 'ongoing') {
        const due = task.deadline.due;
        // Overdue on some day of the month: past its due day and not yet approved for close-out.
        const firstLate = addDays(due, 1) > start ? addDays(due, 1) : start;
        if (firstLate <= through && !(done && done < firstLate)) overdue.push(`${task.code} ${task.title}（整改时限${due}）`);
        const closedDay = closedOn(task);
        if (closedDay && closedDay >= start && closedDay <= through && done && done <= due) closed.push(`${task.code} ${task.title}（${closedDay}销号）`);
      }
      for (const m of task.milestones) {
        if (m.due < start || m.due > through || (done && done <= m.due)) continue;
        if (!input.reportedWeeks.get(task.code)?.has(isoWeekOf(m.due))) milestones.push(`${task.code} 阶段节点“${m.content}”（${m.due}）到期当周未报送进展`);
      }
    }

    // The highest level the unit's escalation stood at on some day of the month.
    const escalation = input.escalations.find((e) => e.unit === unit);
    let level = 0;
    const levels: string[] = [];
    if (escalation && lead.length) {
      const before = escalation.steps.filter((s) => s.on < start).at(-1);
      level = before?.level ?? 0;
      if (level) levels.push(`月初处于${levelNames[level]}（${before!.on}起）`);
      for (const s of escalation.steps.filter((s) => s.on >= start && s.on <= through)) {
        level = Math.max(level, s.level);
        if (s.level) levels.push(`${chineseDay(s.on)}${levelNames[s.level]}`);
      }
    }

    const rules: RuleScore[] = [
      ruleOf('weeklyReports', weekly),
      ruleOf('chases', chased),
      ruleOf('monthlyAccount', monthly),
      ruleOf('overdueTasks', overdue),
      ruleOf('missedMilestones', milestones),
      ruleOf('escalation', level ? [`最高${levelNames[level]}（${level}级）`, ...levels] : [], level),
      ruleOf('closedOnTime', closed),
      ruleOf('lookbacks', lookbacks),
    ];
    const total = scoring.base + rules.reduce((sum, r) => sum + r.points, 0);
    const summary = rules.filter((r) => r.points).map((r) => `${r.label}${r.points > 0 ? '+' : ''}${r.points}`).join('，') || '无加减分';
    return { unit, leads: lead.length > 0, tasks: links.length, total, rank: 0, rules, summary };
  });

  scored.sort((a, b) => b.total - a.total || a.unit.localeCompare(b.unit, 'zh'));
  scored.forEach((s, i) => (s.rank = i > 0 && s.total === scored[i - 1]!.total ? scored[i - 1]!.rank : i + 1));
  return {
    month,
    monthText: monthText(month),
    through,
    base: scoring.base,
    rules: scoreRuleIds.map((rule) => ({ rule, ...scoring.rules[rule] })),
    units: scored,
  };
}

/** Each unit's first report among these (ISO instant). */
function firstByUnit(reports: PeriodReport[]): Map<string, string> {
  const first = new Map<string, string>();
  for (const r of reports) if (!first.has(r.unit) || r.at < first.get(r.unit)!) first.set(r.unit, r.at);
  return first;
}

/** `2018-09`, or a Chinese error naming the field. */
export function parseScoreMonth(month: string | undefined, field = 'month'): string {
  if (!month || !/^[1-9]\d{3}-(0[1-9]|1[0-2])$/.test(month)) {
    throw new ValidationError(`“${field}”应为月份，写作 YYYY-MM（如 2018-09），收到“${(month ?? '').slice(0, 20)}”`, field);
  }
  return month;
}

export interface ScoreDeps {
  store: Store;
  calendar: WorkdayCalendar;
  config: CadenceConfig;
}

/**
 * The month's scores at `at`, read through the store: the tasks, units, chases and escalations, the
 * reports' roll-up (folded first, so a report of a moment ago counts) with each unit's first report
 * of each week of the month and the weeks each task reported in lately, and the month's accounts.
 * No week's reports are read, except a task's own reports of a milestone's week that the roll-up no
 * longer keeps (a month scored long after). A job passes its store seen through `readingOnce`.
 */
export async function monthlyScores(month: string, at: Date, deps: ScoreDeps): Promise<MonthScores> {
  parseScoreMonth(month);
  const { start, end } = parseMonthPeriod(month);
  if (start > localDateOf(at)) throw new ValidationError(`${monthText(month)}尚未开始，没有考核得分`, 'month');
  const { store, calendar, config } = deps;
  // Every week touching the month (a milestone may fall due in one whose report is due the month before).
  const weeks: { week: string; due?: string }[] = [];
  for (let day = weekStart(start); day <= end; day = addDays(day, 7)) {
    const due = reportDueDay(day, calendar, config);
    weeks.push({ week: isoWeekOf(day), ...(due ? { due: instantAt(due, config.reportDueTime).toISOString() } : {}) });
  }
  const lastWorkday = calendar.lastWorkdayOfMonth(start)!;
  const [open, notice, closed, units, chases, escalations, rollup] = await Promise.all([
    store.openTasks(),
    store.tasksUnderPublicNotice(),
    store.closedTasks(),
    store.units.list(),
    store.chasesInMonth(month),
    store.escalations.list(),
    store.reportRollup(),
  ]);
  // Read after the fold above: the month's accounts and the weeks' first reports as it left them.
  const [monthly, ...firsts] = await Promise.all([store.reportedInPeriod(month), ...weeks.map((w) => store.firstReportsOfWeek(w.week))]);
  const tasks = [...new Map([...closed, ...notice, ...open].map((t) => [t.code, t])).values()];
  return scoreMonth({
    month,
    at,
    units: units.filter((u: Unit) => isActiveUnit(u)).map((u) => u.name),
    tasks,
    weeks,
    firstReports: new Map(weeks.map((w, i) => [w.week, firsts[i]!])),
    reportedWeeks: await milestoneWeeks(tasks, start, end, rollup, store),
    monthly,
    monthlyDue: instantAt(addDays(lastWorkday, 1)).toISOString(),
    chases,
    escalations,
    scoring: config.scoring,
  });
}

/**
 * The weeks each task reported in, from the roll-up; where a milestone of the month falls in a week
 * older than the task's kept weeks, that task's reports of that week (one small query each).
 */
async function milestoneWeeks(tasks: ScoreTask[], start: LocalDate, end: LocalDate, rollup: ReportRollup, store: Store): Promise<Map<string, Set<string>>> {
  const reported = new Map([...rollup.recentWeeks].map(([code, weeks]) => [code, new Set(weeks)]));
  const unknown: { code: string; week: string }[] = [];
  for (const task of tasks) {
    const kept = rollup.recentWeeks.get(task.code) ?? [];
    const known = (week: string) => kept.length < rollup.recentWeeksKept || week >= kept.at(-1)!;
    for (const week of new Set(task.milestones.filter((m) => m.due >= start && m.due <= end).map((m) => isoWeekOf(m.due)))) {
      if (!known(week)) unknown.push({ code: task.code, week });
    }
  }
  const found = await Promise.all(unknown.map(({ code, week }) => store.progressInPeriod(code, week)));
  unknown.forEach(({ code, week }, i) => {
    if (!found[i]!.length) return;
    const weeks = reported.get(code) ?? new Set<string>();
    reported.set(code, weeks.add(week));
  });
  return reported;
}
