/**
 * Errors of the local edge (the sandbox and the CLI): a bad setting, a sandbox that holds the data
 * folder but cannot be reached, a second sandbox on a held folder. The message is Chinese and is
 * what the person at the terminal reads; `field` names the setting at fault.
 */
export type LocalErrorCode = 'SETTING_INVALID' | 'SANDBOX_UNREACHABLE' | 'SANDBOX_RUNNING' | 'SANDBOX_LEDGER';

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
