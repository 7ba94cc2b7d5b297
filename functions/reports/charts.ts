/**
 * The report's charts as SVG, drawn by hand as plain strings (no chart engine, no canvas, no
 * browser): the lights by section as stacked bars, and how the units reported as a ring. Fixed
 * sizes, so the same model always gives the same bytes, and each file is a well-formed standalone
 * XML document that opens outside a browser page.
 *
 * What a reader (or a test) can select:
 * - lights: one `g.section[data-category]` per task category, holding one
 *   `g.light-bar[data-category][data-light][data-count]` per light with tasks (red, yellow, green,
 *   grey = closed; none for a light without tasks), its `rect` as long as the count on the axis;
 *   `text.section-total` at the bar's end; the axis ticks as `text.tick[data-value]`.
 * - ring: one `path.ring-slice[data-name][data-value]` per slice with units, drawn clockwise from
 *   twelve o'clock inside `g.ring` whose origin is the ring's centre; `text.ring-label` beside each
 *   slice ("按时报送" over "25个"), in the hole when one slice is the whole ring.
 * - both: `text.title` and `g.legend-item[data-name]`.
 */
import type { ReportModel, SectionCount } from '../core/reports/model.ts';
import { CHART_FONT, escapeXml, niceStep, textWidth } from './svg.ts';

export const lightColors = { red: '#d93025', yellow: '#f2a600', green: '#1e8e3e', grey: '#9aa0a6' } as const;

const INK = { text: '#202124', muted: '#5f6368', axis: '#bdc1c6', grid: '#e8eaed', empty: '#e8eaed' };
const LIGHTS = ['red', 'yellow', 'green', 'grey'] as const;
const LIGHT_NAMES = { red: '红灯', yellow: '黄灯', green: '绿灯', grey: '已销号' } as const;
const TITLE_SIZE = 15;
const LABEL_SIZE = 12;
const VALUE_SIZE = 11;

/** Coordinates to two decimals: short files, the same bytes on every machine. */
const num = (n: number) => String(Math.round(n * 100) / 100);

/** A category name cut to ten characters for the axis (the full name stays in the tooltip). */
const shortLabel = (text: string) => {
  const chars = [...text];
  return chars.length > 10 ? `${chars.slice(0, 10).join('')}…` : text;
};

