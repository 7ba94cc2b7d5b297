/**
 * The outbox on real parts (dynalite, the SES emulator): a circular's body is stored once however
 * many recipients share it, each recipient still reads their own name and why-line, two runs at once
 * send each message once, and the store's work per notice stays within its bounds.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { runJob } from '../functions/core/cadence/jobs.ts';
import type { Notice } from '../functions/core/ports.ts';
import { instantAt } from '../functions/core/time.ts';
import type { DynamoStore } from '../functions/store/dynamo-store.ts';
import { sendRate } from '../functions/notify/send-rate.ts';
import { countStore } from './bench/store-ratios.ts';
import { useCadenceBench } from './support/cadence.ts';

const bench = useCadenceBench();
const friday = instantAt('2018-07-13', '16:00');

/** Every item of the table whose key starts with `prefix` (a test may scan; the product never does). */
async function itemsStartingWith(store: DynamoStore, prefix: string) {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, any> | undefined;
  do {
    const out = await bench.dynamo.send(new ScanCommand({ TableName: store.tableName, ExclusiveStartKey: start }));
    for (const raw of out.Items ?? []) {
      const item = unmarshall(raw);
      if (String(item.pk).startsWith(prefix)) items.push(item);
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

describe('the outbox', () => {
  it('stores the circular’s body once for all the liaisons who get the same content, and each reads their own name and why-line', async () => {
    const { store, deps } = await bench.setup();
    const result = await runJob('weekly-circular', friday, deps);
    const notices = await store.notices.ofRun('weekly-circular', result.period);
    const units = await store.units.list();
    expect(notices.length).toBeGreaterThanOrEqual(units.length);
    expect(result.delivery).toMatchObject({ sent: notices.length, failed: 0, deferred: 0 });

    // Liaisons, leaders and the office read different content (the office sees what was not
    // delivered, leaders get the workbook): a handful of bodies for every notice of the run.
    const bodies = await itemsStartingWith(store, 'BODY#');
    const liaisons = notices.filter((n) => n.to.role === '联络员');
    expect(new Set(liaisons.map((n) => n.bodyRef)).size).toBe(1);
    expect(bodies.length).toBe(new Set(notices.map((n) => n.bodyRef)).size);
    expect(bodies.length).toBeLessThanOrEqual(4);

    const mails = await bench.mail();
    expect(mails).toHaveLength(notices.length);
    for (const unit of units) {
      const mail = mails.find((m) => m.destination.to[0] === unit.liaison.email.toLowerCase() || m.destination.to[0] === unit.liaison.email)!;
      expect(mail.body.text, unit.name).toContain(`您收到此邮件，是因为您是${unit.name}的督察整改联络员；周通报发送至各责任单位。`);
      expect(mail.body.html, unit.name).toContain(`${unit.name}的督察整改联络员`);
      expect(`${mail.body.html}${mail.body.text}`, unit.name).not.toContain('\u2063');
    }
    // The stored notice, read back whole, is what its recipient got.
    const one = notices.find((n) => n.to.role === '联络员')!;
    expect(one.text).toContain(`您是${one.to.unit}的督察整改联络员`);
  });

  it('sends each message once when the same circular runs twice at once, and not again when run after', async () => {
    const { store, depsWith } = await bench.setup();
    const [a, b] = await Promise.all([runJob('weekly-circular', friday, depsWith({ sender: 'run-a' })), runJob('weekly-circular', friday, depsWith({ sender: 'run-b' }))]);
    const notices = await store.notices.ofRun('weekly-circular', a.period);
    const mails = await bench.mail();
    const received = new Map<string, number>();
    for (const m of mails) received.set(m.destination.to[0]!, (received.get(m.destination.to[0]!) ?? 0) + 1);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    expect(received.size).toBe(notices.length);
    expect(a.delivery!.sent + b.delivery!.sent).toBe(notices.length);
    for (const n of notices) expect(n.status, n.to.email).toBe('sent');

    const again = await runJob('weekly-circular', friday, depsWith({ sender: 'run-c' }));
    expect(again.delivery).toMatchObject({ sent: 0, alreadySent: notices.length });
    expect(await bench.mail()).toHaveLength(notices.length);
  });

  it('asks the store at most 0.3 times and writes at most 5 units per notice of a circular', async () => {
    // A mailer that answers at once, as the bench's: what is counted is the store's work, not SES's pace.
    let sent = 0;
    const { store, deps } = await bench.setup({ mailer: () => ({ send: async () => ({ messageId: `m-${++sent}` }) }) });
    const counter = countStore(bench.dynamo);
    let result;
    try {
      result = await runJob('weekly-circular', friday, deps);
    } finally {
      counter.detach();
    }
    const counts = counter.take();
    const notices = result.delivery!.sent;
    expect(notices).toBeGreaterThan(60);
    expect(sent).toBe(notices);
    expect(counts.outboxRequests / notices, JSON.stringify(counts)).toBeLessThanOrEqual(0.3);
    expect(counts.outboxWriteUnits / notices).toBeLessThanOrEqual(5);
    expect((await store.notices.ofRun('weekly-circular', result.period)).every((n: Notice) => n.status === 'sent')).toBe(true);
  });
});

describe('the send rate', () => {
  it('is the one set; else, on AWS, the SES quota’s rate, asked once; else 10 a second', async () => {
    expect(sendRate(25, undefined)).toBe(25);
    expect(sendRate(undefined, undefined)).toBe(10);
    // SES's quota cannot be asked of the emulator: a stand-in answers GetSendQuota as SES does.
    let asked = 0;
    const ses = { send: async () => (asked++, { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 0 }) } as never;
    const rate = sendRate(undefined, ses);
    expect(typeof rate).toBe('function');
    expect(await (rate as () => Promise<number>)()).toBe(14);
    expect(await (rate as () => Promise<number>)()).toBe(14);
    expect(asked).toBe(1);
    const refused = sendRate(undefined, { send: async () => Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDenied' })) } as never);
    expect(await (refused as () => Promise<number>)()).toBe(1);
  });
});
