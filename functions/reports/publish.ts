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
import type { ReportArchive } from '../core/ports.ts';
import { reportKinds, type PublishedReport, type ReportKind, type ReportModel, type ReportPublisher } from '../core/reports/model.ts';
import type { ReportRenderer } from './render.ts';

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const HTML = 'text/html; charset=utf-8';
export const SVG = 'image/svg+xml';
const JSON_TYPE = 'application/json';

export interface RenderedFile {
  name: string;
  contentType: string;
  body: Uint8Array;
}

/**
 * The renderers (echarts, exceljs) are loaded on first use: a function that never compiles a
 * report (the HTTP app, a dispatch, the CLI's other verbs) does not pay for loading them.
 */
export async function reportRenderer(dir = REPORT_TEMPLATE_DIR): Promise<ReportRenderer> {
  const { ReportRenderer } = await import('./render.ts');
  return new ReportRenderer(dir);
}

export interface Manifest {
  kind: ReportKind;
  period: string;
  title: string;
  compiledAt: string;
  files: { name: string; contentType: string; size: number }[];
}

export const fileNames = (kind: ReportKind, period: string) => {
  const label = kind === 'weekly-circular' ? '周通报' : '月交账';
  return {
    page: `${label}-${period}.html`,
    email: `${label}-${period}-邮件版.html`,
    workbook: `${label}台账-${period}.xlsx`,
    document: `${label}-${period}.docx`,
    lights: `灯色分布-${period}.svg`,
    reporting: `报送情况-${period}.svg`,
  };
};

const encoder = new TextEncoder();

export const REPORT_TEMPLATE_DIR = process.env.DUBAN_TEMPLATE_DIR
  ? join(process.env.DUBAN_TEMPLATE_DIR, 'reports')
  : join(import.meta.dirname, '../../templates/reports');

const prefixOf = (kind: string, period: string) => `${kind}/${period}/`;

export class ArchivePublisher implements ReportPublisher {
  private renderer?: Promise<ReportRenderer>;

  constructor(readonly archive: ReportArchive) {}

  async manifest(kind: ReportKind, period: string): Promise<Manifest | undefined> {
    const stored = await this.archive.get(`${prefixOf(kind, period)}manifest.json`);
    return stored ? (JSON.parse(new TextDecoder().decode(stored.body)) as Manifest) : undefined;
  }

  async find(kind: ReportKind, period: string): Promise<PublishedReport | undefined> {
    const manifest = await this.manifest(kind, period);
    return manifest && published(manifest);
  }

  async publish(report: ReportModel): Promise<PublishedReport> {
    const existing = await this.find(report.kind, report.period);
    if (existing) return existing;
    this.renderer ??= reportRenderer();
    const files = await (await this.renderer).files(report);
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

  /** Every archived report, newest period first. */
  async list(): Promise<Manifest[]> {
    const manifests: Manifest[] = [];
    for (const kind of reportKinds) {
      const files = await this.archive.list(`${kind}/`);
      const periods = files.filter((f) => f.key.endsWith('/manifest.json')).map((f) => f.key.split('/')[1]!);
      for (const period of periods) {
        const manifest = await this.manifest(kind, period);
        if (manifest) manifests.push(manifest);
      }
    }
    return manifests.sort((a, b) => b.period.localeCompare(a.period) || a.kind.localeCompare(b.kind));
  }

  /** One file of an archived report (the manifest is not served). */
  async file(kind: ReportKind, period: string, name: string): Promise<{ body: Uint8Array; contentType: string } | undefined> {
    const manifest = await this.manifest(kind, period);
    if (!manifest?.files.some((f) => f.name === name)) return undefined;
    return this.archive.get(prefixOf(kind, period) + name);
  }
}

function published(manifest: Manifest): PublishedReport {
  const names = fileNames(manifest.kind, manifest.period);
  const key = (name: string) => prefixOf(manifest.kind, manifest.period) + name;
  return {
    kind: manifest.kind,
    period: manifest.period,
    files: manifest.files.map((f) => ({ name: f.name, key: key(f.name), contentType: f.contentType })),
    page: { name: names.page, key: key(names.page) },
    workbook: { name: names.workbook, key: key(names.workbook), contentType: XLSX },
    // Reports archived before the 公文 was made have none.
    document: manifest.files.some((f) => f.name === names.document) ? { name: names.document, key: key(names.document), contentType: DOCX } : undefined,
  };
}
