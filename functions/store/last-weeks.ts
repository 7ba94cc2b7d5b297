/**
 * Each task's latest weekly report, kept compact for the scheduled jobs: one partition `LASTWEEKS`
 * of at most 32 bucket items (`BUCKET#00`…, each a map of task code → [week, instant, unit, summary,
 * percent]) and a
 * cursor. A job reads the buckets (a few items however many tasks there are, instead of one item
 * per task), folds in the weekly reports written since the cursor (one query on the reports'
 * index), writes back only the buckets that changed (each a conditional put on its version) and
 * moves the cursor. A submission writes nothing here.
 *
 * Two folds at once: a bucket put that finds another version is left to the other, and the cursor
 * does not move, so the next fold reads those reports again. The first fold reads every weekly
 * report in the index: on a fresh programme there are none, and the escalation check folds each
 * workday after that, so each fold reads about a day's reports.
 */
import type { LatestReport } from '../core/ports.ts';
import type { Item, TableClient } from './table-client.ts';

/** A bucket's entry for a task: [week, instant, unit, summary, percent]. */
type Entry = [string, string, string, string?, number?];
const entryOf = (r: LatestReport): Entry => (r.percent !== undefined ? [r.period, r.at, r.unit, r.summary ?? '', r.percent] : r.summary !== undefined ? [r.period, r.at, r.unit, r.summary] : [r.period, r.at, r.unit]);
const reportOf = (code: string, [period, at, unit, summary, percent]: Entry): LatestReport => ({ code, unit, period, at, ...(summary !== undefined ? { summary } : {}), ...(percent !== undefined && percent !== null ? { percent } : {}) });

const PK = 'LASTWEEKS';
/** Each unit's first weekly report of a week (`sk = <week>`, a map of unit → instant): the circular's ranking. */
const FIRSTS = 'FIRSTREPORTS';
const CURSOR = 'CURSOR';
const BUCKETS = 32;
/** A report written while a fold read (its instant a little before the newest it saw) is read again by the next. */
const OVERLAP_MS = 60_000;
const bucketSk = (n: number) => `BUCKET#${String(n).padStart(2, '0')}`;

function bucketOf(code: string): number {
  let hash = 0;
  for (let i = 0; i < code.length; i++) hash = (hash * 31 + code.charCodeAt(i)) >>> 0;
  return hash % BUCKETS;
}

/** Each unit's first weekly report of `week` (unit → instant), as the last fold left it. */
export async function firstReportsOf(table: TableClient, week: string): Promise<Map<string, string>> {
  const item = await table.get(FIRSTS, week);
  return new Map(Object.entries((item?.units as Record<string, string> | undefined) ?? {}));
}

/** The roll-up's items holding these latest reports, read again from `through` (`<week>#<instant>`): how a store that rolled them up looks. */
export function lastWeeksItems(latest: Iterable<LatestReport>, through: string): Item[] {
  const buckets = new Map<number, Record<string, Entry>>();
  for (const r of latest) {
    const tasks = buckets.get(bucketOf(r.code)) ?? {};
    tasks[r.code] = entryOf(r);
    buckets.set(bucketOf(r.code), tasks);
  }
  return [...[...buckets].map(([n, tasks]) => ({ pk: PK, sk: bucketSk(n), version: 1, tasks })), { pk: PK, sk: CURSOR, through }];
}

export async function foldLastWeeks(table: TableClient): Promise<Map<string, LatestReport>> {
  const items = await table.query({ partition: PK });
  const cursor = items.find((i) => i.sk === CURSOR)?.through as string | undefined;
  const versions = new Map<number, number>();
  const latest = new Map<string, LatestReport>();
  for (const item of items) {
    if (!(item.sk as string).startsWith('BUCKET#')) continue;
    versions.set(Number((item.sk as string).slice('BUCKET#'.length)), item.version as number);
    for (const [code, entry] of Object.entries(item.tasks as Record<string, Entry>)) latest.set(code, reportOf(code, entry));
  }
  const changed = new Set<number>();
  const firsts = new Map<string, Map<string, string>>();
  const consider = (report: LatestReport) => {
    const known = latest.get(report.code);
    if (known && known.at >= report.at) return;
    latest.set(report.code, report);
    changed.add(bucketOf(report.code));
  };
  const asReport = (item: Item): LatestReport => ({
    code: item.code as string,
    unit: item.unit as string,
    period: item.period as string,
    at: item.at as string,
    ...(typeof item.summary === 'string' ? { summary: item.summary } : {}),
    ...(typeof item.percent === 'number' ? { percent: item.percent } : {}),
  });
  const since = await table.query(cursor ? { index: 'byCollection', partition: 'WEEKLYREPORTS', from: cursor, upTo: '~' } : { index: 'byCollection', partition: 'WEEKLYREPORTS' });
  let newest = '';
  for (const item of since) {
    if ((item.gsi1sk as string) > newest) newest = item.gsi1sk as string;
    const report = asReport(item);
    consider(report);
    const ofWeek = firsts.get(report.period) ?? new Map<string, string>();
    if (!ofWeek.has(report.unit) || report.at < ofWeek.get(report.unit)!) ofWeek.set(report.unit, report.at);
    firsts.set(report.period, ofWeek);
  }

  let allWritten = true;
  for (const bucket of changed) {
    const tasks = Object.fromEntries([...latest.values()].filter((r) => bucketOf(r.code) === bucket).map((r) => [r.code, entryOf(r)]));
    const version = versions.get(bucket);
    const item = { pk: PK, sk: bucketSk(bucket), version: (version ?? 0) + 1, tasks };
    const written = version === undefined ? await table.putNew(item) : await table.putIf(item, 'version = :v', { ':v': version });
    if (!written) allWritten = false;
  }
  for (const [week, ofWeek] of firsts) {
    const known = await table.get(FIRSTS, week);
    const units = { ...((known?.units as Record<string, string> | undefined) ?? {}) };
    let moved = false;
    for (const [unit, at] of ofWeek) {
      if (units[unit] !== undefined && units[unit] <= at) continue;
      units[unit] = at;
      moved = true;
    }
    if (!moved) continue;
    const version = known?.version as number | undefined;
    const item = { pk: FIRSTS, sk: week, version: (version ?? 0) + 1, units };
    const written = version === undefined ? await table.putNew(item) : await table.putIf(item, 'version = :v', { ':v': version });
    if (!written) allWritten = false;
  }
  if (newest && allWritten) {
    const [period, at] = newest.split('#') as [string, string];
    const through = `${period}#${new Date(new Date(at).getTime() - OVERLAP_MS).toISOString()}`;
    if (!cursor || through > cursor) await table.putIf({ pk: PK, sk: CURSOR, through }, 'attribute_not_exists(pk) OR #through < :through', { ':through': through }, { '#through': 'through' });
  }
  return latest;
}
