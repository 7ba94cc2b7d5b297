/**
 * `npx duban evidence process <任务编号>…`: makes what the photos of these tasks lack (a HEIC
 * photo's JPEG, a thumbnail), for files kept before photos were processed as they are kept
 * (functions/core/evidence-backlog.ts), or whose processing failed on AWS after its retries. Each
 * file is processed once; a second run writes nothing. With `--stack` the files are in the evidence
 * bucket the stack outputs (EvidenceBucket); a stack without it is named, and nothing is done.
 */
import { processTaskEvidence } from '../../core/evidence-backlog.ts';
import { photoCodec } from '../../reports/photo-codec.ts';
import { LocalError } from '../errors.ts';
import { STACK_OUTPUTS } from '../stack.ts';
import { withSession } from './session.ts';
import type { Verb } from './verb.ts';

export const evidenceVerb: Verb = {
  name: 'evidence',
  usage: `  evidence process <任务编号>…                为这些任务已保存的照片补做缩略图和苹果手机 HEIC 照片的 JPG（已处理的不再处理）`,
  async run(args, io, env) {
    const [action, ...codes] = args;
    if (action !== 'process' || codes.length === 0) {
      io.err('用法：npx duban evidence process <任务编号>…');
      return 2;
    }
    return withSession(io, env, { announce: true }, async ({ deps, at, stack }) => {
      if (stack && !stack.evidenceBucket) {
        throw new LocalError(
          'STACK_OUTPUTS',
          `部署栈“${stack.name}”没有输出 ${STACK_OUTPUTS.evidenceBucket}（佐证材料的存储桶），无法处理照片：请指定督办的无状态栈（默认 DubanStateless），或用当前版本重新部署后再运行`,
          '--stack',
        );
      }
      if (!deps.evidence) {
        io.err('本系统未配置文件存储，没有可处理的佐证材料');
        return 1;
      }
      if (stack) io.err(`佐证材料存储桶 ${stack.evidenceBucket}`);
      const outcomes = await processTaskEvidence(codes, at, { store: deps.store, ...deps.evidence, codec: photoCodec });
      const count = (outcome: string) => outcomes.filter((o) => o.outcome === outcome).length;
      io.out(`已处理${count('processed')}张照片，此前已处理${count('done')}张，其余${count('skipped')}个文件无需处理`);
      for (const o of outcomes) if (o.outcome === 'failed') io.out(`  ${o.id}：${o.message}`);
      return 0;
    });
  },
};
