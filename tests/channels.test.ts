/**
 * Channels behind the outbox: SES mail, SMTP, 企业微信 and 钉钉 group robots, chosen per unit and
 * per person in the ledger (接收方式, 接收地址). Everything real: dynalite, the SES emulator, the
 * sandbox inbox's SMTP sink (smtp-server) and webhook receiver (real HTTP), checked by a MIME parser,
 * and the sandbox itself (`npm start`) on the shipped sample ledger.
 */
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { instantAt } from '../functions/core/time.ts';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';
import type { RawTable } from '../functions/ledger-import/sheets.ts';
import { startInbox, type InboxMessage, type RunningInbox } from '../functions/local/inbox.ts';
import { ChannelMailer } from '../functions/notify/channel-mailer.ts';
import { RobotMailer } from '../functions/notify/robots.ts';
import { SmtpMailer } from '../functions/notify/smtp-mailer.ts';
import { MailError } from '../functions/core/ports.ts';
import { countByRecipient, useCadenceBench } from './support/cadence.ts';
import { cloneTables, sampleTables } from './support/ledger.ts';
import { isRunning, npmStart, sandboxEnv, stop, type Started } from './support/sandbox.ts';

const bench = useCadenceBench();
let inbox: RunningInbox;
let smtp: SmtpMailer;

const DINGTALK_TOKEN = 'zjj0token0000000000000001';
const DINGTALK_SECRET = 'SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c';
const LEADER_DINGTALK_TOKEN = 'mayor0token000000000000002';
const LEADER_DINGTALK_SECRET = 'SEC0d6e79b42bd94be0d0d603843651aa2c';
const WECOM_KEY = '693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa';
const SLOW_KEY = 'slow0key-0000-4bc4-97a0-000000000001';
const BAD_KEY = 'gone0key-0000-4bc4-97a0-000000000002';

beforeAll(async () => {
  inbox = await startInbox({
    sesUrl: bench.sesUrl,
    dingtalkSecrets: { [DINGTALK_TOKEN]: DINGTALK_SECRET, [LEADER_DINGTALK_TOKEN]: LEADER_DINGTALK_SECRET },
    // The slow robot is over its rate limit for its first two requests, as 企业微信 answers it.
    answer: (hit) => (hit.key === SLOW_KEY && hit.seen < 2 ? { body: { errcode: 45009, errmsg: 'api freq out of limit' } } : undefined),
  });
  smtp = new SmtpMailer({ host: '127.0.0.1', port: inbox.smtpPort, security: 'none', from: 'duban@example.org' });
});
afterAll(async () => {
  smtp?.close();
  await inbox?.close();
});

/** The sample ledger with channels: four units and two leaders read somewhere besides (or instead of) email. */
function ledgerWithChannels(): RawTable[] {
  const tables = cloneTables(sampleTables());
  const hook = (kind: string, key: string) => `${inbox.url}/hooks/${kind}/${key}`;
  const set = (sheet: string, keyColumn: string, name: string, methods: string, addresses: string) => {
    const table = tables.find((t) => t.sheet === sheet)!;
    for (const header of ['接收方式', '接收地址']) if (!table.headers.includes(header)) table.headers.push(header);
    const rows = table.rows.filter((r) => r.cells[keyColumn] === name);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) Object.assign(row.cells, { 接收方式: methods, 接收地址: addresses });
  };
  set('责任单位', '单位名称', '市环保局', '邮件、企业微信', hook('wecom', WECOM_KEY));
  set('责任单位', '单位名称', '市住建局', '钉钉', `${hook('dingtalk', DINGTALK_TOKEN)} ${DINGTALK_SECRET}`);
  set('责任单位', '单位名称', '市水务局', '企业微信', hook('wecom', SLOW_KEY));
  // A robot whose address no longer answers (the robot was removed): 404.
  set('责任单位', '单位名称', '市林业局', '邮件、企业微信', `${inbox.url}/hooks/removed/${BAD_KEY}`);
  set('领导与联系人', '姓名', '周德胜', 'SMTP', '');
  set('领导与联系人', '姓名', '吴永康', '邮件、钉钉、SMTP', `${hook('dingtalk', LEADER_DINGTALK_TOKEN)} ${LEADER_DINGTALK_SECRET}`);
  return tables;
}

