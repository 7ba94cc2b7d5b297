/**
 * The evidence processing's wiring (core/evidence-processing.ts with the photo codec): for the
 * evidence function on AWS (handlers/evidence-processing.ts, on the bucket's ObjectCreated events),
 * and in the sandbox, where it runs in-process right after a file is kept, so that a liaison's HEIC
 * photo shows as a JPEG as soon as the submission is stored. Never imported by the HTTP function
 * on AWS or by the jobs: the codec (libheif's WASM among it) is this function's alone.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { needsProcessing, processKeptFile, type ProcessingDeps, type ProcessingOutcome } from '../core/evidence-processing.ts';
import type { EvidenceAppDeps } from '../http/evidence.ts';
import { photoCodec } from '../reports/photo-codec.ts';
import type { Config } from './common.ts';
import { reportEvidenceSource } from './evidence.ts';

/** The records, the kept files and the codec, from configuration (the evidence bucket on AWS). */
export function processingDeps(config: Config, dynamo: DynamoDBClient, env: NodeJS.ProcessEnv = process.env): ProcessingDeps {
  const { log, files } = reportEvidenceSource(config, dynamo, env);
  return { log, files, codec: photoCodec };
}

/**
 * The app's evidence dependencies, with each file processed right after it is kept (the sandbox):
 * the submission waits for it. A failure to process is logged; the submission still stands.
 * `clock` is the app's (the sandbox's virtual clock), `warn` where the sandbox logs.
 */
export function processedWhenKept(
  deps: EvidenceAppDeps,
  clock: () => Date,
  warn: (message: string, extra?: object) => void = (message, extra) => console.warn(JSON.stringify({ level: 'warning', msg: message, ...extra })),
  onProcessed?: (outcome: ProcessingOutcome) => void,
): EvidenceAppDeps {
  const { log, files } = deps;
  const processing: ProcessingDeps = { log, files, codec: photoCodec };
  return {
    ...deps,
    log: Object.assign(Object.create(log) as typeof log, {
      async save(item: Parameters<typeof log.save>[0]) {
        await log.save(item);
        if (!needsProcessing(item)) return;
        try {
          const outcome = await processKeptFile(item.key, clock(), processing);
          if (outcome.outcome === 'failed') warn('evidence photo could not be decoded', { id: outcome.id });
          onProcessed?.(outcome);
        } catch (error) {
          warn('evidence processing failed', { id: item.id, detail: error instanceof Error ? error.message : String(error) });
        }
      },
    }),
  };
}
