/**
 * A request body limit that trusts a declared Content-Length, as the HTTP parser does (it reads
 * exactly that many bytes and no more), and counts the bytes only of a body sent without one.
 *
 * hono's own limit asks for the request's body stream before it looks at the length; under
 * @hono/node-server that turns the light Node request into a full web Request with a web stream,
 * which costs more CPU than the rest of a report submission. Here the body is left alone until the
 * route reads it.
 */
import type { Context, MiddlewareHandler, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';

export function declaredBodyLimit(options: { maxSize: number; onError: (c: Context) => Response | Promise<Response> }): MiddlewareHandler {
  const counted = bodyLimit(options);
  return async (c: Context, next: Next) => {
    const declared = c.req.header('Content-Length');
    if (declared !== undefined && c.req.header('Transfer-Encoding') === undefined && /^\d{1,15}$/.test(declared)) {
      if (Number(declared) > options.maxSize) return options.onError(c);
      await next();
      return;
    }
    return counted(c, next);
  };
}
