import { describe, expect, it } from 'vitest';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { cronTable, runsBetween } from '../functions/core/cadence/schedule.ts';
import { defaultCadence } from '../functions/core/cadence/config.ts';
import { unitsOfTask, type Task } from '../functions/core/ledger.ts';
import { MailError, type Mailer } from '../functions/core/ports.ts';
import { instantAt, isoWeekOf, localDateOf } from '../functions/core/time.ts';
import { codesIn, countByRecipient, useCadenceBench } from './support/cadence.ts';

const bench = useCadenceBench();
const monday = instantAt('2018-07-09', '09:00');

/** Which tasks each liaison should hear about: every open task its unit leads or shares. */
async function expectedByLiaison(store: Awaited<ReturnType<typeof bench.setup>>['store']) {
  const units = new Map((await store.units.list()).map((u) => [u.name, u]));
  const expected = new Map<string, Set<string>>();
  for (const task of await store.openTasks()) {
    for (const name of unitsOfTask(task)) {
      const email = units.get(name)!.liaison.email;
      expected.set(email, new Set([...(expected.get(email) ?? []), task.code]));
    }
  }
  return expected;
}

describe('周调度 on the sample ledger', () => {
  it('sends every unit with open tasks exactly one message listing exactly its tasks, and nothing when run again', async () => {
    const { store, deps } = await bench.setup();
    const result = await runJob('weekly-dispatch', monday, deps);
    expect(result.period).toBe('2018-W28');

    const mails = await bench.mail();
    const expected = await expectedByLiaison(store);
    expect(expected.size).toBeGreaterThan(30);
    expect(countByRecipient(mails)).toEqual(new Map([...expected.keys()].map((email) => [email, 1])));
    for (const mail of mails) {
      const to = mail.destination.to[0]!;
      expect(codesIn(mail.body.text), to).toEqual(expected.get(to));
      expect(mail.subject).toBe('【周调度】2018年第28周（7月9日—7月15日）：请于7月12日（周四）17:00前报送整改进展');
      expect(mail.body.html).toContain('style="'); // CSS inlined for mail clients
      expect(mail.body.html).toMatch(/href="http:\/\/duban\.example\.org\/report\?u&#x3D;.+&amp;p&#x3D;report&amp;exp&#x3D;\d+&amp;iat&#x3D;\d+&amp;sig&#x3D;/);
      expect(mail.body.text).toMatch(/您收到此邮件，是因为您是.+的督察整改联络员/);
    }
    expect(result.delivery).toMatchObject({ sent: mails.length, recipients: mails.length, failed: 0 });

    const again = await runJob('weekly-dispatch', monday, deps);
    expect(again.delivery).toMatchObject({ sent: 0, alreadySent: mails.length });
    expect(await bench.mail()).toHaveLength(mails.length);
  });

  it('does not fire on a day that is not the first workday of the week', async () => {
    const { deps } = await bench.setup();
    const result = await runJob('weekly-dispatch', instantAt('2018-07-10', '09:00'), deps);
    expect(result.skipped).toBe('not the first workday of the week');
    expect(await bench.mail()).toEqual([]);
  });

  it('finishes a dispatch stopped after some sends, with no duplicates', async () => {
    let sends = 0;
    const crashAfterFive = (real: Mailer): Mailer => ({
      async send(mail) {
        if (++sends > 5) throw new Error('process killed');
        return real.send(mail);
      },
    });
    const { deps, depsWith, store } = await bench.setup({ mailer: crashAfterFive, sender: 'run-1' });
    await expect(runJob('weekly-dispatch', monday, deps)).rejects.toThrow('process killed');
    expect(await bench.mail()).toHaveLength(5);

    // The retry comes after the dead run's claim has lapsed (EventBridge retries after minutes).
    const later = () => new Date(Date.now() + 10 * 60_000);
    const retry = await runJob('weekly-dispatch', monday, depsWith({ now: later, sender: 'run-2' }));
    const mails = await bench.mail();
    const expected = await expectedByLiaison(store);
    expect(countByRecipient(mails)).toEqual(new Map([...expected.keys()].map((email) => [email, 1])));
    expect(retry.delivery).toMatchObject({ sent: expected.size - 5, alreadySent: 5 });
  });
});

describe('a holiday week', () => {
  it('fires nothing that needs a workday from 2018-10-01 to 10-07, and reminds a task due 10-08 on the make-up Sunday 09-30', async () => {
    const { store, deps } = await bench.setup();
    const code = 'MZ-9-1';
    const task: Task = {
      ...(await store.tasks.get('MZ-3-3'))!,
      code,
      title: '国庆节后到期的示例任务',
      deadline: { kind: 'date', text: '2018年10月8日前', nominal: '2018-10-08', due: '2018-10-08', ongoingAfter: false },
      milestones: [],
    };
    const { version, createdAt, updatedAt, ...plain } = task as Task & { version: number; createdAt: string; updatedAt: string };
    await store.tasks.create(plain, { type: 'task.created', by: 'office', at: '2018-09-01T01:00:00Z' });

    const runs = runsBetween(cronTable(defaultCadence), instantAt('2018-09-28', '00:00'), instantAt('2018-10-08', '23:59'));
    const sentOn = new Map<string, number>();
    for (const run of runs) {
      const result = await runJob(run.job, run.at, deps);
      const day = localDateOf(run.at);
      sentOn.set(day, (sentOn.get(day) ?? 0) + (result.delivery?.sent ?? 0));
    }
    for (const day of ['2018-10-01', '2018-10-02', '2018-10-03', '2018-10-04', '2018-10-05', '2018-10-06', '2018-10-07']) {
      expect(sentOn.get(day) ?? 0, day).toBe(0);
    }
    const mails = await bench.mail();
    const reminders = mails.filter((m) => m.subject.startsWith('【到期提醒】') && m.body.text?.includes(code));
    const left = new Set(reminders.map((r) => r.body.text!.match(new RegExp(`（剩(\\d)个工作日）${code}`))![1]));
    expect(left).toEqual(new Set(['3', '1'])); // 7 workdays before was 09-21, before this window
    const onSunday = await store.notices.ofRun('deadline-reminders', '2018-09-30');
    expect(onSunday.length).toBeGreaterThan(0);
    for (const n of onSunday) expect(n.text).toContain(`10月8日（周一）（剩1个工作日）${code}`);
    expect(sentOn.get('2018-09-30')).toBeGreaterThan(0); // the make-up Sunday is the last workday of its week: the circular
    expect(mails.some((m) => m.subject.startsWith('【周通报】2018年第39周'))).toBe(true);
    expect(mails.some((m) => m.subject.startsWith('【周调度】2018年第41周（10月8日'))).toBe(true);
  });
});

describe('delivery through SES', () => {
  it('retries throttling and delivers every message once', async () => {
    let calls = 0;
    const throttleEveryThird = (real: Mailer): Mailer => ({
      async send(mail) {
        if (++calls % 3 === 0) throw new MailError('Maximum sending rate exceeded.', true, 'THROTTLED');
        return real.send(mail);
      },
    });
    const { store, deps } = await bench.setup({ mailer: throttleEveryThird });
    const result = await runJob('weekly-dispatch', monday, deps);
    const expected = await expectedByLiaison(store);
    expect(calls).toBeGreaterThan(expected.size);
    expect(result.delivery).toMatchObject({ sent: expected.size, failed: 0, deferred: 0 });
    expect(countByRecipient(await bench.mail())).toEqual(new Map([...expected.keys()].map((email) => [email, 1])));
  });

  it('records a permanently failing address once, does not retry it, and lists it to the office in the circular', async () => {
    const { store, deps, depsWith } = await bench.setup();
    const unit = (await store.units.list()).find((u) => u.groups.includes('各乡镇'))!;
    let attemptsToBad = 0;
    const rejectOne = (real: Mailer): Mailer => ({
      async send(mail) {
        if (mail.to === unit.liaison.email) {
          attemptsToBad++;
          throw new MailError('Email address is not verified.', false, 'MessageRejected');
        }
        return real.send(mail);
      },
    });
    const withBadAddress = depsWith({ mailer: rejectOne });
    const dispatch = await runJob('weekly-dispatch', monday, withBadAddress);
    expect(dispatch.delivery?.failed).toBe(1);
    expect(attemptsToBad).toBe(1);
    await runJob('weekly-dispatch', monday, withBadAddress);
    expect(attemptsToBad).toBe(1); // not retried forever

    await bench.clearMail();
    await runJob('weekly-circular', instantAt('2018-07-13', '16:00'), deps);
    const mails = await bench.mail();
    const office = (await store.people.list()).filter((p) => p.roles.includes('整改办'));
    expect(office.length).toBeGreaterThan(0);
    for (const person of office) {
      const circular = mails.find((m) => m.destination.to[0] === person.email)!;
      expect(circular.body.text).toContain('六、未能送达的通知（仅整改办可见）');
      expect(circular.body.text).toContain(`${unit.liaison.email} 周调度：邮箱地址被拒收，未送达（MessageRejected: Email address is not verified.）`);
      expect(circular.body.text).not.toContain('本周所有通知均已送达');
    }
    const leader = mails.find((m) => !office.some((p) => p.email === m.destination.to[0]) && m.body.text?.includes('领导小组成员'));
    expect(leader?.body.text).not.toContain(unit.liaison.email);
  });
});

describe('the suppression list', () => {
  it('does not send to an address that bounced, checked right before the send', async () => {
    const { store, deps } = await bench.setup();
    const unit = (await store.units.get('市林业局'))!;
    await store.notices.suppress(unit.liaison.email, 'Permanent bounce', '2018-07-06T02:00:00Z');
    const result = await runJob('weekly-dispatch', monday, deps);
    expect(result.delivery?.suppressed).toBe(1);
    const mails = await bench.mail();
    expect(mails.some((m) => m.destination.to[0] === unit.liaison.email)).toBe(false);
    expect(mails).toHaveLength(result.delivery!.recipients - 1);
    const notice = (await store.notices.ofRun('weekly-dispatch', '2018-W28')).find((n) => n.to.email === unit.liaison.email)!;
    expect(notice.status).toBe('suppressed');
  });
});

describe('delivery as the office is told it', () => {
  it('names a bounced liaison’s address in the office’s circular and says all were delivered only when nothing failed or was suppressed', async () => {
    const { store, deps } = await bench.setup();
    const office = (await store.people.list()).filter((p) => p.roles.includes('整改办'));
    expect(office.length).toBeGreaterThan(0);
    const officeCirculars = async () => (await bench.mail()).filter((m) => office.some((p) => p.email === m.destination.to[0]));

    await runJob('weekly-circular', instantAt('2018-07-13', '16:00'), deps);
    for (const mail of await officeCirculars()) expect(mail.body.text).toContain('本周所有通知均已送达。');

    // A permanent bounce, recorded the way the SES feedback function records it.
    const unit = (await store.units.get('市林业局'))!;
    await store.notices.suppress(unit.liaison.email, '永久退信', '2018-07-16T02:00:00Z');
    await bench.clearMail();
    const result = await runJob('weekly-circular', instantAt('2018-07-20', '16:00'), deps);
    expect(result.delivery?.suppressed).toBe(1);
    const circulars = await officeCirculars();
    expect(circulars).toHaveLength(office.length);
    for (const mail of circulars) {
      expect(mail.body.text).not.toContain('本周所有通知均已送达');
      expect(mail.body.text).toContain(`- ${unit.liaison.name}（市林业局联络员） ${unit.liaison.email} 所有通知：永久退信，该地址已停止发送（自2018-07-16起）`);
      expect(mail.body.html).toContain(unit.liaison.email);
      expect(mail.body.html).not.toContain('本周所有通知均已送达');
    }
    const others = (await bench.mail()).filter((m) => !office.some((p) => p.email === m.destination.to[0]));
    expect(others.length).toBeGreaterThan(0);
    for (const mail of others) expect(mail.body.text).not.toContain(unit.liaison.email);
  });
});

describe('lights that count everything missed', () => {
  const report = async (store: Awaited<ReturnType<typeof bench.setup>>['store'], code: string, unit: string, day: string) =>
    store.recordProgress({ id: `${code}-${day}`, code, unit, period: isoWeekOf(day), summary: `${day} 进展`, evidence: [], by: 'liaison@example.org', at: instantAt(day, '10:00').toISOString() });
  const dispatchLine = (text: string, code: string) => text.split('\n').find((l) => l.includes(`] ${code} `)) ?? '';

  it('shows a unit silent for five weeks as 连续5周未报送, counted back to its last report', async () => {
    const { store, deps } = await bench.setup();
    const unit = (await store.units.get('市林业局'))!;
    const [task] = await store.unitOpenTasks(unit.name);
    await report(store, task!.code, unit.name, '2018-07-10'); // week 28; then nothing for weeks 29–33
    await runJob('weekly-dispatch', instantAt('2018-08-20', '09:00'), deps);
    const mail = (await bench.mail()).find((m) => m.destination.to[0] === unit.liaison.email)!;
    expect(dispatchLine(mail.body.text!, task!.code)).toMatch(/^- \[红灯\] .*连续5周未报送进展/);
    // A task that never reported counts from the first dispatch after it came into the ledger (week 28).
    const others = (await bench.mail()).filter((m) => m.destination.to[0] !== unit.liaison.email);
    expect(others.some((m) => /连续6周未报送进展/.test(m.body.text!))).toBe(true);
  });

  it('turns a task red when a milestone has passed with no report since, naming the milestone', async () => {
    const { store, deps } = await bench.setup();
    const task = (await store.tasks.get('MZ-1-2'))!;
    const milestone = task.milestones.find((m) => m.due === '2018-08-31')!;
    expect(milestone.content).toContain('修订稿');
    const unit = (await store.units.get(task.leadUnits[0]!))!;
    for (const day of ['2018-08-14', '2018-08-21']) await report(store, task.code, unit.name, day); // weeks 33 and 34

    await runJob('weekly-dispatch', instantAt('2018-09-03', '09:00'), deps);
    const line = dispatchLine((await bench.mail()).find((m) => m.destination.to[0] === unit.liaison.email)!.body.text!, task.code);
    expect(line).toMatch(/^- \[红灯\] MZ-1-2 /);
    expect(line).toContain(`阶段节点“${milestone.content}”（2018-08-31）已逾期1个工作日，此后未报送进展`);

    // Reported in the milestone's week: the unit has given its account, the milestone no longer counts.
    await report(store, task.code, unit.name, '2018-08-31');
    await bench.clearMail();
    await runJob('weekly-dispatch', instantAt('2018-09-10', '09:00'), deps);
    const after = dispatchLine((await bench.mail()).find((m) => m.destination.to[0] === unit.liaison.email)!.body.text!, task.code);
    expect(after).toMatch(/^- \[黄灯\] MZ-1-2 /);
    expect(after).not.toContain('阶段节点');
  });
});

describe('周通报 and 催办', () => {
  it('chases on Thursday only the units that have not reported, and names them in Friday’s circular', async () => {
    const { store, deps } = await bench.setup();
    const units = await store.units.list();
    const reporter = units.find((u) => u.name === '市环保局')!;
    const open = await store.unitOpenTasks(reporter.name);
    await store.recordProgress({
      id: 'r1',
      code: open[0]!.code,
      unit: reporter.name,
      period: '2018-W28',
      summary: '本周完成3家企业现场检查',
      evidence: [],
      by: reporter.liaison.email,
      at: instantAt('2018-07-10', '15:00').toISOString(),
    });
    await runJob('chase', instantAt('2018-07-12', '10:00'), deps);
    const chased = await bench.mail();
    expect(chased.length).toBeGreaterThan(10);
    expect(chased.every((m) => m.subject.startsWith('【催办】'))).toBe(true);
    expect(chased.some((m) => m.destination.to[0] === reporter.liaison.email)).toBe(false);

    await bench.clearMail();
    await runJob('weekly-circular', instantAt('2018-07-13', '16:00'), deps);
    const circular = (await bench.mail()).find((m) => m.destination.to[0] === reporter.liaison.email)!;
    expect(circular.subject).toBe('【周通报】2018年第28周（7月9日—7月15日）中央环保督察整改推进情况');
    expect(circular.body.text).toMatch(/五、报送情况排名\n1\. 市环保局 按时报送 07-10 15:00/);
    const notReported = circular.body.text!.split('四、本周未报送进展的单位\n')[1]!.split('\n')[0]!;
    expect(notReported).not.toContain('市环保局');
    expect(notReported).toContain(chased[0]!.body.text!.match(/（(.+?)联络员）/)![1]);
  });
});

describe('月交账', () => {
  it('reminds 3 workdays before and on the last workday, then chases and sends the compiled account on the first workday after', async () => {
    const { store, deps } = await bench.setup();
    // July 2018: last workday Tue 07-31; 3 workdays before is Thu 07-26; first workday of August is Wed 08-01.
    const skippedDay = await runJob('monthly-account', instantAt('2018-07-25', '09:30'), deps);
    expect(skippedDay.skipped).toBeDefined();
    await runJob('monthly-account', instantAt('2018-07-26', '09:30'), deps);
    const early = await bench.mail();
    expect(early.length).toBeGreaterThan(10);
    expect(early[0]!.subject).toBe('【月交账提醒】请于7月31日（周二）前提交2018年7月整改交账');

    const unit = (await store.units.list()).find((u) => u.name === '市林业局')!;
    for (const link of await store.unitOpenTasks(unit.name)) {
      await store.recordProgress({ id: `acct-${link.code}`, code: link.code, unit: unit.name, period: '2018-07', summary: '7月交账', evidence: [], by: 'x', at: instantAt('2018-07-30', '10:00').toISOString() });
    }
    await bench.clearMail();
    await runJob('monthly-account', instantAt('2018-07-31', '09:30'), deps);
    const onTheDay = await bench.mail();
    expect(onTheDay.length).toBe(early.length - 1);
    expect(onTheDay.some((m) => m.destination.to[0] === unit.liaison.email)).toBe(false);

    await bench.clearMail();
    await runJob('monthly-account', instantAt('2018-08-01', '09:30'), deps);
    const after = await bench.mail();
    const account = after.filter((m) => m.subject === '【月交账】2018年7月中央环保督察整改交账情况汇总');
    const leaders = (await store.people.list()).filter((p) => p.roles.some((r) => ['领导小组', '督办领导', '整改办'].includes(r)));
    expect(account.map((m) => m.destination.to[0]).sort()).toEqual(leaders.map((p) => p.email).sort());
    expect(account[0]!.body.text).toContain(`- ${unit.name}：任务`);
    expect(account[0]!.body.text).toMatch(/未按期交账单位（\d+个）/);
    expect(after.filter((m) => m.subject.startsWith('【催办】')).length).toBe(early.length - 1);
  });
});

describe('the calendar warning', () => {
  it('warns the office in the circular from October when next year is not loaded, and stops once it is', async () => {
    const { deps, store } = await bench.setup({ importAt: new Date('2026-09-01T02:00:00Z') });
    await runJob('weekly-circular', instantAt('2026-10-16', '16:00'), deps);
    const office = (await store.people.list()).find((p) => p.roles.includes('整改办'))!;
    const leader = (await store.people.list()).find((p) => p.roles.includes('领导小组') && !p.roles.includes('整改办'))!;
    let mails = await bench.mail();
    const circularTo = (email: string) => mails.find((m) => m.destination.to[0] === email && m.subject.startsWith('【周通报】'))!;
    expect(circularTo(office.email).body.text).toContain('【提醒】工作日历尚未载入2027年的法定节假日安排');
    expect(circularTo(leader.email).body.text).not.toContain('工作日历尚未载入');
    expect(mails.filter((m) => m.destination.to[0] === leader.email)).toHaveLength(1);

    await bench.clearMail();
    const withNextYear = { ...deps, calendar: deps.calendar.withYear({ year: 2027, holidays: ['2027-01-01', '2027-05-01', '2027-10-01', '2027-10-02', '2027-10-03'], makeupWorkdays: [], source: 'test' }) };
    await runJob('weekly-circular', instantAt('2026-10-23', '16:00'), withNextYear);
    mails = await bench.mail();
    expect(mails.find((m) => m.destination.to[0] === office.email)!.body.text).not.toContain('工作日历尚未载入');
  });
});
