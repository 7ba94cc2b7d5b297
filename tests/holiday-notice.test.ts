/**
 * Reading the State Council's holiday notice, as offices paste it: every published notice from
 * 2010 to 2026 (tests/fixtures/holiday-notices, copied from public pages with their own punctuation
 * and layout) read back against the built-in calendar, date by date; and the refusals.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { readHolidayNotice, type NoticeArrangement } from '../functions/core/holiday-notice.ts';
import { addDays, isoWeekday } from '../functions/core/time.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures/holiday-notices');
const notice = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const builtin = defaultCalendar();

const parsed = new Map<number, NoticeArrangement>();
for (let year = 2010; year <= 2026; year++) parsed.set(year, readHolidayNotice(notice(`${year}.txt`)));

/**
 * Where the notice of `year` and the built-in calendar disagree, over every date of the year. The
 * last days of December are arranged by the next year's notice (its 元旦 item), so they are taken
 * from there, as the calendar took them.
 */
function disagreements(year: number): string[] {
  const own = parsed.get(year)!;
  const spill = parsed.get(year + 1)?.previousYear;
  const holidays = new Set([...own.holidays, ...(spill?.holidays ?? [])]);
  const makeup = new Set([...own.makeupWorkdays, ...(spill?.makeupWorkdays ?? [])]);
  const out: string[] = [];
  for (let d = `${year}-01-01`; d.startsWith(`${year}-`); d = addDays(d, 1)) {
    const workday = makeup.has(d) ? true : holidays.has(d) ? false : isoWeekday(d) <= 5;
    if (workday !== builtin.isWorkday(d)) out.push(d);
  }
  return out;
}

