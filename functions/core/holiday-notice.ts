/**
 * Reads the State Council's yearly notice (国务院办公厅关于20XX年部分节假日安排的通知) as people copy
 * it from a web page or a newspaper, and returns the year's arrangement: the days off and the 调休
 * make-up workdays, with its source (the 文号 where given, else the notice's date).
 *
 * Input: the pasted text, title, dateline, greeting, numbered items, closing paragraphs and
 * signature included, in full- or half-width punctuation, with any spacing and line breaks.
 * Output: a CalendarYear for the notice's year, plus the days it arranges in the year before (a
 * 元旦 block that starts on 30 December).
 * Primary course: find the numbered items (一、元旦：…), read each sentence of each item:
 * "…放假" (a day or a range, with 共N天 or 放假N天 checked against it), "…补休" (days off),
 * "…上班" (make-up days, each a Saturday or Sunday), and skip what only encourages (鼓励…).
 * It never guesses: a date it cannot read, a 星期 that is not the date's, a 共N天 that disagrees
 * with its range, a weekday make-up day, a sentence with a date it cannot place, a festival
 * without its item: each is refused with a Chinese message that quotes the sentence at fault.
 */
import { ValidationError } from './errors.ts';
import { addDays, isLocalDate, isoWeekday, type LocalDate } from './time.ts';
import type { CalendarYear } from './calendar.ts';

/** The festivals every notice arranges; an item may name several (中秋节、国庆节). */
export const FESTIVALS = ['元旦', '春节', '清明节', '劳动节', '端午节', '中秋节', '国庆节'] as const;

export interface NoticeArrangement extends CalendarYear {
  /** Days the notice arranges in the year before, e.g. 2018年12月30日 in the 2019 notice. */
  previousYear?: { year: number; holidays: LocalDate[]; makeupWorkdays: LocalDate[] };
}

export class NoticeUnreadableError extends ValidationError {
  constructor(message: string) {
    super(message, 'notice');
  }
}

const CHINESE_DIGITS: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };
const WEEKDAYS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7 };
const WEEKDAY_NAMES = ['', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六', '星期日'];

/** 3, 三, 十 → a number; undefined for anything else. */
function countOf(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  if (text === '十') return 10;
  const m = /^(?:([一二两三四五六七八九])?十)?([一二两三四五六七八九])?$/.exec(text);
  if (!m || (!m[1] && !m[2] && !text.includes('十'))) return undefined;
  return (text.includes('十') ? (m[1] ? CHINESE_DIGITS[m[1]]! : 1) * 10 : 0) + (m[2] ? CHINESE_DIGITS[m[2]]! : 0);
}

/** Full-width to half-width (NFKC), one kind of line break, no spaces: the text people paste. */
function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\u00a0\u3000\u200b\ufeff]+/g, '')
    .replace(/[（【]/g, '(')
    .replace(/[）】]/g, ')')
    .replace(/[：]/g, ':')
    .replace(/[，]/g, ',')
    .replace(/[；]/g, ';');
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Where the notice's text says it comes from: its 文号, else the date it was signed or published. */
function sourceOf(text: string, year: number): string {
  const number = /国办发(明电)?[〔\[(]?(\d{4})[〕\])]?(\d{1,3})号/.exec(text);
  if (number) return `国办发${number[1] ?? ''}〔${number[2]}〕${number[3]}号`;
  const signed = [...text.matchAll(/国务院办公厅\n*(\d{4})年(\d{1,2})月(\d{1,2})日/g)].at(-1);
  if (signed) return `国务院办公厅${signed[1]}年${signed[2]}月${signed[3]}日通知`;
  const dateline = /新华社[^\n,]{0,12}?(\d{1,2})月(\d{1,2})日电/.exec(text);
  if (dateline) return `国务院办公厅关于${year}年部分节假日安排的通知（新华社${dateline[1]}月${dateline[2]}日电）`;
  return `国务院办公厅关于${year}年部分节假日安排的通知`;
}

function yearOf(text: string): number {
  const amendment = /关于(?:调整|延长|变更)(\d{4})年[^\n]{0,16}?(?:假期|放假|节假日)[^\n]{0,12}?的通知/.exec(text);
  if (amendment) {
    throw new NoticeUnreadableError(
      `这是一份调整${amendment[1]}年假期的通知（“${amendment[0]}”），只写改动，不是全年安排，不能单独载入：` +
        `请把该年原通知读出的安排（npx duban calendar notice 原通知.txt --dry-run）按调整通知改好，再用 npx duban calendar load <文件> --replace 载入`,
    );
  }
  const title = /关于(\d{4})年(?:部分)?节假日安排的通知/.exec(text) ?? /现将(\d{4})年/.exec(text);
  if (!title) throw new NoticeUnreadableError('无法确定这份通知是哪一年的安排：未找到“关于20XX年部分节假日安排的通知”或“现将20XX年……”');
  return Number(title[1]);
}

interface Item {
  heading: string;
  festivals: string[];
  body: string;
}

/**
 * The numbered items, each with its text. An item runs to the next item's number; the last one to
 * the end of its paragraph (a line that ends a sentence), so the closing paragraphs and the
 * signature are never read as part of it.
 */
