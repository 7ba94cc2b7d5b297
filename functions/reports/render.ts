/**
 * Renders a compiled report into its files: the page with its charts, the email-safe version
 * (CSS inlined, no SVG), the Excel 台账, the 公文 (.docx) and each chart as SVG.
 */
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportModel } from '../core/reports/model.ts';
import { inlineCss } from '../notify/inline-css.ts';
import { reportCharts, type ReportCharts } from './charts.ts';
import { gongwenDocx } from './gongwen/document.ts';
import { indicatorChartName, indicatorTrendChart } from './indicator-trend.ts';
import { DOCX, fileNames, HTML, SVG, XLSX, type RenderedFile } from './publish.ts';
import { reportEvidence, type ReportEvidence, type ReportEvidenceSource } from './evidence.ts';
import { reportWorkbook } from './workbook.ts';

const encoder = new TextEncoder();

export class ReportRenderer {
  private readonly hb = Handlebars.create();
  private readonly layout: Handlebars.TemplateDelegate;
  private readonly body: Handlebars.TemplateDelegate;

  /** `inlineStyles` makes the email-safe version (inline-css.ts; the tests compare it with juice). */
  constructor(
    dir: string,
    private readonly inlineStyles: (html: string) => string = inlineCss,
  ) {
    const read = (file: string) => readFileSync(join(dir, file), 'utf8');
    this.hb.registerHelper('join', (list: unknown) => (Array.isArray(list) ? list.join('、') : ''));
    this.hb.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
    this.hb.registerPartial('tasks', read('_tasks.hbs'));
    this.hb.registerPartial('photos', read('_photos.hbs'));
    this.layout = this.hb.compile(read('layout.hbs'));
    this.body = this.hb.compile(read('report.hbs'));
  }

  /** The page (charts inline) or, with no charts, the email-safe version (CSS inlined). */
  html(report: ReportModel, options: { charts?: ReportCharts; indicatorChart?: string; files: { label: string; url: string }[]; evidence?: ReportEvidence }): string {
    // Red tasks' photos (thumbnails, time and place under each): those closed in the period, and those still open.
    const photosOf = (state: 'closed' | 'open') =>
      report.evidenceTasks
        .filter((t) => t.state === state)
        .map((t) => ({ ...t, photos: options.evidence?.photos.get(t.code)?.shown ?? [], more: options.evidence?.photos.get(t.code)?.more ?? 0 }))
        .filter((t) => t.photos.length > 0 || t.more > 0);
    const context = {
      report,
      closedPhotos: photosOf('closed'),
      redPhotos: photosOf('open'),
      charts: options.charts,
      indicatorChart: options.charts ? options.indicatorChart : undefined,
      files: options.files,
      isCircular: report.kind === 'weekly-circular',
      unit: report.kind === 'weekly-circular' ? '周' : '月',
    };
    const page = this.layout({ report, body: this.body(context) });
    return options.charts ? page : this.inlineStyles(page);
  }

  /** `evidence`: where the tasks' 佐证材料 files are read (none: the report names no files). */
  async files(report: ReportModel, evidenceSource?: ReportEvidenceSource): Promise<RenderedFile[]> {
    const evidence = await reportEvidence(report, evidenceSource);
    const names = fileNames(report.kind, report.period);
    const charts = reportCharts(report);
    // 月交账: every indicator's readings against its target and trajectory.
    const indicatorChart = report.kind === 'monthly-account' ? indicatorTrendChart(report.indicators.map((i) => i.trend), report.period) : undefined;
    const links = [
      { label: `下载台账（Excel）`, url: encodeURIComponent(names.workbook) },
      { label: '公文版（Word）', url: encodeURIComponent(names.document) },
      { label: '邮件版', url: encodeURIComponent(names.email) },
    ];
    return [
      { name: names.page, contentType: HTML, body: encoder.encode(this.html(report, { charts, indicatorChart, files: links, evidence })) },
      { name: names.email, contentType: HTML, body: encoder.encode(this.html(report, { files: [], evidence })) },
      { name: names.workbook, contentType: XLSX, body: await reportWorkbook(report, evidence) },
      { name: names.document, contentType: DOCX, body: await gongwenDocx(report) },
      { name: names.lights, contentType: SVG, body: encoder.encode(charts.lights) },
      { name: names.reporting, contentType: SVG, body: encoder.encode(charts.reporting) },
      ...(indicatorChart ? [{ name: indicatorChartName(report.period), contentType: SVG, body: encoder.encode(indicatorChart) }] : []),
    ];
  }
}

