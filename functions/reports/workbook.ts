/**
 * The Excel 台账 the office sends upward: a summary sheet, then one sheet per section with every
 * task in the office's column order (the import sheet's columns, then where it stands), the light
 * as the cell's fill, headers frozen; then the units' reporting (周通报: the ranking; 月交账: each
 * unit's account) and, for a month, the indicators.
 */
import type { LedgerRow, ReportModel } from '../core/reports/model.ts';
import { dutyFilesKey, type ReportEvidence } from './evidence.ts';
import { TASKS, sheetSpecs } from '../ledger-import/sheets.ts';
import { cellRef, quoteSheet, XlsxWorkbook, type CellStyle, type CellValue, type XlsxSheet } from './xlsx-writer.ts';

const fills = { red: 'FFD93025', yellow: 'FFF2A600', green: 'FF1E8E3E', grey: 'FFBDC1C6' } as const;
const fontColor = { red: 'FFFFFFFF', yellow: 'FF000000', green: 'FFFFFFFF', grey: 'FF000000' } as const;
const BORDER = 'FFB0B7C3';
const LINK: CellStyle['font'] = { color: 'FF1A73E8', underline: true };
const header: CellStyle = { font: { bold: true }, fill: 'FFDEE5F0', border: BORDER, alignment: { vertical: 'middle', horizontal: 'center', wrapText: true } };
const body: CellStyle = { border: BORDER, alignment: { vertical: 'top', wrapText: true } };
const title: CellStyle = { font: { bold: true, size: 14 }, alignment: { vertical: 'middle', horizontal: 'center' } };
const label: CellStyle = { font: { bold: true } };
const fact: CellStyle = { alignment: { wrapText: true, vertical: 'top' } };
const lightStyles = Object.fromEntries(
  (Object.keys(fills) as (keyof typeof fills)[]).map((light) => [
    light,
    { ...body, fill: fills[light], font: { bold: true, color: fontColor[light] }, alignment: { vertical: 'middle', horizontal: 'center' } } satisfies CellStyle,
  ]),
) as Record<keyof typeof fills, CellStyle>;

/** The 任务清单 columns as the office's import sheet orders them, then the state columns. */
const importColumns = sheetSpecs.find((s) => s.name === TASKS)!.columns;
const fieldOf: Record<string, (r: LedgerRow) => string> = {
  任务编号: (r) => r.code,
  类别: (r) => r.category,
  督察反馈问题: (r) => r.problem,
  整改任务: (r) => r.title,
  整改目标: (r) => r.target,
  整改措施: (r) => r.measures,
  牵头单位: (r) => r.leadUnits,
  责任单位: (r) => r.responsibleUnits,
  督办领导: (r) => r.overseers,
  整改时限: (r) => r.deadline,
  阶段节点: (r) => r.milestones,
  备注: (r) => r.notes,
};

export function taskColumns(kind: ReportModel['kind']): { header: string; width: number; value: (r: LedgerRow, i: number) => string | number }[] {
  return [
    { header: '序号', width: 6, value: (_r, i) => i + 1 },
    ...importColumns.map((c) => ({ header: c.header, width: Math.min(c.width, 40), value: fieldOf[c.header]! })),
    { header: '到期日', width: 12, value: (r) => r.due },
    { header: '灯色', width: 8, value: (r) => r.lightName },
    { header: '灯色原因', width: 30, value: (r) => r.reasons },
    { header: kind === 'monthly-account' ? '本月交账情况' : '最新进展', width: 44, value: (r) => r.progress },
    { header: '报送时间', width: 17, value: (r) => r.progressAt },
    { header: '完成进度', width: 9, value: (r) => (r.percent === undefined ? '' : `${r.percent}%`) },
    { header: '整改状态', width: 18, value: (r) => r.status },
    { header: EVIDENCE, width: 30, value: () => '' },
  ];
}

/** The column and the sheet of the 佐证材料 files (each a link to the file in the console). */
export const EVIDENCE = '佐证材料';

