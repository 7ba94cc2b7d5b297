/**
 * Lambda entry for the evidence bucket's ObjectCreated events under `evidence/` (kept files): each
 * kept photo gets what it lacks, a HEIC photo's JPEG and a thumbnail (core/evidence-processing.ts).
 * S3 sends keys URL-encoded (a space as `+`). The thumbnails and renditions it writes raise events
 * too: they name no original and are skipped. An upload whose submission has not yet recorded it
 * as kept is read again after a moment, then left to Lambda's retries (the step is idempotent);
 * what fails every retry goes to the function's dead-letter queue.
 *
 * Also takes `{"evidence": ["ev_…", …]}` (an operator's run over files kept before this function
 * existed; see the README), processing those items.
 */
import * as z from 'zod';
import { processEvidence, processKeptFile, type ProcessingDeps, type ProcessingOutcome } from '../core/evidence-processing.ts';
import { dynamoClient, readConfig } from '../wiring/common.ts';
import { processingDeps } from '../wiring/evidence-processing.ts';

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

/** The handler over given dependencies (the module's own below, or a test's stand-ins). */
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

const config = readConfig();

export const handler = evidenceHandler(processingDeps(config, dynamoClient(config)), { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
