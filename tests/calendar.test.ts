import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { calendarYearSchema, UnknownCalendarYearError, type CalendarYear } from '../functions/core/calendar.ts';
import { deadlineReminderDates, parseDeadlineText, parseMilestonesText, resolveDeadline } from '../functions/core/deadline.ts';
import { instantAt, isoWeekOf, localDateOf, parseWeekPeriod } from '../functions/core/time.ts';

const calendar = defaultCalendar();

/** A plausible 2027 arrangement, as an office would load it once the State Council publishes it. */
const year2027: CalendarYear = {
  year: 2027,
  holidays: ['2027-01-01', '2027-01-02', '2027-01-03', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11'],
  makeupWorkdays: ['2027-02-13'],
  source: '国办发明电〔2026〕示例',
};

describe('the workday calendar', () => {
  it('counts the make-up Saturday 2018-09-29 as a workday and the National Day holiday 2018-10-03 as not', () => {
    expect(calendar.isWorkday('2018-09-29')).toBe(true);
    expect(calendar.isWorkday('2018-10-03')).toBe(false);
    expect(calendar.isHoliday('2018-10-03')).toBe(true);
    expect(calendar.isWorkday('2018-07-07')).toBe(false); // an ordinary Saturday
  });

  it('counts workdays across the 2018 National Day holiday, make-up days included', () => {
    expect(calendar.addWorkdays('2018-09-28', 1)).toBe('2018-09-29');
    expect(calendar.addWorkdays('2018-09-30', 1)).toBe('2018-10-08');
    expect(calendar.addWorkdays('2018-10-08', -1)).toBe('2018-09-30');
    expect(calendar.workdaysBetween('2018-09-28', '2018-10-08')).toBe(3);
  });

  it('finds no workday in the golden week and the make-up days in the week before', () => {
    expect(calendar.firstWorkdayOfWeek('2018-10-03')).toBeUndefined();
    expect(calendar.lastWorkdayOfWeek('2018-09-26')).toBe('2018-09-30');
    expect(calendar.lastWorkdayOfMonth('2018-09-10')).toBe('2018-09-30');
    expect(calendar.firstWorkdayOfMonth('2018-10-10')).toBe('2018-10-08');
  });

  it('refuses a 2027 question with a clear message until 2027 is loaded, then honours the loaded holidays', () => {
    expect(calendar.knownYears()).toContain(2026);
    expect(() => calendar.isWorkday('2027-03-01')).toThrow(UnknownCalendarYearError);
    expect(() => calendar.isWorkday('2027-03-01')).toThrow(/尚未载入2027年的法定节假日安排/);
    // walking out of a known year into an unknown one is refused too
    expect(() => calendar.addWorkdays('2026-12-30', 5)).toThrow(/2027年/);

    const loaded = calendar.withYear(calendarYearSchema.parse(year2027));
    expect(loaded.isWorkday('2027-01-01')).toBe(false);
    expect(loaded.isWorkday('2027-02-13')).toBe(true); // a make-up Saturday
    expect(loaded.isWorkday('2027-03-01')).toBe(true);
    expect(loaded.addWorkdays('2026-12-31', 1)).toBe('2027-01-04');
  });

  it('rejects a year file whose dates are outside the year or whose make-up day is a weekday', () => {
    const result = calendarYearSchema.safeParse({ ...year2027, holidays: ['2026-12-31'], makeupWorkdays: ['2027-02-15'] });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toContain('holidays.0: 2026-12-31 不在 2027 年内');
    expect(messages).toContain('makeupWorkdays.0: 2027-02-15 不是周六或周日，不需要调休上班');
  });
});

describe('reading 整改时限', () => {
  const due = (text: string, enteredOn = '2018-07-04') => {
    const parsed = parseDeadlineText(text);
    if (!parsed.ok) throw new Error(parsed.message);
    return resolveDeadline(text, parsed.value, calendar, enteredOn);
  };

  it.each([
    ['2018年12月31日', '2018-12-31', '2019-01-02'],
    ['2018年12月31日前', '2018-12-31', '2019-01-02'],
    ['2018年11月30日前', '2018-11-30', '2018-11-30'],
    ['2018年9月底前', '2018-09-30', '2018-09-30'], // a make-up Sunday: a workday, no move
    ['2018年9月底', '2018-09-30', '2018-09-30'],
    ['2018年6月底前', '2018-06-30', '2018-07-02'], // a Saturday moves to Monday
    ['2018年底前', '2018-12-31', '2019-01-02'], // 2018-12-31 and 2019-01-01 are holidays
    ['2018年底', '2018-12-31', '2019-01-02'],
    ['2020年', '2020-12-31', '2020-12-31'],
    ['２０２０年底前', '2020-12-31', '2020-12-31'],
  ])('reads %s as nominally %s, due %s', (text, nominal, expected) => {
    expect(due(text)).toMatchObject({ kind: 'date', nominal, due: expected, ongoingAfter: false });
  });

  it('reads 立行立改 as due within 10 workdays of the day the task entered the ledger', () => {
    expect(due('立行立改', '2018-09-25')).toEqual({ kind: 'immediate', text: '立行立改', enteredOn: '2018-09-25', due: '2018-10-12', ongoingAfter: false });
  });

  it('reads 长期坚持 as ongoing, with no due date', () => {
    expect(due('长期坚持')).toEqual({ kind: 'ongoing', text: '长期坚持' });
  });

  it.each(['2018年9月底前，长期坚持', '2018年9月底前、长期坚持', '2018年9月底前完成，长期坚持'])('reads the pair %s as due then and ongoing after', (text) => {
    expect(due(text)).toMatchObject({ kind: 'date', due: '2018-09-30', ongoingAfter: true });
  });

  it.each(['尽快完成', '2018年13月底前', '2018年2月30日前', '下半年'])('refuses %s with a message saying what it can read', (text) => {
    const parsed = parseDeadlineText(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(`无法识别的整改时限“${text}”`);
  });

  it('reads 阶段节点 as dated milestones', () => {
    expect(parseMilestonesText('2018年9月底前 完成排查；2018年12月31日前 完成整治')).toEqual({
      ok: true,
      value: [
        { nominal: '2018-09-30', content: '完成排查' },
        { nominal: '2018-12-31', content: '完成整治' },
      ],
    });
    expect(parseMilestonesText('完成排查').ok).toBe(false);
  });

  it('reminds a task due 2018-10-08 seven, three and one workdays before: across 中秋 (09-24) and on the make-up Sunday 2018-09-30', () => {
    expect(deadlineReminderDates('2018-10-08', calendar)).toEqual(['2018-09-21', '2018-09-28', '2018-09-30']);
  });
});

describe('time in Asia/Shanghai', () => {
  it('puts 2018-07-08T16:30Z on Monday 2018-07-09 in Shanghai, ISO week 2018-W28', () => {
    const at = new Date('2018-07-08T16:30:00Z');
    expect(localDateOf(at)).toBe('2018-07-09');
    expect(isoWeekOf(localDateOf(at))).toBe('2018-W28');
    expect(instantAt('2018-07-09', '09:00').toISOString()).toBe('2018-07-09T01:00:00.000Z');
    expect(parseWeekPeriod('2018-W28')).toEqual({ start: '2018-07-09', end: '2018-07-15' });
    expect(isoWeekOf('2018-12-31')).toBe('2019-W01');
  });
});
