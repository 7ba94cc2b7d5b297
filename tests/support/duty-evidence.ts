/**
 * A liaison's 常态化工作 occurrence with files, as the API takes it: upload forms for the duty, each
 * file posted to its form, then the occurrence naming the uploads (and any links after them).
 */
import { postUpload, rawJpeg, smallPdf, withExif } from './evidence.ts';

interface Api {
  app: { request(url: string, init: RequestInit): Response | Promise<Response> };
  token(unit: string): Promise<string>;
  post(path: string, token: string | undefined, body: unknown): Response | Promise<Response>;
}

/** The photo (taken 2018-07-09 16:20, with its place) and PDF a newspaper's liaison keeps for an issue. */
export const pressFiles = () => [
  { name: '版面.jpg', type: 'image/jpeg', bytes: withExif(rawJpeg('boiler-after'), { taken: '2018:07:09 16:20:00', lat: 31.3402, lon: 104.2011 }) },
  { name: '报纸PDF版.pdf', type: 'application/pdf', bytes: smallPdf() },
];

/** Records `unit`'s occurrence of `duty` with `files` uploaded; returns the files' upload ids. Throws when any step is refused. */
export async function recordWithFiles(api: Api, duty: string, unit: string, occurrence: { date: string; detail: string; links?: string[] }, files = pressFiles()): Promise<string[]> {
  const token = await api.token(unit);
  const asked = await api.post('/api/evidence/uploads', token, { duty, kind: 'duty', files: files.map((f) => ({ name: f.name, type: f.type, size: f.bytes.length })) });
  if (asked.status !== 201) throw new Error(`upload forms refused: ${asked.status} ${await asked.text()}`);
  const { uploads } = (await asked.json()) as { uploads: { id: string; upload: { url: string; fields: Record<string, string> } }[] };
  for (const [i, file] of files.entries()) {
    const sent = await postUpload(api.app, uploads[i]!.upload, file.bytes);
    if (sent.status !== 201) throw new Error(`upload of ${file.name} refused: ${sent.status}`);
  }
  const ids = uploads.map((u) => u.id);
  const recorded = await api.post(`/api/duties/${encodeURIComponent(duty)}/occurrences`, token, { date: occurrence.date, detail: occurrence.detail, evidence: [...ids, ...(occurrence.links ?? [])] });
  if (recorded.status !== 201) throw new Error(`occurrence refused: ${recorded.status} ${await recorded.text()}`);
  return ids;
}