async function setup() {
  const bed = await bench.setup({ tables: ledgerWithChannels() });
  await inbox.clear();
  const deps = bed.depsWith({
    mailer: (ses) => new ChannelMailer({ email: ses, smtp, robots: new RobotMailer({ extraHosts: [inbox.robotHost], clock: () => new Date() }) }),
  });
  return { ...bed, deps };
}

const on = (messages: InboxMessage[], channel: InboxMessage['channel'], address: string) => messages.filter((m) => m.channel === channel && m.address === address);

describe('channels chosen in the ledger', () => {
  it('refuses a robot method without its address, naming the sheet, row and column', async () => {
    const tables = ledgerWithChannels();
    const units = tables.find((t) => t.sheet === '责任单位')!;
    const row = units.rows.find((r) => r.cells['单位名称'] === '市住建局')!;
    row.cells['接收地址'] = '';
    const people = tables.find((t) => t.sheet === '领导与联系人')!;
    people.rows.find((r) => r.cells['姓名'] === '周德胜')!.cells['接收方式'] = '短信';
    const summary = await importLedger(tables, { at: new Date('2018-07-04T02:00:00Z'), by: 'office', source: 'bad' }, { store: await (await bench.setup()).store, calendar: bench.calendar });
    expect(summary.ok).toBe(false);
    const issues = summary.ok ? [] : summary.issues;
    expect(issues).toContainEqual(expect.objectContaining({ sheet: '责任单位', row: row.row, column: '接收地址', message: expect.stringContaining('应按顺序填写 1 个 Webhook 地址') }));
    expect(issues).toContainEqual(expect.objectContaining({ sheet: '领导与联系人', column: '接收方式', message: expect.stringContaining('“短信”不是可用的接收方式') }));
  });

  it('a dispatch reaches each unit once on each of its channels; 钉钉 is signed; a rate-limited robot gets it later, once; a rerun sends nothing twice', async () => {
    const { store, deps } = await setup();
    const monday = instantAt('2018-07-09', '09:00');
    const result = await runJob('weekly-dispatch', monday, deps);

    const mail = await bench.mail();
    const perMailbox = countByRecipient(mail);
    expect(perMailbox.get('hbj.liaison@example.org')).toBe(1); // email and a robot
    expect(perMailbox.get('lyj.liaison@example.org')).toBe(1); // email arrives though its robot is gone
    expect(perMailbox.has('zjj.liaison@example.org')).toBe(false); // 钉钉 only
    expect(perMailbox.has('shuiwu.liaison@example.org')).toBe(false); // 企业微信 only
    expect([...perMailbox.values()].every((n) => n === 1)).toBe(true);

    const received = await inbox.messages();
    const wecom = on(received, 'wecom', WECOM_KEY);
    expect(wecom).toHaveLength(1);
    expect(wecom[0]!.title).toMatch(/^【周调度】2018年第28周/);
    // The robot's markdown: the counts, the unit's tasks, the signed link to report.
    expect(wecom[0]!.body).toMatch(/本单位共有 \d+ 项未销号整改任务/);
    expect(wecom[0]!.body).toMatch(/\[点击打开\]\(http:\/\/duban\.example\.org\/report\?[^)]+\)/);
    expect(Buffer.byteLength(wecom[0]!.body)).toBeLessThanOrEqual(4096);

    const dingtalk = on(received, 'dingtalk', DINGTALK_TOKEN);
    expect(dingtalk).toHaveLength(1);
    expect(dingtalk[0]!.signature).toBe('valid'); // the sink checked it against the robot's secret
    expect(dingtalk[0]!.body).toContain('市住建局');

    // 45009 twice, then accepted: one message, not three.
    expect(on(received, 'wecom', SLOW_KEY)).toHaveLength(1);

    const notices = await store.notices.ofRun('weekly-dispatch', '2018-W28');
    const removed = notices.find((n) => n.to.unit === '市林业局' && n.to.channel === 'wecom')!;
    expect(removed.status).toBe('failed');
    expect(removed.error).toContain('企业微信机器人地址无效（HTTP 404）');
    const slow = notices.find((n) => n.to.unit === '市水务局')!;
    expect(slow).toMatchObject({ status: 'sent', attempts: 3 });
    expect(result.delivery).toMatchObject({ failed: 1, deferred: 0 });

    const again = await runJob('weekly-dispatch', monday, deps);
    expect(again.delivery).toMatchObject({ sent: 0, failed: 0 });
    expect(await inbox.messages()).toHaveLength(received.length);
  });

  it('the circular reaches a leader on every channel once, by SMTP with the 台账 and the 公文 attached, and lists the robot that failed to the office, its key cut short', async () => {
    const { deps } = await setup();
    await runJob('weekly-dispatch', instantAt('2018-07-09', '09:00'), deps);
    await inbox.clear();
    await runJob('weekly-circular', instantAt('2018-07-13', '16:00'), deps);
    const received = await inbox.messages();

    // 周德胜 reads SMTP only; 吴永康 email, 钉钉 and SMTP: one circular on each.
    expect(on(received, 'smtp', 'leader.secretary@example.org')).toHaveLength(1);
    expect(on(received, 'email', 'leader.secretary@example.org')).toHaveLength(0);
    expect(on(received, 'smtp', 'leader.mayor@example.org')).toHaveLength(1);
    expect(on(received, 'email', 'leader.mayor@example.org')).toHaveLength(1);
    expect(on(received, 'dingtalk', LEADER_DINGTALK_TOKEN)).toMatchObject([{ signature: 'valid', title: expect.stringMatching(/^【周通报】2018年第28周/) }]);

    // What the SMTP sink received, read by a MIME parser: the circular with its workbook.
    const parsed = await Promise.all(inbox.rawMail().map((raw) => simpleParser(raw)));
    const secretary = parsed.find((m) => (Array.isArray(m.to) ? m.to : [m.to]).some((t) => t?.text.includes('leader.secretary@example.org')))!;
    expect(secretary.subject).toMatch(/^【周通报】2018年第28周/);
    expect(secretary.text).toContain('一、总体情况');
    const workbook = secretary.attachments.find((a) => a.filename?.endsWith('.xlsx'))!;
    expect(workbook.filename).toBe('周通报台账-2018-W28.xlsx');
    expect(workbook.content.subarray(0, 2).toString()).toBe('PK'); // a zip: the .xlsx itself
    // Leaders get the 公文 too: the archived .docx, a zip whose main part is a Word document.
    expect(secretary.attachments.map((a) => a.filename).sort()).toEqual(['周通报-2018-W28.docx', '周通报台账-2018-W28.xlsx']);
    const document = secretary.attachments.find((a) => a.filename === '周通报-2018-W28.docx')!;
    expect(document.contentType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(document.content.subarray(0, 2).toString()).toBe('PK');
    expect(document.content.includes(Buffer.from('word/document.xml'))).toBe(true);

    // The office (林志远, 整改办) is told which robot failed, on which channel, without its key.
    const office = on(received, 'email', 'leader.vice-mayor-env@example.org')[0]!;
    expect(office.body).toContain('蒋红（市林业局联络员）');
    expect(office.body).toContain('企业微信机器人消息发送失败');
    expect(office.body).toContain('企业微信机器人 127.0.0.1');
    expect(office.body).not.toContain(BAD_KEY);
    for (const m of received) {
      expect(m.body).not.toContain(DINGTALK_SECRET);
      expect(m.body).not.toContain(LEADER_DINGTALK_SECRET);
    }
  });
});

