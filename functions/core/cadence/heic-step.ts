/**
 * The HEIC step of the daily 08:30 run: iPhones upload HEIC photos, which browsers, the 公示 page and
 * the circular cannot show. For the open tasks' 销号 evidence (requests and confirmations, under
 * review or under 公示) it adds a JPEG rendition beside each HEIC photo that has none; the original
 * is kept. Runs where the job has the evidence files and a decoder (`deps.evidence`); a photo that
 * cannot be decoded is reported to the office and tried again next run.
 */
import { closeOutEvidenceIds, renderHeic } from '../evidence-files.ts';
import type { JobDeps, JobResult } from './job.ts';

type Job = (at: Date, deps: JobDeps) => Promise<JobResult>;

/** Runs `job`, then renders the HEIC photos of the open tasks' close-outs. */
export function withHeicStep(job: Job): Job {
  return async (at, deps) => {
    const result = await job(at, deps);
    await heicStep(deps);
    return result;
  };
}

export async function heicStep(deps: JobDeps): Promise<string[]> {
  if (!deps.evidence) return [];
  const tasks = await deps.store.openTasks();
  const ids = tasks.flatMap((t) => closeOutEvidenceIds(t));
  if (!ids.length) return [];
  const { rendered, failed } = await renderHeic(ids, deps.evidence);
  if (failed.length) deps.warn?.(`${failed.length}张苹果手机 HEIC 照片无法转换为 JPG（${failed.join('、')}），页面上只能下载原文件`);
  return rendered;
}