function itemsOf(text: string): Item[] {
  const heading = /(?:^|[\n。;])(?:\(?([一二三四五六七八九十]{1,3})\)?[、.]|\(([一二三四五六七八九十]{1,3})\))([^:\n。;]{1,30}):/g;
  const found = [...text.matchAll(heading)].map((m) => ({
    start: m.index + (/^[\n。;]/.test(m[0]) ? 1 : 0),
    bodyStart: m.index + m[0].length,
    title: m[3]!,
    heading: m[0].replace(/^[\n。;]/, ''),
  }));
  return found.map((h, i) => {
    let end = found[i + 1]?.start ?? text.length;
    if (i === found.length - 1) {
      const paragraphEnd = /。\n/.exec(text.slice(h.bodyStart));
      if (paragraphEnd) end = h.bodyStart + paragraphEnd.index + 1;
    }
    const names = h.title.split(/[、,和及与]/).filter(Boolean);
    return { heading: h.heading, festivals: names, body: text.slice(h.bodyStart, end).replace(/\n/g, '') };
  });
}

interface DateToken {
  date: LocalDate;
  text: string;
  index: number;
  end: number;
}

const DATE = /(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:\(([^)]*)\))?/g;
/** A sentence that says something of days: a date, a day off, a day worked, a count. */
const ARRANGES = /\d{1,2}日|放假|上班|补休|调休|共.{1,3}天/;

/**
 * The dates of one sentence, in order. A date without a month takes the month before it; without a
 * year, the notice's year, except a December date in the 元旦 item, or the start of a range that
 * ends earlier in the year: those are the year before.
 */
function datesOf(sentence: string, year: number, newYearItem: boolean, quote: string): DateToken[] {
  const tokens: DateToken[] = [];
  let month: number | undefined;
  let explicitYear: number | undefined;
  for (const m of sentence.matchAll(DATE)) {
    if (m[1]) explicitYear = Number(m[1]);
    if (m[2]) month = Number(m[2]);
    if (month === undefined) throw new NoticeUnreadableError(`无法确定“${m[0]}”是哪个月：${quote}`);
    const day = Number(m[3]);
    let y = m[1] ? Number(m[1]) : (explicitYear ?? year);
    if (!m[1] && explicitYear === undefined && newYearItem && month === 12) y = year - 1;
    const date = `${y}-${pad(month)}-${pad(day)}`;
    if (!isLocalDate(date)) throw new NoticeUnreadableError(`无法识别日期“${m[0]}”（不是真实的日期）：${quote}`);
    const annotation = m[4] ?? '';
    const weekday = /(?:星期|周|礼拜)([一二三四五六日天])/.exec(annotation);
    if (weekday && WEEKDAYS[weekday[1]!] !== isoWeekday(date)) {
      throw new NoticeUnreadableError(`“${m[0]}”所注的${weekday[0]}与日期不符（${date} 是${WEEKDAY_NAMES[isoWeekday(date)]}）：${quote}`);
    }
    tokens.push({ date, text: m[0], index: m.index, end: m.index + m[0].length });
  }
  return tokens;
}

/** Dates joined by 至 make a range; any other dates are listed one by one. */
function daysOf(clause: string, tokens: DateToken[], quote: string): LocalDate[] {
  const days: LocalDate[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const next = tokens[i + 1];
    if (next && /^(至|到|~|-|—|–|―|－)$/.test(clause.slice(token.end, next.index))) {
      let start = token.date;
      let end = next.date;
      // 12月30日至1月1日: the start is in the year before the end.
      if (start > end && start.slice(0, 4) === end.slice(0, 4)) start = `${Number(start.slice(0, 4)) - 1}${start.slice(4)}`;
      if (start > end) throw new NoticeUnreadableError(`“${token.text}至${next.text}”的起止日期颠倒：${quote}`);
      for (let d = start; d <= end; d = addDays(d, 1)) days.push(d);
      if (days.length > 40) throw new NoticeUnreadableError(`“${token.text}至${next.text}”超过 40 天，不像节假日安排：${quote}`);
      i++;
    } else {
      days.push(token.date);
    }
  }
  return days;
}

/** Splits on commas outside parentheses. */
function clausesOf(sentence: string): string[] {
  const clauses: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of sentence) {
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      clauses.push(current);
      current = '';
    } else current += ch;
  }
  clauses.push(current);
  return clauses.filter((c) => c.length > 0);
}

/** What only encourages (鼓励各单位……安排职工在除夕休息) sets no day off. */
const ENCOURAGES = /鼓励|倡导|提倡|建议/;

interface ItemDays {
  holidays: LocalDate[];
  makeup: LocalDate[];
}

/**
 * One item's days. The last item of a notice pasted as one line runs on into the closing
 * paragraphs: its reading stops at the first sentence after its own that names no date.
 */