/** Excel forbids []:*?/\ in sheet names and allows 31 characters. */
export function sheetName(name: string, taken: Set<string>): string {
  const base = (name.replace(/[[\]:*?/\\]/g, '、').trim() || '未分类').slice(0, 28);
  let candidate = base;
  for (let n = 2; taken.has(candidate); n++) candidate = `${base}(${n})`;
  taken.add(candidate);
  return candidate;
}

function headerRow(sheet: XlsxSheet, headers: string[], row: number) {
  headers.forEach((h, i) => sheet.set(row, i + 1, h, header));
  sheet.height(row, 22);
}

function titleRow(sheet: XlsxSheet, text: string, span: number) {
  sheet.merge(1, 1, 1, span);
  sheet.set(1, 1, text, title);
  sheet.height(1, 28);
}

function table(sheet: XlsxSheet, startRow: number, headers: string[], rows: (string | number)[][], widths?: number[]) {
  headerRow(sheet, headers, startRow);
  rows.forEach((values, i) => values.forEach((v, j) => sheet.set(startRow + 1 + i, j + 1, v, body)));
  widths?.forEach((w, i) => sheet.width(i + 1, Math.max(sheet.widthOf(i + 1) ?? 0, w)));
  return startRow + rows.length + 2;
}

export async function reportWorkbook(report: ReportModel, evidence?: ReportEvidence): Promise<Uint8Array> {
  const book = new XlsxWorkbook({ creator: '督察整改督办系统', created: new Date(report.compiledAt) });
  const taken = new Set<string>();

  // 汇总
  const summary = book.addSheet(sheetName('汇总', taken));
  summary.freeze(3);
  titleRow(summary, report.title, 6);
  summary.set(2, 1, `编制时间：${report.compiledAtText}（北京时间）`);
  summary.merge(2, 1, 2, 6);
  const totals = report.sections.reduce((t, s) => ({ total: t.total + s.total, red: t.red + s.red, yellow: t.yellow + s.yellow, green: t.green + s.green, grey: t.grey + s.grey }), {
    total: 0,
    red: 0,
    yellow: 0,
    green: 0,
    grey: 0,
  });
  let next = table(
    summary,
    3,
    ['类别', '任务总数', '红灯', '黄灯', '绿灯', '已销号'],
    [...report.sections.map((s) => [s.category, s.total, s.red, s.yellow, s.green, s.grey]), ['合计', totals.total, totals.red, totals.yellow, totals.green, totals.grey]],
    [34, 10, 8, 8, 8, 8],
  );
  summary.styleRow(next - 2, label);
  const facts: [string, string | number][] = [
    [`本${report.kind === 'weekly-circular' ? '周' : '月'}销号`, report.counts.closedThisPeriod],
    [`${report.reporting.label}：应报单位`, report.reporting.active],
    [report.kind === 'weekly-circular' ? '按时报送' : '已交账', report.reporting.onTime],
    ...(report.kind === 'weekly-circular' ? ([['逾期报送', report.reporting.late]] as [string, number][]) : []),
    [report.kind === 'weekly-circular' ? '未报送单位' : '未交账单位', report.notReported.join('、') || '无'],
    ['通报', report.named.map((e) => `${e.code}（${e.unit}）`).join('；') || '无'],
    ['挂牌督办', report.listed.map((e) => `${e.code}（${e.unit}）`).join('；') || '无'],
    ['约谈', report.interviews.map((e) => `${e.code}（${e.unit}，${e.state}）`).join('；') || '无'],
  ];
  for (const [name, value] of facts) {
    summary.set(next, 1, name, label);
    summary.set(next, 2, value, fact);
    summary.merge(next, 2, next, 6);
    next++;
  }

  // One sheet per section.
  const columns = taskColumns(report.kind);
  const lightColumn = columns.findIndex((c) => c.header === '灯色') + 1;
  const evidenceColumn = columns.findIndex((c) => c.header === EVIDENCE) + 1;
  const evidenceCells: { sheet: XlsxSheet; row: number; code: string }[] = [];
  for (const section of report.sections) {
    const sheet = book.addSheet(sheetName(section.category, taken));
    sheet.freeze(1, 2);
    headerRow(
      sheet,
      columns.map((c) => c.header),
      1,
    );
    columns.forEach((c, i) => sheet.width(i + 1, c.width));
    report.ledger
      .filter((r) => r.category === section.category)
      .forEach((task, i) => {
        columns.forEach((c, j) => sheet.set(i + 2, j + 1, c.value(task, i), j + 1 === lightColumn ? lightStyles[task.light] : body));
        if (evidence?.links.get(task.code)?.length) evidenceCells.push({ sheet, row: i + 2, code: task.code });
      });
    sheet.autoFilter(1, 1, 1, columns.length);
  }

  if (evidence?.links.size) evidenceSheet(book, report, evidence, evidenceCells, evidenceColumn, taken);
  if (report.duties.length) dutySheet(book, report, evidence, taken);

  if (report.kind === 'weekly-circular') {
    const sheet = book.addSheet(sheetName('报送排名', taken));
    sheet.freeze(1);
    table(
      sheet,
      1,
      ['名次', '单位', '报送情况', '首次报送', '承担任务', '红灯任务'],
      report.ranking.map((r) => [r.rank, r.unit, r.status, r.reportedAt, r.tasks, r.red]),
      [6, 24, 10, 14, 10, 10],
    );
  } else {
    if (report.scores) scoreSheet(book, report.scores, taken);
    const sheet = book.addSheet(sheetName('单位交账', taken));
    sheet.freeze(1);
    table(
      sheet,
      1,
      ['单位', '承担任务', '交账情况', '交账任务数', '红灯任务', '交账内容'],
      report.accounts.map((a) => [a.unit, a.tasks, a.status, a.accounted, a.red, a.items.map((i) => `${i.code} ${i.summary}`).join('\n')]),
      [24, 10, 10, 10, 10, 70],
    );
    const indicators = book.addSheet(sheetName('目标指标', taken));
    indicators.freeze(1);
    table(
      indicators,
      1,
      ['指标', '目标', '年度', '本月数值', '达标情况', '报送单位', '责任单位', '轨迹', '走势', '数值更正'],
      report.indicators.map((i) => [i.name, `${i.direction} ${i.target}${i.measureUnit}`, i.year, i.value ?? '', i.status, i.reportedBy, i.responsibleUnits.join('、'), i.trend.status, i.trend.sentence, i.corrected]),
      [30, 18, 8, 12, 10, 16, 40, 10, 60, 40],
    );
    const statusColumn = 5;
    report.indicators.forEach((i, n) => {
      if (i.status === '未报送') return;
      indicators.style(n + 2, statusColumn, { fill: i.status === '达标' ? fills.green : fills.red, font: { bold: true, color: 'FFFFFFFF' } });
    });
  }
  return book.toBytes();
}

