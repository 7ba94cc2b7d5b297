/** Lambda entry for API Gateway (HTTP API): the same hono app the sandbox serves. */
import { handle } from 'hono/aws-lambda';
import { createApp } from '../http/app.ts';
import { linkSecret, loadCalendar } from '../wiring/common.ts';
import { evidenceDeps } from '../wiring/evidence.ts';
import { buildHttpDeps, consoleDeps } from '../wiring/http.ts';

const deps = buildHttpDeps();
let secret: Promise<string> | undefined;

export const handler = handle(
  createApp({
    store: deps.store,
    clock: () => new Date(),
    calendar: () => loadCalendar(deps.store),
    cadence: deps.cadence,
    reports: deps.reports,
    linkSecret: () => (secret ??= linkSecret(deps)),
    console: consoleDeps(deps, () => new Date()),
    evidence: evidenceDeps(deps.config, deps.dynamo, () => (secret ??= linkSecret(deps)), () => new Date()),
  }),
);
