import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { UnknownCalendarYearError } from '../functions/core/calendar.ts';
import {
  deadlineReminderDates,
  parseDeadlineText,
  parseMilestonesText,
  resolveDeadline,
  resolveMilestones,
} from '../functions/core/deadline.ts';

const calendar = defaultCalendar();

const read = (text: string) => {
  const parsed = parseDeadlineText(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};
const resolve = (text: string, enteredOn = '2018-07-04') => resolveDeadline(text, read(text), calendar, enteredOn);
const refusal = (text: string) => {
  const parsed = parseDeadlineText(text);
  return parsed.ok ? undefined : parsed.message;
};

describe('reading 整改时限', () => {
  it.each([
    ['2018年12月31日', '2018-12-31'],
    ['2018年12月31日前', '2018-12-31'],
    ['2018年12月31日以前', '2018-12-31'],
    ['2018年12月31日之前', '2018-12-31'],
    ['2018年12月31日前完成', '2018-12-31'],
    ['2018年12月31日前完成整改并销号', '2018-12-31'],
    ['2018年12月31日前，全面完成', '2018-12-31'],
    ['2018年9月底前', '2018-09-30'],
    ['2018年9月底', '2018-09-30'],
    ['2018年9月', '2018-09-30'],
    ['2018年2月底前', '2018-02-28'],
    ['2020年2月底前', '2020-02-29'],
    ['2018年底前', '2018-12-31'],
    ['2018年底', '2018-12-31'],
    ['2018年年底前', '2018-12-31'],
    ['2020年', '2020-12-31'],
    ['2020年前', '2020-12-31'],
    ['2020年底前完成', '2020-12-31'],
    ['2019年上半年', '2019-06-30'],
    ['2019年第三季度末前', '2019-09-30'],
    ['2018-12-31', '2018-12-31'],
    ['2018/12/31', '2018-12-31'],
    ['2018/9/30前', '2018-09-30'],
    ['２０２０年底前', '2020-12-31'],
    ['２０１８年９月３０日前', '2018-09-30'],
    [' 2018 年 9 月底前 ', '2018-09-30'],
    ['2018年底前。', '2018-12-31'],
  ])('reads %s as a date, nominally %s', (text, nominal) => {
    expect(read(text)).toEqual({ kind: 'date', nominal, ongoingAfter: false });
  });

  it.each(['立行立改', '立即整改', ' 立行立改 '])('reads %s as immediate', (text) => {
    expect(read(text)).toEqual({ kind: 'immediate', ongoingAfter: false });
  });

  it.each(['长期坚持', '长期', '持续推进', '长期坚持。'])('reads %s as ongoing', (text) => {
    expect(read(text)).toEqual({ kind: 'ongoing' });
  });

  it.each([
    ['2018年9月底前，长期坚持', '2018-09-30'],
    ['2018年9月底前、长期坚持', '2018-09-30'],
    ['2018年9月底前；长期坚持', '2018-09-30'],
    ['2018年底前完成，长期坚持', '2018-12-31'],
    ['2018年底前完成并长期坚持', '2018-12-31'],
    ['2018年12月31日前，持续推进', '2018-12-31'],
  ])('reads the pair %s as due then and ongoing after', (text, nominal) => {
    expect(read(text)).toEqual({ kind: 'date', nominal, ongoingAfter: true });
  });

  it.each(['立行立改、长期坚持', '立行立改，长期坚持'])('reads the pair %s as immediate and ongoing after', (text) => {
    expect(read(text)).toEqual({ kind: 'immediate', ongoingAfter: true });
  });

  it.each(['尽快完成', '下半年', '2018年下半年', '2018年9月中旬', '2018年初', '长期坚持，2018年底前', '2018年底前后'])(
    'refuses %s with a message saying what it can read',
    (text) => {
      expect(refusal(text)).toBe(
        `无法识别的整改时限“${text}”，可写作：2018年12月31日前、2018年9月底前、2018年底前、2020年、立行立改、长期坚持，或“2018年9月底前，长期坚持”`,
      );
    },
  );

  it.each([
    ['2018年13月底前', '2018年13月底前'],
    ['2018年2月30日前完成', '2018年2月30日前'],
  ])('refuses %s as no real date', (text, bad) => {
    expect(refusal(text)).toMatch(new RegExp(`^无法识别的整改时限“${text}”（“${bad}”不是有效日期），可写作：`));
  });

  it('refuses two dates in one 整改时限 and points to 阶段节点', () => {
    expect(refusal('2018年9月底前完成排查，2018年12月31日前完成整治')).toContain('分阶段的时间请写在“阶段节点”列');
  });

  it('refuses an empty 整改时限', () => {
    expect(refusal('  ')).toMatch(/^整改时限未填写，可写作：/);
  });
});

describe('resolving 整改时限 on the workday calendar', () => {
  it('keeps a due date that is a workday', () => {
    expect(resolve('2018年11月30日前')).toEqual({ kind: 'date', text: '2018年11月30日前', nominal: '2018-11-30', due: '2018-11-30', ongoingAfter: false });
  });

  it('moves 2018年底前 off the New Year holiday to 2019-01-02', () => {
    expect(resolve('2018年底前')).toMatchObject({ nominal: '2018-12-31', due: '2019-01-02' });
    expect(resolve('2018年12月31日')).toMatchObject({ nominal: '2018-12-31', due: '2019-01-02' });
  });

  it('moves a Saturday to the Monday after, and leaves the make-up Sunday 2018-09-30 alone', () => {
    expect(resolve('2018年6月底前')).toMatchObject({ nominal: '2018-06-30', due: '2018-07-02' });
    expect(resolve('2018年9月底前，长期坚持')).toMatchObject({ nominal: '2018-09-30', due: '2018-09-30', ongoingAfter: true });
  });

  it('moves a date inside the National Day holiday to the first workday after it', () => {
    expect(resolve('2018年10月3日前')).toMatchObject({ due: '2018-10-08' });
  });

  it('gives 立行立改 ten workdays from the day the task entered the ledger, across a holiday', () => {
    expect(resolve('立行立改', '2018-09-25')).toEqual({ kind: 'immediate', text: '立行立改', enteredOn: '2018-09-25', due: '2018-10-12', ongoingAfter: false });
    expect(resolve('立行立改', '2018-07-04')).toMatchObject({ due: '2018-07-18' });
  });

  it('gives 长期坚持 no due date', () => {
    expect(resolve('长期坚持')).toEqual({ kind: 'ongoing', text: '长期坚持' });
  });

  it('refuses a due date in a year the calendar does not know', () => {
    expect(() => resolve('2027年6月底前')).toThrow(UnknownCalendarYearError);
    expect(() => resolve('立行立改', '2026-12-24')).toThrow(/2027年/);
  });
});

describe('reading 阶段节点', () => {
  it('reads dated milestones separated by ；', () => {
    expect(parseMilestonesText('2018年9月底前 完成排查；2018年12月31日前 完成整治')).toEqual({
      ok: true,
      value: [
        { nominal: '2018-09-30', content: '完成排查' },
        { nominal: '2018-12-31', content: '完成整治' },
      ],
    });
  });

  it('accepts ; and new lines between items, ：or nothing between date and content, and numbered items', () => {
    expect(parseMilestonesText('1. 2018年8月31日前：完成修订稿;\n2、2018-09-30 印发方案。\n（3）2018年底前完成评估')).toEqual({
      ok: true,
      value: [
        { nominal: '2018-08-31', content: '完成修订稿' },
        { nominal: '2018-09-30', content: '印发方案' },
        { nominal: '2018-12-31', content: '完成评估' },
      ],
    });
  });

  it('reads empty text as no milestones', () => {
    expect(parseMilestonesText('')).toEqual({ ok: true, value: [] });
    expect(parseMilestonesText(' ； ')).toEqual({ ok: true, value: [] });
  });

  it('refuses an item without a date, without content, with a bad date or with two dates', () => {
    expect(parseMilestonesText('完成排查')).toEqual({ ok: false, message: expect.stringMatching(/^无法识别阶段节点“完成排查”：每个节点写作“日期 内容”/) });
    expect(parseMilestonesText('2018年9月底前')).toEqual({ ok: false, message: expect.stringMatching(/^阶段节点“2018年9月底前”缺少内容/) });
    expect(parseMilestonesText('2018年2月30日前 完成')).toEqual({ ok: false, message: '阶段节点“2018年2月30日前 完成”中的“2018年2月30日前”不是有效日期' });
    expect(parseMilestonesText('2018年9月底前 完成排查、2018年底前完成整治').ok).toBe(false);
    expect(parseMilestonesText('2018年下半年 完成').ok).toBe(false);
    expect(parseMilestonesText('2018年9月 中旬完成').ok).toBe(false);
  });

  it('resolves milestone due dates off holidays, like a deadline', () => {
    const parsed = parseMilestonesText('2018年9月底前 完成排查；2018年12月31日前 完成整治');
    expect(parsed.ok && resolveMilestones(parsed.value, calendar)).toEqual([
      { nominal: '2018-09-30', due: '2018-09-30', content: '完成排查' },
      { nominal: '2018-12-31', due: '2019-01-02', content: '完成整治' },
    ]);
  });
});

describe('deadline reminders', () => {
  it('reminds a task due 2018-10-08 on the make-up Sunday (1 workday before) and on 2018-09-28 (3 before), across 中秋 for 7', () => {
    expect(deadlineReminderDates('2018-10-08', calendar)).toEqual(['2018-09-21', '2018-09-28', '2018-09-30']);
  });

  it('takes other offsets', () => {
    expect(deadlineReminderDates('2019-01-02', calendar, [1, 2])).toEqual(['2018-12-29', '2018-12-28']);
  });
});
