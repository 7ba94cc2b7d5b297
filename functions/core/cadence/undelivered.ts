/**
 * What the office is told about delivery in the weekly circular: every notice that failed for good
 * (SES rejected the address) and every address on the suppression list (a permanent bounce or a
 * complaint: nothing is sent to it any more), each with whose address it is, the address and why.
 * The circular says that everything was delivered only when both lists are empty. A suppressed
 * address that nobody in the ledger uses any more is left out: nobody is missing mail.
 */
import { channelNames, displayAddress, type ChannelKind } from '../ledger.ts';
import type { Notice } from '../ports.ts';
import type { Snapshot } from './snapshot.ts';

export interface UndeliveredRow {
  /** 张三（市林业局联络员） */
  who: string;
  email: string;
  /** Which notice, or that all notices are stopped. */
  notice: string;
  why: string;
}

const noticeNames: Record<string, string> = {
  'weekly-dispatch': '周调度',
  chase: '催办',
  'weekly-circular': '周通报',
  'monthly-account': '月交账',
  'monthly-reminder': '月交账提醒',
  'monthly-chase': '月交账催办',
  'deadline-reminder': '到期提醒',
  escalation: '督办升级通知',
  'interview-reminder': '约谈跟进提醒',
  'calendar-reminder': '工作日历提醒',
};

/** Whose each address is, as the office knows them: unit liaisons and heads, and the people sheet. */
function owners(snapshot: Pick<Snapshot, 'units' | 'people'>): Map<string, string[]> {
  const byEmail = new Map<string, string[]>();
  const add = (email: string, who: string) => {
    const key = email.toLowerCase();
    byEmail.set(key, [...(byEmail.get(key) ?? []), who]);
  };
  for (const { unit } of snapshot.units) {
    add(unit.liaison.email, `${unit.liaison.name}（${unit.name}联络员）`);
    add(unit.head.email, `${unit.head.name}（${unit.name}主要负责人）`);
  }
  for (const person of snapshot.people) add(person.email, `${person.name}（${person.roles.join('、')}）`);
  return byEmail;
}

/** What failed, naming the channel in Chinese. */
function failureWhat(channel: ChannelKind | undefined): string {
  if (!channel || channel === 'email') return '邮箱地址被拒收';
  if (channel === 'smtp') return '经SMTP邮件服务器发送被拒收';
  return `${channelNames[channel]}机器人消息发送失败`;
}

function sinceText(at: string): string {
  const day = /^\d{4}-\d{2}-\d{2}/.exec(at)?.[0];
  return day ? `（自${day}起）` : '';
}

export function undeliveredRows(
  failures: Notice[],
  suppressions: { email: string; reason: string; at: string }[],
  snapshot: Pick<Snapshot, 'units' | 'people'>,
): { failed: UndeliveredRow[]; suppressed: UndeliveredRow[] } {
  const whose = owners(snapshot);
  const failed = failures.map((n) => ({
    who: `${n.to.name}（${n.to.unit ? `${n.to.unit}${n.to.role}` : n.to.role}）`,
    // A robot's webhook is shown with its key cut short; a signing secret never.
    email: displayAddress(n.to.channel, n.to.address ?? n.to.email),
    notice: noticeNames[n.kind] ?? noticeNames[n.kind.replace(/-\d+$/, '')] ?? n.kind,
    why: `${failureWhat(n.to.channel)}，未送达${n.error ? `（${n.error}）` : ''}`,
  }));
  const suppressed = suppressions.flatMap((s) =>
    (whose.get(s.email.toLowerCase()) ?? []).map((who) => ({
      who,
      email: s.email,
      notice: '所有通知',
      why: `${s.reason || '退信或投诉'}，该地址已停止发送${sinceText(s.at)}`,
    })),
  );
  return { failed, suppressed };
}
