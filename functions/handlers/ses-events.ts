/**
 * Lambda entry for SES bounce and complaint notifications (through SNS): a permanent bounce or a
 * complaint puts the address on the suppression list, which the outbox checks before every send.
 */
import * as z from 'zod';
import { buildBaseDeps } from '../wiring/common.ts';

const deps = buildBaseDeps();

const notification = z.object({
  notificationType: z.string().optional(),
  eventType: z.string().optional(),
  bounce: z.object({ bounceType: z.string(), bouncedRecipients: z.array(z.object({ emailAddress: z.string() })) }).optional(),
  complaint: z.object({ complainedRecipients: z.array(z.object({ emailAddress: z.string() })) }).optional(),
  mail: z.object({ timestamp: z.string().optional() }).optional(),
});

const snsEvent = z.object({ Records: z.array(z.object({ Sns: z.object({ Message: z.string(), Timestamp: z.string() }) })) });

export async function handler(event: unknown) {
  let suppressed = 0;
  for (const record of snsEvent.parse(event).Records) {
    const message = notification.parse(JSON.parse(record.Sns.Message));
    const type = message.eventType ?? message.notificationType;
    const addresses =
      type === 'Bounce' && message.bounce?.bounceType === 'Permanent'
        ? message.bounce.bouncedRecipients.map((r) => r.emailAddress)
        : type === 'Complaint'
          ? (message.complaint?.complainedRecipients ?? []).map((r) => r.emailAddress)
          : [];
    for (const address of addresses) {
      await deps.store.notices.suppress(address, type === 'Bounce' ? '永久退信' : '收件人投诉', record.Sns.Timestamp);
      suppressed++;
    }
  }
  console.log(JSON.stringify({ level: 'info', msg: 'ses events', suppressed }));
  return { suppressed };
}
