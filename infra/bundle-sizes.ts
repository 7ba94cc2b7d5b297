/**
 * `npm run bundle-sizes`: synthesises the app (bundling every handler with the local esbuild) and
 * prints each Lambda's bundle size, code and source map apart.
 */
import { App } from 'aws-cdk-lib';
import { existsSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from './app.ts';

export function handlerBundles(outdir = mkdtempSync(join(tmpdir(), 'duban-cdk-'))) {
  const { app, stateless } = buildApp(new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true, mailDomain: 'example.org', adminEmail: 'office@example.org' } }));
  const assembly = app.synth();
  const template = assembly.getStackByName(stateless.stackName).template as { Resources: Record<string, { Type: string; Metadata?: Record<string, string>; Properties: { Handler?: string } }> };
  return Object.entries(template.Resources)
    // duban's own functions (ESM bundles); the custom resource framework's function is CDK's.
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['aws:asset:path'] && existsSync(join(outdir, r.Metadata['aws:asset:path'], 'index.mjs')))
    .map(([id, r]) => {
      const dir = join(outdir, r.Metadata!['aws:asset:path']!);
      return { id, dir, code: statSync(join(dir, 'index.mjs')).size, map: statSync(join(dir, 'index.mjs.map')).size };
    });
}

if (process.argv[1] && import.meta.filename === (await import('node:fs')).realpathSync(process.argv[1])) {
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  console.log('function                         bundle    source map');
  for (const b of handlerBundles()) console.log(`${b.id.padEnd(32)} ${kb(b.code).padStart(8)}  ${kb(b.map).padStart(10)}`);
}
