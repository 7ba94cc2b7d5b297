/**
 * The outbox's record of notices on the single table, in four kinds of item:
 *
 * - the body (`BODY#<hash of its content>`): the rendered HTML and text, gzipped, stored once however
 *   many notices use it (a circular to a thousand liaisons keeps one body; each notice fills in its
 *   recipient's name and why-line when it is sent);
 * - the header (`NOTICE#<id>`, `A`): who, the subject, the kind, the body's address and its fills;
 *   written in batches as a job renders, never changed after (a rerun that writes it again writes the
 *   same thing);
 * - the outcome (`NOTICE#<id>`, `OUTCOME`): sent, failed, suppressed, or still pending after
 *   throttling, written in batches by the sender holding the run; a notice without one is pending.
 *   It is read by key (no index of its own to write), and a failed one is listed in byOpen;
 * - the run's lease (`LEASE#<job>#<period>`): taken by one conditional write, so two runs of the same
 *   job and period never send at once; it lapses if its holder dies.
 *
 * Notices recorded before bodies were shared keep their body and state on the header; they are read
 * the same way.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { bodyRef, filled } from '../core/notice-body.ts';
import type { Notice, NoticeLog } from '../core/ports.ts';
import { batchGet, batchPut } from './table-batch.ts';
import type { Item, TableClient } from './table-client.ts';

const HEADER = 'A';
const OUTCOME = 'OUTCOME';
const noticePk = (id: string) => `NOTICE#${id}`;
const bodyKey = (ref: string) => ({ pk: `BODY#${ref}`, sk: 'A' });
const leaseKey = (job: string, period: string) => ({ pk: `LEASE#${job}#${period}`, sk: 'A' });
const runKey = (job: string, period: string) => `RUN#${job}#${period}`;
const FAILED = 'NOTICE#FAILED';
const SUPPRESSED = 'SUPPRESSED';
const OUTCOME_FIELDS = ['status', 'attempts', 'sentAt', 'messageId', 'error'] as const;

/**
 * The rendered message is kept gzipped: a unit that leads hundreds of tasks gets a dispatch whose
 * HTML (styles inlined for mail clients) would pass DynamoDB's 400 KB item limit; gzipped it is
 * a tenth of that.
 */
const pack = (body: { html: string; text: string }) => gzipSync(JSON.stringify(body));
const unpack = (body: unknown) => JSON.parse(gunzipSync(body as Uint8Array).toString('utf8')) as { html: string; text: string };

function headerItem(notice: Notice, ref: string): Item {
  const { html, text, claimedBy, claimedUntil, ...rest } = notice;
  return { pk: noticePk(notice.id), sk: HEADER, gsi1pk: runKey(notice.job, notice.period), gsi1sk: notice.id, ...rest, status: 'pending', attempts: 0, bodyRef: ref };
}

function outcomeItem(notice: Notice): Item {
  const { html, text, claimedBy, claimedUntil, ...rest } = notice;
  return {
    pk: noticePk(notice.id),
    sk: OUTCOME,
    ...(notice.status === 'failed' ? { gsi3pk: FAILED, gsi3sk: `${notice.createdAt}#${notice.id}` } : {}),
    ...rest,
  };
}

/** A notice from its header and outcome (either may be missing), without its body. */
function headerOf(header: Item | undefined, outcome: Item | undefined): Notice {
  const { pk, sk, gsi1pk, gsi1sk, gsi3pk, gsi3sk, body, ...notice } = { ...header, ...outcome } as Item;
  if (header && outcome) for (const field of OUTCOME_FIELDS) if (!(field in outcome)) delete notice[field];
  return { html: '', text: '', ...notice } as unknown as Notice;
}

/** Headers and outcomes grouped by notice id, in the order first seen. */
function merge(items: Item[]): Notice[] {
  const byId = new Map<string, { header?: Item; outcome?: Item }>();
  for (const item of items) {
    const id = (item.pk as string).slice('NOTICE#'.length);
    const entry = byId.get(id) ?? {};
    if (item.sk === OUTCOME) entry.outcome = item;
    else entry.header = item;
    byId.set(id, entry);
  }
  return [...byId.values()].map(({ header, outcome }) => ({ ...headerOf(header, outcome), ...(header?.body ? { legacyBody: header.body } : {}) }) as Notice);
}

export class DynamoNoticeLog implements NoticeLog {
  /** Bodies this process has stored (or found stored), so that a run writes each once. */
  private readonly storedBodies = new Set<string>();

  constructor(private readonly table: TableClient) {}

  /** Records one notice unless its id is taken (one conditional write, and its body if new). */
  async record(notice: Notice) {
    const ref = bodyRef(notice);
    await this.storeBodies([{ ref, body: notice }]);
    return this.table.putNew(headerItem(notice, ref));
  }

  async recordAll(notices: Notice[]) {
    const refs = notices.map((n) => bodyRef(n));
    await this.storeBodies(notices.map((n, i) => ({ ref: refs[i]!, body: n })));
    await batchPut(this.table, notices.map((n, i) => headerItem(n, refs[i]!)));
  }

  private async storeBodies(bodies: { ref: string; body: { html: string; text: string } }[]) {
    const fresh = new Map<string, { html: string; text: string }>();
    for (const { ref, body } of bodies) if (!this.storedBodies.has(ref)) fresh.set(ref, { html: body.html, text: body.text });
    if (!fresh.size) return;
    await batchPut(this.table, [...fresh].map(([ref, body]) => ({ ...bodyKey(ref), body: pack(body) })));
    if (this.storedBodies.size > 10_000) this.storedBodies.clear();
    for (const ref of fresh.keys()) this.storedBodies.add(ref);
  }

