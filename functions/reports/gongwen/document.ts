/**
 * The 周通报 and the 月交账 as an official 公文 (.docx) in the GB/T 9704-2012 layout (layout.ts
 * has the standard's numbers and clauses): the 版头 (the office's name in red, the 发文字号, the
 * red line), the title, the 主送, the text with its 一、/（一） headings and its lists as tables,
 * the issuer and date, the 版记 (抄送, 印发) and page numbers "— 1 —" outside on each page.
 * Built with our WordprocessingML writer (wordml.ts); the words come from the compiled report and the
 * office's 基本信息.
 */
import { paragraph, table, wordDocx, type Block, type Border, type Paragraph, type Run, type Table, type TableCell, type TableRow, type WordDocument } from './wordml.ts';
import type { ReportModel } from '../../core/reports/model.ts';
import { CHAR, FONT, FOOTER_FROM_EDGE, ISSUER_TOP, LINE, MARGIN, PAGE, RED, RED_LINE_GAP_PT, RULE, SIZE, TIGHTER, TYPE_AREA, pt } from './layout.ts';

/** Width of a text in 全角 characters: ASCII (digits, Latin) counts half. */
export const textWidth = (text: string) => [...text].reduce((n, ch) => n + (ch.charCodeAt(0) < 0x2000 ? 0.5 : 1), 0);

/**
 * A run; 3号 text is set 0.25 pt tighter so that 28 characters fill a line of the 版心 (5.2.3:
 * 28 × 15.75 pt ≤ 156 mm), as a document grid would, without one (office suites apply a
 * character grid differently; this spacing they all honour).
 */
const run = (text: string, options: { font?: string; size?: number; bold?: boolean; color?: string; scale?: number } = {}): Run => {
  const size = options.size ?? SIZE.三号;
  return { text, font: options.font ?? FONT.body, size: pt(size), bold: options.bold, color: options.color, scale: options.scale, characterSpacing: size === SIZE.三号 ? TIGHTER : undefined };
};

/** One line of the grid, exactly (5.2.3). */
const exactly = (line = LINE) => ({ line, lineRule: 'exact' as const, before: 0, after: 0 });

/** A paragraph of the text: 3号 仿宋, indented two characters (7.3.3). */
const text = (content: string) => paragraph({ indent: { firstLine: 2 * CHAR }, spacing: exactly(), align: 'both' }, [run(content)]);

/** 一、 in 黑体, （一） in 楷体 (7.3.3); indented like the text. */
const heading = (level: 1 | 2, content: string) =>
  paragraph({ indent: { firstLine: 2 * CHAR }, spacing: exactly(), keepNext: true }, [run(content, { font: level === 1 ? FONT.heading1 : FONT.heading2 })]);

const blank = () => paragraph({ spacing: exactly() });

const numerals = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
const numeral = (n: number) => (n <= 10 ? numerals[n - 1]! : `十${numerals[n - 11]}`);

// ---- tables (8: 横排表格) -------------------------------------------------------------------

const line: Border = { style: 'single', size: 4, color: '000000' };
const none: Border = { style: 'none', size: 0, color: 'FFFFFF' };
const TABLE_LINE = Math.round(SIZE.小四 * 20 * 1.3);

interface Column {
  title: string;
  /** Share of the 版心's width. */
  weight: number;
  center?: boolean;
}

