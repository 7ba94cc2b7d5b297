/**
 * Path parameters, read in one place. The router decodes what it can and leaves a malformed
 * %-sequence as it came, so a handler never decodes again: it reads the raw segment here, decodes
 * it once, and bad encoding, an over-long value or a control character is a 400 naming the
 * parameter.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { ValidationError } from '../core/errors.ts';
import { parse } from './schemas.ts';

const CONTROL = /[\u0000-\u001f\u007f]/;

/** The raw (still encoded) segment of the request path that the route's `:name` matched. */
function rawSegment(c: Context, name: string): string | undefined {
  const pattern = c.req.routePath.split('/');
  const index = pattern.indexOf(`:${name}`);
  if (index < 0) return undefined;
  return new URL(c.req.url).pathname.split('/')[index];
}

export function pathParam(c: Context, name: string, label: string, max = 200): string {
  const raw = rawSegment(c, name) ?? '';
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw new ValidationError(`路径参数“${label}”（${name}）的百分号编码无效：请对其按 UTF-8 编码后再放入地址`, name);
  }
  if (!value) throw new ValidationError(`路径参数“${label}”（${name}）不能为空`, name);
  if (value.length > max) throw new ValidationError(`路径参数“${label}”（${name}）不能超过${max}个字符`, name);
  if (CONTROL.test(value)) throw new ValidationError(`路径参数“${label}”（${name}）含有不可见的控制字符`, name);
  return value;
}

/** A path parameter checked against a schema; its errors name the parameter. */
export function pathParamOf<T extends z.ZodType>(c: Context, name: string, label: string, schema: T): z.infer<T> {
  // The schema holds the length rule; the bound here only keeps an absurd value out of the parser.
  const value = pathParam(c, name, label, 100_000);
  try {
    return parse(schema, value);
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(error.message, name);
    throw error;
  }
}

/** The request's JSON body; an empty body is `{}` when `emptyAs` says so. */
export async function jsonBody(c: Context, emptyAs?: unknown): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim() && emptyAs !== undefined) return emptyAs;
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('请求体不是有效的 JSON', 'body');
  }
}
