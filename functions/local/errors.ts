/**
 * Errors of the local edge (the sandbox and the CLI): a bad setting, a sandbox that holds the data
 * folder but cannot be reached, a second sandbox on a held folder. The message is Chinese and is
 * what the person at the terminal reads; `field` names the setting at fault.
 */
export type LocalErrorCode =
  | 'SETTING_INVALID'
  | 'SANDBOX_UNREACHABLE'
  | 'SANDBOX_RUNNING'
  | 'SANDBOX_LEDGER'
  /** `--stack`: the stack is not there, cannot be read, or lacks duban's outputs. */
  | 'STACK_NOT_FOUND'
  | 'STACK_CREDENTIALS'
  | 'STACK_FORBIDDEN'
  | 'STACK_UNREADABLE'
  | 'STACK_OUTPUTS';

export class LocalError extends Error {
  constructor(
    readonly code: LocalErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
