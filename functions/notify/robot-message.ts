/**
 * A notice as a group robot's markdown message: the title, then the same lines as the email's text
 * part (the counts, the unit's tasks, the signed link), links written as markdown links. A message
 * over the robot's limit is cut at a line and ends with the link to the rest.
 *
 * 企业微信 group robot (developer.work.weixin.qq.com/document/path/91770, 群机器人配置说明):
 * `{"msgtype":"markdown","markdown":{"content":…}}`, content at most 4096 bytes of UTF-8.
 * 钉钉 custom robot (open.dingtalk.com/document/orgapp/custom-robot-access, 自定义机器人发送群消息):
 * `{"msgtype":"markdown","markdown":{"title":…,"text":…},"at":{…}}`; no byte limit is stated for
 * markdown, so the same 4096 bytes are kept: a robot message is a summary, the link carries the rest.
 */
export const ROBOT_MARKDOWN_MAX_BYTES = 4096;

const URL_PATTERN = /https?:\/\/[^\s）)，,；;<>"]+/g;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export function robotMarkdown(subject: string, text: string, options: { maxBytes?: number; lineBreak?: string } = {}): string {
  const maxBytes = options.maxBytes ?? ROBOT_MARKDOWN_MAX_BYTES;
  const lineBreak = options.lineBreak ?? '\n';
  const firstUrl = text.match(URL_PATTERN)?.[0];
  const lines = text
    // The mail footer speaks of 邮件; in a group chat it is a 消息.
    .replace(/此邮件|本邮件/g, (w) => w.replace('邮件', '消息'))
    .split('\n')
    .map((line) => line.replace(URL_PATTERN, (url) => `[点击打开](${url})`));
  const head = `### ${subject}`;
  const whole = [head, '', ...lines].join(lineBreak).trim();
  if (bytes(whole) <= maxBytes) return whole;
  const tail = firstUrl ? `……内容较长，完整内容请[点击查看](${firstUrl})` : '……内容较长，其余从略';
  const kept = [head, ''];
  let size = bytes(head) + bytes(lineBreak) * 3 + bytes(tail);
  for (const line of lines) {
    const next = bytes(line) + bytes(lineBreak);
    if (size + next > maxBytes) break;
    kept.push(line);
    size += next;
  }
  return [...kept, tail].join(lineBreak);
}