describe('reading the published notices, 2010–2026', () => {
  const exact = [2010, 2011, 2012, 2013, 2014, 2016, 2017, 2018, 2021, 2022, 2023, 2024, 2025, 2026];

  it.each(exact)('the %i notice gives the built-in calendar’s answer for every date of the year', (year) => {
    expect(disagreements(year)).toEqual([]);
    const days = (Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / 86_400_000;
    expect(days === 365 || days === 366).toBe(true);
  });

  // Three years were changed after their notice, by a second notice the reader is not given here.
  // Each year's original notice is read exactly: it differs from the calendar on the amended dates
  // and on no other.
  it('2015: the notice alone lacks only the 抗战胜利70周年 days (国发明电〔2015〕1号: 9月3日–4日 off, 9月6日 worked)', () => {
    expect(disagreements(2015)).toEqual(['2015-09-03', '2015-09-04', '2015-09-06']);
  });

  it('2019: the notice alone lacks only the 劳动节 amendment (国办发明电〔2019〕3号: 5月1日–4日 off, 4月28日 and 5月5日 worked)', () => {
    expect(disagreements(2019)).toEqual(['2019-04-28', '2019-05-02', '2019-05-03', '2019-05-05']);
  });

  it('2020: the notice alone lacks only the extension of the Spring Festival to 2月2日 (1月31日 off, 2月1日 no longer worked)', () => {
    expect(disagreements(2020)).toEqual(['2020-01-31', '2020-02-01']);
  });

  it('names each notice’s source: its 文号, else the date it was signed', () => {
    expect(parsed.get(2015)!.source).toBe('国务院办公厅2014年12月16日通知');
    expect(parsed.get(2018)!.source).toBe('国办发明电〔2017〕12号');
    expect(parsed.get(2026)!.source).toBe('国务院办公厅2025年11月4日通知');
  });

  it('reads the forms the notices have used', () => {
    const y = (year: number) => parsed.get(year)!;
    // "1月1日放假，与周末连休": that day alone.
    expect(y(2018).holidays.filter((d) => d < '2018-01-10')).toEqual(['2018-01-01']);
    // "1月1日放假，1月2日（星期一）补休"
    expect(y(2017).holidays.filter((d) => d < '2017-01-10')).toEqual(['2017-01-01', '2017-01-02']);
    // A range across months: "4月29日至5月1日放假调休，共3天"
    expect(y(2018).holidays).toEqual(expect.arrayContaining(['2018-04-29', '2018-04-30', '2018-05-01']));
    // Across years: "2018年12月30日至2019年1月1日", and "12月29日（星期六）上班" belongs to 2018.
    expect(y(2019).holidays[0]).toBe('2019-01-01');
    expect(y(2019).previousYear).toEqual({ year: 2018, holidays: ['2018-12-30', '2018-12-31'], makeupWorkdays: ['2018-12-29'] });
    // A combined item: "中秋节、国庆节：9月29日至10月6日放假调休，共8天"
    expect(y(2023).holidays.filter((d) => d >= '2023-09-01')).toEqual(
      ['2023-09-29', '2023-09-30', '2023-10-01', '2023-10-02', '2023-10-03', '2023-10-04', '2023-10-05', '2023-10-06'],
    );
    // Several make-up days in one sentence, one of them with its month left off: "2月20日（星期六）、21日（星期日）上班"
    expect(y(2010).makeupWorkdays).toEqual(expect.arrayContaining(['2010-02-20', '2010-02-21']));
    // Only an encouragement: 除夕 (2月9日) stays a workday in 2024.
    expect(y(2024).holidays).not.toContain('2024-02-09');
    expect(builtin.isWorkday('2024-02-09')).toBe(true);
    // 周X and 农历 notes inside the parentheses.
    expect(y(2026).holidays.filter((d) => d.startsWith('2026-02'))).toHaveLength(9);
  });

  it('reads the notice however it was pasted: one line, full-width digits, odd spacing', () => {
    const original = notice('2018.txt');
    const squashed = original.replace(/\s+/g, '').replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
    expect(readHolidayNotice(squashed)).toEqual(parsed.get(2018));
    const spaced = original.replace(/([：:])/g, ' $1 ').replace(/、/g, ' 、 ');
    expect(readHolidayNotice(spaced)).toEqual(parsed.get(2018));
  });
});

describe('refusing what it cannot read with certainty', () => {
  const base = notice('2018.txt');
  const refusal = (text: string) => {
    try {
      readHolidayNotice(text);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the reader accepted it');
  };

  it('a date that does not exist, quoting the sentence', () => {
    const text = base.replace('2月15日至21日', '2月25日至30日');
    expect(text).not.toBe(base);
    expect(refusal(text)).toMatch(/无法识别日期“30日”.*“二、春节:2月25日至30日放假调休/);
  });

  it('a damaged copy ("0月1日", as one page has it)', () => {
    const text = base.replace('七、国庆节:10月1日', '七、国庆节:0月1日');
    expect(text).not.toBe(base);
    expect(refusal(text)).toMatch(/无法识别日期“0月1日”.*七、国庆节/);
  });

  it('a 共N天 that disagrees with the range', () => {
    const text = base.replace('2月15日至21日放假调休,共7天', '2月15日至21日放假调休,共8天');
    expect(text).not.toBe(base);
    expect(refusal(text)).toMatch(/共 7 天，与“共8天”不符.*“二、春节:2月15日至21日放假调休,共8天”/);
  });

  it('a make-up day that is not a weekend day', () => {
    const text = base.replace('2月24日(星期六)上班', '2月23日上班');
    expect(text).not.toBe(base);
    expect(refusal(text)).toMatch(/调休上班日 2018-02-23 是星期五.*2月23日上班/);
  });

  it('a 星期 that is not the date’s', () => {
    const text = base.replace('2月24日(星期六)', '2月24日(星期日)');
    expect(refusal(text)).toMatch(/“2月24日\(星期日\)”所注的星期日与日期不符（2018-02-24 是星期六）/);
  });

  it('a festival missing from the notice', () => {
    const text = base.replace(/五、端午节[^\n]*\n/, '');
    expect(text).not.toBe(base);
    expect(refusal(text)).toBe('通知中缺少端午节的安排：每年的通知应列出元旦、春节、清明节、劳动节、端午节、中秋节、国庆节，请检查是否复制完整');
  });

  it('a sentence with a date it cannot place', () => {
    const text = base.replace('2月24日(星期六)上班。', '2月24日(星期六)上班。2月25日另行安排。');
    expect(refusal(text)).toMatch(/无法确定“2月25日另行安排”中的日期是放假还是上班：“二、春节:/);
  });

  it('an amendment (调整/延长 a year’s holidays), which only states what changed', () => {
    expect(refusal(notice('2019-amendment.txt'))).toMatch(/^这是一份调整2019年假期的通知（“关于调整2019年劳动节假期安排的通知”），只写改动，不是全年安排，不能单独载入/);
    expect(refusal(notice('2020-amendment.txt'))).toMatch(/^这是一份调整2020年假期的通知（“关于延长2020年春节假期的通知”）/);
  });

  it('something that is not a notice', () => {
    expect(refusal('')).toMatch(/通知内容为空/);
    expect(refusal('关于2027年部分节假日安排的通知\n请各单位注意。')).toMatch(/未找到“一、元旦：……”这样的分项安排/);
    expect(refusal('一、元旦：1月1日放假。')).toMatch(/无法确定这份通知是哪一年的安排/);
  });
});
