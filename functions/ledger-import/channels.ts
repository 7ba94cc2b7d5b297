/**
 * Reads the optional columns 接收方式 and 接收地址 of 责任单位 and 领导与联系人: where a unit's liaison
 * or a person gets notices. 接收方式 lists methods (邮件、SMTP、企业微信、钉钉, separated by 、);
 * empty means email. 接收地址 lists the robots' webhook addresses, one per robot method in the
 * order written, separated by ； or a line break; a 钉钉 robot that signs (加签) has its SEC… secret
 * after the address, separated by a space. Mail methods use the row's email column.
 */
import { channelNames, officialRobotHosts, type Channel, type ChannelKind } from '../core/ledger.ts';

export const CHANNEL_COLUMN = '接收方式';
export const ADDRESS_COLUMN = '接收地址';

/** The words an office may write for each method. */
const methodWords: Record<string, ChannelKind> = {
  邮件: 'email',
  邮箱: 'email',
  电子邮件: 'email',
  email: 'email',
  smtp: 'smtp',
  smtp邮件: 'smtp',
  政务邮箱: 'smtp',
  企业微信: 'wecom',
  企业微信机器人: 'wecom',
  企业微信群机器人: 'wecom',
  wecom: 'wecom',
  钉钉: 'dingtalk',
  钉钉机器人: 'dingtalk',
  dingtalk: 'dingtalk',
};

export interface ChannelProblem {
  column: string;
  message: string;
}

/** The channels of one row, or the problems with its two cells. Undefined channels: email only (nothing written). */
export function readChannels(cells: Record<string, string>, email: string): { channels?: Channel[]; problems: ChannelProblem[] } {
  const methodText = (cells[CHANNEL_COLUMN] ?? '').trim();
  const addressText = (cells[ADDRESS_COLUMN] ?? '').trim();
  const problems: ChannelProblem[] = [];
  if (!methodText) {
    if (addressText) problems.push({ column: CHANNEL_COLUMN, message: '填写了接收地址，但未填写接收方式（企业微信 或 钉钉）' });
    return { problems };
  }
  const kinds: ChannelKind[] = [];
  for (const word of methodText.split(/[、，,；;\s]+/).filter(Boolean)) {
    const kind = methodWords[word.toLowerCase()];
    if (!kind) problems.push({ column: CHANNEL_COLUMN, message: `“${word}”不是可用的接收方式，应为：邮件、SMTP、企业微信、钉钉（多个用、分隔）` });
    else kinds.push(kind);
  }
  const robots = kinds.filter((k) => k === 'wecom' || k === 'dingtalk');
  const addresses = addressText
    .split(/[；;\n]+/)
    .map((a) => a.trim())
    .filter(Boolean);
  if (addresses.length !== robots.length) {
    problems.push({
      column: ADDRESS_COLUMN,
      message: robots.length
        ? `接收方式有 ${robots.length} 个机器人（${robots.map((k) => channelNames[k]).join('、')}），接收地址应按顺序填写 ${robots.length} 个 Webhook 地址（用；分隔），实有 ${addresses.length} 个`
        : '接收方式中没有企业微信或钉钉机器人，接收地址应留空（邮件发往本行的邮箱）',
    });
  }
  if (problems.length) return { problems };
  const channels: Channel[] = [];
  const seen = new Set<string>();
  let next = 0;
  for (const kind of kinds) {
    let channel: Channel;
    if (kind === 'email' || kind === 'smtp') channel = { kind, address: email };
    else {
      const read = readRobot(kind, addresses[next++]!, next);
      if ('message' in read) {
        problems.push({ column: ADDRESS_COLUMN, message: read.message });
        continue;
      }
      channel = read;
    }
    const key = `${channel.kind} ${channel.address}`;
    if (!seen.has(key)) channels.push(channel);
    seen.add(key);
  }
  return problems.length ? { problems } : { channels, problems };
}

function readRobot(kind: 'wecom' | 'dingtalk', text: string, position: number): Channel | { message: string } {
  const [address = '', secret, ...extra] = text.split(/\s+/);
  const name = `${channelNames[kind]}机器人`;
  const where = `第${position}个地址（${name}）`;
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return { message: `${where}不是有效的网址：应为机器人的 Webhook 地址，以 https:// 开头` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { message: `${where}应以 https:// 开头` };
  if (url.hostname === officialRobotHosts.wecom && !url.searchParams.get('key')) {
    return { message: `${where}缺少 key=…：请从企业微信群的“添加群机器人”处复制完整的 Webhook 地址` };
  }
  if (url.hostname === officialRobotHosts.dingtalk && !url.searchParams.get('access_token')) {
    return { message: `${where}缺少 access_token=…：请从钉钉群的“智能群助手”处复制完整的 Webhook 地址` };
  }
  if (extra.length) return { message: `${where}后只能有一个以 SEC 开头的加签密钥（用空格分隔）` };
  if (secret !== undefined) {
    if (kind !== 'dingtalk') return { message: `${where}：企业微信机器人没有加签密钥，地址后不应再有内容` };
    if (!/^SEC[0-9A-Za-z]+$/.test(secret)) return { message: `${where}的加签密钥应以 SEC 开头（钉钉机器人“安全设置—加签”处显示的字符串）` };
  }
  return secret ? { kind, address, secret } : { kind, address };
}
