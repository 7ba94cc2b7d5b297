/**
 * The Mailer port on group robots: a 企业微信 group robot and a 钉钉 custom robot, each by its
 * webhook. A robot's errors are classified like SES's: a rate limit or a server fault is worth
 * retrying; a bad key or a refused message is a failure the office is told about.
 *
 * 企业微信 群机器人 (developer.work.weixin.qq.com/document/path/91770): POST JSON
 * `{"msgtype":"markdown","markdown":{"content":…}}` to
 * `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`; at most 20 messages a minute per robot;
 * answers `{"errcode":0,"errmsg":"ok"}`, errcode 45009 when over the rate limit, 93000 for an
 * invalid webhook (a wrong key or a removed robot).
 * 钉钉 自定义机器人 (open.dingtalk.com/document/orgapp/custom-robot-access): POST JSON
 * `{"msgtype":"markdown","markdown":{"title":…,"text":…},"at":{…}}` to
 * `https://oapi.dingtalk.com/robot/send?access_token=…`; with 加签, append `&timestamp=…&sign=…`
 * where timestamp is the current time in milliseconds and sign is the URL-encoded Base64 of
 * HMAC-SHA256 over `timestamp + "\n" + secret` keyed with the secret (UTF-8); at most 20 messages
 * a minute per robot (errcode 130101, or 410100, when sent too fast); errcode 310000 when the
 * keyword, the signature or the IP check fails; 300001 / 400101 / 400102 for an unknown token or
 * a disabled robot. A robot with the keyword check needs the keyword in every message.
 *
 * A webhook may only point at the official hosts, or at hosts the deployment names (the sandbox's
 * local receiver): a workbook cannot make duban post anywhere else. In the sandbox every robot
 * message goes to the local receiver (`sink`), official addresses included, the way the SES
 * emulator takes every email: nothing leaves the laptop, and a sample or an office's own workbook
 * shows its robots in the sandbox's inbox.
 */
import { createHmac } from 'node:crypto';
import { channelNames, officialRobotHosts } from '../core/ledger.ts';
import { MailError, type Mailer, type OutgoingMail } from '../core/ports.ts';

export interface RobotOptions {
  /** `host:port` of receivers allowed besides the official hosts (DUBAN_ROBOT_HOSTS). */
  extraHosts?: string[];
  /** Messages a minute per robot (both platforms document 20). */
  perMinute?: number;
  /** Real time, given by the edge: 钉钉 refuses a timestamp an hour off, and the rate limit counts real minutes. */
  clock: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** 钉钉: a keyword the robot's security setting requires, and who to @. */
  dingtalk?: { keyword?: string; atMobiles?: string[]; atAll?: boolean };
  timeoutMs?: number;
  /** The sandbox's receiver (its base URL, DUBAN_ROBOT_SINK): every webhook is posted there, to `/hooks/<kind>/<key>`. */
  sink?: string;
}

