/**
 * The archive of compiled reports, read side: what the HTTP app serves (the list, each file) and
 * what a job checks before it compiles. Reading needs no renderer, so the functions that only read
 * (the HTTP app) bundle none; publish.ts adds compiling and keeping.
 */
import type { ReportArchive } from '../core/ports.ts';
import { reportKinds, type PublishedReport, type ReportKind } from '../core/reports/model.ts';

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const HTML = 'text/html; charset=utf-8';
export const SVG = 'image/svg+xml';
export const JSON_TYPE = 'application/json';

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

export const prefixOf = (kind: string, period: string) => `${kind}/${period}/`;

export class ArchiveReader {
  constructor(readonly archive: ReportArchive) {}

  async manifest(kind: ReportKind, period: string): Promise<Manifest | undefined> {
    const stored = await this.archive.get(`${prefixOf(kind, period)}manifest.json`);
    return stored ? (JSON.parse(new TextDecoder().decode(stored.body)) as Manifest) : undefined;
  }

  async find(kind: ReportKind, period: string): Promise<PublishedReport | undefined> {
    const manifest = await this.manifest(kind, period);
    return manifest && published(manifest);
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

export function published(manifest: Manifest): PublishedReport {
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
