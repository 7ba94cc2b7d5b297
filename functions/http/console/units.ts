/**
 * 单位与联系人: each unit with its liaison, head and reporting link (signed now, to copy); the
 * office issues a token (shown once), revokes every token and link of a unit, or deactivates it.
 * The same use cases as `POST /api/units/{name}/revoke` and `/deactivate` and `npx duban token`.
 */
import type { Context, Hono } from 'hono';
import { deactivateUnit, revokeUnitCredentials } from '../../core/access.ts';
import { isActiveUnit } from '../../core/ledger.ts';
import { signLink } from '../../core/signed-link.ts';
import { issueToken } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { pathParam } from '../params.ts';
import { formOf, officeOf, textField, type ConsoleEnv } from '../session.ts';
import { consolePage, officeOnly, refusal } from './office.ts';

export function unitSection(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  const page = async (c: Context<ConsoleEnv>, extra: { notice?: string; error?: string; token?: { unit: string; value: string } } = {}, status: 200 | 400 | 404 | 409 = 200) => {
    const at = deps.clock();
    const secret = await deps.linkSecret();
    const base = (deps.console?.appUrl ?? new URL(c.req.url).origin).replace(/\/$/, '');
    const [units, people] = await Promise.all([deps.store.units.list(), deps.store.people.list()]);
    const rows = units
      .sort((a, b) => a.name.localeCompare(b.name, 'zh'))
      .map((u) => ({
        name: u.name,
        type: u.type,
        liaison: u.liaison,
        head: u.head,
        active: isActiveUnit(u),
        status: u.deactivated ? `已停用：${u.deactivated.reason}` : u.active === false ? '已不在台账中' : '',
        revokedSince: u.credentialsValidFrom ?? '',
        link: isActiveUnit(u) ? `${base}/report?${signLink(secret, u.name, 'report', at)}` : '',
      }));
    const byPerson = new Map<string, { name: string; title: string; email: string; roles: string[] }>();
    for (const p of people) {
      const known = byPerson.get(p.email) ?? { name: p.name, title: p.title, email: p.email, roles: [] };
      known.roles.push(...p.roles.filter((r) => !known.roles.includes(r)));
      byPerson.set(p.email, known);
    }
    return consolePage(c, '/units', 'console-units', '单位与联系人', { units: rows, people: [...byPerson.values()], ...extra }, status);
  };

  app.get('/units', async (c) => {
    officeOnly(c);
    return page(c);
  });

  app.post('/units/:name/:action', async (c) => {
    const principal = officeOf(c, '管理单位的令牌和链接');
    const name = pathParam(c, 'name', '单位名称', 200);
    const action = pathParam(c, 'action', '操作', 20);
    const form = await formOf(c);
    const at = deps.clock();
    try {
      if (action === 'token') {
        const value = await issueToken(deps.store, { kind: 'unit', unit: name }, at);
        return page(c, { token: { unit: name, value }, notice: `已为${name}发放新令牌。令牌只显示这一次，请立即复制交给该单位联络员。` });
      }
      if (action === 'revoke') {
        const result = await revokeUnitCredentials(deps.store, name, textField(form, 'reason') || undefined, principal, at);
        return page(c, { notice: `已收回${name}的 ${result.revokedTokens} 个令牌和此前发出的全部邮件链接。` });
      }
      if (action === 'deactivate') {
        await deactivateUnit(deps.store, name, textField(form, 'reason'), principal, at);
        return page(c, { notice: `已停用${name}：不再向其发送通知，其令牌和链接均已失效。` });
      }
    } catch (error) {
      const { status, message } = refusal(error);
      return page(c, { error: message }, status as 400);
    }
    return page(c, { error: `不认识的操作“${action}”` }, 404);
  });
}
