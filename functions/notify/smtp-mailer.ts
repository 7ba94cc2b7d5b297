/**
 * The Mailer port on an SMTP server (a government mail server, or the sandbox's SMTP sink): the
 * same MIME message as SES's raw mail (mime.ts: text and HTML, the files attached), sent with
 * nodemailer. A 4xx answer or a dropped connection is worth retrying; a 5xx answer rejects the
 * message. A refused login is a fault of the settings, not of one message: it stops the run.
 * The password is given to the transport only; it is never logged.
 */
import nodemailer from 'nodemailer';
import { rawMessage } from './mime.ts';
import { MailError, type Mailer, type OutgoingMail } from '../core/ports.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  /** `tls`: TLS from the first byte (port 465); `starttls`: upgrade required; `none`: plain (a local sink). */
  security: 'tls' | 'starttls' | 'none';
  user?: string;
  password?: string;
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

export class SmtpMailer implements Mailer {
  private readonly transport;

  constructor(private readonly settings: SmtpSettings) {
    this.transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.security === 'tls',
      requireTLS: settings.security === 'starttls',
      ignoreTLS: settings.security === 'none',
      ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
      connectionTimeout: 15_000,
      socketTimeout: 30_000,
    });
  }

  async send(mail: OutgoingMail) {
    try {
      const info = await this.transport.sendMail({ envelope: { from: this.settings.from, to: [mail.to] }, raw: rawMessage(this.settings.from, mail) });
      return { messageId: info.messageId ?? '' };
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  close() {
    this.transport.close();
  }
}
