/** `npx duban token <unit> | --office <name>`: issues an API token and prints it once (only its hash is kept). */
import { parseArgs } from 'node:util';
import { issueToken } from '../../http/auth.ts';
import { withSession } from './session.ts';
import type { Verb } from './verb.ts';

export const tokenVerb: Verb = {
  name: 'token',
  usage: '  token <单位名称> | token --office <姓名>      发放访问令牌（只显示这一次，系统只保存其摘要）',
  async run(args, io, env) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { office: { type: 'string' } } });
    const unit = positionals[0];
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
