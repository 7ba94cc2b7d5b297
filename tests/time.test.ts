import { describe, expect, it } from 'vitest';
import { ValidationError } from '../functions/core/errors.ts';
import {
  addDays,
  compareDates,
  instantAt,
  isLocalDate,
  isoWeekday,
  isoWeekOf,
  localDateOf,
  localTimeOf,
  monthEnd,
  monthOf,
  monthStart,
  parseMonthPeriod,
  parseWeekPeriod,
  weekEnd,
  weekStart,
} from '../functions/core/time.ts';

describe('time in Asia/Shanghai', () => {
  it('puts 2018-07-08T16:30Z on Monday 2018-07-09 00:30 in Shanghai, ISO week 2018-W28', () => {
    const at = new Date('2018-07-08T16:30:00Z');
    expect(localDateOf(at)).toBe('2018-07-09');
    expect(localTimeOf(at)).toBe('00:30');
    expect(isoWeekday(localDateOf(at))).toBe(1);
    expect(isoWeekOf(localDateOf(at))).toBe('2018-W28');
  });

  it('keeps 2018-07-08T15:59Z on Sunday 2018-07-08, still ISO week 2018-W27', () => {
    const at = new Date('2018-07-08T15:59:00Z');
    expect(localDateOf(at)).toBe('2018-07-08');
    expect(localTimeOf(at)).toBe('23:59');
    expect(isoWeekOf(localDateOf(at))).toBe('2018-W27');
  });

  it('turns a Shanghai wall-clock time into the instant eight hours earlier in UTC', () => {
    expect(instantAt('2018-07-09', '09:00').toISOString()).toBe('2018-07-09T01:00:00.000Z');
    expect(instantAt('2018-07-09').toISOString()).toBe('2018-07-08T16:00:00.000Z');
    expect(localDateOf(instantAt('2018-12-31', '23:59'))).toBe('2018-12-31');
  });

  it('refuses a malformed date or time instead of returning an invalid instant', () => {
    expect(() => instantAt('2018-02-30', '09:00')).toThrow(ValidationError);
    expect(() => instantAt('2018-07-09', '9:00')).toThrow(/时间“9:00”无效/);
    expect(() => instantAt('2018-07-09', '24:00')).toThrow(ValidationError);
  });

  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2018-12-31', 1)).toBe('2019-01-01');
    expect(addDays('2020-02-28', 1)).toBe('2020-02-29');
    expect(addDays('2019-02-28', 1)).toBe('2019-03-01');
    expect(addDays('2018-03-01', -1)).toBe('2018-02-28');
  });

  it('knows a real date from a look-alike', () => {
    expect(isLocalDate('2020-02-29')).toBe(true);
    expect(isLocalDate('2019-02-29')).toBe(false);
    expect(isLocalDate('2018-7-9')).toBe(false);
    expect(isLocalDate('2018-13-01')).toBe(false);
    expect(isLocalDate('0018-01-01')).toBe(false);
  });

  it('finds the Monday and Sunday of a week, and the ISO week at a year boundary', () => {
    expect(weekStart('2018-07-15')).toBe('2018-07-09');
    expect(weekEnd('2018-07-09')).toBe('2018-07-15');
    expect(isoWeekOf('2018-12-31')).toBe('2019-W01');
    expect(isoWeekOf('2021-01-03')).toBe('2020-W53');
  });

  it('reads a week period back into its Monday and Sunday, and refuses a week that does not exist', () => {
    expect(parseWeekPeriod('2018-W28')).toEqual({ start: '2018-07-09', end: '2018-07-15' });
    expect(parseWeekPeriod('2020-W53')).toEqual({ start: '2020-12-28', end: '2021-01-03' });
    expect(() => parseWeekPeriod('2018-W53')).toThrow(/不是有效的周次/);
    expect(() => parseWeekPeriod('2018-28')).toThrow(ValidationError);
  });

  it('finds the month of a date, its first and last day, and reads a month period', () => {
    expect(monthOf('2018-07-09')).toBe('2018-07');
    expect(monthStart('2018-07-09')).toBe('2018-07-01');
    expect(monthEnd('2018-02-10')).toBe('2018-02-28');
    expect(monthEnd('2020-02-10')).toBe('2020-02-29');
    expect(parseMonthPeriod('2018-09')).toEqual({ start: '2018-09-01', end: '2018-09-30' });
    expect(() => parseMonthPeriod('2018-13')).toThrow(/不是有效的月份/);
  });

  it('orders dates', () => {
    expect(['2018-10-08', '2018-09-30', '2018-10-01'].sort(compareDates)).toEqual(['2018-09-30', '2018-10-01', '2018-10-08']);
    expect(compareDates('2018-09-30', '2018-09-30')).toBe(0);
  });
});