function svgDocument(kind: string, title: string, width: number, height: number, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="${kind}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${CHART_FONT}">` +
    `<title>${escapeXml(title)}</title><rect width="${width}" height="${height}" fill="#fff"/>` +
    `<text class="title" x="8" y="22" font-size="${TITLE_SIZE}" font-weight="bold" fill="${INK.text}">${escapeXml(title)}</text>${body}</svg>`
  );
}

/** A row of coloured squares with their names; `align` puts it at the right edge or in the middle. */
function legend(items: { name: string; text: string; color: string }[], y: number, width: number, align: 'right' | 'center'): string {
  const widths = items.map((i) => 12 + 4 + textWidth(i.text, LABEL_SIZE));
  const gap = 12;
  const total = widths.reduce((a, b) => a + b, 0) + gap * (items.length - 1);
  let x = align === 'right' ? width - 8 - total : (width - total) / 2;
  return items
    .map((item, n) => {
      const g = `<g class="legend-item" data-name="${escapeXml(item.name)}" transform="translate(${num(x)},${y})"><rect x="0" y="-6" width="12" height="12" rx="2" fill="${item.color}"/><text x="16" y="4" font-size="${LABEL_SIZE}" fill="${INK.text}">${escapeXml(item.text)}</text></g>`;
      x += widths[n]! + gap;
      return g;
    })
    .join('');
}

/** Integer ticks from 0 to at least `max`: a round step, about five of them. */
function integerTicks(max: number): number[] {
  const step = Math.max(1, niceStep(Math.max(1, max), 5));
  const high = Math.max(step, Math.ceil(max / step) * step);
  return Array.from({ length: high / step + 1 }, (_, n) => n * step);
}

/** Tasks by section, one stacked bar each: red, yellow, green, closed, with the counts on them. */
export function lightsBySection(report: Pick<ReportModel, 'sections'>): string {
  const sections = report.sections;
  const title = '各类任务灯色分布';
  const width = 520;
  const top = 44;
  const bottom = 28;
  const height = Math.max(180, top + sections.length * 34 + bottom);
  const totalOf = (s: SectionCount) => LIGHTS.reduce((sum, light) => sum + s[light], 0);
  const ticks = integerTicks(Math.max(0, ...sections.map(totalOf)));
  const high = ticks.at(-1)!;
  const labels = sections.map((s) => shortLabel(s.category));
  const left = 8 + Math.max(0, ...labels.map((l) => textWidth(l, LABEL_SIZE))) + 8;
  const right = 8 + textWidth(String(high), VALUE_SIZE) + 8;
  const plotWidth = width - left - right;
  const x = (count: number) => left + (count * plotWidth) / high;
  const plotBottom = height - bottom;
  const row = sections.length ? (plotBottom - top) / sections.length : 0;
  const bar = Math.min(22, row * 0.7);

  const axis = ticks
    .map(
      (t) =>
        `<line x1="${num(x(t))}" y1="${top}" x2="${num(x(t))}" y2="${plotBottom}" stroke="${t ? INK.grid : INK.axis}"/>` +
        `<text class="tick" data-value="${t}" x="${num(x(t))}" y="${plotBottom + 16}" font-size="${VALUE_SIZE}" text-anchor="middle" fill="${INK.muted}">${t}</text>`,
    )
    .join('');

  const rows = sections.map((section, n) => {
    const middle = top + row * (n + 0.5);
    const y = num(middle - bar / 2);
    let start = 0;
    const bars = LIGHTS.filter((light) => section[light] > 0).map((light) => {
      const count = section[light];
      const [x0, x1] = [x(start), x(start + count)];
      start += count;
      const fits = x1 - x0 >= textWidth(String(count), VALUE_SIZE) + 4;
      const value = fits ? `<text x="${num((x0 + x1) / 2)}" y="${num(middle + 4)}" font-size="${VALUE_SIZE}" text-anchor="middle" fill="#fff">${count}</text>` : '';
      return (
        `<g class="light-bar" data-category="${escapeXml(section.category)}" data-light="${light}" data-count="${count}">` +
        `<title>${escapeXml(`${section.category}：${LIGHT_NAMES[light]} ${count}项`)}</title>` +
        `<rect x="${num(x0)}" y="${y}" width="${num(x1 - x0)}" height="${num(bar)}" fill="${lightColors[light]}"/>${value}</g>`
      );
    });
    return (
      `<g class="section" data-category="${escapeXml(section.category)}">` +
      `<text class="category" x="${num(left - 8)}" y="${num(middle + 4)}" font-size="${LABEL_SIZE}" text-anchor="end" fill="${INK.text}"><title>${escapeXml(section.category)}</title>${escapeXml(labels[n]!)}</text>` +
      bars.join('') +
      `<text class="section-total" x="${num(x(start) + 4)}" y="${num(middle + 4)}" font-size="${VALUE_SIZE}" fill="${INK.muted}">${start}</text></g>`
    );
  });

  const key = legend(
    LIGHTS.map((light) => ({ name: LIGHT_NAMES[light], text: LIGHT_NAMES[light], color: lightColors[light] })),
    16,
    width,
    'right',
  );
  const empty = sections.length ? '' : `<text x="${num(width / 2)}" y="${num((top + plotBottom) / 2)}" font-size="${LABEL_SIZE}" text-anchor="middle" fill="${INK.muted}">台账中暂无任务</text>`;
  return svgDocument('lights-by-section', title, width, height, `${key}<g class="axis">${axis}</g>${rows.join('')}${empty}`);
}

interface Slice {
  name: string;
  value: number;
  color: string;
}

/** A point at `angle` degrees clockwise from twelve o'clock, `radius` from the centre. */
const polar = (angle: number, radius: number) => {
  const a = (angle * Math.PI) / 180;
  return { x: radius * Math.sin(a), y: -radius * Math.cos(a) };
};

/** A ring segment from `from` to `to` degrees; the whole ring as two half circles each way. */
function ringPath(from: number, to: number, outer: number, inner: number): string {
  if (to - from >= 360) {
    const circle = (r: number, sweep: 0 | 1) => `M0 ${num(-r)}A${r} ${r} 0 1 ${sweep} 0 ${num(r)}A${r} ${r} 0 1 ${sweep} 0 ${num(-r)}Z`;
    return circle(outer, 1) + circle(inner, 0);
  }
  const large = to - from > 180 ? 1 : 0;
  const [a, b, c, d] = [polar(from, outer), polar(to, outer), polar(to, inner), polar(from, inner)];
  return `M${num(a.x)} ${num(a.y)}A${outer} ${outer} 0 ${large} 1 ${num(b.x)} ${num(b.y)}L${num(c.x)} ${num(c.y)}A${inner} ${inner} 0 ${large} 0 ${num(d.x)} ${num(d.y)}Z`;
}

/** Two-line label text ("按时报送" over "25个") centred on `y`. */
const labelLines = (slice: Slice, x: number, y: number, anchor: string) =>
  `<text class="ring-label" data-name="${escapeXml(slice.name)}" x="${num(x)}" y="${num(y - 3)}" font-size="${LABEL_SIZE}" text-anchor="${anchor}" fill="${INK.text}">` +
  `<tspan x="${num(x)}">${escapeXml(slice.name)}</tspan><tspan x="${num(x)}" dy="15">${slice.value}个</tspan></text>`;

/**
 * Labels outside the ring, left or right of it by where their slice is, pushed apart so that two
 * small neighbouring slices do not print over each other, and kept between the title and the legend.
 */
function outsideLabels(placed: { slice: Slice; middle: number }[], outer: number, low: number, high: number): string {
  // Two lines of 12 px text take 32 px in Chromium with Noto Sans CJK; a little air between labels.
  const spacing = 34;
  const labels = placed.map((p) => ({ ...p, right: p.middle <= 180, edge: polar(p.middle, outer), elbow: polar(p.middle, outer + 12), y: 0 }));
  for (const right of [true, false]) {
    const side = labels.filter((p) => p.right === right).sort((a, b) => a.elbow.y - b.elbow.y);
    side.forEach((p, n) => (p.y = Math.max(low, n ? side[n - 1]!.y + spacing : -Infinity, Math.min(high, p.elbow.y))));
    for (let n = side.length - 1; n >= 0; n--) side[n]!.y = Math.min(side[n]!.y, n === side.length - 1 ? high : side[n + 1]!.y - spacing);
  }
  return labels
    .map((p) => {
      const sign = p.right ? 1 : -1;
      const end = sign * (outer + 22);
      const line = `<polyline points="${num(p.edge.x)},${num(p.edge.y)} ${num(p.elbow.x)},${num(p.y)} ${num(end)},${num(p.y)}" fill="none" stroke="${p.slice.color}"/>`;
      return line + labelLines(p.slice, end + sign * 4, p.y, p.right ? 'start' : 'end');
    })
    .join('');
}

/** How the units reported in the period: on time, late, not at all (月交账: accounted or not). */
export function reportingRing(report: Pick<ReportModel, 'kind' | 'reporting'>): string {
  const r = report.reporting;
  const slices: Slice[] =
    report.kind === 'weekly-circular'
      ? [
          { name: '按时报送', value: r.onTime, color: lightColors.green },
          { name: '逾期报送', value: r.late, color: lightColors.yellow },
          { name: '未报送', value: r.missing, color: lightColors.red },
        ]
      : [
          { name: '已交账', value: r.onTime, color: lightColors.green },
          { name: '未交账', value: r.missing, color: lightColors.red },
        ];
  const width = 360;
  const height = 260;
  const centre = { x: 180, y: 138 };
  const outer = 80;
  const inner = 50;
  const shown = slices.filter((s) => s.value > 0);
  const sum = shown.reduce((total, s) => total + s.value, 0);

  let angle = 0;
  const placed = shown.map((slice) => {
    const from = angle;
    angle = from + (360 * slice.value) / sum;
    return { slice, from, to: angle, middle: (from + angle) / 2 };
  });
  const paths = placed
    .map(({ slice, from, to }) => `<path class="ring-slice" data-name="${escapeXml(slice.name)}" data-value="${slice.value}" d="${ringPath(from, to, outer, inner)}" fill="${slice.color}" fill-rule="evenodd" stroke="#fff" stroke-width="1"><title>${escapeXml(`${slice.name}：${slice.value}个单位`)}</title></path>`)
    .join('');
  const labels =
    placed.length === 0
      ? `<path class="ring-empty" d="${ringPath(0, 360, outer, inner)}" fill="${INK.empty}" fill-rule="evenodd"/><text y="4" font-size="${LABEL_SIZE}" text-anchor="middle" fill="${INK.muted}">暂无单位</text>`
      : placed.length === 1
        ? labelLines(placed[0]!.slice, 0, 0, 'middle')
        : outsideLabels(placed, outer, 30 + 17 - centre.y, height - 24 - 16 - centre.y);
  const key = legend(
    slices.map((s) => ({ name: s.name, text: `${s.name} ${s.value}`, color: s.color })),
    height - 12,
    width,
    'center',
  );
  const ring = `<g class="ring" transform="translate(${centre.x},${centre.y})">${paths}${labels}</g>`;
  return svgDocument('reporting-ring', `${r.label}（${r.active}个单位）`, width, height, ring + key);
}

export interface ReportCharts {
  lights: string;
  reporting: string;
}

export function reportCharts(report: ReportModel): ReportCharts {
  return { lights: lightsBySection(report), reporting: reportingRing(report) };
}
