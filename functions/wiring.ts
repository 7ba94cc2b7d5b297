/**
 * Everything the wiring builds, for the edges that may load all of it: the sandbox, the CLI, the
 * bench and the tests. The Lambda handlers import their own edge's module instead (wiring/jobs.ts,
 * wiring/http.ts, wiring/common.ts), so each function bundles only what it runs.
 */
export * from './wiring/common.ts';
export * from './wiring/http.ts';
export * from './wiring/jobs.ts';