/**
 * 考核得分: the units ranked by their monthly score; per rule its points (its weight times what it
 * counted), then every counted item, so the office can check each point against the record.
 */
function scoreSheet(book: XlsxWorkbook, scores: NonNullable<ReportModel['scores']>, taken: Set<string>) {
  const sheet = book.addSheet(sheetName('考核得分', taken));
  sheet.freeze(2, 2);
  const headers = ['名次', '单位', '得分', ...scores.rules.map((r) => `${r.label}（${r.weight > 0 ? '+' : ''}${r.weight}分/次）`), '加减分明细'];
  titleRow(sheet, `${scores.monthText}考核得分（基础分${scores.base}分）`, headers.length);
  table(
    sheet,
    2,
    headers,
    scores.units.map((u) => [
      u.rank,
      u.unit,
      u.total,
      ...u.rules.map((r) => r.points),
      u.rules.flatMap((r) => r.items.map((item) => `【${r.label}】${item}`)).join('\n'),
    ]),
    [6, 24, 8, ...scores.rules.map(() => 12), 80],
  );
  const notes = 2 + scores.units.length + 2;
  sheet.set(notes, 1, '规则说明', label);
  scores.rules.forEach((r, i) => {
    sheet.set(notes + 1 + i, 1, r.label);
    sheet.set(notes + 1 + i, 2, `${r.weight > 0 ? '加' : '扣'}${Math.abs(r.weight)}分/次：${r.description}`);
    sheet.merge(notes + 1 + i, 2, notes + 1 + i, headers.length);
  });
}

