#!/usr/bin/env node
// `npx duban`: runs the TypeScript CLI through tsx, so no build step stands between edit and use.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { runCli } = await import('./cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
