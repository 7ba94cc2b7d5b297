/**
 * The Mailer port on an SMTP server (a government mail server, or the sandbox's SMTP sink): the
 * same MIME message as SES's raw mail (mime.ts: text and HTML, the files attached), sent with
 * nodemailer. A 4xx answer or a dropped connection is worth retrying; a 5xx answer rejects the
 * message. A refused login is a fault of the settings, not of one message: it stops the run.
 * The password is given to the transport only; it is never logged. On AWS it is read from Secrets
 * Manager at the first SMTP message (a function that sends none never reads it); a password that
 * cannot be read is a fault of the settings too, and stops the run.
 */
import type nodemailer from 'nodemailer';
import { rawMessage } from './mime.ts';
import { MailError, type Mailer, type OutgoingMail } from '../core/ports.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  /** `tls`: TLS from the first byte (port 465); `starttls`: upgrade required; `none`: plain (a local sink). */
  security: 'tls' | 'starttls' | 'none';
  user?: string;
  /** The password, or how to get it (once: the first message waits for it). */
  password?: string | (() => Promise<string>);
  from: string;
}

const transientCodes = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'ECONNRESET', 'ECONNREFUSED', 'EDNS', 'ETLS']);

export function classifySmtpError(error: unknown): MailError {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  if (e.code === 'EAUTH') throw new Error('The SMTP server refused the login: check DUBAN_SMTP_USER and the SMTP password');
  const status = e.responseCode ?? 0;
  if (status >= 500) return new MailError(`邮件服务器拒收（${status}）`, false, `SMTP_${status}`);
  if (status >= 400) return new MailError(`邮件服务器暂时无法接收（${status}），稍后重试`, true, `SMTP_${status}`);
  if (e.code && transientCodes.has(e.code)) return new MailError(`邮件服务器暂时无法连接（${e.code}）`, true, 'SMTP_UNREACHABLE');
  return new MailError(`经 SMTP 发送失败（${e.code ?? 'Error'}）`, true, e.code ?? 'SMTP_ERROR');
}

type Transport = ReturnType<typeof nodemailer.createTransport>;

export class SmtpMailer implements Mailer {
  private transport?: Promise<Transport>;

  constructor(private readonly settings: SmtpSettings) {}

  private open(): Promise<Transport> {
    const { host, port, security, user, password } = this.settings;
    // nodemailer loads with the first SMTP message: a run that sends none does not pay for it.
    this.transport ??= (async () =>
      (await import('nodemailer')).default.createTransport({
        host,
        port,
        secure: security === 'tls',
        requireTLS: security === 'starttls',
        ignoreTLS: security === 'none',
        ...(user ? { auth: { user, pass: (typeof password === 'function' ? await password() : password) ?? '' } } : {}),
        connectionTimeout: 15_000,
        socketTimeout: 30_000,
      }))();
    this.transport.catch(() => (this.transport = undefined)); // a later message tries again
    return this.transport;
  }

  async send(mail: OutgoingMail) {
    const transport = await this.open();
    try {
      const info = await transport.sendMail({ envelope: { from: this.settings.from, to: [mail.to] }, raw: rawMessage(this.settings.from, mail) });
      return { messageId: info.messageId ?? '' };
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  close() {
    void this.transport?.then((t) => t.close()).catch(() => undefined);
  }
}
