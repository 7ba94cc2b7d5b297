/**
 * The Mailer port on an SMTP server (a government mail server, or the sandbox's SMTP sink): the
 * same MIME message as SES's raw mail (mime.ts: text and HTML, the files attached), sent in one
 * SMTP conversation per message (smtp-session.ts). A 4xx answer or a dropped connection is worth retrying; a 5xx answer rejects the
 * message. A refused login is a fault of the settings, not of one message: it stops the run.
 * The password is given to the transport only; it is never logged. On AWS it is read from Secrets
 * Manager at the first SMTP message (a function that sends none never reads it); a password that
 * cannot be read is a fault of the settings too, and stops the run.
 */
import { randomBytes } from 'node:crypto';
import { rawMessage } from './mime.ts';
import { sendOverSmtp, type SmtpTarget } from './smtp-session.ts';
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
  /** Extra trust for a server whose certificate a private CA signed. */
  tls?: SmtpTarget['tls'];
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
  private password?: Promise<string | undefined>;

  constructor(private readonly settings: SmtpSettings) {}

  /** The password, read once at the first message (a failed read is tried again next message). */
  private secret(): Promise<string | undefined> {
    const { password } = this.settings;
    this.password ??= typeof password === 'function' ? password() : Promise.resolve(password);
    this.password.catch(() => (this.password = undefined));
    return this.password;
  }

  async send(mail: OutgoingMail) {
    const { host, port, security, user, from, tls } = this.settings;
    const password = user ? await this.secret() : undefined;
    const messageId = `<${randomBytes(16).toString('hex')}@${from.split('@')[1] ?? 'localhost'}>`;
    try {
      await sendOverSmtp({ host, port, security, user, password, tls }, { from, to: mail.to }, `Message-ID: ${messageId}\r\n${rawMessage(from, mail)}`);
      return { messageId };
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  /** Each message has its own connection: nothing is left open. */
  close() {}
}
