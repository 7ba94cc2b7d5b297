/**
 * What a verb of `npx duban` is: its name, its lines in the usage text, and the function that runs
 * it. Exit codes: 0 done, 1 refused (bad input or a sandbox that cannot be reached, reported in
 * Chinese), 2 wrong usage.
 */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** The real instant (the wall clock in a terminal; fixed in tests). */
  now(): Date;
  /** A line that replaces itself (a progress bar); '' clears it. */
  progress?(line: string): void;
}

export type CliEnv = NodeJS.ProcessEnv;

export interface Verb {
  name: string;
  /** The verb's lines in the usage text. */
  usage: string;
  run(args: string[], io: CliIo, env: CliEnv): Promise<number>;
}