  async get(id: string) {
    const items = await this.table.query({ partition: noticePk(id) });
    const notice = merge(items.filter((i) => i.sk === HEADER || i.sk === OUTCOME))[0];
    return notice ? (await this.withBodies([notice]))[0] : undefined;
  }

  async ofRun(job: string, period: string, options: { bodies?: boolean } = {}) {
    const headers = await this.table.query({ index: 'byCollection', partition: runKey(job, period) });
    const outcomes = await batchGet(this.table, headers.map((h) => ({ pk: h.pk, sk: OUTCOME })));
    const notices = merge([...headers, ...outcomes]);
    if (options.bodies === false) return notices.map(withoutLegacyBody);
    return this.withBodies(notices);
  }

  async takeRun(job: string, period: string, by: string, now: Date, until: Date) {
    const { pk, sk } = leaseKey(job, period);
    const taken = await this.table.update(
      pk,
      sk,
      { set: { claimedBy: by, claimedUntil: until.toISOString() } },
      {
        expression: 'attribute_not_exists(claimedUntil) OR claimedUntil < :now OR claimedBy = :by',
        values: { ':now': now.toISOString(), ':by': by },
      },
    );
    return taken !== undefined;
  }

  async releaseRun(job: string, period: string, by: string) {
    const { pk, sk } = leaseKey(job, period);
    await this.table.update(pk, sk, { set: {}, remove: ['claimedBy', 'claimedUntil'] }, { expression: 'claimedBy = :by', values: { ':by': by } });
  }

  /** Outcomes only: a notice without one is as its header says (pending, or sent before outcomes were kept apart). */
  async states(ids: string[]) {
    const items = await batchGet(this.table, ids.map((id) => ({ pk: noticePk(id), sk: OUTCOME })));
    return new Map(items.map((item) => [item.id as string, merge([item])[0]!]));
  }

  async withBodies(notices: Notice[]) {
    const refs = [...new Set(notices.map((n) => n.bodyRef).filter((r): r is string => !!r))];
    const bodies = new Map((await batchGet(this.table, refs.map(bodyKey))).map((item) => [(item.pk as string).slice('BODY#'.length), unpack(item.body)]));
    // Notices recorded before bodies were shared carry their own.
    const legacy = notices.filter((n) => !n.bodyRef && !(n as LegacyNotice).legacyBody);
    const legacyItems = new Map((await batchGet(this.table, legacy.map((n) => ({ pk: noticePk(n.id), sk: HEADER })), { attributes: ['pk', 'body'] })).map((i) => [(i.pk as string).slice('NOTICE#'.length), i.body]));
    return notices.map((n) => {
      const packed = (n as LegacyNotice).legacyBody ?? legacyItems.get(n.id);
      const body = n.bodyRef ? bodies.get(n.bodyRef) : packed ? unpack(packed) : undefined;
      // A shared body is written before its notices: missing, it is a fault of the store, and the
      // run stops (the next sends it) rather than mail an empty message.
      if (n.bodyRef && !body) throw new Error(`notice ${n.id}: body ${n.bodyRef} not found`);
      if (!body) return withoutLegacyBody(n);
      return { ...withoutLegacyBody(n), ...filled(body, n.fills) };
    });
  }

  async settleAll(notices: Notice[]) {
    await batchPut(this.table, notices.map(outcomeItem));
  }

  settle(notice: Notice) {
    return this.settleAll([notice]);
  }

  async failures() {
    return (await this.table.query({ index: 'byOpen', partition: FAILED })).map((item) => merge([item])[0]!).map(withoutLegacyBody);
  }

  async acknowledgeFailure(id: string) {
    for (const item of await this.table.query({ partition: noticePk(id) })) {
      if (item.gsi3pk !== FAILED) continue;
      const { gsi3pk, gsi3sk, ...rest } = item;
      await this.table.put({ ...rest, pk: item.pk, sk: item.sk, failureListedAt: true });
    }
  }

  async isSuppressed(email: string) {
    return (await this.table.get(`SUPPRESS#${email.toLowerCase()}`, 'A')) !== undefined;
  }

  async suppressedAmong(emails: string[]) {
    const items = await batchGet(this.table, emails.map((e) => ({ pk: `SUPPRESS#${e.toLowerCase()}`, sk: 'A' })), { attributes: ['pk'] });
    return new Set(items.map((i) => (i.pk as string).slice('SUPPRESS#'.length)));
  }

  async suppress(email: string, reason: string, at: string) {
    // Listed in one collection too, so the circular can name every suppressed address to the office.
    await this.table.put({ pk: `SUPPRESS#${email.toLowerCase()}`, sk: 'A', gsi1pk: SUPPRESSED, gsi1sk: email.toLowerCase(), email, reason, at });
  }

  async suppressions() {
    return (await this.table.query({ index: 'byCollection', partition: SUPPRESSED })).map(({ email, reason, at }) => ({ email: String(email), reason: String(reason), at: String(at) }));
  }
}

type LegacyNotice = Notice & { legacyBody?: unknown };

function withoutLegacyBody(notice: Notice): Notice {
  const { legacyBody, ...rest } = notice as LegacyNotice;
  return rest;
}
