/**
 * The roll-up of the reports, kept compact for the scheduled jobs (a few items however many tasks):
 *
 * - `LASTWEEKS`: at most 32 bucket items (`BUCKET#00`…, each a map of task code → [week, instant,
 *   unit, summary, percent, recent weeks]): each task's latest weekly report and the last
 *   `RECENT_WEEKS` weeks it reported in (the 考核's milestone rule asks about a week of the month);
 *   and the cursor.
 * - `FIRSTREPORTS`, one item per week (`sk = <week>`, a map of unit → instant): each unit's first
 *   weekly report of the week (the circular's ranking, the 考核's weekly rule).
 * - `ACCOUNTS#<month>`: at most 32 bucket items per month (task code → unit → [first instant, last
 *   instant, summary, percent]): the month's monthly accounts, as `reportedInPeriod` gives them.
 *
 * A fold reads the roll-up, folds in the weekly and monthly reports written since the cursor (one
 * query each on the reports' index), writes back only the buckets that changed (each a conditional
 * put on its version) and moves the cursor. A submission writes nothing here. The escalation check
 * folds each workday, so each fold reads about a day's reports.
 *
 * Two folds at once: a bucket put that finds another version is left to the other, and the cursor
 * does not move, so the next fold reads those reports again.
 *
 * Size: a bucket is one DynamoDB item (at most 400 KB) and holds about 1/32 of the tasks (about 310
 * in a 10,000-task province). So an entry keeps at most `SUMMARY_KEPT` characters of a report's
 * words and, when it cut them, the report's key (`REPORT#<period>#<id>`); whoever reads the roll-up
 * gets the whole words back from those reports (one BatchGetItem per 100 long reports).
 *
 * Where it starts: the ledger's first import seeds the cursor at the import's week and month (`seedRollup`),
 * so a first fold reads nothing older. A store with reports but no cursor, or a cursor of the
 * roll-up's first shape (no recent weeks, no accounts), is an upgrade: its next fold reads every
 * report once, says so in a log line, and is then complete.
 */
import type { LatestReport, PeriodReport, ReportRollup } from '../core/ports.ts';
import { isoWeekOf, monthOf, type LocalDate } from '../core/time.ts';
import { batchGet } from './table-batch.ts';
import type { Item, TableClient } from './table-client.ts';

/**
 * A bucket's entry for a task: [week, instant, unit, summary, percent, the weeks it reported in
 * lately (newest first), the report's sort key where the summary was cut].
 */
type Entry = [string, string, string, (string | null)?, (number | null)?, string[]?, (string | null)?];
/** How much of a report's words an entry keeps: 200 characters is at most 600 bytes of UTF-8. */
export const SUMMARY_KEPT = 200;
const PK = 'LASTWEEKS';
/** Each unit's first weekly report of a week (`sk = <week>`, a map of unit → instant). */
const FIRSTS = 'FIRSTREPORTS';
const accountsOf = (month: string) => `ACCOUNTS#${month}`;
const CURSOR = 'CURSOR';
/**
 * The roll-up's shape: 2 keeps recent weeks and the months' accounts; 3 spreads tasks over the
 * buckets by a mixed hash. A cursor of another shape is refolded once, every bucket rewritten.
 */
const FORMAT = 3;
const BUCKETS = 32;
/** How many of its latest weeks a task keeps: enough for every week of a month scored the month after. */
export const RECENT_WEEKS = 8;
/** A report written while a fold read (its instant a little before the newest it saw) is read again by the next. */
const OVERLAP_MS = 60_000;
const bucketSk = (n: number) => `BUCKET#${String(n).padStart(2, '0')}`;

/**
 * A task's bucket: the code's hash, mixed (MurmurHash3's finaliser) so that codes differing only in
 * their digits (T-1 … T-1300, 1-2-3) spread evenly; the plain ×31 hash left a third of the buckets
 * empty and others ten times too full.
 */
export function bucketOf(code: string): number {
  let hash = 0;
  for (let i = 0; i < code.length; i++) hash = (Math.imul(hash, 31) + code.charCodeAt(i)) >>> 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) % BUCKETS;
}

/** A task's latest report with the weeks it reported in lately. */
interface Rolled {
  latest: LatestReport;
  weeks: string[];
  /** The report's sort key, where its words are longer than an entry keeps. */
  source?: string;
}

/** The words as an entry keeps them, and the report to read them whole from when they were cut. */
function kept(summary: string | undefined, source: string | undefined): [string | null, string | null] {
  if (summary === undefined) return [null, null];
  if (summary.length <= SUMMARY_KEPT) return [summary, null];
  return [summary.slice(0, SUMMARY_KEPT), source ?? null];
}

