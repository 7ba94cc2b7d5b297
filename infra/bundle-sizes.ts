/**
 * `npm run bundle-sizes`: synthesises the app (bundling every handler with the local esbuild) and
 * prints each Lambda's bundle size, code and source map apart, and the CPU time a fresh Node process
 * spends loading each bundle (the part of a cold start that is ours), averaged over several
 * processes. The bench takes the same numbers as data (bundleSizesKb, loadCpuMs). Files shipped
 * beside a bundle (the evidence function's libheif.wasm) are counted apart, not as its code.
 */
import { App } from 'aws-cdk-lib';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from './app.ts';

export interface HandlerBundle {
  /** The function's logical id in the stateless stack. */
  id: string;
  /** Short name: jobs, http, ses-events, office-admin, evidence. */
  name: string;
  dir: string;
  /** Bytes of index.mjs and of its source map. */
  code: number;
  map: number;
  /** Bytes of each file shipped beside the code (not the templates), e.g. libheif.wasm. */
  beside: Record<string, number>;
}

const names: [RegExp, string][] = [
  [/^JobsFunction/, 'jobs'],
  [/^HttpFunction/, 'http'],
  [/^SesFeedbackFunction/, 'ses-events'],
  [/^OfficeAdminBootstrap/, 'office-admin'],
  [/^EvidenceProcessingFunction/, 'evidence'],
];

export function handlerBundles(outdir = mkdtempSync(join(tmpdir(), 'duban-cdk-'))): HandlerBundle[] {
  const { app, stateless } = buildApp(new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true, mailDomain: 'example.org', adminEmail: 'office@example.org' } }));
  const assembly = app.synth();
  const template = assembly.getStackByName(stateless.stackName).template as { Resources: Record<string, { Type: string; Metadata?: Record<string, string>; Properties: { Handler?: string } }> };
  return Object.entries(template.Resources)
    // duban's own functions (ESM bundles); the custom resource framework's function is CDK's.
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['aws:asset:path'] && existsSync(join(outdir, r.Metadata['aws:asset:path'], 'index.mjs')))
    .map(([id, r]) => {
      const dir = join(outdir, r.Metadata!['aws:asset:path']!);
      const name = names.find(([pattern]) => pattern.test(id))?.[1] ?? id;
      const beside = Object.fromEntries(
        readdirSync(dir, { withFileTypes: true })
          .filter((f) => f.isFile() && f.name !== 'index.mjs' && f.name !== 'index.mjs.map')
          .map((f) => [f.name, statSync(join(dir, f.name)).size]),
      );
      return { id, name, dir, code: statSync(join(dir, 'index.mjs')).size, map: statSync(join(dir, 'index.mjs.map')).size, beside };
    });
}

/** Files shipped beside the bundles in KB, by function and file (`evidence/libheif.wasm`): counted apart from the code. */
export function besideKb(bundles: HandlerBundle[] = handlerBundles()): Record<string, number> {
  return Object.fromEntries(bundles.flatMap((b) => Object.entries(b.beside).map(([file, bytes]) => [`${b.name}/${file}`, Math.round(bytes / 1024)])));
}

/** Each function's bundle in KB (minified, AWS SDK included), by short name: what the bench records. */
export function bundleSizesKb(bundles: HandlerBundle[] = handlerBundles()): Record<string, number> {
  return Object.fromEntries(bundles.map((b) => [b.name, Math.round(b.code / 1024)]));
}

/** The packages and source folders a bundle holds, from its source map's `sources`. */
export function bundledSources(bundle: Pick<HandlerBundle, 'dir'>): string[] {
  return (JSON.parse(readFileSync(join(bundle.dir, 'index.mjs.map'), 'utf8')) as { sources: string[] }).sources;
}

/**
 * CPU time (user + system, ms) a fresh Node process spends importing `file`, the mean of `runs`
 * processes. The bundle's top level runs as on a cold start: configuration read, clients made, no
 * request served. `env` gives it the settings it reads (templates folder, region).
 */
export function loadCpuMs(file: string, options: { runs?: number; env?: NodeJS.ProcessEnv } = {}): number {
  const script = `const t = process.cpuUsage(); await import(${JSON.stringify(file)}); const u = process.cpuUsage(t); console.log((u.user + u.system) / 1000);`;
  const runs = options.runs ?? 7;
  let total = 0;
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH, AWS_REGION: 'ap-southeast-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    total += Number(out.trim().split('\n').at(-1));
  }
  return total / runs;
}

/** The settings a bundle reads at load, as Lambda gives them: the templates beside the code. */
export const bundleEnv = (bundle: Pick<HandlerBundle, 'dir'>) => ({ DUBAN_TEMPLATE_DIR: join(bundle.dir, 'templates') });

if (process.argv[1] && import.meta.filename === (await import('node:fs')).realpathSync(process.argv[1])) {
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  const bundles = handlerBundles();
  console.log('function        bundle    source map   load CPU');
  for (const b of bundles) {
    const cpu = loadCpuMs(join(b.dir, 'index.mjs'), { env: bundleEnv(b) });
    console.log(`${b.name.padEnd(14)} ${kb(b.code).padStart(8)}  ${kb(b.map).padStart(10)}  ${cpu.toFixed(0).padStart(6)} ms`);
  }
  for (const b of bundles) for (const [file, bytes] of Object.entries(b.beside)) console.log(`${`${b.name}: ${file}`.padEnd(24)} ${kb(bytes).padStart(8)}  (beside the bundle, loaded at first use)`);
}
