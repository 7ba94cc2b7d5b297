/**
 * The first office account of a deployment. Input: a name and an email (from `cdk deploy -c
 * adminEmail=… -c adminName=…`) and the instant. Output: that person is in 领导与联系人 with the
 * 整改办 role, so they can sign in to the console and upload the workbook. Idempotent: a person of
 * that name already there keeps everything and gains the role and the address if missing.
 */
import type { ChangeEvent, Store } from './ports.ts';

export interface OfficeAdmin {
  name: string;
  email: string;
}

export async function ensureOfficeAdmin(store: Pick<Store, 'people'>, admin: OfficeAdmin, at: Date): Promise<'created' | 'updated' | 'unchanged'> {
  const event: ChangeEvent = { type: 'person.bootstrap', by: 'deploy', at: at.toISOString(), detail: { role: '整改办' } };
  const known = await store.people.get(admin.name);
  if (!known) {
    await store.people.create({ name: admin.name, title: '系统管理员', email: admin.email, roles: ['整改办'] }, event);
    return 'created';
  }
  const { version, createdAt, updatedAt, ...person } = known;
  if (person.roles.includes('整改办') && person.email.toLowerCase() === admin.email.toLowerCase()) return 'unchanged';
  await store.people.update(admin.name, version, { ...person, email: admin.email, roles: [...new Set([...person.roles, '整改办' as const])] }, event);
  return 'updated';
}