const entryOf = ({ latest: r, weeks, source }: Rolled): Entry => {
  const [summary, cut] = kept(r.summary, source);
  return cut ? [r.period, r.at, r.unit, summary, r.percent ?? null, weeks, cut] : [r.period, r.at, r.unit, summary, r.percent ?? null, weeks];
};
function rolledOf(code: string, [period, at, unit, summary, percent, weeks, source]: Entry): Rolled {
  const latest: LatestReport = { code, unit, period, at, ...(typeof summary === 'string' ? { summary } : {}), ...(typeof percent === 'number' ? { percent } : {}) };
  return { latest, weeks: weeks ?? [period], ...(source ? { source } : {}) };
}

/** The whole words of the reports whose entries cut them (task code → sort key → summary). */
async function wholeSummaries(table: TableClient, cut: { code: string; source: string }[]): Promise<Map<string, string>> {
  if (!cut.length) return new Map();
  const items = await batchGet(table, cut.map(({ code, source }) => ({ pk: `TASK#${code}`, sk: source })), { attributes: ['pk', 'sk', 'summary'] });
  return new Map(items.filter((i) => typeof i.summary === 'string').map((i) => [`${i.pk as string}|${i.sk as string}`, i.summary as string]));
}

/** The weeks, newest first, each once, the newest `RECENT_WEEKS`. */
const recent = (weeks: string[]) => [...new Set(weeks)].sort().reverse().slice(0, RECENT_WEEKS);

/** Each unit's first weekly report of `week` (unit → instant), as the last fold left it. */
export async function firstReportsOf(table: TableClient, week: string): Promise<Map<string, string>> {
  const item = await table.get(FIRSTS, week);
  return new Map(Object.entries((item?.units as Record<string, string> | undefined) ?? {}));
}

/** The month's monthly accounts (unit and task, first and last instant, the latest's words), as the last fold left them. */
export async function accountsOfMonth(table: TableClient, month: string): Promise<PeriodReport[]> {
  const items = await table.query({ partition: accountsOf(month), beginsWith: 'BUCKET#' });
  // A task is in one bucket; while a move between buckets is half-written it may be in two: merged.
  const byTask = new Map<string, Record<string, AccountEntry>>();
  for (const item of items) for (const [code, units] of Object.entries(item.tasks as Record<string, Record<string, AccountEntry>>)) byTask.set(code, mergedAccounts(byTask.get(code) ?? {}, units));
  const entries = [...byTask].flatMap(([code, units]) => Object.entries(units).map(([unit, entry]) => ({ code, unit, entry })));
  const whole = await wholeSummaries(table, entries.flatMap(({ code, entry }) => (entry[4] ? [{ code, source: entry[4] }] : [])));
  return entries.map(({ code, unit, entry }) => {
    const report = accountOf(code, unit, entry);
    const words = entry[4] ? whole.get(`TASK#${code}|${entry[4]}`) : undefined;
    return words ? { ...report, summary: words } : report;
  });
}

/** A month's account of a unit on a task: [first instant, last instant, summary, percent, the report's sort key where the summary was cut]. */
type AccountEntry = [string, string, (string | null)?, (number | null)?, (string | null)?];
const accountOf = (code: string, unit: string, [at, lastAt, summary, percent]: AccountEntry): PeriodReport => ({
  unit,
  code,
  at,
  lastAt,
  ...(typeof summary === 'string' ? { summary } : {}),
  ...(typeof percent === 'number' ? { percent } : {}),
});

/** The roll-up's items holding these latest reports, read again from `through` (`<week>#<instant>`): how a store that rolled them up looks. */
export function lastWeeksItems(latest: Iterable<LatestReport>, through: string): Item[] {
  const buckets = new Map<number, Record<string, Entry>>();
  for (const r of latest) {
    const tasks = buckets.get(bucketOf(r.code)) ?? {};
    tasks[r.code] = entryOf({ latest: r, weeks: [r.period] });
    buckets.set(bucketOf(r.code), tasks);
  }
  return [...[...buckets].map(([n, tasks]) => ({ pk: PK, sk: bucketSk(n), version: 1, tasks })), { pk: PK, sk: CURSOR, through, format: FORMAT }];
}

/**
 * Starts the roll-up of a ledger imported into a store that has none: the cursor at the start of
 * the import's week and month, so a first fold reads no report of an older one (another ledger's,
 * on a reused table). Nothing happens where a cursor exists (false).
 */
export async function seedRollup(table: TableClient, day: LocalDate): Promise<boolean> {
  return table.putNew({ pk: PK, sk: CURSOR, through: `${isoWeekOf(day)}#`, months: `${monthOf(day)}#`, format: FORMAT });
}

