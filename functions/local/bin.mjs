#!/usr/bin/env node
// `npx duban`: runs the TypeScript CLI through tsx, so no build step stands between edit and use.
// runCli reports every failure in Chinese; whatever escapes it (a module that does not load) is
// said in one line too, never as a stack trace.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
try {
  const { register } = await import('tsx/esm/api');
  register();
  const { runCli } = await import('./cli.ts');
  process.exitCode = await runCli(process.argv.slice(2));
} catch (error) {
  const message = String(error instanceof Error ? error.message : error).split('\n')[0];
  process.stderr.write(`命令失败：${message}\n`);
  process.exitCode = 1;
}
