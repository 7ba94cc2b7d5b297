/**
 * The 周通报's and 月交账's two charts, drawn by hand as SVG: read back with a strict XML parser and
 * measured as a reader sees them — bars as long as their counts on the axis, the ring's slices as
 * wide as their shares, labels that stay apart and inside the picture, Chinese and markup characters
 * intact.
 */
import { describe, expect, it } from 'vitest';
import type { ReportModel, SectionCount } from '../functions/core/reports/model.ts';
import { lightColors, lightsBySection, reportingRing } from '../functions/reports/charts.ts';
import { all, classed, parseXml, textOf, type Element } from './support/xml.ts';

const section = (category: string, red: number, yellow: number, green: number, grey: number): SectionCount => ({ category, total: red + yellow + green + grey, red, yellow, green, grey });

const SECTIONS = [
  section('大气污染防治', 3, 2, 6, 1),
  section('水污染防治与饮用水水源地保护工作', 0, 1, 7, 1),
  section('土壤污染防治', 4, 0, 0, 0),
  section('自然生态保护', 1, 0, 15, 5),
];

type Reporting = ReportModel['reporting'];
const weekly = (onTime: number, late: number, missing: number): Pick<ReportModel, 'kind' | 'reporting'> => ({
  kind: 'weekly-circular',
  reporting: { active: onTime + late + missing, onTime, late, missing, label: '本周进展报送' } satisfies Reporting,
});

const lights = (sections: SectionCount[]) => parseXml(lightsBySection({ sections }));
const ring = (report: Pick<ReportModel, 'kind' | 'reporting'>) => parseXml(reportingRing(report));
const attr = (e: Element, name: string) => e.attributes[name]!;
const rectOf = (bar: Element) => all(bar, (e) => e.name === 'rect')[0]!;

/** The axis as drawn: pixels per task, from the first and last tick label's positions and values. */
function axisScale(svg: Element): { zero: number; perTask: number; ticks: number[] } {
  const ticks = classed(svg, 'tick');
  const [first, last] = [ticks[0]!, ticks.at(-1)!];
  const values = ticks.map((t) => Number(textOf(t)));
  return { zero: Number(attr(first, 'x')), perTask: (Number(attr(last, 'x')) - Number(attr(first, 'x'))) / Number(textOf(last)), ticks: values };
}

/** Degrees clockwise from twelve o'clock of a point relative to the ring's centre. */
const angleOf = (x: number, y: number) => ((Math.atan2(x, -y) * 180) / Math.PI + 360) % 360;

/**
 * The outer arcs of a slice's path (the clockwise ones), each as the angles it starts and ends at
 * and its sweep, checked against the large-arc flag the path gives a renderer.
 */
function outerArcs(d: string): { from: number; sweep: number; radius: number }[] {
  const tokens = d.match(/[MALZ]|-?\d+(?:\.\d+)?/g)!;
  const arcs: { from: number; sweep: number; radius: number }[] = [];
  let at = { x: 0, y: 0 };
  for (let n = 0; n < tokens.length; ) {
    const command = tokens[n++]!;
    const take = (count: number) => tokens.slice(n, (n += count)).map(Number);
    if (command === 'M' || command === 'L') {
      const [x, y] = take(2);
      at = { x: x!, y: y! };
    } else if (command === 'A') {
      const [rx, , , large, clockwise, x, y] = take(7);
      const [from, to] = [angleOf(at.x, at.y), angleOf(x!, y!)];
      const sweep = (to - from + 360) % 360 || 360;
      if (clockwise === 1) {
        expect(Math.hypot(at.x, at.y), d).toBeCloseTo(rx!, 1);
        expect(Math.hypot(x!, y!), d).toBeCloseTo(rx!, 1);
        if (Math.abs(sweep - 180) > 0.01) expect(large, `large-arc flag of a ${sweep}° arc`).toBe(sweep > 180 ? 1 : 0);
        arcs.push({ from, sweep, radius: rx! });
      }
      at = { x: x!, y: y! };
    }
  }
  return arcs;
}

