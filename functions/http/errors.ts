/** The one place typed errors become HTTP statuses and `{"error": {code, message, field?}}` bodies. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DubanError, ValidationError, type ErrorCode } from '../core/errors.ts';

const statusOf: Record<ErrorCode, ContentfulStatusCode> = {
  VALIDATION: 400,
  IMPORT_INVALID: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  VERSION_CONFLICT: 409,
  ALREADY_EXISTS: 409,
  CALENDAR_YEAR_UNKNOWN: 503,
  CALENDAR_CONFLICT: 409,
};

/**
 * A typed error, or the typed error a known failure of the platform stands for: a malformed
 * %-sequence in the address (URIError from a decode) is the caller's input, not a fault.
 */
export function asDubanError(error: unknown): DubanError | undefined {
  if (error instanceof DubanError) return error;
  if (error instanceof URIError) return new ValidationError('地址中的百分号编码无效：请对路径和查询参数按 UTF-8 编码', 'path');
  return undefined;
}

export function logUnhandled(error: unknown): void {
  console.error(JSON.stringify({ level: 'error', msg: 'unhandled', error: (error as Error)?.message, stack: (error as Error)?.stack }));
}

export function errorResponse(error: unknown, c: Context): Response {
  const known = asDubanError(error);
  if (known) {
    const body = { error: { code: known.code, message: known.message, ...(known.field ? { field: known.field } : {}) } };
    return c.json(body, statusOf[known.code]);
  }
  logUnhandled(error);
  return c.json({ error: { code: 'INTERNAL', message: '服务器内部错误，请稍后重试' } }, 500);
}
