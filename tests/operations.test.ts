import { describe, expect, it } from 'vitest';
import { builtinCalendarYears } from '../functions/core/calendar-data.ts';
import { WorkdayCalendar } from '../functions/core/calendar.ts';
import { runScheduled } from '../functions/core/cadence/job-runs.ts';
import { instantAt } from '../functions/core/time.ts';
import { useCadenceBench } from './support/cadence.ts';

const bench = useCadenceBench();
const monday = instantAt('2018-07-09', '09:00');
const friday = instantAt('2018-07-13', '16:00');
const failedAt = () => new Date('2018-07-09T01:00:05Z');

/** The built-in calendar with 2018 taken out: what an office has before it loads a year. */
const without2018 = new WorkdayCalendar(builtinCalendarYears().filter((y) => y.year !== 2018));

describe('a job that fails', () => {
  it('is recorded, and listed among the recent failures, with its job, instant, period, code, a Chinese message and what to do', async () => {
    const { store, deps } = await bench.setup();
    await expect(runScheduled('weekly-dispatch', monday, { ...deps, calendar: without2018 }, failedAt)).rejects.toMatchObject({ code: 'CALENDAR_YEAR_UNKNOWN' });

    const [failure, ...others] = await store.recentJobFailures(instantAt('2018-07-01').toISOString());
    expect(others).toEqual([]);
    expect(failure).toMatchObject({
      job: 'weekly-dispatch',
      at: monday.toISOString(),
      period: '2018-W28',
      code: 'CALENDAR_YEAR_UNKNOWN',
      attempts: 1,
      firstFailedAt: failedAt().toISOString(),
    });
    expect(failure!.message).toContain('工作日历尚未载入2018年的法定节假日安排');
    expect(failure!.action).toContain('npx duban calendar notice 通知.txt');
    expect(failure!.action).toContain('npx duban run weekly-dispatch --at 2018-07-09T09:00');
    expect(await bench.mail()).toEqual([]);
    // Recent means for instants since the time asked for.
    expect(await store.recentJobFailures(instantAt('2018-07-10').toISOString())).toEqual([]);
  });

  it('is one record however often the run is retried, and is resolved when a retry succeeds', async () => {
    const { store, deps } = await bench.setup();
    for (let i = 0; i < 3; i++) await expect(runScheduled('escalation', monday, { ...deps, calendar: without2018 }, failedAt)).rejects.toThrow();
    const since = instantAt('2018-07-01').toISOString();
    expect((await store.recentJobFailures(since)).map((f) => [f.job, f.attempts])).toEqual([['escalation', 3]]);
    expect(await store.unlistedJobFailures()).toHaveLength(1);

    await runScheduled('escalation', monday, deps, () => new Date('2018-07-09T02:00:00Z'));
    const [resolved] = await store.recentJobFailures(since);
    expect(resolved).toMatchObject({ attempts: 3, resolvedAt: '2018-07-09T02:00:00.000Z' });
    expect(await store.unlistedJobFailures()).toEqual([]);
  });

  it('a system fault is said in Chinese without its English text, with whom to ask', async () => {
    const { store, deps } = await bench.setup();
    const broken = { ...deps, store: Object.assign(Object.create(Object.getPrototypeOf(store)), store, { openTasks: () => Promise.reject(new TypeError('Cannot read properties of undefined')) }) };
    await expect(runScheduled('weekly-dispatch', monday, broken, failedAt)).rejects.toThrow(TypeError);
    const [failure] = await store.recentJobFailures(instantAt('2018-07-01').toISOString());
    expect(failure).toMatchObject({ code: 'INTERNAL', message: '运行时发生系统错误，任务未能完成。' });
    expect(JSON.stringify(failure)).not.toContain('Cannot read');
    expect(failure!.action).toContain('查看运行日志');
  });
});

describe("the office's next circular", () => {
  it('names a failed job run, in Chinese with what to do, to the office only, and once', async () => {
    const { store, deps } = await bench.setup();
    await expect(runScheduled('weekly-dispatch', monday, { ...deps, calendar: without2018 }, failedAt)).rejects.toThrow();

    await runScheduled('weekly-circular', friday, deps, () => new Date('2018-07-13T08:00:05Z'));
    const people = await store.people.list();
    const office = people.find((p) => p.roles.includes('整改办'))!;
    const leader = people.find((p) => p.roles.includes('领导小组') && !p.roles.includes('整改办'))!;
    const mails = await bench.mail();
    const circularTo = (email: string) => mails.find((m) => m.destination.to[0] === email && m.subject.startsWith('【周通报】'))!;
    const text = circularTo(office.email).body.text!;
    expect(text).toContain('【定时任务未能完成】以下任务运行失败，相关通知没有发出：');
    expect(text).toContain('- 周调度（2018-W28，应于 2018-07-09 09:00 运行）：工作日历尚未载入2018年的法定节假日安排');
    expect(text).toContain('处理办法：载入2018年的法定节假日安排');
    expect(text).toContain('npx duban run weekly-dispatch --at 2018-07-09T09:00');
    expect(circularTo(office.email).body.html).toContain('定时任务未能完成');
    expect(circularTo(leader.email).body.text).not.toContain('定时任务未能完成');

    expect(await store.unlistedJobFailures()).toEqual([]);
    expect((await store.recentJobFailures(instantAt('2018-07-01').toISOString()))[0]).toMatchObject({ listedAt: friday.toISOString() });
    await bench.clearMail();
    await runScheduled('weekly-circular', instantAt('2018-07-20', '16:00'), deps, () => new Date('2018-07-20T08:00:05Z'));
    const next = (await bench.mail()).find((m) => m.destination.to[0] === office.email && m.subject.startsWith('【周通报】'))!;
    expect(next.body.text).not.toContain('定时任务未能完成');
  });
});
