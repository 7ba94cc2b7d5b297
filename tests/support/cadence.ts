/**
 * A cadence test bench on real parts: dynalite for the store, the SES emulator for mail (what
 * arrived is read back from its /store), the sample ledger imported at a given instant.
 */
import { SESClient } from '@aws-sdk/client-ses';
import { afterAll, beforeAll } from 'vitest';
import { defaultCalendar } from '../../functions/core/calendar-data.ts';
import { defaultCadence, type CadenceConfig } from '../../functions/core/cadence/config.ts';
import type { JobDeps } from '../../functions/core/cadence/job.ts';
import type { Mailer, Store } from '../../functions/core/ports.ts';
import { importLedger } from '../../functions/ledger-import/import-ledger.ts';
import type { RawTable } from '../../functions/ledger-import/sheets.ts';
import { startSesEmulator, type RunningServer } from '../../functions/local/emulators.ts';
import { EMAIL_TEMPLATE_DIR, TemplateComposer } from '../../functions/notify/composer.ts';
import { deliver } from '../../functions/notify/outbox.ts';
import { SesMailer } from '../../functions/notify/ses-mailer.ts';
import { appLinks } from '../../functions/wiring.ts';
import { sampleTables } from './ledger.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchivePublisher } from '../../functions/reports/publish.ts';
import { FolderArchive } from '../../functions/store/folder-archive.ts';
import { useDynalite } from './store.ts';

export interface Email {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  /** Parsed by the emulator from a raw message; content in base64. */
  attachments?: { filename: string; contentType: string; content: string; size: number }[];
}

export interface BenchOptions {
  tables?: RawTable[];
  importAt?: Date;
  config?: Partial<CadenceConfig>;
  /** Wraps the real SES mailer (to inject a throttling error, or a crash). */
  mailer?: (real: Mailer) => Mailer;
  /** The outbox's clock, for claims; defaults to real time. */
  now?: () => Date;
  sender?: string;
}

export function useCadenceBench() {
  const dynalite = useDynalite();
  let ses: RunningServer;
  let sesClient: SESClient;
  beforeAll(async () => {
    ses = await startSesEmulator();
    sesClient = new SESClient({ region: 'cn-north-1', endpoint: ses.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    sesClient?.destroy();
    await ses?.close();
  });

  const calendar = defaultCalendar();
  const composer = new TemplateComposer(EMAIL_TEMPLATE_DIR);
  /** Each bench has its own report archive folder. */
  const reportsDir = mkdtempSync(join(tmpdir(), 'duban-reports-'));
  afterAll(() => rmSync(reportsDir, { recursive: true, force: true }));
  let benches = 0;

  function jobDepsFor(store: Store, reports: ArchivePublisher, options: BenchOptions = {}): JobDeps {
    const real = new SesMailer(sesClient, 'duban@example.org');
    const mailer = options.mailer ? options.mailer(real) : real;
    return {
      store,
      calendar,
      config: { ...defaultCadence, sendRatePerSecond: 10_000, ...options.config },
      composer,
      links: appLinks('http://duban.example.org', 'a-test-secret-of-at-least-32-characters'),
      reports,
      deliver: (notices) =>
        deliver(notices, {
          notices: store.notices,
          mailer,
          archive: reports.archive,
          now: options.now ?? (() => new Date()),
          sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))),
          ratePerSecond: 10_000,
          sender: options.sender ?? 'test',
          claimMs: (options.config?.claimSeconds ?? defaultCadence.claimSeconds) * 1000,
          backoffMs: 1,
        }),
    };
  }

  return {
    calendar,
    /** A fresh store with the sample ledger (or `tables`) imported, and job deps on it. */
    async setup(options: BenchOptions = {}) {
      const store = await dynalite.fresh();
      const summary = await importLedger(
        options.tables ?? sampleTables(),
        { at: options.importAt ?? new Date('2018-07-04T02:00:00Z'), by: 'office', source: 'sample' },
        { store, calendar },
      );
      if (!summary.ok) throw new Error(JSON.stringify(summary.issues));
      await this.clearMail();
      const reports = new ArchivePublisher(new FolderArchive(join(reportsDir, String(++benches))));
      return { store, reports, deps: jobDepsFor(store, reports, options), depsWith: (o: BenchOptions) => jobDepsFor(store, reports, o) };
    },
    async mail(): Promise<Email[]> {
      const body = (await (await fetch(`${ses.url}/store`)).json()) as { emails: Email[] };
      return body.emails;
    },
    async clearMail() {
      await fetch(`${ses.url}/clear-store`, { method: 'POST' });
    },
    get sesUrl() {
      return ses.url;
    },
    /** The DynamoDB client of the bench's tables (to count what a run asks of the store). */
    get dynamo() {
      return dynalite.client;
    },
  };
}

/** All recipients of the mails, each with how many they got. */
export function countByRecipient(mails: Email[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of mails) for (const to of m.destination.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}

export const codesIn = (text: string | undefined) => new Set(text?.match(/MZ-\d+-\d+/g) ?? []);
