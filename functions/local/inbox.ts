/**
 * The sandbox's inbox: everything duban sends, on every channel, received locally and shown in one
 * list. An SMTP sink (smtp-server) takes what the SMTP channel sends; a webhook receiver on the
 * inbox's HTTP port takes what the robots send (`POST /hooks/wecom/<key>`,
 * `POST /hooks/dingtalk/<token>`), answering as 企业微信 and 钉钉 do; SES mail is read from the SES
 * emulator's /store and merged in. `GET /store` is the JSON list (channel, address, title, body,
 * time), `GET /` the viewer, `POST /clear-store` empties it.
 *
 * A 钉钉 request that carries `timestamp` and `sign` is checked against the robot's secret when the
 * inbox knows it (`dingtalkSecrets`): a wrong signature is refused with errcode 310000, as 钉钉
 * does. `answer` lets a caller make a robot answer otherwise (a rate limit, say) to see how duban
 * copes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { dingtalkSignature } from '../notify/robots.ts';

export type InboxChannel = 'email' | 'smtp' | 'wecom' | 'dingtalk';

export interface InboxMessage {
  channel: InboxChannel;
  /** The mailbox, or the robot's key / access token. */
  address: string;
  title: string;
  body: string;
  /** ISO instant it arrived (real time). */
  time: string;
  /** Mail's attached files. */
  attachments?: { filename: string; contentType: string; size: number }[];
  /** 钉钉: whether the request was signed and the signature held. */
  signature?: 'valid' | 'unsigned' | 'unchecked';
}

export interface RobotHit {
  channel: 'wecom' | 'dingtalk';
  key: string;
  /** How many requests this robot got before this one. */
  seen: number;
}

export interface InboxOptions {
  /** HTTP port of the viewer and the webhook receiver (0: any free port). */
  port?: number;
  /** SMTP sink port (0: any free port). */
  smtpPort?: number;
  /** The SES emulator whose /store is merged in. */
  sesUrl?: string;
  /** 钉钉 access token → signing secret: signed requests are checked. */
  dingtalkSecrets?: Record<string, string>;
  /** An answer other than success for a robot request (a JSON body, and an HTTP status). */
  answer?: (hit: RobotHit) => { status?: number; body: object } | undefined;
}

export interface RunningInbox {
  url: string;
  port: number;
  smtpPort: number;
  /** `host:port` of the webhook receiver (for DUBAN_ROBOT_HOSTS). */
  robotHost: string;
  messages(): Promise<InboxMessage[]>;
  /** Raw SMTP messages as received (RFC 5322), for a MIME parser. */
  rawMail(): Buffer[];
  clear(): Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

const channelLabels: Record<InboxChannel, string> = { email: '邮件（SES）', smtp: 'SMTP邮件', wecom: '企业微信机器人', dingtalk: '钉钉机器人' };

function page(messages: InboxMessage[]): string {
  const rows = messages
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.time.replace('T', ' ').slice(0, 19))}</td><td>${channelLabels[m.channel]}</td><td>${escapeHtml(m.address)}</td>` +
        `<td><details><summary>${escapeHtml(m.title)}</summary><pre>${escapeHtml(m.body)}</pre>${(m.attachments ?? []).map((a) => `<div>附件：${escapeHtml(a.filename)}（${a.size} 字节）</div>`).join('')}</details></td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>督办沙盒收件箱</title>
