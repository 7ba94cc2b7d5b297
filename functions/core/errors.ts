/**
 * Typed errors. Each carries a machine code, a message in Chinese for the person who reads it,
 * and, where one input is at fault, the field (or sheet/row/column) that names it.
 * The HTTP layer and the CLI map these in one place each.
 */
export type ErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'VERSION_CONFLICT'
  | 'ALREADY_EXISTS'
  | 'CALENDAR_YEAR_UNKNOWN'
  | 'CALENDAR_CONFLICT'
  | 'IMPORT_INVALID'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN';

export class DubanError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DubanError {
  constructor(message: string, field?: string) {
    super('VALIDATION', message, field);
  }
}

export class NotFoundError extends DubanError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class VersionConflictError extends DubanError {
  constructor(readonly entity: string, readonly expectedVersion: number) {
    super('VERSION_CONFLICT', `${entity} 已被他人修改（期望版本 ${expectedVersion}），请刷新后重试`);
  }
}

export class AlreadyExistsError extends DubanError {
  constructor(entity: string) {
    super('ALREADY_EXISTS', `${entity} 已存在`);
  }
}