/**
 * 佐证材料: one row per file of each task (its name linking to the file in the console, where it
 * opens after signing in; its time and place when a photo recorded them). A task's row in its
 * section names its files and links to its first line here (one cell holds one link); a task with
 * one file links straight to it.
 */
function evidenceSheet(book: XlsxWorkbook, report: ReportModel, evidence: ReportEvidence, cells: { sheet: XlsxSheet; row: number; code: string }[], column: number, taken: Set<string>) {
  const sheet = book.addSheet(sheetName(EVIDENCE, taken));
  sheet.freeze(2);
  const headers = ['任务编号', '整改任务', '文件', '拍摄时间', '拍摄地点', '链接（登录系统后打开）'];
  titleRow(sheet, `${report.title}：佐证材料（链接须登录督办系统后打开）`, headers.length);
  headerRow(sheet, headers, 2);
  [14, 36, 30, 17, 26, 60].forEach((w, i) => sheet.width(i + 1, w));
  const linked: CellStyle = { ...body, font: LINK };
  const firstRow = new Map<string, number>();
  let at = 3;
  for (const row of report.ledger) {
    const files = evidence.links.get(row.code);
    if (!files?.length) continue;
    firstRow.set(row.code, at);
    for (const file of files) {
      const values: CellValue[] = [row.code, row.title, { text: file.name, hyperlink: file.url }, file.takenAt ?? '', file.place ?? '', { text: file.url, hyperlink: file.url }];
      values.forEach((v, i) => sheet.set(at, i + 1, v, typeof v === 'object' ? linked : body));
      at++;
    }
  }
  for (const { sheet: section, row, code } of cells) {
    const files = evidence.links.get(code)!;
    const text = `${files.length}个文件：${files.map((f) => f.name).join('、')}`;
    section.set(row, column, { text, hyperlink: files.length === 1 ? files[0]!.url : `#${quoteSheet(sheet.name)}!${cellRef(firstRow.get(code)!, 1)}` });
    section.style(row, column, { font: LINK });
  }
}

/**
 * 常态化工作: each duty and unit by period (as the report's table), with the files of the unit's
 * occurrences of the period: the first on the period's row, the others on the rows below it, each
 * linked to the file in the console (opens after signing in), with its time and place.
 */
function dutySheet(book: XlsxWorkbook, report: ReportModel, evidence: ReportEvidence | undefined, taken: Set<string>) {
  const sheet = book.addSheet(sheetName('常态化工作', taken));
  sheet.freeze(1);
  headerRow(sheet, ['事项', '单位', '频次', '周期', '完成情况', '佐证材料（登录系统后打开）', '拍摄时间', '拍摄地点'], 1);
  [34, 20, 24, 26, 18, 32, 17, 26].forEach((w, i) => sheet.width(i + 1, w));
  const linked: CellStyle = { ...body, font: LINK };
  let at = 2;
  for (const row of report.duties) {
    for (const p of row.periods) {
      const files = evidence?.duties.get(dutyFilesKey(row.duty, row.unit, p.period)) ?? [];
      [row.duty, row.unit, row.cadence, p.label, p.statusText].forEach((v, i) => sheet.set(at, i + 1, v, body));
      if (!files.length) [6, 7, 8].forEach((c) => sheet.set(at, c, c === 6 ? '无上传文件' : '', body));
      for (const [n, file] of files.entries()) {
        if (n > 0) [1, 2, 3, 4, 5].forEach((c) => sheet.set(at, c, '', body));
        sheet.set(at, 6, { text: file.name, hyperlink: file.url }, linked);
        sheet.set(at, 7, file.takenAt ?? '', body);
        sheet.set(at, 8, file.place ?? '', body);
        if (n < files.length - 1) at++;
      }
      at++;
    }
  }
  sheet.autoFilter(1, 1, 1, 8);
}
