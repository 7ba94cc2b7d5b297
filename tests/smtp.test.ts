/**
 * The SMTP mailer against a real SMTP server (smtp-server) on this machine: in the clear, with
 * STARTTLS and with TLS from the first byte (a localhost certificate in tests/fixtures, trusted as
 * a private CA's would be), logins, refusals and what the outbox learns from each.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { MailError } from '../functions/core/ports.ts';
import { SmtpMailer, type SmtpSettings } from '../functions/notify/smtp-mailer.ts';
import { dotStuffed } from '../functions/notify/smtp-session.ts';
import { ConfigError, readConfig } from '../functions/wiring/common.ts';
import { smtpMailer } from '../functions/wiring/jobs.ts';

// A certificate for localhost made for these tests (100 years), trusted here as a private CA's would be.
const cert = readFileSync(new URL('./fixtures/smtp-localhost.crt', import.meta.url), 'utf8');
const key = readFileSync(new URL('./fixtures/smtp-localhost.key', import.meta.url), 'utf8');
const servers: SMTPServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

interface Arrived {
  from: string;
  to: string[];
  body: string;
  secure: boolean;
  user?: string;
}

async function server(options: Partial<SMTPServerOptions> = {}): Promise<{ port: number; arrived: Arrived[] }> {
  const arrived: Arrived[] = [];
  const s = new SMTPServer({
    logger: false,
    authOptional: true,
    key,
    cert,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        arrived.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          body: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user as string | undefined,
        });
        callback();
      });
    },
    ...options,
  });
  s.on('error', () => undefined); // a client that refuses the certificate closes the connection: expected here
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  return { port: (s.server.address() as AddressInfo).port, arrived };
}

const mail = {
  to: 'liaison@example.gov.cn',
  subject: '【周调度】请于周四前报送本周进展',
  text: '第一行\n.以点开头的一行\n..两个点',
  html: '<p>正文</p>',
  channel: 'smtp' as const,
};
const settings = (port: number, more: Partial<SmtpSettings> = {}): SmtpSettings => ({ host: '127.0.0.1', port, security: 'none', from: 'duban@example.gov.cn', ...more });
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe('the SMTP mailer', () => {
  it('delivers the MIME message in the clear, with its Chinese subject, and gives the message id it sent', async () => {
    const { port, arrived } = await server({ disabledCommands: ['STARTTLS', 'AUTH'] });
    const sent = await new SmtpMailer(settings(port)).send(mail);
    expect(arrived).toHaveLength(1);
    expect(arrived[0]!.from).toBe('duban@example.gov.cn');
    expect(arrived[0]!.to).toEqual(['liaison@example.gov.cn']);
    expect(arrived[0]!.body).toContain(`Message-ID: ${sent.messageId}`);
    expect(arrived[0]!.body).toContain(`Subject: =?UTF-8?B?${Buffer.from('【周调度】').toString('base64').slice(0, 8)}`);
    // The text part is base64 (mime.ts): decode it and find the lines as written.
    const parts = arrived[0]!.body.split(/\r\n\r\n/);
    const decoded = parts.map((p) => Buffer.from(p.replace(/\r\n--.*$/s, '').replace(/\r\n/g, ''), 'base64').toString('utf8'));
    expect(decoded.some((d) => d.includes('.以点开头的一行') && d.includes('..两个点'))).toBe(true);
  });

  it('keeps a line that begins with a dot as written (dot-stuffing), and ends the data once', () => {
    expect(dotStuffed('a\r\n.b\r\n..c')).toBe('a\r\n..b\r\n...c\r\n.\r\n');
    expect(dotStuffed('.x\n')).toBe('..x\r\n.\r\n');
  });

  it('upgrades to TLS with STARTTLS, logs in over it, and will not send in the clear when STARTTLS is required', async () => {
    const { port, arrived } = await server({
      onAuth(auth, _s, callback) {
        callback(auth.password === 'pw' ? null : new Error('535 no'), { user: auth.username });
      },
    });
    await new SmtpMailer(settings(port, { security: 'starttls', user: 'duban', password: 'pw', tls: { ca: cert, servername: 'localhost' } })).send(mail);
    expect(arrived).toEqual([expect.objectContaining({ secure: true, user: 'duban', to: ['liaison@example.gov.cn'] })]);

    const plain = await server({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    const error = await failure(new SmtpMailer(settings(plain.port, { security: 'starttls', tls: { ca: cert, servername: 'localhost' } })).send(mail));
    expect(error).toBeInstanceOf(MailError);
    expect((error as MailError).message).toContain('邮件服务器');
    expect(plain.arrived).toHaveLength(0);
  });

  it('trusts the CA an office names in DUBAN_SMTP_CA besides the usual ones, and says which setting is wrong when it is not a certificate', async () => {
    const { port, arrived } = await server({ disabledCommands: ['AUTH'] });
    const env = { DUBAN_SMTP_HOST: 'localhost', DUBAN_SMTP_PORT: String(port), DUBAN_SMTP_TLS: 'starttls', DUBAN_MAIL_FROM: 'duban@example.gov.cn' };
    await smtpMailer(readConfig({ ...env, DUBAN_SMTP_CA: cert }))!.send(mail);
    expect(arrived).toEqual([expect.objectContaining({ secure: true })]);
    // Without it the server's certificate is nobody's: nothing is sent.
    expect(await failure(smtpMailer(readConfig(env))!.send(mail))).toBeInstanceOf(MailError);
    expect(arrived).toHaveLength(1);
    const wrong = (() => {
      try {
        readConfig({ ...env, DUBAN_SMTP_CA: 'not a certificate' });
      } catch (error) {
        return error;
      }
    })();
    expect(wrong).toBeInstanceOf(ConfigError);
    expect((wrong as ConfigError).variable).toBe('DUBAN_SMTP_CA');
  });

  it('speaks TLS from the first byte (port 465 style), and refuses a certificate nobody vouches for', async () => {
    const { port, arrived } = await server({ secure: true, disabledCommands: ['AUTH'] });
    await new SmtpMailer(settings(port, { security: 'tls', tls: { ca: cert, servername: 'localhost' } })).send(mail);
    expect(arrived).toEqual([expect.objectContaining({ secure: true })]);

    const error = await failure(new SmtpMailer(settings(port, { security: 'tls', tls: { servername: 'localhost' } })).send(mail));
    expect(error).toBeInstanceOf(MailError);
    expect((error as MailError).retryable).toBe(true);
    expect(arrived).toHaveLength(1);
  });

  it('tells the outbox a full mailbox (452) is worth retrying and an unknown recipient (550) is not; an unreachable server is retried', async () => {
    const { port } = await server({
      disabledCommands: ['STARTTLS', 'AUTH'],
      onRcptTo(address, _s, callback) {
        const e = new Error(address.address.startsWith('full') ? 'Mailbox full' : 'No such user') as Error & { responseCode: number };
        e.responseCode = address.address.startsWith('full') ? 452 : 550;
        callback(e);
      },
    });
    const mailer = new SmtpMailer(settings(port));
    const full = (await failure(mailer.send({ ...mail, to: 'full@example.gov.cn' }))) as MailError;
    const unknown = (await failure(mailer.send({ ...mail, to: 'nobody@example.gov.cn' }))) as MailError;
    expect([full.retryable, full.message]).toEqual([true, '邮件服务器暂时无法接收（452），稍后重试']);
    expect([unknown.retryable, unknown.message]).toEqual([false, '邮件服务器拒收（550）']);

    const closed = await server();
    const closedPort = closed.port;
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    const unreachable = (await failure(new SmtpMailer(settings(closedPort)).send(mail))) as MailError;
    expect(unreachable).toBeInstanceOf(MailError);
    expect(unreachable.retryable).toBe(true);
    expect(unreachable.message).toContain('暂时无法连接');
  });
});
