/**
 * Lambda entry for the deployment's custom resource (CloudFormation, through the CDK Provider):
 * on Create and Update it makes sure the office admin named at deploy time is in the ledger with
 * the 整改办 role (functions/core/office-admin.ts); on Delete it leaves the table alone (it is
 * retained with everything in it).
 */
import * as z from 'zod';
import { ensureOfficeAdmin } from '../core/office-admin.ts';
import { buildBaseDeps } from '../wiring/common.ts';

const deps = buildBaseDeps();

const eventSchema = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  PhysicalResourceId: z.string().optional(),
  ResourceProperties: z.object({ AdminName: z.string().min(1), AdminEmail: z.string().email() }),
});

export async function handler(event: unknown) {
  const { RequestType, PhysicalResourceId, ResourceProperties: admin } = eventSchema.parse(event);
  if (RequestType === 'Delete') return { PhysicalResourceId };
  const outcome = await ensureOfficeAdmin(deps.store, { name: admin.AdminName, email: admin.AdminEmail }, new Date());
  console.log(JSON.stringify({ level: 'info', msg: 'office admin ensured', outcome }));
  return { PhysicalResourceId: `office-admin:${admin.AdminName}` };
}
