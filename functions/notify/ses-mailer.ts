/**
 * The Mailer port on SES: SendEmail, HTML with a plain-text part; SendRawEmail when files are
 * attached (the compiled 台账 to leaders). Classifies SES errors: throttling
 * and server faults are worth retrying; a rejected message or address is not.
 */
import { SendEmailCommand, SendRawEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import { rawMessage } from './mime.ts';
import { MailError, type Mailer, type OutgoingMail } from '../core/ports.ts';

const retryableNames = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'ServiceUnavailable', 'InternalFailure']);

export function classifySesError(error: unknown): MailError {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode ?? 0;
  const throttled = retryableNames.has(name) || /rate exceeded|throttl/i.test(e.message ?? '');
  const transient = status >= 500 || ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'TimeoutError'].includes(name);
  return new MailError(e.message ?? name, throttled || transient, throttled ? 'THROTTLED' : name);
}

export class SesMailer implements Mailer {
  constructor(
    private readonly ses: SESClient,
    private readonly from: string,
    private readonly configurationSet?: string,
  ) {}

  async send(mail: OutgoingMail) {
    try {
      if (mail.attachments?.length) {
        const out = await this.ses.send(
          new SendRawEmailCommand({
            Source: this.from,
            ConfigurationSetName: this.configurationSet,
            Destinations: [mail.to],
            RawMessage: { Data: new TextEncoder().encode(rawMessage(this.from, mail)) },
          }),
        );
        return { messageId: out.MessageId ?? '' };
      }
      const out = await this.ses.send(
        new SendEmailCommand({
          Source: this.from,
          ConfigurationSetName: this.configurationSet,
          Destination: { ToAddresses: [mail.to] },
          Message: {
            Subject: { Data: mail.subject, Charset: 'UTF-8' },
            Body: { Html: { Data: mail.html, Charset: 'UTF-8' }, Text: { Data: mail.text, Charset: 'UTF-8' } },
          },
        }),
      );
      return { messageId: out.MessageId ?? '' };
    } catch (error) {
      throw classifySesError(error);
    }
  }
}
