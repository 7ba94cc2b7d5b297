/**
 * The evidence processing's wiring (core/evidence-processing.ts with the photo codec): for the
 * evidence function on AWS (handlers/evidence-processing.ts, on the bucket's ObjectCreated events),
 * and in the sandbox, where it runs in-process right after a file is kept, so that a liaison's HEIC
 * photo shows as a JPEG as soon as the submission is stored. Never imported by the HTTP function
 * on AWS or by the jobs: the codec (libheif's WASM among it) is this function's alone.
 *
 * The events: S3 sends keys URL-encoded (a space as `+`). The thumbnails and renditions the step
 * writes raise events too: they name no original and are skipped. An upload whose submission has
 * not yet recorded it as kept is read again after a moment, then left to Lambda's retries (the
 * step is idempotent); what fails every retry goes to the function's on-failure queue.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { needsProcessing, processEvidence, processKeptFile, type ProcessingDeps, type ProcessingOutcome } from '../core/evidence-processing.ts';
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
      async update(id: string, change: Parameters<typeof log.update>[1]) {
        const item = await log.update(id, change);
        if (!item || !needsProcessing(item)) return item;
        try {
          const outcome = await processKeptFile(item.key, clock(), processing);
          if (outcome.outcome === 'failed') warn('evidence photo could not be decoded', { id: outcome.id });
          onProcessed?.(outcome);
        } catch (error) {
          warn('evidence processing failed', { id: item.id, detail: error instanceof Error ? error.message : String(error) });
        }
        return item;
      },
    }),
  };
}

const s3Event = z.object({
  Records: z.array(z.object({ eventName: z.string(), eventTime: z.string().optional(), s3: z.object({ bucket: z.object({ name: z.string() }), object: z.object({ key: z.string() }) }) })),
});
const backlogEvent = z.object({ evidence: z.array(z.string()).min(1) });

/** An S3 event's key as stored: URL-decoded, `+` a space. */
export const eventKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

export interface EvidenceHandlerOptions {
  /** Real time (the instant recorded as processed). */
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** How often a not-yet-kept upload is read again before the run fails (to be retried by Lambda). */
  attempts?: number;
  log?: (msg: string, extra?: object) => void;
}

export class NotYetKeptError extends Error {
  constructor(readonly keys: string[]) {
    super(`evidence not yet recorded as kept: ${keys.join(', ')}`);
    this.name = 'NotYetKeptError';
  }
}

/** The Lambda handler over given dependencies (handlers/evidence-processing.ts gives AWS's, a test its stand-ins). */
export function evidenceHandler(deps: ProcessingDeps, options: EvidenceHandlerOptions) {
  const log = options.log ?? ((msg: string, extra: object = {}) => console.log(JSON.stringify({ level: 'info', msg, ...extra })));
  return async (event: unknown): Promise<{ outcomes: ProcessingOutcome[] }> => {
    const backlog = backlogEvent.safeParse(event);
    if (backlog.success) {
      const outcomes = await processEvidence(backlog.data.evidence, options.now(), deps);
      log('evidence processed', { outcomes });
      return { outcomes };
    }
    const outcomes: ProcessingOutcome[] = [];
    const waiting: string[] = [];
    for (const record of s3Event.parse(event).Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      const key = eventKey(record.s3.object.key);
      let outcome = await processKeptFile(key, options.now(), deps);
      for (let attempt = 1; outcome.outcome === 'pending' && attempt < (options.attempts ?? 3); attempt++) {
        await options.sleep(1000 * attempt);
        outcome = await processKeptFile(key, options.now(), deps);
      }
      if (outcome.outcome === 'pending') waiting.push(key);
      outcomes.push(outcome);
    }
    log('evidence processed', { outcomes });
    if (waiting.length) throw new NotYetKeptError(waiting);
    return { outcomes };
  };
}
