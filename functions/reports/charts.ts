/**
 * The report's charts as SVG, rendered on the server by echarts (no canvas, no browser): the lights
 * by section as stacked bars, and how the units reported as a ring. Fixed sizes, no animation, so
 * the same model always gives the same bytes. echarts/core with only the two chart types, their
 * components and the SVG renderer registered.
 */
import { BarChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { LegacyGridContainLabel } from 'echarts/features';
import { SVGRenderer } from 'echarts/renderers';
import type { ReportModel } from '../core/reports/model.ts';

// Only what the two charts draw, so the jobs function bundles no more of echarts than it uses.
echarts.use([BarChart, PieChart, GridComponent, LegendComponent, TitleComponent, LegacyGridContainLabel, SVGRenderer]);

export const lightColors = { red: '#d93025', yellow: '#f2a600', green: '#1e8e3e', grey: '#9aa0a6' } as const;
// Single quotes: echarts writes the family into a double-quoted style attribute as it is, and a
// standalone .svg must be well-formed XML to open outside a browser page.
const font = { fontFamily: "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif" };

function render(option: echarts.EChartsCoreOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: font, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Tasks by section, one stacked bar each: red, yellow, green, closed. */
export function lightsBySection(report: ReportModel): string {
  const sections = [...report.sections].reverse();
  const label = (s: string) => (s.length > 10 ? `${s.slice(0, 10)}…` : s);
  const series = (['red', 'yellow', 'green', 'grey'] as const).map((light) => ({
    name: { red: '红灯', yellow: '黄灯', green: '绿灯', grey: '已销号' }[light],
    type: 'bar',
    stack: 'tasks',
    barMaxWidth: 22,
    itemStyle: { color: lightColors[light] },
    label: { show: true, color: '#fff', fontSize: 11, formatter: (p: { value: number }) => (p.value ? String(p.value) : '') },
    data: sections.map((s) => s[light]),
  }));
  return render(
    {
      title: { text: '各类任务灯色分布', left: 0, textStyle: { fontSize: 15, ...font } },
      legend: { top: 2, right: 0, itemWidth: 12, itemHeight: 12 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: sections.map((s) => label(s.category)), axisLabel: { fontSize: 12 } },
      series,
    },
    520,
    Math.max(180, 60 + sections.length * 34),
  );
}

/** How the units reported in the period: on time, late, not at all. */
export function reportingRing(report: ReportModel): string {
  const r = report.reporting;
  const data =
    report.kind === 'weekly-circular'
      ? [
          { name: '按时报送', value: r.onTime, itemStyle: { color: lightColors.green } },
          { name: '逾期报送', value: r.late, itemStyle: { color: lightColors.yellow } },
          { name: '未报送', value: r.missing, itemStyle: { color: lightColors.red } },
        ]
      : [
          { name: '已交账', value: r.onTime, itemStyle: { color: lightColors.green } },
          { name: '未交账', value: r.missing, itemStyle: { color: lightColors.red } },
        ];
  return render(
    {
      title: { text: `${r.label}（${r.active}个单位）`, left: 0, textStyle: { fontSize: 15, ...font } },
      legend: { bottom: 0, itemWidth: 12, itemHeight: 12 },
      series: [
        {
          type: 'pie',
          radius: ['42%', '68%'],
          center: ['50%', '52%'],
          label: { formatter: '{b}\n{c}个', fontSize: 12 },
          data: data.filter((d) => d.value > 0),
        },
      ],
    },
    360,
    260,
  );
}

export interface ReportCharts {
  lights: string;
  reporting: string;
}

export function reportCharts(report: ReportModel): ReportCharts {
  return { lights: lightsBySection(report), reporting: reportingRing(report) };
}