<style>body{font-family:sans-serif;margin:24px}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left;vertical-align:top}pre{white-space:pre-wrap}</style></head>
<body><h1>沙盒收件箱：所有渠道的消息（${messages.length} 条）</h1>
<p>邮件、SMTP邮件、企业微信和钉钉机器人收到的每一条消息，最新的在前。JSON：<a href="/store">/store</a></p>
<table><tr><th>时间</th><th>渠道</th><th>收件地址</th><th>标题与内容</th></tr>${rows}</table></body></html>`;
}

function signatureHolds(url: URL, secret: string): boolean {
  const timestamp = url.searchParams.get('timestamp') ?? '';
  const sign = url.searchParams.get('sign') ?? '';
  const expected = Buffer.from(dingtalkSignature(timestamp, secret));
  const given = Buffer.from(sign);
  // 钉钉 allows an hour between the timestamp and its clock.
  const fresh = Math.abs(Date.now() - Number(timestamp)) < 3_600_000;
  return fresh && given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startInbox(options: InboxOptions = {}): Promise<RunningInbox> {
  const received: InboxMessage[] = [];
  const raw: Buffer[] = [];
  const seen = new Map<string, number>();

  async function sesMessages(): Promise<InboxMessage[]> {
    if (!options.sesUrl) return [];
    try {
      const store = (await (await fetch(`${options.sesUrl}/store`)).json()) as {
        emails: { destination: { to: string[] }; subject: string; body: { text?: string; html?: string }; at: number; attachments?: { filename: string; contentType: string; size: number }[] }[];
      };
      return store.emails.flatMap((e) =>
        e.destination.to.map((to) => ({
          channel: 'email' as const,
          address: to,
          title: e.subject,
          body: e.body.text ?? '',
          time: new Date(e.at * 1000).toISOString(),
          ...(e.attachments?.length ? { attachments: e.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size })) } : {}),
        })),
      );
    } catch {
      return [];
    }
  }

  async function robot(req: IncomingMessage, res: ServerResponse, url: URL, channel: 'wecom' | 'dingtalk', key: string) {
    let payload: { msgtype?: string; markdown?: { content?: string; title?: string; text?: string }; text?: { content?: string } };
    try {
      payload = JSON.parse(await readBody(req));
    } catch {
      return json(res, 200, { errcode: 40008, errmsg: 'invalid message type' });
    }
    const count = seen.get(`${channel}/${key}`) ?? 0;
    seen.set(`${channel}/${key}`, count + 1);
    const override = options.answer?.({ channel, key, seen: count });
    if (override) return json(res, override.status ?? 200, override.body);
    let signature: InboxMessage['signature'];
    if (channel === 'dingtalk') {
      const secret = options.dingtalkSecrets?.[key];
      const signed = url.searchParams.has('sign');
      if (secret && !(signed && signatureHolds(url, secret))) return json(res, 200, { errcode: 310000, errmsg: 'sign not match' });
      signature = secret ? 'valid' : signed ? 'unchecked' : 'unsigned';
    }
    const markdown = payload.markdown;
    const body = markdown?.content ?? markdown?.text ?? payload.text?.content ?? '';
    const title = markdown?.title ?? body.split('\n')[0]!.replace(/^#+\s*/, '');
    received.push({ channel, address: key, title, body, time: new Date().toISOString(), ...(signature ? { signature } : {}) });
    json(res, 200, { errcode: 0, errmsg: 'ok' });
  }

  const http: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://inbox');
    const hook = /^\/hooks\/(wecom|dingtalk)\/([^/]+)$/.exec(url.pathname);
    const handle = async () => {
      if (req.method === 'POST' && hook) return robot(req, res, url, hook[1] as 'wecom' | 'dingtalk', decodeURIComponent(hook[2]!));
      if (req.method === 'GET' && url.pathname === '/store') return json(res, 200, await all());
      if (req.method === 'POST' && url.pathname === '/clear-store') {
        await clear();
        return json(res, 200, { ok: true });
      }
      if (req.method === 'GET' && url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(page(await all()));
      }
      json(res, 404, { errcode: 404, errmsg: 'not found' });
    };
    handle().catch(() => json(res, 500, { errcode: -1, errmsg: 'system busy' }));
  });

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 50 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const message = Buffer.concat(chunks);
        raw.push(message);
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        simpleParser(message)
          .then((mail) => {
            for (const to of recipients) {
              received.push({
                channel: 'smtp',
                address: to,
                title: mail.subject ?? '',
                body: mail.text ?? '',
                time: new Date().toISOString(),
                ...(mail.attachments.length ? { attachments: mail.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, size: a.size })) } : {}),
              });
            }
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });

  async function all(): Promise<InboxMessage[]> {
    return [...received, ...(await sesMessages())].sort((a, b) => b.time.localeCompare(a.time));
  }

  async function clear() {
    received.length = 0;
    raw.length = 0;
    seen.clear();
    if (options.sesUrl) await fetch(`${options.sesUrl}/clear-store`, { method: 'POST' }).catch(() => undefined);
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort ?? 0, '127.0.0.1', () => resolve());
  }).catch(async (error) => {
    http.close();
    throw error;
  });
  const port = (http.address() as AddressInfo).port;
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    smtpPort,
    robotHost: `127.0.0.1:${port}`,
    messages: all,
    rawMail: () => [...raw],
    clear,
    close: async () => {
      http.closeAllConnections?.();
      await Promise.all([new Promise<void>((r) => http.close(() => r())), new Promise<void>((r) => smtp.close(() => r()))]);
    },
  };
}

/**
 * The settings that send the SMTP and robot channels to a running inbox (the sandbox's, for the
 * sandbox itself and for the CLI that finds it): the SMTP sink without TLS, the receiver's host
 * allowed for robot webhooks, and every robot message (official webhooks included) posted to the
 * receiver. Settings given in the environment win.
 */
export function inboxSettings(inbox: { smtpPort: number; robotHost: string }, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return {
    DUBAN_SMTP_HOST: env.DUBAN_SMTP_HOST ?? '127.0.0.1',
    DUBAN_SMTP_PORT: env.DUBAN_SMTP_HOST ? (env.DUBAN_SMTP_PORT ?? '') : String(inbox.smtpPort),
    DUBAN_SMTP_TLS: env.DUBAN_SMTP_HOST ? (env.DUBAN_SMTP_TLS ?? 'starttls') : 'none',
    DUBAN_ROBOT_HOSTS: [inbox.robotHost, ...(env.DUBAN_ROBOT_HOSTS ?? '').split(/[,\s]+/)].filter(Boolean).join(','),
    DUBAN_ROBOT_SINK: env.DUBAN_ROBOT_SINK ?? `http://${inbox.robotHost}`,
  };
}