function readItem(item: Item, year: number, last: boolean): ItemDays {
  const result: ItemDays = { holidays: [], makeup: [] };
  const newYearItem = item.festivals.includes('元旦');
  for (const raw of item.body.split(/[。;]/)) {
    const sentence = raw.trim();
    if (!sentence || ENCOURAGES.test(sentence)) continue;
    if (last && result.holidays.length > 0 && !ARRANGES.test(sentence)) break;
    const quote = `“${item.heading}${sentence}”`;
    let lastOff: { days: number; clause: string } | undefined;
    for (const clause of clausesOf(sentence)) {
      const tokens = datesOf(clause, year, newYearItem, quote);
      const days = daysOf(clause, tokens, quote);
      const total = /^共(\d+|[一二两三四五六七八九十]+)天$/.exec(clause);
      if (total) {
        if (!lastOff) throw new NoticeUnreadableError(`“${clause}”前没有放假日期，无法核对天数：${quote}`);
        const n = countOf(total[1]!);
        if (n !== lastOff.days) throw new NoticeUnreadableError(`“${lastOff.clause}”共 ${lastOff.days} 天，与“${clause}”不符：${quote}`);
        continue;
      }
      const verbs = ['放假', '补休', '上班'].filter((v) => clause.includes(v));
      if (verbs.length > 1 && !(verbs.includes('放假') && verbs.includes('补休') && days.length === 0)) {
        throw new NoticeUnreadableError(`一句中同时有${verbs.join('和')}，无法确定各日期的安排：${quote}`);
      }
      if (days.length === 0) continue; // 与周末连休, 不调休, 放假调休 …
      if (verbs.length === 0) throw new NoticeUnreadableError(`无法确定“${clause}”中的日期是放假还是上班：${quote}`);
      if (verbs[0] === '上班') {
        for (const d of days) {
          if (isoWeekday(d) < 6) throw new NoticeUnreadableError(`调休上班日 ${d} 是${WEEKDAY_NAMES[isoWeekday(d)]}，平日本就上班，不是调休上班日：${quote}`);
        }
        result.makeup.push(...days);
        continue;
      }
      result.holidays.push(...days);
      if (verbs[0] === '放假') {
        lastOff = { days: days.length, clause };
        const stated = /放假(\d+|[一二两三四五六七八九十]+)天/.exec(clause);
        if (stated && countOf(stated[1]!) !== days.length) {
          throw new NoticeUnreadableError(`“${clause}”列出 ${days.length} 天，与“放假${stated[1]}天”不符：${quote}`);
        }
      }
    }
  }
  if (result.holidays.length === 0) throw new NoticeUnreadableError(`“${item.heading}”一项中未找到放假日期：“${item.heading}${item.body}”`);
  return result;
}

export function readHolidayNotice(text: string): NoticeArrangement {
  const normalised = normalise(text);
  if (!normalised) throw new NoticeUnreadableError('通知内容为空：请粘贴国务院办公厅节假日安排通知的全文');
  const year = yearOf(normalised);
  // The signature's date is not an arrangement, wherever the paste put it.
  const items = itemsOf(normalised.replace(/国务院办公厅\n*\d{4}年\d{1,2}月\d{1,2}日/g, '\n'));
  if (items.length === 0) throw new NoticeUnreadableError('通知中未找到“一、元旦：……”这样的分项安排，无法读取放假日期');

  const covered = new Set<string>();
  const holidays = new Set<LocalDate>();
  const makeup = new Set<LocalDate>();
  for (const item of items) {
    for (const name of item.festivals) {
      if (!(FESTIVALS as readonly string[]).includes(name)) {
        throw new NoticeUnreadableError(`不认识的节日“${name}”（应为${FESTIVALS.join('、')}之一）：“${item.heading}${item.body}”`);
      }
      if (covered.has(name)) throw new NoticeUnreadableError(`“${name}”的安排出现了两次：“${item.heading}${item.body}”`);
      covered.add(name);
    }
    const days = readItem(item, year, item === items.at(-1));
    days.holidays.forEach((d) => holidays.add(d));
    days.makeup.forEach((d) => makeup.add(d));
  }
  const missing = FESTIVALS.filter((f) => !covered.has(f));
  if (missing.length) throw new NoticeUnreadableError(`通知中缺少${missing.join('、')}的安排：每年的通知应列出${FESTIVALS.join('、')}，请检查是否复制完整`);
  const both = [...makeup].find((d) => holidays.has(d));
  if (both) throw new NoticeUnreadableError(`${both} 既列为放假又列为上班，无法确定`);
  const stray = [...holidays, ...makeup].find((d) => Number(d.slice(0, 4)) !== year && Number(d.slice(0, 4)) !== year - 1);
  if (stray) throw new NoticeUnreadableError(`${stray} 不在${year}年（或其前一年年末）内，无法确定`);

  const inYear = (dates: Set<LocalDate>, y: number) => [...dates].filter((d) => d.startsWith(`${y}-`)).sort();
  const arrangement: NoticeArrangement = {
    year,
    holidays: inYear(holidays, year),
    makeupWorkdays: inYear(makeup, year),
    source: sourceOf(normalised, year),
  };
  const before = { year: year - 1, holidays: inYear(holidays, year - 1), makeupWorkdays: inYear(makeup, year - 1) };
  if (before.holidays.length || before.makeupWorkdays.length) arrangement.previousYear = before;
  return arrangement;
}
