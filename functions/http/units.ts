/**
 * The office's hold on units' credentials: revoke one token, revoke every token and email link of
 * a unit, deactivate a unit (no more mail; none of its tokens or links opens anything).
 */
import type { Hono, MiddlewareHandler } from 'hono';
import { deactivateUnit, revokeUnitCredentials } from '../core/access.ts';
import { NotFoundError } from '../core/errors.ts';
import type { Principal, Store } from '../core/ports.ts';
import { ForbiddenError } from '../core/reporting.ts';
import { hashToken } from './auth.ts';
import { jsonBody, pathParam } from './params.ts';
import { deactivateBody, parse, revokeBody, tokenRevokeBody } from './schemas.ts';

export function unitAccessRoutes(app: Hono<{ Variables: { principal: Principal } }>, deps: { store: Store; clock: () => Date }, limit: MiddlewareHandler) {
  app.post('/api/units/:name/revoke', limit, async (c) => {
    const name = pathParam(c, 'name', '单位名称', 200);
    const body = parse(revokeBody, await jsonBody(c, {}));
    return c.json(await revokeUnitCredentials(deps.store, name, body.reason, c.get('principal'), deps.clock()));
  });

  app.post('/api/units/:name/deactivate', limit, async (c) => {
    const name = pathParam(c, 'name', '单位名称', 200);
    const body = parse(deactivateBody, await jsonBody(c));
    return c.json(await deactivateUnit(deps.store, name, body.reason, c.get('principal'), deps.clock()));
  });

  app.post('/api/tokens/revoke', limit, async (c) => {
    if (c.get('principal').kind !== 'office') throw new ForbiddenError('只有整改办可以收回令牌');
    const { token } = parse(tokenRevokeBody, await jsonBody(c));
    const at = deps.clock().toISOString();
    if (!(await deps.store.revokeToken(hashToken(token), at))) throw new NotFoundError('没有找到这个令牌，或它已被收回');
    return c.json({ revoked: true, at });
  });
}
