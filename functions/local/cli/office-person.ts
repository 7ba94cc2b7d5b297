/** The office person a deciding verb acts as (`--by <姓名>`): someone of 领导与联系人 with the role 整改办. */
import type { Principal, Store } from '../../core/ports.ts';
import type { CliIo } from './verb.ts';

/** The person as a principal, or undefined (the reason printed) when --by is missing or names no office person. */
export async function officePrincipal(store: Store, by: string | undefined, io: CliIo, role = '决定人'): Promise<Extract<Principal, { kind: 'office' }> | undefined> {
  const person = by ? await store.people.get(by) : undefined;
  if (person?.roles.includes('整改办')) return { kind: 'office', name: person.name };
  io.err(by ? `“${by}”不是整改办人员：--by 应为“领导与联系人”表中角色为整改办的人员` : `请用 --by 指明${role}（“领导与联系人”表中角色为整改办的人员）`);
  return undefined;
}
