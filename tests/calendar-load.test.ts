/**
 * Loading a year into the workday calendar from the State Council's notice — by the use case, over
 * the API and from the command line — and the office's weekly reminder while next year is missing.
 * Real parts: dynalite, the SES emulator, the HTTP app, the CLI on a data folder of its own.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { CalendarConflictError, loadCalendarYear } from '../functions/core/calendar-load.ts';
import { calendarYearSchema, UnknownCalendarYearError } from '../functions/core/calendar.ts';
import { readHolidayNotice } from '../functions/core/holiday-notice.ts';
import { addDays, instantAt } from '../functions/core/time.ts';
import { runCli, type CliIo } from '../functions/local/cli.ts';
import { appBench } from './support/app.ts';
import { useCadenceBench } from './support/cadence.ts';
import { useDynalite } from './support/store.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures/holiday-notices');
const notice2027 = readFileSync(join(FIXTURES, '2027-sample.txt'), 'utf8');
const notice2018 = readFileSync(join(FIXTURES, '2018.txt'), 'utf8');
const at = new Date('2026-11-20T02:00:00Z');

const bench = useCadenceBench();
const dynalite = useDynalite();

describe('loading a year from the notice', () => {
  it('loading 2027 lets the weekly dispatch of 2027-01-04 run, which it refused before', async () => {
    const { store, deps } = await bench.setup({ importAt: new Date('2026-11-02T01:00:00Z') });
    await expect(runJob('weekly-dispatch', instantAt('2027-01-04', '09:00'), deps)).rejects.toThrow(UnknownCalendarYearError);

    const result = await loadCalendarYear(readHolidayNotice(notice2027), { by: '刘芳', at, via: '2027.txt' }, { store, calendar: deps.calendar });
    expect(result).toMatchObject({ replaced: false, disagreements: [], dryRun: false });
    const calendar = defaultCalendar(await store.calendarYears());
    expect(calendar.sourceOf(2027)).toBe('国务院办公厅2026年11月10日通知');

    await bench.clearMail();
    const dispatch = await runJob('weekly-dispatch', instantAt('2027-01-04', '09:00'), { ...deps, calendar });
    expect(dispatch.skipped).toBeUndefined();
    expect(dispatch.delivery!.sent).toBeGreaterThan(10);
    const mails = await bench.mail();
    expect(mails[0]!.subject).toContain('【周调度】');
    // A make-up Sunday is a workday; the Spring Festival is not.
    expect(calendar.isWorkday('2027-02-14')).toBe(true);
    expect(calendar.isWorkday('2027-02-08')).toBe(false);
  });

  it('lists the dates on which a notice and a known year disagree, and replaces only when told to', async () => {
    const store = await dynalite.fresh();
    const calendar = defaultCalendar();
    // The published 2018 notice agrees with the built-in year.
    const same = await loadCalendarYear(readHolidayNotice(notice2018), { by: 'cli', at, via: '2018.txt' }, { store, calendar });
    expect(same).toMatchObject({ replaced: true, disagreements: [] });

    const altered = notice2018.replace('9月29日(星期六)、9月30日(星期日)上班', '9月29日(星期六)上班');
    const arrangement = readHolidayNotice(altered);
    const error = await loadCalendarYear(arrangement, { by: 'cli', at, via: 'x.txt' }, { store, calendar }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CalendarConflictError);
    expect((error as Error).message).toBe(
      '工作日历已有2018年的安排，与本次载入的有 1 天不一致：2018-09-30（原为上班，现为休息）。核对无误后，请用 --replace（或 replace: true）替换',
    );
    const replaced = await loadCalendarYear(arrangement, { by: 'cli', at, via: 'x.txt', replace: true }, { store, calendar });
    expect(replaced.disagreements.map((d) => d.date)).toEqual(['2018-09-30']);
    expect(defaultCalendar(await store.calendarYears()).isWorkday('2018-09-30')).toBe(false);
  });

  it('writes the December days of a notice into the year before (2018年12月29日 worked, 30–31 off, from the 2019 notice)', async () => {
    const store = await dynalite.fresh();
    const without2019Spill = defaultCalendar([{ ...defaultCalendar().arrangementOf(2018)!, holidays: defaultCalendar().arrangementOf(2018)!.holidays.filter((d) => d < '2018-12-01'), makeupWorkdays: defaultCalendar().arrangementOf(2018)!.makeupWorkdays.filter((d) => d < '2018-12-01') }]);
    expect(without2019Spill.isWorkday('2018-12-31')).toBe(true);
    const result = await loadCalendarYear(readHolidayNotice(readFileSync(join(FIXTURES, '2019.txt'), 'utf8')), { by: 'cli', at, via: '2019.txt', replace: true }, { store, calendar: without2019Spill });
    expect(result.previousYear!.changed.map((d) => `${d.date}:${d.after}`)).toEqual(['2018-12-29:workday', '2018-12-31:off']);
    const loaded = defaultCalendar(await store.calendarYears());
    expect([loaded.isWorkday('2018-12-29'), loaded.isWorkday('2018-12-31'), loaded.isWorkday('2019-01-02')]).toEqual([true, false, true]);
  });
});

describe('a year file is refused when it cannot be a year', () => {
  const issues = (input: unknown) => {
    const r = calendarYearSchema.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => i.message);
  };

  it('with no holidays at all', () => {
    expect(issues({ year: 2027, holidays: [] })).toEqual(['节假日（holidays）为空：2027年不可能没有法定节假日，请按国务院办公厅通知填写']);
  });

  it('without the fixed statutory days', () => {
    expect(issues({ year: 2027, holidays: ['2027-01-01', '2027-10-01'] })).toEqual([
      '节假日（holidays）缺少法定节假日：劳动节5月1日、国庆节10月2日、国庆节10月3日（每年固定放假），请检查是否填写完整',
    ]);
  });
});

describe('over the API', () => {
  it('the office loads 2027 by sending the notice; a unit may not; the year in the address must be the notice’s', async () => {
    const app = await appBench(dynalite);
    const office = await app.officeToken();
    const unit = await app.token('市林业局');
    const put = (path: string, token: string, body: unknown) =>
      app.app.request(path, { method: 'PUT', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });

    const forbidden = await put('/api/calendar/2027', unit, { notice: notice2027 });
    expect(forbidden.status).toBe(403);
    const wrongYear = await put('/api/calendar/2028', office, { notice: notice2027 });
    expect(wrongYear.status).toBe(400);
    expect(((await wrongYear.json()) as { error: { message: string } }).error.message).toBe('通知是2027年的安排，与地址中的2028年不符');
    const unreadable = await put('/api/calendar/2027', office, { notice: notice2027.replace('共9天', '共10天') });
    expect(unreadable.status).toBe(400);
    expect(((await unreadable.json()) as { error: { message: string; field: string } }).error).toMatchObject({ field: 'notice', message: expect.stringContaining('二、春节') });
    expect(await app.store.calendarYears()).toEqual([]);

    const loaded = await put('/api/calendar/2027', office, { notice: notice2027 });
    expect(loaded.status).toBe(201);
    const body = (await loaded.json()) as { year: { year: number; makeupWorkdays: string[] }; loaded: boolean };
    expect(body.loaded).toBe(true);
    expect(body.year.makeupWorkdays).toEqual(['2027-02-14', '2027-04-25', '2027-05-08', '2027-09-26', '2027-10-09']);
    expect((await app.store.calendarYears()).map((y) => y.year)).toEqual([2027]);

    const conflict = await put('/api/calendar/2027', office, { notice: notice2027.replace('9月26日（周日）、', '') });
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: { message: string } }).error.message).toContain('2027-09-26（原为上班，现为休息）');
  });
});

describe('from the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'duban-calendar-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, DUBAN_DATA_DIR: join(dir, 'data'), DUBAN_DYNAMODB_PORT: '1', DUBAN_SES_PORT: '1', DUBAN_HTTP_PORT: '1' };
  const cli = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), now: () => at };
    const code = await runCli(argv, io, env);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('--dry-run prints only the year file `calendar load` takes, and loads nothing', async () => {
    const file = join(dir, '2027.txt');
    writeFileSync(file, notice2027);
    const dry = await cli('calendar', 'notice', file, '--dry-run');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.out)).toEqual({ ...readHolidayNotice(notice2027) });
    expect(Object.keys(JSON.parse(dry.out))).toEqual(['year', 'holidays', 'makeupWorkdays', 'source']);
    expect(dry.err).toContain(' 2月  放假 5–13日；调休上班 14日（周日）');
    expect((await cli('calendar')).out).not.toContain('2027');

    // The same JSON loads as a year file.
    writeFileSync(join(dir, '2027.json'), dry.out);
    const load = await cli('calendar', 'load', join(dir, '2027.json'));
    expect(load.code).toBe(0);
    expect(load.out).toContain('已载入 2027 年工作日历（国务院办公厅2026年11月10日通知）：节假日 29 天，调休上班 5 天');
    expect((await cli('calendar')).out).toContain('2027 年：国务院办公厅2026年11月10日通知');
  });

  it('reads a notice saved as GB18030, and refuses to change a known year without --replace', async () => {
    const file = join(dir, '2018-gbk.txt');
    const altered = notice2018.replace('9月29日(星期六)、9月30日(星期日)上班', '9月29日(星期六)上班');
    writeFileSync(file, Buffer.from(new TextEncoderGb().encode(altered)));
    const refused = await cli('calendar', 'notice', file);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('错误：工作日历已有2018年的安排，与本次载入的有 1 天不一致：2018-09-30（原为上班，现为休息）');
    const replaced = await cli('calendar', 'notice', file, '--replace');
    expect(replaced.code).toBe(0);
    expect(replaced.out).toContain('已替换 2018 年原有安排，改动 1 天');
  });

  it('refuses an unreadable notice with the sentence at fault, and no stack trace', async () => {
    const file = join(dir, 'bad.txt');
    writeFileSync(file, notice2027.replace('4月25日（周日）', '4月26日（周一）'));
    const refused = await cli('calendar', 'notice', file, '--dry-run');
    expect(refused.code).toBe(1);
    expect(refused.out).toBe('');
    expect(refused.err).toMatch(/^错误：调休上班日 2027-04-26 是星期一，平日本就上班，不是调休上班日：“四、劳动节:4月26日\(周一\)、5月8日\(周六\)上班”$/);
    expect(refused.err).not.toMatch(/\n\s+at /);
  });
});

describe('the office’s reminder while next year is missing', () => {
  it('goes by email once a week from October until the year is loaded, saying what stops and when', async () => {
    const { store, deps } = await bench.setup({ importAt: new Date('2026-09-01T02:00:00Z') });
    const office = (await store.people.list()).filter((p) => p.roles.includes('整改办')).map((p) => p.email);
    const reminders = async () => (await bench.mail()).filter((m) => m.subject.startsWith('【工作日历】'));
    const everyDay = async (from: string, to: string, d = deps) => {
      for (let day = from; day <= to; day = addDays(day, 1)) await runJob('weekly-circular', instantAt(day, '16:00'), d);
    };

    await everyDay('2026-09-21', '2026-09-30');
    expect(await reminders()).toEqual([]);

    await everyDay('2026-10-12', '2026-10-25');
    const sent = await reminders();
    expect(sent.map((m) => m.destination.to[0]).sort()).toEqual([...office, ...office].sort()); // two weeks, once each
    expect(sent[0]!.subject).toBe('【工作日历】尚未载入2027年法定节假日安排，请尽快载入');
    const text = sent[0]!.body.text!;
    expect(text).toContain('到期提醒（提前 7 个工作日）：自12月23日（周三）起');
    expect(text).toContain('跨年一周的周调度、催办和周通报：自12月28日（周一）起');
    expect(text).toContain('npx duban calendar notice 通知.txt');
    expect(text).toContain('PUT /api/calendar/2027');

    await bench.clearMail();
    await loadCalendarYear(readHolidayNotice(notice2027), { by: 'office', at, via: 'test' }, { store, calendar: deps.calendar });
    await everyDay('2026-10-26', '2026-11-01', { ...deps, calendar: defaultCalendar(await store.calendarYears()) });
    expect(await reminders()).toEqual([]);
  });

  it('still reaches the office in the last week of December, when the circular itself cannot run', async () => {
    const { deps } = await bench.setup({ importAt: new Date('2026-12-01T02:00:00Z') });
    await expect(runJob('weekly-circular', instantAt('2026-12-28', '16:00'), deps)).rejects.toThrow(UnknownCalendarYearError);
    const sent = (await bench.mail()).filter((m) => m.subject.startsWith('【工作日历】'));
    expect(sent.length).toBeGreaterThan(0);
    expect(sent[0]!.body.text).toContain('到期提醒（提前 7 个工作日）：自12月23日（周三）起（已停止）');
  });
});

/** GB18030 as Excel and Notepad on Chinese Windows save it (Node's TextEncoder only writes UTF-8). */
class TextEncoderGb {
  encode(text: string): Uint8Array {
    const decoder = new TextDecoder('gb18030');
    const table = new Map<string, number[]>();
    // Build the two-byte codes of the characters used, by decoding every GBK pair once.
    const wanted = new Set([...text].filter((ch) => ch.charCodeAt(0) > 0x7f));
    for (let hi = 0x81; hi <= 0xfe && table.size < wanted.size; hi++) {
      for (let lo = 0x40; lo <= 0xfe; lo++) {
        if (lo === 0x7f) continue;
        const ch = decoder.decode(new Uint8Array([hi, lo]));
        if (wanted.has(ch) && !table.has(ch)) table.set(ch, [hi, lo]);
      }
    }
    const bytes: number[] = [];
    for (const ch of text) {
      if (ch.charCodeAt(0) <= 0x7f) bytes.push(ch.charCodeAt(0));
      else {
        const code = table.get(ch);
        if (!code) throw new Error(`not in GBK: ${ch}`);
        bytes.push(...code);
      }
    }
    return new Uint8Array(bytes);
  }
}