export async function foldLastWeeks(table: TableClient): Promise<Map<string, LatestReport>> {
  return new Map((await foldRollup(table)).latest.map((r) => [r.code, r]));
}

/** Folds in what was written since the cursor and gives the roll-up as the jobs read it. */
export async function foldRollup(table: TableClient, log: (line: string) => void = (line) => console.log(line)): Promise<ReportRollup> {
  const items = await table.query({ partition: PK });
  const cursorItem = items.find((i) => i.sk === CURSOR);
  const upgrade = cursorItem?.format !== FORMAT;
  const cursor = upgrade ? undefined : (cursorItem?.through as string | undefined);
  const monthCursor = upgrade ? undefined : (cursorItem?.months as string | undefined);
  const versions = new Map<number, number>();
  const rolled = new Map<string, Rolled>();
  for (const item of items) {
    if (!(item.sk as string).startsWith('BUCKET#')) continue;
    versions.set(Number((item.sk as string).slice('BUCKET#'.length)), item.version as number);
    for (const [code, entry] of Object.entries(item.tasks as Record<string, Entry>)) rolled.set(code, rolledOf(code, entry));
  }

  const reportsSince = (partition: string, from: string | undefined) => table.query(from ? { index: 'byCollection', partition, from, upTo: '~' } : { index: 'byCollection', partition });
  const [weekly, monthly] = await Promise.all([reportsSince('WEEKLYREPORTS', cursor), reportsSince('MONTHLYREPORTS', monthCursor)]);
  if (upgrade && (weekly.length || monthly.length)) {
    log(JSON.stringify({ level: 'info', msg: 'report roll-up: one full fold of every stored report (an upgrade)', weeklyReports: weekly.length, monthlyAccounts: monthly.length, why: cursorItem ? 'a roll-up of the earlier shape' : 'reports stored before the roll-up' }));
  }

  // An upgrade rewrites every bucket, so each task sits in the bucket its code hashes to now.
  const changed = new Set<number>(upgrade && versions.size ? Array.from({ length: BUCKETS }, (_, n) => n) : []);
  const firsts = new Map<string, Map<string, string>>();
  for (const item of weekly) {
    const report = asReport(item);
    const known = rolled.get(report.code);
    const weeks = recent([...(known?.weeks ?? []), report.period]);
    const keepKnown = known && known.latest.at >= report.at;
    const latest = keepKnown ? known.latest : report;
    if (!known || latest !== known.latest || weeks.join() !== known.weeks.join()) {
      const source = keepKnown ? known.source : (item.sk as string);
      rolled.set(report.code, { latest, weeks, ...(source ? { source } : {}) });
      changed.add(bucketOf(report.code));
    }
    const ofWeek = firsts.get(report.period) ?? new Map<string, string>();
    if (!ofWeek.has(report.unit) || report.at < ofWeek.get(report.unit)!) ofWeek.set(report.unit, report.at);
    firsts.set(report.period, ofWeek);
  }

  let allWritten = true;
  const written = (ok: boolean) => {
    if (!ok) allWritten = false;
  };
  for (const bucket of changed) {
    const tasks = Object.fromEntries([...rolled].filter(([code]) => bucketOf(code) === bucket).map(([code, r]) => [code, entryOf(r)]));
    written(await putVersioned(table, { pk: PK, sk: bucketSk(bucket), tasks }, versions.get(bucket)));
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
    if (moved) written(await putVersioned(table, { pk: FIRSTS, sk: week, units }, known?.version as number | undefined));
  }
  for (const ok of await foldAccounts(table, monthly)) written(ok);

  const through = movedTo(weekly, cursor);
  const months = movedTo(monthly, monthCursor);
  if (allWritten && (upgrade || through !== cursor || months !== monthCursor)) {
    const cursorNow = { pk: PK, sk: CURSOR, format: FORMAT, ...(through ? { through } : {}), ...(months ? { months } : {}) };
    // Moves forward only: a fold that read less leaves a further cursor as it is.
    await table.putIf(
      cursorNow,
      'attribute_not_exists(pk) OR attribute_not_exists(#format) OR #format <> :format OR ((attribute_not_exists(#through) OR #through <= :through) AND (attribute_not_exists(#months) OR #months <= :months))',
      { ':format': FORMAT, ':through': through ?? '', ':months': months ?? '' },
      { '#format': 'format', '#through': 'through', '#months': 'months' },
    );
  }
  // Entries read from the buckets with their words cut get them whole from their reports.
  const cut = [...rolled].filter(([, r]) => r.source && (r.latest.summary?.length ?? 0) === SUMMARY_KEPT).map(([code, r]) => ({ code, source: r.source! }));
  const whole = await wholeSummaries(table, cut);
  const wholeOf = (r: Rolled) => (r.source ? whole.get(`TASK#${r.latest.code}|${r.source}`) : undefined);
  return { latest: [...rolled.values()].map((r) => (wholeOf(r) ? { ...r.latest, summary: wholeOf(r) } : r.latest)), recentWeeks: new Map([...rolled].map(([code, r]) => [code, r.weeks])), recentWeeksKept: RECENT_WEEKS };
}

