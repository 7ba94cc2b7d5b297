/**
 * How fast the outbox sends: the rate the office set (DUBAN_CADENCE `sendRatePerSecond`), or on AWS
 * the account's SES sending rate (GetSendQuota's MaxSendRate), read once per process when the first
 * notice goes out; locally, with neither, 10 a second. A quota that cannot be read falls back to 1
 * a second (SES's sandbox rate) and says so in the log, rather than failing the run.
 */
import { GetSendQuotaCommand, type SESClient } from '@aws-sdk/client-ses';

export const LOCAL_SEND_RATE = 10;
const SANDBOX_SEND_RATE = 1;

export function sendRate(
  configured: number | undefined,
  ses: Pick<SESClient, 'send'> | undefined,
  log?: (msg: string, extra?: object) => void,
): number | (() => Promise<number>) {
  if (configured !== undefined) return configured;
  if (!ses) return LOCAL_SEND_RATE;
  let read: Promise<number> | undefined;
  return () =>
    (read ??= ses.send(new GetSendQuotaCommand({})).then(
      (quota) => {
        const rate = quota.MaxSendRate;
        if (!rate || rate <= 0) throw new Error('GetSendQuota gave no MaxSendRate');
        log?.('send rate from the SES quota', { perSecond: rate });
        return rate;
      },
      (error: Error) => {
        log?.('SES quota not read; sending at the sandbox rate', { error: error.name, perSecond: SANDBOX_SEND_RATE });
        read = undefined; // asked again at the next run
        return SANDBOX_SEND_RATE;
      },
    ));
}