describe('an SMTP server that wants a login', () => {
  it('logs in with the password read at the first message, once, and stops the run when the login is refused', async () => {
    const logins: string[] = [];
    const arrived: string[] = [];
    const server = new SMTPServer({
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, callback) {
        logins.push(`${auth.username}:${auth.password}`);
        if (auth.password === 'right-password') callback(null, { user: auth.username });
        else callback(new Error('535 Authentication failed'));
      },
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', () => {
          arrived.push(...session.envelope.rcptTo.map((r) => r.address));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.server.address() as AddressInfo).port;
    let reads = 0;
    // As on AWS: the password comes from a secret, read when the first SMTP message goes out.
    const mailer = (password: string) =>
      new SmtpMailer({ host: '127.0.0.1', port, security: 'none', user: 'duban@example.gov.cn', password: async () => (reads++, password), from: 'duban@example.gov.cn' });
    const mail = { to: 'leader.secretary@example.org', subject: '【周通报】测试', text: '正文', html: '<p>正文</p>', channel: 'smtp' as const };
    try {
      const good = mailer('right-password');
      expect(reads).toBe(0);
      await good.send(mail);
      await good.send(mail);
      good.close();
      expect(reads).toBe(1);
      expect(arrived).toEqual(['leader.secretary@example.org', 'leader.secretary@example.org']);
      expect(logins[0]).toBe('duban@example.gov.cn:right-password');

      const refused = mailer('old-password');
      const error = await refused.send(mail).catch((e: unknown) => e);
      refused.close();
      expect(error).not.toBeInstanceOf(MailError); // not one message's failure: the run stops
      expect((error as Error).message).toContain('refused the login');
      expect(arrived).toHaveLength(2);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('the sandbox on the shipped sample ledger', () => {
  let running: Started | undefined;
  afterAll(async () => {
    if (isRunning(running)) await stop(running);
  });

  it('shows a first dispatch on every channel in its inbox: email, SMTP, 企业微信 and 钉钉', async () => {
    const env = await sandboxEnv({ DUBAN_CLOCK: '2018-07-09T08:59:45+08:00', DUBAN_SCHEDULER_TICK_MS: '500' });
    running = await npmStart(env);
    const store = `http://127.0.0.1:${env.DUBAN_INBOX_PORT}/store`;
    const dispatches = async () => ((await (await fetch(store)).json()) as InboxMessage[]).filter((m) => m.title.startsWith('【周调度】2018年第28周'));
    const deadline = Date.now() + 60_000;
    let received = await dispatches();
    // 59 units by SES mail, 市水务局 by SMTP, 市环保局 (besides mail) by 企业微信, 市住建局 (besides mail) by 钉钉.
    while (received.length < 62 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      received = await dispatches();
    }
    expect(received.filter((m) => m.channel === 'email')).toHaveLength(59);
    expect(on(received, 'smtp', 'shuiwu.liaison@example.org')).toHaveLength(1);
    expect(on(received, 'email', 'shuiwu.liaison@example.org')).toHaveLength(0);
    // The sample's webhooks are the official addresses; the sandbox takes them in, nothing leaves the laptop.
    const wecom = on(received, 'wecom', '5a1e0c3d-sample-4bc4-97a0-0e0c0hbj0001');
    expect(wecom).toHaveLength(1);
    expect(wecom[0]!.body).toContain('市环保局');
    const dingtalk = on(received, 'dingtalk', 'sample0zjj0000000000000000000001');
    expect(dingtalk).toMatchObject([{ signature: 'unchecked' }]); // signed (加签) with the sample's secret
    expect(dingtalk[0]!.body).toContain('市住建局');
    expect(received).toHaveLength(62);
  }, 120_000);
});