function asReport(item: Item): LatestReport {
  return {
    code: item.code as string,
    unit: item.unit as string,
    period: item.period as string,
    at: item.at as string,
    ...(typeof item.summary === 'string' ? { summary: item.summary } : {}),
    ...(typeof item.percent === 'number' ? { percent: item.percent } : {}),
  };
}

/** Where the cursor goes after these reports (`<period>#<instant>` less the overlap), or where it was. */
function movedTo(read: Item[], cursor: string | undefined): string | undefined {
  let newest = '';
  for (const item of read) if ((item.gsi1sk as string) > newest) newest = item.gsi1sk as string;
  if (!newest) return cursor;
  const [period, at] = newest.split('#') as [string, string];
  const through = `${period}#${new Date(new Date(at).getTime() - OVERLAP_MS).toISOString()}`;
  return cursor && cursor > through ? cursor : through;
}

/** Writes an item of the roll-up at the next version: false when another fold wrote it first. */
function putVersioned(table: TableClient, item: Item, version: number | undefined): Promise<boolean> {
  const next = { ...item, version: (version ?? 0) + 1 };
  return version === undefined ? table.putNew(next) : table.putIf(next, 'version = :v', { ':v': version });
}

/** Two records of a task's accounts by unit, each unit's taken from the one that heard from it last. */
function mergedAccounts(a: Record<string, AccountEntry>, b: Record<string, AccountEntry>): Record<string, AccountEntry> {
  const merged = { ...a };
  for (const [unit, entry] of Object.entries(b)) {
    const known = merged[unit];
    merged[unit] = !known ? entry : ([known[0] < entry[0] ? known[0] : entry[0], ...(entry[1] > known[1] ? entry : known).slice(1)] as AccountEntry);
  }
  return merged;
}

/** Folds monthly accounts into their months' buckets; one result per bucket written. */
async function foldAccounts(table: TableClient, monthly: Item[]): Promise<boolean[]> {
  const byMonth = new Map<string, Item[]>();
  for (const item of monthly) byMonth.set(item.period as string, [...(byMonth.get(item.period as string) ?? []), item]);
  const results: boolean[] = [];
  for (const [month, reports] of byMonth) {
    const stored = await table.query({ partition: accountsOf(month), beginsWith: 'BUCKET#' });
    const buckets = new Map<number, { version?: number; tasks: Record<string, Record<string, AccountEntry>> }>(
      stored.map((item) => [Number((item.sk as string).slice('BUCKET#'.length)), { version: item.version as number, tasks: item.tasks as Record<string, Record<string, AccountEntry>> }]),
    );
    const changed = new Set<number>();
    // A month kept by an earlier shape of the hash: its tasks move to the buckets their codes hash to now.
    for (const [n, bucket] of [...buckets]) {
      for (const [code, units] of Object.entries(bucket.tasks)) {
        const home = bucketOf(code);
        if (home === n) continue;
        const target = buckets.get(home) ?? { tasks: {} };
        buckets.set(home, target);
        target.tasks[code] = mergedAccounts(target.tasks[code] ?? {}, units);
        delete bucket.tasks[code];
        changed.add(n).add(home);
      }
    }
    for (const item of reports) {
      const r = asReport(item);
      const n = bucketOf(r.code);
      const bucket = buckets.get(n) ?? { tasks: {} };
      buckets.set(n, bucket);
      const units = (bucket.tasks[r.code] ??= {});
      const known = units[r.unit];
      const first = known && known[0] <= r.at ? known[0] : r.at;
      const newer = !known || r.at > known[1];
      if (known && !newer && first === known[0]) continue;
      const [summary, cut] = kept(r.summary, item.sk as string);
      const percent = r.percent ?? null;
      units[r.unit] = newer ? (cut ? [first, r.at, summary, percent, cut] : [first, r.at, summary, percent]) : ([first, ...known!.slice(1)] as AccountEntry);
      changed.add(n);
    }
    for (const n of changed) results.push(await putVersioned(table, { pk: accountsOf(month), sk: bucketSk(n), tasks: buckets.get(n)!.tasks }, buckets.get(n)!.version));
  }
  return results;
}
