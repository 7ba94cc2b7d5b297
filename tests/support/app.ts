/** The real HTTP app over a dynalite store holding the sample ledger, with a clock the test moves. */
import { defaultCalendar } from '../../functions/core/calendar-data.ts';
import { defaultCadence } from '../../functions/core/cadence/config.ts';
import { signLink } from '../../functions/core/signed-link.ts';
import { createApp } from '../../functions/http/app.ts';
import { issueToken } from '../../functions/http/auth.ts';
import { importLedger } from '../../functions/ledger-import/import-ledger.ts';
import { sampleTables } from './ledger.ts';
import type { TestStore } from './store.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchivePublisher } from '../../functions/reports/publish.ts';
import { FolderArchive } from '../../functions/store/folder-archive.ts';
import type { DynamoStore } from '../../functions/store/dynamo-store.ts';
import type { ConsoleDeps } from '../../functions/http/deps.ts';
import type { EvidenceAppDeps } from '../../functions/http/evidence.ts';

export const SECRET = 'a-test-secret-of-at-least-32-characters';

export async function appBench(dynalite: TestStore, start = new Date('2018-07-10T02:00:00Z'), options: { console?: (store: DynamoStore, reports: ArchivePublisher) => ConsoleDeps; evidence?: (store: DynamoStore) => EvidenceAppDeps } = {}) {
  const store = await dynalite.fresh();
  const calendar = defaultCalendar();
  await importLedger(sampleTables(), { at: new Date('2018-07-04T02:00:00Z'), by: 'office', source: 'sample' }, { store, calendar });
  let now = start;
  const reportsDir = mkdtempSync(join(tmpdir(), 'duban-app-reports-'));
  const reports = new ArchivePublisher(new FolderArchive(reportsDir));
  // As in the sandbox and on AWS: the built-in years plus those the office loaded.
  const app = createApp({ store, clock: () => now, calendar: async () => defaultCalendar(await store.calendarYears()), cadence: defaultCadence, linkSecret: async () => SECRET, reports, ...(options.console ? { console: options.console(store, reports) } : {}), ...(options.evidence ? { evidence: options.evidence(store) } : {}) });
  const office = (await store.people.list()).find((p) => p.roles.includes('整改办'))!;
  return {
    store,
    app,
    reports,
    reportsDir,
    setNow: (at: Date) => (now = at),
    token: (unit: string) => issueToken(store, { kind: 'unit', unit }, now),
    officeToken: () => issueToken(store, { kind: 'office', name: office.name }, now),
    link: (unit: string, at = now) => `/report?${signLink(SECRET, unit, 'report', at)}`,
    post: (path: string, token: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
      app.request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (path: string, token?: string) => app.request(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} }),
  };
}
