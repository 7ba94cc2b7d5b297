/**
 * The numbers of GB/T 9704-2012《党政机关公文格式》 that the 公文 (.docx) follows, in Word's units:
 * twips (1/20 pt; 1 mm = 56.7 twips) and half-points for type sizes.
 *
 * - 5.1 幅面尺寸: A4, 210 mm × 297 mm.
 * - 5.2.1 页边与版心尺寸: 天头 (top) 37 mm ± 1 mm, 订口 (left) 28 mm ± 1 mm, 版心 156 mm × 225 mm
 *   (page numbers outside it): so the right margin is 26 mm and the bottom one 35 mm.
 * - 5.2.2 字体和字号 / 5.2.3 行数和字数: 3号 (16 pt) 仿宋 unless stated; 22 lines a page, 28
 *   characters a line, filling the 版心: a line pitch of 225 mm / 22 and a character pitch of
 *   156 mm / 28 (the document grid).
 * - 7.2.4 发文机关标志: centred, its top 35 mm below the top of the 版心, 小标宋, red.
 * - 7.2.5 发文字号: two lines below the 标志, centred; the year in 〔〕, no 第, no leading zeros.
 * - 7.2.7 版头中的分隔线: 4 mm below the 发文字号, red, as wide as the 版心.
 * - 7.3.1 标题: 2号 (22 pt) 小标宋, two lines below the red line, centred, over one or more lines.
 * - 7.3.2 主送机关: one line below the title, flush left, ending in a full-width colon.
 * - 7.3.3 正文: 3号 仿宋, paragraphs indented two characters; headings 一、 in 黑体, （一） in
 *   楷体, 1. and (1) in 仿宋.
 * - 7.3.5.2 不加盖印章的公文: the issuer one line below the text, two characters in from the
 *   right; the date on the next line, its first character two characters right of the issuer's
 *   (when the date is the longer, it is two characters in and the issuer moves left).
 * - 7.4 版记: on the last page, 4号 仿宋 between lines as wide as the 版心: the first and last thick
 *   (0.35 mm), the one between thin (0.25 mm); the last one on the bottom edge of the 版心. 抄送
 *   one character in from the left; the 印发机关 one character in from the left and the 印发日期
 *   (…年…月…日印发) one character in from the right.
 * - 7.5 页码: 4号 (14 pt) 半角宋体 Arabic numerals with an 一字线 each side (— 1 —), below the
 *   版心, the dashes 7 mm under it; odd pages one character in from the right, even pages one
 *   character in from the left.
 * - 8 公文中的横排表格: tables in the text run across the page (portrait A4 here).
 *
 * What this renderer chooses where the standard leaves room (documented in the README): the 标志 is
 * the office's full name (the standard allows the name alone, without 文件), 初号 when it fits on one
 * line and narrowed to the 版心 when it does not; tables are set in 小四 (12 pt) so a task list
 * fits across the page; the 版记 is a floating table anchored to the bottom of the 版心 on the last
 * page, not forced onto an even page.
 */

/** Millimetres to twips. */
export const mm = (value: number) => Math.round(value * 56.7);

/** Points to half-points (w:sz). */
export const pt = (value: number) => Math.round(value * 2);

export const PAGE = { width: 11906, height: 16838 }; // A4 in twips (5.1)

export const MARGIN = {
  top: mm(37), // 天头
  left: mm(28), // 订口
  right: mm(26), // 210 − 28 − 156
  bottom: mm(35), // 297 − 37 − 225
};

export const TYPE_AREA = { width: PAGE.width - MARGIN.left - MARGIN.right, height: PAGE.height - MARGIN.top - MARGIN.bottom };

/** 中文字号 in points. */
export const SIZE = { 初号: 42, 小初: 36, 二号: 22, 三号: 16, 四号: 14, 小四: 12 };

/** 22 lines over the 225 mm of the 版心 (5.2.3). */
export const LINE = Math.floor(TYPE_AREA.height / 22);

/** The width of one 3号 character: 28 a line (5.2.3). */
export const CHAR = Math.floor(TYPE_AREA.width / 28);

/** 3号 characters are set this much tighter (twentieths of a point) to make 28 a line: 16 pt − 0.25 pt. */
export const TIGHTER = -5;

export const FONT = {
  title: '方正小标宋简体',
  body: '仿宋_GB2312',
  heading1: '黑体',
  heading2: '楷体_GB2312',
  pageNumber: '宋体',
};

export const RED = 'FF0000';

/** The 标志 starts 35 mm below the top of the 版心 (7.2.4). */
export const ISSUER_TOP = mm(35);

/** The red line 4 mm below the 发文字号 (7.2.7), in points for w:space. */
export const RED_LINE_GAP_PT = 11;

/** The page number's dashes 7 mm below the 版心 (7.5): the footer's distance from the page's bottom edge. */
export const FOOTER_FROM_EDGE = MARGIN.bottom - mm(7) - Math.round(SIZE.四号 * 20 * 1.3);

/** Line widths in eighths of a point: 0.35 mm ≈ 1 pt (8), 0.25 mm ≈ 0.75 pt (6). */
export const RULE = { thick: 8, thin: 6 };
