/** The one place typed errors become HTTP statuses and `{"error": {code, message, field?}}` bodies. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DubanError, type ErrorCode } from '../core/errors.ts';

const statusOf: Record<ErrorCode, ContentfulStatusCode> = {
  VALIDATION: 400,
  IMPORT_INVALID: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  VERSION_CONFLICT: 409,
  ALREADY_EXISTS: 409,
  CALENDAR_YEAR_UNKNOWN: 503,
};

export function errorResponse(error: unknown, c: Context): Response {
  if (error instanceof DubanError) {
    const body = { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
    return c.json(body, statusOf[error.code]);
  }
  console.error(JSON.stringify({ level: 'error', msg: 'unhandled', error: (error as Error).message, stack: (error as Error).stack }));
  return c.json({ error: { code: 'INTERNAL', message: '服务器内部错误，请稍后重试' } }, 500);
}