function listTable(columns: Column[], rows: string[][]): Table {
  const total = columns.reduce((n, c) => n + c.weight, 0);
  const widths = columns.map((c) => Math.floor((TYPE_AREA.width * c.weight) / total));
  widths[widths.length - 1]! += TYPE_AREA.width - widths.reduce((a, b) => a + b, 0);
  const cell = (content: string, index: number, head: boolean): TableCell => ({
    width: widths[index]!,
    verticalAlign: 'center',
    paragraphs: [paragraph({ align: head || columns[index]!.center ? 'center' : 'left', spacing: exactly(TABLE_LINE) }, [run(content, { size: SIZE.小四, font: head ? FONT.heading1 : FONT.body })])],
  });
  return table({
    width: TYPE_AREA.width,
    columns: widths,
    fixedLayout: true,
    borders: { top: line, bottom: line, left: line, right: line, insideHorizontal: line, insideVertical: line },
    rows: [
      { header: true, cantSplit: true, cells: columns.map((c, i) => cell(c.title, i, true)) },
      ...rows.map((r) => ({ cantSplit: true, cells: r.map((v, i) => cell(v, i, false)) })),
    ],
  });
}

/** A list: a sentence, then its table; or a sentence saying there is none. */
const listOrNone = (rows: string[][], intro: string, empty: string, columns: Column[]): Block[] =>
  rows.length ? [text(intro), listTable(columns, rows)] : [text(empty)];

const taskColumns: Column[] = [
  { title: '序号', weight: 4, center: true },
  { title: '任务编号', weight: 6, center: true },
  { title: '整改任务', weight: 20 },
  { title: '牵头单位', weight: 10 },
  { title: '整改时限', weight: 8 },
  { title: '亮灯原因', weight: 12 },
];

const taskRows = (tasks: ReportModel['red']) => tasks.map((t, i) => [String(i + 1), t.code, t.title, t.leadUnits, t.deadline, t.reasons]);

// ---- the parts of the 公文 -----------------------------------------------------------------

/** 版头: the 标志 in red 小标宋, the 发文字号, the red line as wide as the 版心 (7.2.4, 7.2.5, 7.2.7). */
function head(report: ReportModel): Paragraph[] {
  const name = report.office.officeName;
  const width = textWidth(name);
  const fitted = Math.floor((TYPE_AREA.width / 20 / width) * 10) / 10; // pt per character to fill the 版心
  const size = Math.max(SIZE.二号, Math.min(SIZE.初号, fitted));
  // Too long even at 2号: keep the height, narrow the characters (Word's 字符缩放).
  const scale = fitted < SIZE.二号 ? Math.max(50, Math.floor((fitted / SIZE.二号) * 100)) : undefined;
  const issuerLine = Math.round(size * 20 * 1.2);
  return [
    paragraph({ align: 'center', spacing: { before: ISSUER_TOP, after: 2 * LINE, line: issuerLine, lineRule: 'exact' } }, [run(name, { font: FONT.title, size, color: RED, scale })]),
    paragraph({ align: 'center', spacing: exactly(), border: { bottom: { style: 'single', size: 12, color: RED, space: RED_LINE_GAP_PT } } }, [run(report.document.number ?? '（预览，未编号）')]),
  ];
}

/** 标题: two lines below the red line, 2号 小标宋, centred; a long one breaks after the period (7.3.1). */
function title(report: ReportModel): Paragraph[] {
  const subject = report.kind === 'weekly-circular' ? `${report.office.programme}推进情况的通报` : `${report.office.programme}交账情况的通报`;
  // The week without its dates (2018年第30周): the text's first sentence gives them.
  const period = report.periodText.replace(/（.*）$/, '');
  const whole = `关于${period}${subject}`;
  const perLine = Math.floor(TYPE_AREA.width / (SIZE.二号 * 20));
  const lines = textWidth(whole) <= perLine ? [whole] : [`关于${period}`, subject];
  return [
    blank(),
    ...lines.map((l, i) => paragraph({ align: 'center', spacing: { ...exactly(), before: i === 0 ? LINE : 0 } }, [run(l, { font: FONT.title, size: SIZE.二号 })])),
    blank(),
  ];
}

