/**
 * The store as one run sees it (the monthly account, the 考核 page): what several parts of the run
 * ask for is read once — the tasks (open, under 公示, closed), the units, the escalations (the open
 * ones among them), the reports' roll-up (folded once) and each period's reports. The monthly
 * account's snapshot, its reminders, its compiled account, its report and its 考核 scores all read
 * the month and the ledger. A month's reports (its monthly accounts) come from the roll-up, a few
 * items, instead of one item per account. Everything else, writes included, goes to the store as
 * it is. For one run only: what it memoises is what the store held when the run first asked.
 */
import type { Store } from '../ports.ts';
import { parseWeekPeriod } from '../time.ts';

const isWeek = (period: string) => {
  try {
    parseWeekPeriod(period);
    return true;
  } catch {
    return false;
  }
};

/** `read` called once, its promise kept for every later call. */
function once<T>(read: () => Promise<T>): () => Promise<T> {
  let kept: Promise<T> | undefined;
  return () => (kept ??= read());
}

/** `read(key)` called once per key. */
function oncePer<T>(read: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const kept = new Map<string, Promise<T>>();
  return (key) => {
    if (!kept.has(key)) kept.set(key, read(key));
    return kept.get(key)!;
  };
}

export function readingOnce(store: Store): Store {
  const view = Object.create(store) as Store;
  view.openTasks = once(() => store.openTasks());
  view.closedTasks = once(() => store.closedTasks());
  view.tasksUnderPublicNotice = once(() => store.tasksUnderPublicNotice());
  const units = Object.create(store.units) as Store['units'];
  units.list = once(() => store.units.list());
  const escalations = Object.create(store.escalations) as Store['escalations'];
  escalations.list = once(() => store.escalations.list());
  Object.assign(view, { units, escalations });
  // The open ones are among all of them, read once for the 考核 (which needs the closed ones too).
  view.openEscalations = async () => (await escalations.list()).filter((e) => e.open);
  view.reportRollup = once(() => store.reportRollup());
  view.latestWeeklyReports = async () => (await view.reportRollup()).latest;
  // A month's accounts as the roll-up holds them, once it is folded; a week's reports from their partition.
  view.reportedInPeriod = oncePer((period) => (isWeek(period) ? store.reportedInPeriod(period) : view.reportRollup().then(() => store.monthlyAccounts(period))));
  view.unitsReportedInPeriod = async (period: string) => new Set((await view.reportedInPeriod(period)).map((r) => r.unit));
  return view;
}
