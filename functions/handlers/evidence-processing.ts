/**
 * Lambda entry for the evidence bucket's ObjectCreated events under `evidence/` (kept files): each
 * kept photo gets what it lacks, a HEIC photo's JPEG and a thumbnail (core/evidence-processing.ts;
 * the event handling is wiring/evidence-processing.ts's evidenceHandler). Also takes
 * `{"evidence": ["ev_…", …]}`: an operator's run over files kept before this function existed.
 */
import { dynamoClient, readConfig } from '../wiring/common.ts';
import { evidenceHandler, processingDeps } from '../wiring/evidence-processing.ts';

const config = readConfig();

export const handler = evidenceHandler(processingDeps(config, dynamoClient(config)), { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
