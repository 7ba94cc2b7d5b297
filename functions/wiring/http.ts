/**
 * The HTTP function's wiring: the archive read side (the app serves published reports, it never
 * compiles one) and the console's mail. The console sends only sign-in links, by email: SES and the
 * composer, no SMTP client, no robots, no renderer.
 */
import type { ConsoleDeps } from '../http/deps.ts';
import { ChannelMailer } from '../notify/channel-mailer.ts';
import { EMAIL_TEMPLATE_DIR, TemplateComposer } from '../notify/composer.ts';
import { deliver } from '../notify/outbox.ts';
import { sendRate } from '../notify/send-rate.ts';
import { SesMailer } from '../notify/ses-mailer.ts';
import { ArchiveReader } from '../reports/archive-reader.ts';
import { buildBaseDeps, readConfig, reportArchive, type BaseDeps, type Config } from './common.ts';

export interface HttpDeps extends BaseDeps {
  reports: ArchiveReader;
}

export function buildHttpDeps(config: Config = readConfig()): HttpDeps {
  return { ...buildBaseDeps(config), reports: new ArchiveReader(reportArchive(config)) };
}

const composer = new TemplateComposer(EMAIL_TEMPLATE_DIR);

/**
 * The console's mail (sign-in links through the outbox) and upload keeping, for the HTTP app. `now`
 * is the outbox's real-time clock for claims and pacing, given by the edge that serves. Sign-in
 * links go by email only: SES.
 */
export function consoleDeps(deps: BaseDeps & { reports: ArchiveReader }, now: () => Date, sender = `http-${process.pid}`): ConsoleDeps {
  const mailer = new ChannelMailer({ email: new SesMailer(deps.ses, deps.config.DUBAN_MAIL_FROM, deps.config.DUBAN_SES_CONFIGURATION_SET) });
  return {
    appUrl: deps.config.DUBAN_APP_URL,
    composer,
    uploads: deps.reports.archive,
    deliver: (notices) =>
      deliver(notices, {
        notices: deps.store.notices,
        mailer,
        now,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        // A sign-in link at a time: the set rate, or the local one (the quota is read by the jobs).
        ratePerSecond: sendRate(deps.cadence.sendRatePerSecond, undefined) as number,
        sender,
      }),
  };
}