function body(report: ReportModel): Block[] {
  const circular = report.kind === 'weekly-circular';
  const per = circular ? '周' : '月';
  const { counts, reporting } = report;
  const sections: [string, Block[]][] = [];

  sections.push([
    '总体情况',
    [
      text(`截至${report.document.date}，台账共有未销号整改任务${counts.total}项，其中红灯${counts.red}项、黄灯${counts.yellow}项、绿灯${counts.green}项；已销号${counts.closed}项，其中本${per}销号${counts.closedThisPeriod}项。`),
      text(
        circular
          ? `本周应报送进展的单位${reporting.active}个，按时报送${reporting.onTime}个，逾期报送${reporting.late}个，未报送${reporting.missing}个。`
          : `本月应交账的单位${reporting.active}个，已交账${reporting.onTime}个，未交账${reporting.missing}个。`,
      ),
      heading(2, '（一）分类推进情况'),
      listTable(
        [
          { title: '类别', weight: 16 },
          { title: '任务', weight: 5, center: true },
          { title: '红灯', weight: 5, center: true },
          { title: '黄灯', weight: 5, center: true },
          { title: '绿灯', weight: 5, center: true },
          { title: '已销号', weight: 6, center: true },
        ],
        report.sections.map((s) => [s.category, String(s.total), String(s.red), String(s.yellow), String(s.green), String(s.grey)]),
      ),
    ],
  ]);
  sections.push(['红灯任务', listOrNone(taskRows(report.red), `红灯任务共${report.red.length}项，请牵头单位对照整改时限加快推进：`, `本${per}无红灯任务。`, taskColumns)]);
  sections.push(['黄灯任务', listOrNone(taskRows(report.yellow), `黄灯任务共${report.yellow.length}项，请相关单位抓紧推进，防止转为红灯：`, `本${per}无黄灯任务。`, taskColumns)]);
  sections.push([
    circular ? '未报送进展的单位' : '未交账的单位',
    [text(report.notReported.length ? `以下${report.notReported.length}个单位本${per}${circular ? '未报送进展' : '未交账'}：${report.notReported.join('、')}。` : `本${per}各单位均已${circular ? '报送进展' : '交账'}。`)],
  ]);
  const escalationColumns: Column[] = [
    { title: '任务编号', weight: 6, center: true },
    { title: '单位', weight: 12 },
    { title: '督办级别', weight: 6, center: true },
    { title: '起始日期', weight: 7, center: true },
    { title: '原因', weight: 19 },
  ];
  const escalationRows = (list: ReportModel['named']) => list.map((e) => [e.code, e.unit, e.levelName ?? '', e.since ?? '', e.reasons]);
  sections.push([
    '督办情况',
    [
      heading(2, '（一）通报'),
      ...listOrNone(escalationRows(report.named), `以下${report.named.length}项任务的牵头单位予以通报：`, '无。', escalationColumns),
      heading(2, '（二）挂牌督办'),
      ...listOrNone(escalationRows(report.listed), `以下${report.listed.length}项任务挂牌督办：`, '无。', escalationColumns),
      heading(2, '（三）约谈'),
      ...listOrNone(
        report.interviews.map((i) => [i.code, i.unit, i.openedOn, i.state]),
        `尚未办结的约谈${report.interviews.length}项：`,
        '无。',
        [
          { title: '任务编号', weight: 6, center: true },
          { title: '单位', weight: 16 },
          { title: '启动日期', weight: 8, center: true },
          { title: '进展', weight: 10 },
        ],
      ),
    ],
  ]);
  sections.push([
    `本${per}销号的任务`,
    listOrNone(
      report.closedThisPeriod.map((t) => [t.code, t.title, t.leadUnits, t.closedOn]),
      `本${per}销号${report.closedThisPeriod.length}项：`,
      `本${per}无销号任务。`,
      [
        { title: '任务编号', weight: 6, center: true },
        { title: '整改任务', weight: 22 },
        { title: '牵头单位', weight: 12 },
        { title: '销号日期', weight: 8, center: true },
      ],
    ),
  ]);
  sections.push([
    '近期到期事项',
    listOrNone(
      report.upcoming.map((u) => [u.day, u.code, u.title, u.label === '整改时限' ? u.label : `${u.label}：${u.content}`, u.leadUnits]),
      '以下事项即将到期，请相关单位按时完成：',
      '近期无到期事项。',
      [
        { title: '到期日', weight: 8, center: true },
        { title: '任务编号', weight: 6, center: true },
        { title: '整改任务', weight: 16 },
        { title: '事项', weight: 10 },
        { title: '牵头单位', weight: 10 },
      ],
    ),
  ]);
  if (circular) {
    sections.push([
      '报送情况排名',
      listOrNone(
        report.ranking.map((r) => [String(r.rank), r.unit, r.status, r.reportedAt, String(r.red)]),
        '各单位本周报送进展情况排名如下：',
        '本周无应报送进展的单位。',
        [
          { title: '名次', weight: 4, center: true },
          { title: '单位', weight: 20 },
          { title: '报送情况', weight: 8, center: true },
          { title: '首次报送', weight: 8, center: true },
          { title: '红灯任务', weight: 6, center: true },
        ],
      ),
    ]);
  } else {
    sections.push([
      '各单位交账情况',
      listOrNone(
        report.accounts.map((a) => [a.unit, String(a.tasks), String(a.accounted), a.status]),
        '各单位本月交账情况如下：',
        '本月无应交账的单位。',
        [
          { title: '单位', weight: 22 },
          { title: '承担任务', weight: 6, center: true },
          { title: '交账项数', weight: 6, center: true },
          { title: '交账情况', weight: 8, center: true },
        ],
      ),
    ]);
    sections.push([
      '目标指标',
      listOrNone(
        report.indicators.map((i) => [i.name, i.targetText, i.valueText, i.status, i.trend.status, i.responsibleUnits.join('、')]),
        '目标指标本月情况如下（轨迹：对照基准值至目标的直线轨迹）：',
        '台账未列目标指标。',
        [
          { title: '指标', weight: 10 },
          { title: '目标', weight: 10 },
          { title: '本月数值', weight: 7, center: true },
          { title: '达标情况', weight: 7, center: true },
          { title: '轨迹', weight: 7, center: true },
          { title: '责任单位', weight: 12 },
        ],
      ),
    ]);
  }
  return [
    paragraph({ spacing: exactly() }, [run(`${report.document.to}：`)]),
    text(`现将${report.periodText}${report.office.programme}${circular ? '推进' : '交账'}情况通报如下。`),
    ...sections.flatMap(([name, blocks], i) => [heading(1, `${numeral(i + 1)}、${name}`), ...blocks]),
  ];
}

