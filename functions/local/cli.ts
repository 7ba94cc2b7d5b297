/**
 * `npx duban <verb>`: the command line lives in ./cli/ (one module per verb behind a dispatcher);
 * this path stays the entry that bin.mjs, the sandbox and the tests import.
 */
export { runCli, printImport, reportFailure, usage, type CliIo } from './cli/index.ts';