describe('the lights by section', () => {
  it('draws each category a bar per light as long as its count on the axis, one after the other, with the count on it and the total at its end', () => {
    const svg = lights(SECTIONS);
    const { zero, perTask } = axisScale(svg);
    expect(perTask).toBeGreaterThan(5);
    const rows = classed(svg, 'section');
    expect(rows.map((r) => attr(r, 'data-category'))).toEqual(SECTIONS.map((s) => s.category));
    for (const [n, row] of rows.entries()) {
      const expected = SECTIONS[n]!;
      const bars = classed(row, 'light-bar');
      expect(bars.map((b) => [attr(b, 'data-light'), Number(attr(b, 'data-count'))])).toEqual(
        (['red', 'yellow', 'green', 'grey'] as const).filter((l) => expected[l] > 0).map((l) => [l, expected[l]]),
      );
      let end = zero;
      for (const bar of bars) {
        const rect = rectOf(bar);
        const count = Number(attr(bar, 'data-count'));
        expect(Number(attr(rect, 'x')), `${expected.category} ${attr(bar, 'data-light')}`).toBeCloseTo(end, 1);
        expect(Number(attr(rect, 'width')), `${expected.category} ${attr(bar, 'data-light')}`).toBeCloseTo(count * perTask, 1);
        expect(attr(rect, 'fill')).toBe(lightColors[attr(bar, 'data-light') as keyof typeof lightColors]);
        expect(all(bar, (e) => e.name === 'text').map(textOf)).toEqual([String(count)]);
        end = Number(attr(rect, 'x')) + Number(attr(rect, 'width'));
      }
      expect(end).toBeCloseTo(zero + expected.total * perTask, 1);
      expect(textOf(classed(row, 'section-total')[0]!)).toBe(String(expected.total));
    }
    expect(textOf(classed(svg, 'title')[0]!)).toBe('各类任务灯色分布');
    expect(classed(svg, 'legend-item').map(textOf)).toEqual(['红灯', '黄灯', '绿灯', '已销号']);
  });

  it('draws no bar for a light a category has no task of', () => {
    const svg = lights(SECTIONS);
    const soil = classed(svg, 'section').find((r) => attr(r, 'data-category') === '土壤污染防治')!;
    expect(classed(soil, 'light-bar').map((b) => attr(b, 'data-light'))).toEqual(['red']);
    const water = classed(svg, 'section').find((r) => attr(r, 'data-category') === '水污染防治与饮用水水源地保护工作')!;
    expect(classed(water, 'light-bar').map((b) => attr(b, 'data-light'))).toEqual(['yellow', 'green', 'grey']);
    expect(all(svg, (e) => e.name === 'rect' && Number(e.attributes.width) === 0)).toEqual([]);
  });

  it('puts round integer ticks on the axis, from 0 to at least the longest bar', () => {
    const ticksFor = (max: number) => axisScale(lights([section('大气污染防治', 0, 0, max, 0)])).ticks;
    expect(ticksFor(21)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(ticksFor(3)).toEqual([0, 1, 2, 3]);
    expect(ticksFor(1)).toEqual([0, 1]);
    expect(ticksFor(1037)).toEqual([0, 500, 1000, 1500]);
  });

  it('cuts a category name longer than ten characters on the axis and keeps the whole name in its tooltip', () => {
    const svg = lights(SECTIONS);
    const label = classed(svg, 'category')[1]!;
    expect(label.text).toBe('水污染防治与饮用水水…');
    expect(textOf(all(label, (e) => e.name === 'title')[0]!)).toBe('水污染防治与饮用水水源地保护工作');
    expect(classed(svg, 'category')[0]!.text).toBe('大气污染防治');
  });

  it('keeps every label inside the picture, however long the names and counts', () => {
    const svg = lights([section('一二三四五六七八九十十一', 900, 80, 4000, 20), section('A', 1, 0, 0, 0)]);
    const width = Number(attr(svg, 'width'));
    for (const text of all(svg, (e) => e.name === 'text')) {
      expect(Number(text.attributes.x ?? 0), textOf(text)).toBeGreaterThanOrEqual(0);
      expect(Number(text.attributes.x ?? 0), textOf(text)).toBeLessThanOrEqual(width);
    }
    expect(Number(attr(classed(svg, 'category')[0]!, 'x'))).toBeGreaterThanOrEqual(11 * 12);
  });

  it('says so when the ledger has no task', () => {
    const svg = lights([]);
    expect(classed(svg, 'light-bar')).toEqual([]);
    expect(textOf(svg)).toContain('台账中暂无任务');
  });
});

describe('the reporting ring', () => {
  it('gives each way of reporting a slice as wide as its share, clockwise from twelve o’clock, the slices adding up to the whole ring', () => {
    const svg = ring(weekly(25, 3, 12));
    const slices = classed(svg, 'ring-slice');
    expect(slices.map((s) => [attr(s, 'data-name'), Number(attr(s, 'data-value'))])).toEqual([
      ['按时报送', 25],
      ['逾期报送', 3],
      ['未报送', 12],
    ]);
    let start = 0;
    for (const slice of slices) {
      const [arc, ...more] = outerArcs(attr(slice, 'd'));
      expect(more).toEqual([]);
      expect(arc!.from).toBeCloseTo(start % 360, 1);
      expect(arc!.sweep, attr(slice, 'data-name')).toBeCloseTo((360 * Number(attr(slice, 'data-value'))) / 40, 1);
      start += arc!.sweep;
    }
    expect(start).toBeCloseTo(360, 1);
    expect(slices.map((s) => attr(s, 'fill'))).toEqual([lightColors.green, lightColors.yellow, lightColors.red]);
    expect(classed(svg, 'ring-label').map((l) => all(l, (e) => e.name === 'tspan').map(textOf))).toEqual([
      ['按时报送', '25个'],
      ['逾期报送', '3个'],
      ['未报送', '12个'],
    ]);
    expect(textOf(classed(svg, 'title')[0]!)).toBe('本周进展报送（40个单位）');
    expect(classed(svg, 'legend-item').map(textOf)).toEqual(['按时报送 25', '逾期报送 3', '未报送 12']);
  });

  it('draws a full ring when every unit reported on time, its label in the middle, the other ways in the legend with 0', () => {
    const svg = ring(weekly(40, 0, 0));
    const slices = classed(svg, 'ring-slice');
    expect(slices.map((s) => [attr(s, 'data-name'), attr(s, 'data-value')])).toEqual([['按时报送', '40']]);
    const arcs = outerArcs(attr(slices[0]!, 'd'));
    expect(arcs.reduce((sum, a) => sum + a.sweep, 0)).toBeCloseTo(360, 1);
    const label = classed(svg, 'ring-label')[0]!;
    expect(all(label, (e) => e.name === 'tspan').map(textOf)).toEqual(['按时报送', '40个']);
    expect(Number(attr(label, 'x'))).toBe(0);
    expect(Math.abs(Number(attr(label, 'y')))).toBeLessThan(arcs[0]!.radius / 2);
    expect(classed(svg, 'legend-item').map(textOf)).toEqual(['按时报送 40', '逾期报送 0', '未报送 0']);
  });

  it('shows the 月交账 as accounted and not accounted', () => {
    const svg = ring({ kind: 'monthly-account', reporting: { active: 40, onTime: 38, late: 0, missing: 2, label: '本月交账' } });
    const slices = classed(svg, 'ring-slice');
    expect(slices.map((s) => [attr(s, 'data-name'), Number(attr(s, 'data-value'))])).toEqual([
      ['已交账', 38],
      ['未交账', 2],
    ]);
    expect(outerArcs(attr(slices[1]!, 'd'))[0]!.sweep).toBeCloseTo(18, 1);
    expect(textOf(classed(svg, 'title')[0]!)).toBe('本月交账（40个单位）');
  });

  it('keeps the labels of two thin neighbouring slices apart and between the title and the legend', () => {
    const svg = ring(weekly(98, 1, 1));
    const height = Number(attr(svg, 'height'));
    const centre = Number(attr(classed(svg, 'ring')[0]!, 'transform').match(/translate\([\d.]+,([\d.]+)\)/)![1]);
    // Each label's first baseline; its two lines of 12 px text reach about 13 px above it and 19 px below.
    const ys = classed(svg, 'ring-label').map((l) => centre + Number(attr(l, 'y')));
    expect(ys).toHaveLength(3);
    const sorted = [...ys].sort((a, b) => a - b);
    for (let n = 1; n < sorted.length; n++) expect(sorted[n]! - sorted[n - 1]!).toBeGreaterThanOrEqual(32); // two lines of 12 px text
    for (const y of ys) {
      expect(y - 13).toBeGreaterThan(26); // below the title
      expect(y + 19).toBeLessThan(height - 22); // above the legend
    }
  });

  it('draws an empty ring and says so when no unit had to report', () => {
    const svg = ring(weekly(0, 0, 0));
    expect(classed(svg, 'ring-slice')).toEqual([]);
    expect(textOf(svg)).toContain('暂无单位');
  });
});

describe('both charts as files', () => {
  it('are well-formed XML with markup characters in names escaped and Chinese kept as it is', () => {
    const name = '土壤 & <固废> "重点" \'专项\'';
    const svgText = lightsBySection({ sections: [section(name, 1, 2, 3, 0)] });
    expect(svgText).not.toContain('<固废>');
    const svg = parseXml(svgText);
    expect(svg.name).toBe('svg');
    expect(attr(svg, 'xmlns')).toBe('http://www.w3.org/2000/svg');
    expect(classed(svg, 'light-bar').map((b) => attr(b, 'data-category'))).toEqual([name, name, name]);
    expect(all(classed(svg, 'category')[0]!, (e) => e.name === 'title').map(textOf)).toEqual([name]);
    expect(svgText).toContain('土壤 &amp; &lt;固废&gt;');
    const ringSvg = parseXml(reportingRing({ kind: 'weekly-circular', reporting: { active: 3, onTime: 1, late: 1, missing: 1, label: '本周<进展>报送' } }));
    expect(textOf(classed(ringSvg, 'title')[0]!)).toBe('本周<进展>报送（3个单位）');
  });

  it('are the same bytes for the same report', () => {
    expect(lightsBySection({ sections: SECTIONS })).toBe(lightsBySection({ sections: SECTIONS.map((s) => ({ ...s })) }));
    expect(reportingRing(weekly(25, 3, 12))).toBe(reportingRing(weekly(25, 3, 12)));
  });
});