/**
 * 署名 and 成文日期 of a 公文 without a seal (7.3.5.2): one line below the text, the issuer two
 * characters in from the right, the date below with its first character two characters right of
 * the issuer's; a date longer than that is two characters in and moves the issuer left.
 */
function signature(report: ReportModel): Paragraph[] {
  const issuer = report.office.officeName;
  const date = report.document.date;
  const dateRight = Math.max(2, textWidth(issuer) + 2 - 2 - textWidth(date));
  const issuerRight = Math.max(2, dateRight + textWidth(date) + 2 - textWidth(issuer));
  const right = (content: string, chars: number) => paragraph({ align: 'right', indent: { right: Math.round(chars * CHAR) }, spacing: exactly() }, [run(content)]);
  return [blank(), right(issuer, issuerRight), right(date, dateRight)];
}

/**
 * 版记 (7.4): 抄送 and 印发 in 4号 仿宋 between lines as wide as the 版心 (thick, thin, thick), on
 * the last page with its last line on the bottom edge of the 版心: a table floating at the foot of
 * the 版心 (w:tblpPr, tblpYSpec="bottom"), its lines drawn as the rows' borders. Word and WPS place
 * it there; LibreOffice (7.4) shows a floating table as wide as the text inline, after the signature.
 */
function colophon(report: ReportModel): Table {
  const char4 = SIZE.四号 * 20;
  const thick: Border = { style: 'single', size: RULE.thick, color: '000000' };
  const thin: Border = { style: 'single', size: RULE.thin, color: '000000' };
  const spacing = { ...exactly(Math.round(LINE * 0.9)), before: 40, after: 40 };
  const printed = `${report.document.date}印发`;
  // The date's column: the date, one character in from the right and some room for proportional digits.
  const dateWidth = Math.round((textWidth(printed) + 3) * char4);
  const widths = [TYPE_AREA.width - dateWidth, dateWidth];
  const cell = (content: Paragraph, borders: { top: Border; bottom: Border }, width: number, span?: number): TableCell => ({
    span,
    width,
    margins: { top: 0, bottom: 0, left: 0, right: 0 },
    verticalAlign: 'center',
    borders: { ...borders, left: none, right: none },
    paragraphs: [content],
  });
  const rows: TableRow[] = [];
  const copyTo = report.document.copyTo;
  if (copyTo.length) {
    const label = '抄送：';
    // Lines after the first align with the first name after the colon (7.4.2).
    const indent = { left: char4 * (1 + label.length), hanging: char4 * label.length, right: char4 };
    rows.push({ cantSplit: true, cells: [cell(paragraph({ spacing, indent }, [run(`${label}${copyTo.join('，')}。`, { size: SIZE.四号 })]), { top: thick, bottom: thin }, TYPE_AREA.width, 2)] });
  }
  const top = copyTo.length ? thin : thick;
  rows.push({
    cantSplit: true,
    cells: [
      cell(paragraph({ spacing, indent: { left: char4 } }, [run(report.office.officeName, { size: SIZE.四号 })]), { top, bottom: thick }, widths[0]!),
      cell(paragraph({ spacing, align: 'right', indent: { right: char4 } }, [run(printed, { size: SIZE.四号 })]), { top, bottom: thick }, widths[1]!),
    ],
  });
  return table({
    width: TYPE_AREA.width,
    columns: widths,
    fixedLayout: true,
    float: { horizontal: 'center', vertical: 'bottom' },
    borders: { top: none, bottom: none, left: none, right: none, insideHorizontal: none, insideVertical: none },
    rows,
  });
}

