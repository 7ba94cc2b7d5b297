/**
 * `npx duban token <unit> | --office <name>`: issues an API token and prints it once (only its hash
 * is kept). `token --revoke <token | unit> [--by <office person>] [--reason text]`: takes back one
 * token, or every token and email link of a unit (new ones issued afterwards work).
 */
import { parseArgs } from 'node:util';
import { revokeUnitCredentials } from '../../core/access.ts';
import type { Store } from '../../core/ports.ts';
import { hashToken, issueToken } from '../../http/auth.ts';
import { describeInstant, withSession } from './session.ts';
import type { CliIo, Verb } from './verb.ts';

export const tokenVerb: Verb = {
  name: 'token',
  usage: `  token <单位名称> | token --office <姓名>      发放访问令牌（只显示这一次，系统只保存其摘要）
  token --revoke <令牌 | 单位名称> [--by <整改办人员>] [--reason 原因]
                                            收回一个令牌，或收回某单位的全部令牌和邮件链接`,
  async run(args, io, env) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { office: { type: 'string' }, revoke: { type: 'string' }, by: { type: 'string' }, reason: { type: 'string' } },
    });
    const unit = positionals[0];
    if (values.revoke !== undefined) {
      const target = values.revoke.trim();
      if (!target) {
        io.err('请指定要收回的令牌或单位：npx duban token --revoke <令牌 | 单位名称>');
        return 2;
      }
      return withSession(io, env, { announce: true }, ({ deps: { store }, at }) => revoke(store, target, values.by, values.reason, at, io));
    }
    if (!unit && !values.office) {
      io.err('请指定单位：npx duban token 市环保局，或整改办人员：npx duban token --office 刘芳');
      return 2;
    }
    return withSession(io, env, { announce: true }, async ({ deps: { store }, at }) => {
      if (values.office) {
        const person = await store.people.get(values.office);
        if (!person?.roles.includes('整改办')) {
          io.err(`错误：“${values.office}”不是“领导与联系人”表中角色为整改办的人员`);
          return 1;
        }
        io.out(await issueToken(store, { kind: 'office', name: person.name }, at));
      } else {
        if (!(await store.units.get(unit!))) {
          io.err(`错误：台账中没有名为“${unit}”的责任单位`);
          return 1;
        }
        io.out(await issueToken(store, { kind: 'unit', unit: unit! }, at));
      }
      io.err('请妥善保管此令牌：它只显示这一次。');
      return 0;
    });
  },
};

/** A unit's name takes back all its credentials; anything else is read as one token (only its hash is kept, so it must be whole). */
async function revoke(store: Store, target: string, by: string | undefined, reason: string | undefined, at: Date, io: CliIo): Promise<number> {
  if (by !== undefined && !(await store.people.get(by))?.roles.includes('整改办')) {
    io.err(`错误：--by “${by}”不是“领导与联系人”表中角色为整改办的人员`);
    return 1;
  }
  const office = { kind: 'office' as const, name: by ?? 'cli' };
  if (await store.units.get(target)) {
    const revoked = await revokeUnitCredentials(store, target, reason, office, at);
    io.out(`已收回“${target}”的全部令牌（${revoked.revokedTokens} 个）和邮件链接：${describeInstant(at)}之前发放的一律失效，此后新发的有效。`);
    return 0;
  }
  if (await store.revokeToken(hashToken(target), at.toISOString())) {
    io.out('已收回该令牌：它不能再调用接口。');
    return 0;
  }
  io.err(`错误：没有找到名为“${target}”的单位，也没有找到这个令牌（或它已被收回）；令牌须完整粘贴，系统只保存其摘要`);
  return 1;
}
