/**
 * Renders a compiled report into its files and keeps them in the archive.
 *
 * Files of a report (周通报 2018-W28 shown; 月交账 alike): the page with its charts
 * (周通报-2018-W28.html), the email-safe version with inlined CSS and no SVG
 * (周通报-2018-W28-邮件版.html), the Excel 台账 (周通报台账-2018-W28.xlsx), the 公文 in the
 * GB/T 9704-2012 layout (周通报-2018-W28.docx), each chart as SVG, and
 * manifest.json, written last: a report is archived when its manifest is. Publishing a period
 * already archived changes nothing, so a job run twice sends the report it first compiled.
 */
import { join } from 'node:path';
import type { PublishedReport, ReportModel, ReportPublisher } from '../core/reports/model.ts';
import { ArchiveReader, JSON_TYPE, prefixOf, published, type Manifest } from './archive-reader.ts';
import type { ReportArchive } from '../core/ports.ts';
import type { ReportEvidenceSource } from './evidence.ts';
import type { ReportRenderer } from './render.ts';

export { DOCX, fileNames, HTML, SVG, XLSX, type Manifest } from './archive-reader.ts';

export interface RenderedFile {
  name: string;
  contentType: string;
  body: Uint8Array;
}

/**
 * The renderers (charts, .xlsx and .docx writers) are loaded on first use: a function that never compiles a
 * report (the HTTP app, a dispatch, the CLI's other verbs) does not pay for loading them.
 */
export async function reportRenderer(dir = REPORT_TEMPLATE_DIR): Promise<ReportRenderer> {
  const { ReportRenderer } = await import('./render.ts');
  return new ReportRenderer(dir);
}

const encoder = new TextEncoder();

export const REPORT_TEMPLATE_DIR = process.env.DUBAN_TEMPLATE_DIR
  ? join(process.env.DUBAN_TEMPLATE_DIR, 'reports')
  : join(import.meta.dirname, '../../templates/reports');

/** Compiles a report's files and keeps them; reading is ArchiveReader's. */
export class ArchivePublisher extends ArchiveReader implements ReportPublisher {
  private renderer?: Promise<ReportRenderer>;

  /** `evidence`: where the tasks' 佐证材料 are read, for the 台账's links and the circular's photos. */
  constructor(
    archive: ReportArchive,
    readonly evidence?: ReportEvidenceSource,
  ) {
    super(archive);
  }

  async publish(report: ReportModel): Promise<PublishedReport> {
    const existing = await this.find(report.kind, report.period);
    if (existing) return existing;
    this.renderer ??= reportRenderer();
    const files = await (await this.renderer).files(report, this.evidence);
    for (const file of files) await this.archive.put(prefixOf(report.kind, report.period) + file.name, file.body, file.contentType);
    const manifest: Manifest = {
      kind: report.kind,
      period: report.period,
      title: report.title,
      compiledAt: report.compiledAt,
      files: files.map((f) => ({ name: f.name, contentType: f.contentType, size: f.body.byteLength })),
    };
    await this.archive.put(`${prefixOf(report.kind, report.period)}manifest.json`, encoder.encode(JSON.stringify(manifest, null, 2)), JSON_TYPE);
    return published(manifest);
  }
}