/** 页码 (7.5): "— 1 —" in 4号 半角宋体, odd pages one character in from the right, even ones from the left. */
function pageNumber(side: 'odd' | 'even'): Paragraph[] {
  const char4 = SIZE.四号 * 20;
  const style = { font: FONT.pageNumber, size: pt(SIZE.四号) };
  return [
    paragraph({ align: side === 'odd' ? 'right' : 'left', indent: side === 'odd' ? { right: char4 } : { left: char4 } }, [
      { text: '— ', ...style },
      { field: 'PAGE', ...style },
      { text: ' —', ...style },
    ]),
  ];
}

export function gongwenDocument(report: ReportModel): WordDocument {
  return {
    creator: report.office.officeName,
    title: report.title,
    created: report.compiledAt,
    defaults: { font: FONT.body, size: pt(SIZE.三号) },
    section: {
      page: PAGE,
      margin: { ...MARGIN, header: MARGIN.top - 567, footer: FOOTER_FROM_EDGE, gutter: 0 },
      // 22 lines a page (5.2.3): every paragraph is set to exactly this pitch. No grid is switched
      // on: office suites snap larger type (the title) to two grid lines, which the standard does not.
      linePitch: LINE,
      footers: { default: pageNumber('odd'), even: pageNumber('even') },
    },
    // The body ends with a paragraph: the floating 版记 anchors to it.
    body: [...head(report), ...title(report), ...body(report), ...signature(report), colophon(report), paragraph({ spacing: exactly(20) })],
  };
}

/** The .docx file's bytes. */
export async function gongwenDocx(report: ReportModel): Promise<Uint8Array> {
  return new Uint8Array(wordDocx(gongwenDocument(report)));
}
