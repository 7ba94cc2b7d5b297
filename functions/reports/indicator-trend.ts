/**
 * 目标指标走势 as one SVG: a panel per indicator (its own scale: the indicators have different units)
 * with its monthly readings, the target line and the straight-line trajectory from the baseline to
 * the target, and whether the latest reading is on course. Written by hand, not by echarts: a few
 * lines and points need no chart engine, and the bytes stay the same for the same model.
 *
 * Each panel is `<g class="indicator-series" data-indicator="…">` holding `line.target`,
 * `polyline.trajectory`, `polyline.readings` and one `circle.reading` per month (data-month,
 * data-value; data-corrected lists the values a correction replaced).
 */
import { expectedAt, monthIndex, numberText, type IndicatorTrend } from '../core/indicator-trend.ts';
import { CHART_FONT as FONT, escapeXml, niceStep } from './svg.ts';

const COLORS = { readings: '#1a73e8', target: '#d93025', trajectory: '#5f6368', on: '#1e8e3e', off: '#d93025', axis: '#bdc1c6', text: '#202124', muted: '#5f6368' };
const PANEL = { width: 470, height: 230, left: 52, right: 16, top: 46, bottom: 34 };
const COLUMNS = 2;
const LEGEND = 30;

const monthOfIndex = (index: number) => `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
const monthLabel = (month: string) => `${month.slice(0, 4)}.${Number(month.slice(5, 7))}`;

const fixed = (n: number) => String(Math.round(n * 10) / 10);

/** The months a panel spans: from the baseline (or first reading) to the report's month, and on towards the target for up to six months. */
function span(trend: IndicatorTrend, month: string): { from: number; to: number } {
  const starts = [trend.baseline?.month, trend.readings[0]?.month].filter((m): m is string => !!m).map(monthIndex);
  const end = monthIndex(month);
  const from = Math.min(end, ...starts);
  const to = Math.max(end, Math.min(monthIndex(trend.targetMonth), end + 6), from + 1);
  return { from, to };
}

function panel(trend: IndicatorTrend, month: string, x0: number, y0: number): string {
  const { from, to } = span(trend, month);
  const values = [trend.target, ...trend.readings.map((r) => r.value), ...(trend.baseline ? [trend.baseline.value, expectedAt(trend, monthOfIndex(to))!] : [])];
  const min = Math.min(...values);
  const max = Math.max(...values);
  const pad = max > min ? (max - min) * 0.08 : Math.max(Math.abs(max) * 0.1, 1);
  const step = niceStep(max - min + 2 * pad, 4);
  // Round ticks around the values; never below zero for an indicator that never goes below it.
  const low = Math.max(Math.floor((min - pad) / step) * step, min >= 0 ? 0 : -Infinity);
  const high = Math.ceil((max + pad) / step) * step;
  const plotW = PANEL.width - PANEL.left - PANEL.right;
  const plotH = PANEL.height - PANEL.top - PANEL.bottom;
  const x = (m: string | number) => x0 + PANEL.left + ((typeof m === 'number' ? m : monthIndex(m)) - from) * (plotW / (to - from));
  const y = (v: number) => y0 + PANEL.top + (high - v) * (plotH / (high - low));
  const parts: string[] = [];
  const gap = `${numberText(trend.gap ?? 0)}${trend.measureUnit}`;
  const status = trend.status === '未报送' ? '尚无读数' : trend.status === '达到轨迹' ? `达到轨迹${trend.gap ? `（优于 ${gap}）` : ''}` : `偏离轨迹 ${gap}`;
  const statusColor = trend.status === '达到轨迹' ? COLORS.on : trend.status === '偏离轨迹' ? COLORS.off : COLORS.muted;
  parts.push(`<text class="title" x="${x0 + 8}" y="${y0 + 18}" font-size="14" fill="${COLORS.text}">${escapeXml(trend.name)}${trend.measureUnit ? `（${escapeXml(trend.measureUnit)}）` : ''}</text>`);
  parts.push(`<text class="status" x="${x0 + 8}" y="${y0 + 36}" font-size="12" fill="${statusColor}">${escapeXml(status)}</text>`);
  // Axes and ticks.
  const bottom = y0 + PANEL.top + plotH;
  parts.push(`<line class="axis" x1="${x(from)}" y1="${bottom}" x2="${x(to)}" y2="${bottom}" stroke="${COLORS.axis}"/>`);
  parts.push(`<line class="axis" x1="${x(from)}" y1="${y0 + PANEL.top}" x2="${x(from)}" y2="${bottom}" stroke="${COLORS.axis}"/>`);
  for (let v = low; v <= high + step / 1000; v += step) {
    parts.push(`<text x="${x(from) - 6}" y="${fixed(y(v) + 4)}" font-size="10" text-anchor="end" fill="${COLORS.muted}">${numberText(v)}</text>`);
  }
  const every = Math.max(1, Math.ceil((to - from) / 7));
  for (let m = from; m <= to; m += every) {
    parts.push(`<text x="${fixed(x(m))}" y="${bottom + 16}" font-size="10" text-anchor="middle" fill="${COLORS.muted}">${monthLabel(monthOfIndex(m))}</text>`);
  }
  // The target line.
  const ty = fixed(y(trend.target));
  parts.push(
    `<line class="target" data-value="${trend.target}" x1="${fixed(x(from))}" y1="${ty}" x2="${fixed(x(to))}" y2="${ty}" stroke="${COLORS.target}" stroke-dasharray="6 3"><title>${escapeXml(`目标 ${trend.direction} ${numberText(trend.target)}${trend.measureUnit}（${trend.targetMonth.slice(0, 4)}年）`)}</title></line>`,
  );
  parts.push(`<text x="${fixed(x(to))}" y="${fixed(y(trend.target) - 4)}" font-size="10" text-anchor="end" fill="${COLORS.target}">${escapeXml(`目标 ${trend.direction} ${numberText(trend.target)}`)}</text>`);
  // The trajectory, from the baseline to the end of the panel (the target once due).
  if (trend.baseline) {
    const start = Math.max(from, monthIndex(trend.baseline.month));
    const points = [start, ...(monthIndex(trend.targetMonth) > start && monthIndex(trend.targetMonth) < to ? [monthIndex(trend.targetMonth)] : []), to]
      .map((m) => `${fixed(x(m))},${fixed(y(expectedAt(trend, monthOfIndex(m))!))}`)
      .join(' ');
    parts.push(`<polyline class="trajectory" data-from="${trend.baseline.month}" data-baseline="${trend.baseline.value}" points="${points}" fill="none" stroke="${COLORS.trajectory}" stroke-dasharray="3 3"/>`);
  }
  // The readings as they stand (a corrected month shows its corrected value).
  if (trend.readings.length) {
    const points = trend.readings.map((r) => `${fixed(x(r.month))},${fixed(y(r.value))}`).join(' ');
    parts.push(`<polyline class="readings" points="${points}" fill="none" stroke="${COLORS.readings}" stroke-width="2"/>`);
    for (const r of trend.readings) {
      const corrected = r.corrected.length ? ` data-corrected="${r.corrected.map((c) => c.value).join(' ')}"` : '';
      const tip = `${r.month}：${numberText(r.value)}${trend.measureUnit}${r.corrected.length ? `（已更正，原值${r.corrected.map((c) => numberText(c.value)).join('、')}）` : ''}`;
      parts.push(`<circle class="reading" data-month="${r.month}" data-value="${r.value}"${corrected} cx="${fixed(x(r.month))}" cy="${fixed(y(r.value))}" r="4" fill="${r.corrected.length ? '#fff' : COLORS.readings}" stroke="${COLORS.readings}" stroke-width="2"><title>${escapeXml(tip)}</title></circle>`);
    }
  }
  return `<g class="indicator-series" data-indicator="${escapeXml(trend.name)}" data-status="${trend.status}">${parts.join('')}</g>`;
}

function legend(): string {
  const item = (x: number, label: string, line: string) => `<g transform="translate(${x},12)">${line}<text x="26" y="4" font-size="12" fill="${COLORS.text}">${label}</text></g>`;
  return [
    item(8, '月度读数', `<line x1="0" y1="0" x2="20" y2="0" stroke="${COLORS.readings}" stroke-width="2"/><circle cx="10" cy="0" r="3" fill="${COLORS.readings}"/>`),
    item(110, '目标值', `<line x1="0" y1="0" x2="20" y2="0" stroke="${COLORS.target}" stroke-dasharray="6 3"/>`),
    item(200, '基准至目标的直线轨迹', `<line x1="0" y1="0" x2="20" y2="0" stroke="${COLORS.trajectory}" stroke-dasharray="3 3"/>`),
    item(370, '空心点：已更正', `<circle cx="10" cy="0" r="4" fill="#fff" stroke="${COLORS.readings}" stroke-width="2"/>`),
  ].join('');
}

/** The chart's file in a monthly account's archive. */
export const indicatorChartName = (period: string) => `指标走势-${period}.svg`;

/** The SVG of every indicator's trend up to `month` (2018-09); none when the ledger lists no indicators. */
export function indicatorTrendChart(trends: IndicatorTrend[], month: string): string | undefined {
  if (!trends.length) return undefined;
  const columns = Math.min(COLUMNS, trends.length);
  const rows = Math.ceil(trends.length / columns);
  const width = columns * PANEL.width;
  const height = LEGEND + rows * PANEL.height;
  const panels = trends.map((t, n) => panel(t, month, (n % columns) * PANEL.width, LEGEND + Math.floor(n / columns) * PANEL.height));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="indicator-trends" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">` +
    `<title>目标指标走势（截至${month.slice(0, 4)}年${Number(month.slice(5, 7))}月）</title>` +
    `<rect width="${width}" height="${height}" fill="#fff"/>${legend()}${panels.join('')}</svg>`
  );
}
