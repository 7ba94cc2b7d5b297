import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, daysBetween } from '../functions/core/time.ts';
import { builtinCalendarYears, defaultCalendar } from '../functions/core/calendar-data.ts';
import { calendarYearSchema, UnknownCalendarYearError, WorkdayCalendar, type CalendarYear } from '../functions/core/calendar.ts';
import { ValidationError } from '../functions/core/errors.ts';

const calendar = defaultCalendar();

/** A plausible 2027 arrangement, as an office would load it once the State Council publishes it. */
const year2027: CalendarYear = {
  year: 2027,
  holidays: ['2027-01-01', '2027-01-02', '2027-01-03', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-05-01', '2027-10-01', '2027-10-02', '2027-10-03'],
  makeupWorkdays: ['2027-02-13'],
  source: '国办发明电〔2026〕示例',
};

const errorOf = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
};

const issuesOf = (input: unknown) => {
  const result = calendarYearSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('the built-in workday calendar', () => {
  it('knows 2004 to 2026 and nothing else', () => {
    const years = calendar.knownYears();
    expect(years[0]).toBe(2004);
    expect(years.at(-1)).toBe(2026);
    expect(years).toHaveLength(23);
    expect(calendar.knows(2027)).toBe(false);
    expect(calendar.knows(2003)).toBe(false);
  });

  it('counts the make-up Saturday 2018-09-29 as a workday and the National Day holiday 2018-10-03 as not', () => {
    expect(calendar.isWorkday('2018-09-29')).toBe(true);
    expect(calendar.isWorkday('2018-09-30')).toBe(true); // a make-up Sunday
    expect(calendar.isWorkday('2018-10-03')).toBe(false);
    expect(calendar.isHoliday('2018-10-03')).toBe(true);
    expect(calendar.isHoliday('2018-09-29')).toBe(false);
  });

  it('treats an ordinary weekend as a day off that is not a holiday, and an ordinary weekday as a workday', () => {
    expect(calendar.isWorkday('2018-07-07')).toBe(false);
    expect(calendar.isHoliday('2018-07-07')).toBe(false);
    expect(calendar.isWorkday('2018-07-09')).toBe(true);
  });

  it('has 2018-12-31 and 2019-01-01 off for New Year, with Saturday 2018-12-29 worked in exchange', () => {
    expect(calendar.isWorkday('2018-12-29')).toBe(true);
    expect(calendar.isWorkday('2018-12-31')).toBe(false);
    expect(calendar.isWorkday('2019-01-01')).toBe(false);
    expect(calendar.nextWorkdayOnOrAfter('2018-12-30')).toBe('2019-01-02');
    expect(calendar.previousWorkdayOnOrBefore('2019-01-01')).toBe('2018-12-29');
  });

  it('leaves a workday where it is when asked for the next or previous workday', () => {
    expect(calendar.nextWorkdayOnOrAfter('2018-09-30')).toBe('2018-09-30');
    expect(calendar.previousWorkdayOnOrBefore('2018-10-08')).toBe('2018-10-08');
    expect(calendar.previousWorkdayOnOrBefore('2018-10-07')).toBe('2018-09-30');
  });

  it('gives every built-in year in a form the year-file schema accepts', () => {
    for (const year of builtinCalendarYears()) expect(issuesOf(year), String(year.year)).toEqual([]);
  });
});

describe('counting workdays', () => {
  it('counts across the 2018 National Day holiday, make-up days included', () => {
    expect(calendar.addWorkdays('2018-09-28', 1)).toBe('2018-09-29');
    expect(calendar.addWorkdays('2018-09-30', 1)).toBe('2018-10-08');
    expect(calendar.addWorkdays('2018-10-08', -1)).toBe('2018-09-30');
    expect(calendar.addWorkdays('2018-10-03', 1)).toBe('2018-10-08'); // from a holiday
    expect(calendar.addWorkdays('2018-10-08', 0)).toBe('2018-10-08');
  });

  it('counts the workdays in (a, b], negative when b comes first', () => {
    expect(calendar.workdaysBetween('2018-09-28', '2018-10-08')).toBe(3);
    expect(calendar.workdaysBetween('2018-10-08', '2018-09-28')).toBe(-3);
    expect(calendar.workdaysBetween('2018-10-01', '2018-10-07')).toBe(0);
    expect(calendar.workdaysBetween('2018-07-09', '2018-07-09')).toBe(0);
  });

  it('counts across years, leap years, 调休 and the Spring Festival as walking day by day does', () => {
    const walked = (a: string, b: string) => {
      let count = 0;
      for (let day = addDays(a, 1); day <= b; day = addDays(day, 1)) if (calendar.isWorkday(day)) count++;
      return count;
    };
    const first = Math.min(...calendar.knownYears());
    const last = Math.max(...calendar.knownYears());
    const span = daysBetween(`${first}-01-01`, `${last}-12-31`);
    const day = fc.integer({ min: 0, max: span }).map((n) => addDays(`${first}-01-01`, n));
    fc.assert(
      fc.property(day, day, (a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        expect(calendar.workdaysBetween(from, to)).toBe(walked(from, to));
        expect(calendar.workdaysBetween(to, from)).toBe(-walked(from, to) || 0); // 0, not -0, when no workday lies between
      }),
      { numRuns: 300, examples: [["2004-01-14", "2004-01-14"], ["2004-01-03", "2004-01-02"]] },
    );
    // A leap day, a year's last day, a make-up Sunday (2018-09-29 was worked for 国庆).
    expect(calendar.workdaysBetween('2019-12-31', '2020-03-01')).toBe(walked('2019-12-31', '2020-03-01'));
    expect(calendar.workdaysBetween('2018-09-28', '2018-09-29')).toBe(1);
    expect(() => calendar.workdaysBetween('2018-01-01', '2018-02-30')).toThrow(ValidationError);
  });

  it('refuses a fractional number of workdays', () => {
    expect(() => calendar.addWorkdays('2018-07-09', 1.5)).toThrow(ValidationError);
  });
});

describe('first and last workdays of weeks and months', () => {
  it('finds no workday in the 2018 golden week, and the make-up Sunday as the last workday of the week before', () => {
    expect(calendar.firstWorkdayOfWeek('2018-10-03')).toBeUndefined();
    expect(calendar.lastWorkdayOfWeek('2018-10-03')).toBeUndefined();
    expect(calendar.firstWorkdayOfWeek('2018-09-26')).toBe('2018-09-25'); // Monday 09-24 is 中秋
    expect(calendar.lastWorkdayOfWeek('2018-09-26')).toBe('2018-09-30');
  });

  it('ends September 2018 on the make-up Sunday and starts October on the 8th', () => {
    expect(calendar.lastWorkdayOfMonth('2018-09-10')).toBe('2018-09-30');
    expect(calendar.firstWorkdayOfMonth('2018-10-10')).toBe('2018-10-08');
    expect(calendar.lastWorkdayOfMonth('2018-12-05')).toBe('2018-12-29');
  });
});

describe('a year the calendar does not know', () => {
  it('refuses a 2027 question with a message saying what to load', () => {
    expect(() => calendar.isWorkday('2027-03-01')).toThrow(UnknownCalendarYearError);
    expect(() => calendar.isWorkday('2027-03-01')).toThrow(
      '工作日历尚未载入2027年的法定节假日安排，无法判断工作日；请先载入该年度安排（国务院办公厅节假日通知）',
    );
    expect(errorOf(() => calendar.isHoliday('2027-01-01'))).toMatchObject({ code: 'CALENDAR_YEAR_UNKNOWN', year: 2027 });
  });

  it('refuses a walk that steps out of a known year into an unknown one', () => {
    expect(() => calendar.addWorkdays('2026-12-30', 5)).toThrow(/2027年/);
    expect(() => calendar.nextWorkdayOnOrAfter('2026-12-31')).not.toThrow(); // a Thursday, a workday
    expect(() => calendar.workdaysBetween('2026-12-01', '2027-01-05')).toThrow(UnknownCalendarYearError);
    expect(() => calendar.lastWorkdayOfWeek('2026-12-28')).toThrow(UnknownCalendarYearError);
    expect(() => calendar.addWorkdays('2004-01-05', -10)).toThrow(/2003年/);
  });

  it('refuses any question about a 2027 date, even one a known week could answer', () => {
    expect(() => calendar.firstWorkdayOfWeek('2027-01-01')).toThrow(UnknownCalendarYearError);
    expect(() => calendar.addWorkdays('2027-01-04', 0)).toThrow(UnknownCalendarYearError);
  });

  it('answers once 2027 is loaded, honouring its holidays and make-up days, while the old calendar still refuses', () => {
    const loaded = calendar.withYear(calendarYearSchema.parse(year2027));
    expect(loaded.knows(2027)).toBe(true);
    expect(loaded.sourceOf(2027)).toBe('国办发明电〔2026〕示例');
    expect(loaded.isWorkday('2027-01-01')).toBe(false); // a Friday, but a holiday
    expect(loaded.isHoliday('2027-02-08')).toBe(true);
    expect(loaded.isWorkday('2027-02-13')).toBe(true); // a make-up Saturday
    expect(loaded.isWorkday('2027-03-01')).toBe(true);
    expect(loaded.addWorkdays('2026-12-31', 1)).toBe('2027-01-04');
    expect(loaded.lastWorkdayOfWeek('2026-12-28')).toBe('2026-12-31');
    expect(() => calendar.isWorkday('2027-03-01')).toThrow(UnknownCalendarYearError);
  });

  it('lets a loaded year replace what it knew of that year', () => {
    const revised = calendar.withYear({ year: 2018, holidays: [], makeupWorkdays: [], source: '测试' });
    expect(revised.isWorkday('2018-10-03')).toBe(true);
    expect(revised.knownYears()).toHaveLength(23);
    expect(defaultCalendar([year2027]).isWorkday('2027-02-13')).toBe(true);
  });

  it('refuses a calendar built from a year that lists a date of another year', () => {
    expect(() => new WorkdayCalendar([{ ...year2027, holidays: ['2026-12-31'] }])).toThrow(/2026-12-31/);
  });
});

describe('loading a year file', () => {
  it('accepts a well-formed year, filling in no make-up days and a default source', () => {
    const statutory = ['2027-01-01', '2027-05-01', '2027-10-01', '2027-10-02', '2027-10-03'];
    expect(calendarYearSchema.parse({ year: 2027, holidays: statutory })).toEqual({
      year: 2027,
      holidays: statutory,
      makeupWorkdays: [],
      source: '整改办载入',
    });
  });

  it('names the field and the date that is wrong, in Chinese', () => {
    const issues = issuesOf({
      ...year2027,
      holidays: ['2026-12-31', '2027-02-30', '2027-01-01', '2027-01-01', '2027-05-01', '2027-10-01', '2027-10-02', '2027-10-03'],
      makeupWorkdays: ['2027-02-15', '2027-01-01'],
    });
    expect(issues).toEqual([
      'holidays.0: 节假日（holidays）第1项“2026-12-31”不在2027年内',
      'holidays.1: 日期应写作 YYYY-MM-DD，且须为真实日期：节假日（holidays）第2项为“2027-02-30”',
      'holidays.3: 节假日（holidays）第4项“2027-01-01”重复',
      'makeupWorkdays.0: 调休上班日（makeupWorkdays）第1项“2027-02-15”不是周六或周日，平日本就上班，不是调休上班日',
      'makeupWorkdays.1: 调休上班日（makeupWorkdays）第2项“2027-01-01”同时列在节假日中，一天不能既放假又调休上班',
    ]);
  });

  it('explains a missing or mistyped year and holiday list', () => {
    expect(issuesOf({ year: '2027' })).toEqual(['year: 年份（year）应为数字，如 2027', 'holidays: 节假日（holidays）应为日期列表，如 ["2027-01-01"]']);
    expect(issuesOf({ year: 1999, holidays: [] })).toEqual([
      'year: 年份（year）应在 2000–2100 之间',
      'holidays: 节假日（holidays）为空：1999年不可能没有法定节假日，请按国务院办公厅通知填写',
    ]);
    expect(issuesOf([])).toEqual([': 年度安排应为一个 JSON 对象，含 year、holidays、makeupWorkdays、source']);
  });
});