/** The signature 钉钉 checks: Base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`)), before URL encoding. */
export function dingtalkSignature(timestamp: number | string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

const RATE_WINDOW_MS = 60_000;

export class RobotMailer implements Mailer {
  private readonly sent = new Map<string, number[]>();
  private readonly allowed: Set<string>;

  constructor(private readonly options: RobotOptions) {
    this.allowed = new Set((options.extraHosts ?? []).map((h) => h.trim().toLowerCase()).filter(Boolean));
  }

  async send(mail: OutgoingMail) {
    const kind = mail.channel;
    if (kind !== 'wecom' && kind !== 'dingtalk') throw new Error(`RobotMailer cannot send on channel ${kind ?? 'email'}`);
    const name = `${channelNames[kind]}机器人`;
    const url = this.webhook(kind, mail.to);
    await this.pace(mail.to);
    let body: object;
    if (kind === 'wecom') {
      body = { msgtype: 'markdown', markdown: { content: mail.text } };
    } else {
      const { keyword, atMobiles, atAll } = this.options.dingtalk ?? {};
      const text = keyword && !mail.text.includes(keyword) ? `${mail.text}\n\n${keyword}` : mail.text;
      const mentions = atMobiles?.length ? `\n\n${atMobiles.map((m) => `@${m}`).join(' ')}` : '';
      body = { msgtype: 'markdown', markdown: { title: mail.subject, text: text + mentions }, at: { atMobiles: atMobiles ?? [], isAtAll: atAll ?? false } };
      if (mail.secret) {
        const timestamp = this.options.clock().getTime();
        url.searchParams.set('timestamp', String(timestamp));
        url.searchParams.set('sign', dingtalkSignature(timestamp, mail.secret));
      }
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new MailError(`${name}暂时无法连接（${(error as Error).name}）`, true, 'ROBOT_UNREACHABLE');
    }
    const answer = (await response.json().catch(() => undefined)) as { errcode?: number; errmsg?: string } | undefined;
    if (response.status === 429 || response.status >= 500) throw new MailError(`${name}暂时不可用（HTTP ${response.status}）`, true, 'ROBOT_UNAVAILABLE');
    if (!response.ok) throw new MailError(`${name}地址无效（HTTP ${response.status}），请核对接收地址`, false, 'ROBOT_BAD_WEBHOOK');
    if (!answer || typeof answer.errcode !== 'number') throw new MailError(`${name}地址的应答不是机器人接口的应答，请核对接收地址`, false, 'ROBOT_BAD_WEBHOOK');
    if (answer.errcode === 0) return { messageId: `${kind}-${this.options.clock().getTime()}` };
    throw classifyRobotError(kind, answer.errcode, answer.errmsg ?? '');
  }

  /** The webhook as a URL, if its host is one a robot may be reached at. */
  private webhook(kind: 'wecom' | 'dingtalk', address: string): URL {
    const name = `${channelNames[kind]}机器人`;
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      throw new MailError(`${name}地址不是有效的网址，请核对接收地址`, false, 'ROBOT_BAD_WEBHOOK');
    }
    const official = url.protocol === 'https:' && url.host === officialRobotHosts[kind];
    if (!official && !this.allowed.has(url.host.toLowerCase())) {
      throw new MailError(`${name}地址不在 ${officialRobotHosts[kind]} 上，未发送，请核对接收地址`, false, 'ROBOT_HOST_NOT_ALLOWED');
    }
    return official && this.options.sink ? sunk(this.options.sink, kind, url) : url;
  }

  /** At most `perMinute` messages to one robot in any minute: waits for the window to free. */
  private async pace(address: string) {
    const { clock } = this.options;
    const limit = this.options.perMinute ?? 20;
    const times = (this.sent.get(address) ?? []).filter((t) => t > clock().getTime() - RATE_WINDOW_MS);
    if (times.length >= limit) {
      const wait = times[times.length - limit]! + RATE_WINDOW_MS - clock().getTime();
      if (wait > 0) await (this.options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(wait);
    }
    times.push(clock().getTime());
    this.sent.set(address, times.slice(-limit));
  }
}

/** An official webhook turned into the sandbox receiver's address for the same robot (its key or access token). */
function sunk(sink: string, kind: 'wecom' | 'dingtalk', url: URL): URL {
  const key = url.searchParams.get(kind === 'wecom' ? 'key' : 'access_token') ?? url.pathname.split('/').pop() ?? '';
  return new URL(`${sink.replace(/\/$/, '')}/hooks/${kind}/${encodeURIComponent(key)}`);
}

const wecomErrors: Record<number, [retryable: boolean, code: string, message: string]> = {
  45009: [true, 'ROBOT_RATE_LIMIT', '企业微信机器人发送过于频繁（每个机器人每分钟最多20条），稍后重试'],
  [-1]: [true, 'ROBOT_BUSY', '企业微信系统繁忙，稍后重试'],
  93000: [false, 'ROBOT_BAD_WEBHOOK', '企业微信机器人地址无效（key 错误或机器人已被移出群聊），请核对接收地址'],
  40008: [false, 'ROBOT_REFUSED', '企业微信拒收：消息格式不正确'],
};

const dingtalkErrors: Record<number, [retryable: boolean, code: string, message: string]> = {
  130101: [true, 'ROBOT_RATE_LIMIT', '钉钉机器人发送过于频繁（每个机器人每分钟最多20条），稍后重试'],
  410100: [true, 'ROBOT_RATE_LIMIT', '钉钉机器人发送过于频繁，稍后重试'],
  [-1]: [true, 'ROBOT_BUSY', '钉钉系统繁忙，稍后重试'],
  310000: [false, 'ROBOT_REFUSED', '钉钉拒收：关键词、加签或 IP 校验未通过，请核对机器人的安全设置和加签密钥'],
  300001: [false, 'ROBOT_BAD_WEBHOOK', '钉钉机器人地址无效（access_token 不存在），请核对接收地址'],
  400101: [false, 'ROBOT_BAD_WEBHOOK', '钉钉机器人地址无效（access_token 不存在），请核对接收地址'],
  400102: [false, 'ROBOT_BAD_WEBHOOK', '钉钉机器人已停用，请核对接收地址'],
};

export function classifyRobotError(kind: 'wecom' | 'dingtalk', errcode: number, errmsg: string): MailError {
  const known = (kind === 'wecom' ? wecomErrors : dingtalkErrors)[errcode];
  if (known) return new MailError(`${known[2]}（errcode ${errcode}）`, known[0], known[1]);
  // errmsg is the platform's own English; the office reads the Chinese part.
  return new MailError(`${channelNames[kind]}机器人拒收（errcode ${errcode}${errmsg ? `：${errmsg.slice(0, 100)}` : ''}）`, false, 'ROBOT_REFUSED');
}
