/**
 * The store as one job run sees it: each period's reports are read once, however many parts of the
 * run ask for them (the monthly account's reminders, its compiled account, its report and its 考核
 * scores all read the month). Everything else goes to the store as it is.
 */
import type { PeriodReport, Store } from '../ports.ts';

export function readingPeriodsOnce(store: Store): Store {
  const periods = new Map<string, Promise<PeriodReport[]>>();
  const once = Object.create(store) as Store;
  once.reportedInPeriod = (period: string) => {
    let reports = periods.get(period);
    if (!reports) {
      reports = store.reportedInPeriod(period);
      periods.set(period, reports);
    }
    return reports;
  };
  once.unitsReportedInPeriod = async (period: string) => new Set((await once.reportedInPeriod(period)).map((r) => r.unit));
  return once;
}
