/** What the HTTP app is given: the store, the clock (the sandbox's virtual one included), and the edges it mails and archives through. */
import type { CadenceConfig } from '../core/cadence/config.ts';
import type { Composer, DeliveryReport } from '../core/cadence/job.ts';
import type { WorkdayCalendar } from '../core/calendar.ts';
import type { Notice, ReportArchive, Store } from '../core/ports.ts';
import type { EvidenceAppDeps } from './evidence.ts';
import type { ReportFiles } from './reports.ts';

/** The console's own edges. */
export interface ConsoleDeps {
  /** Where people open the app: sign-in and report links start with it (never with the request's Host). */
  appUrl: string;
  composer: Composer;
  /** The outbox: records, then sends, each notice once. */
  deliver(notices: Notice[]): Promise<DeliveryReport>;
  /** A workbook between its dry-run and the office's confirmation (kept under `uploads/`). */
  uploads: Pick<ReportArchive, 'put' | 'get'>;
}

export interface AppDeps {
  store: Store;
  clock: () => Date;
  calendar: () => Promise<WorkdayCalendar>;
  cadence: CadenceConfig;
  linkSecret: () => Promise<string>;
  /** The archive of compiled reports. */
  reports: ReportFiles;
  /** Sign-in mail, uploads: without them the console answers but mails nothing and imports nothing. */
  console?: ConsoleDeps;
  /** 佐证材料 files (S3, or the sandbox's folder): without them submissions take links only. */
  evidence?: EvidenceAppDeps;
}
