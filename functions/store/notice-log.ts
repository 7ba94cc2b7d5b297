/**
 * The outbox's record of notices on the single table. A notice is recorded (put-if-absent, keyed by
 * its deterministic id) before it is sent; a sender claims it with a conditional write, so two runs
 * at once never both send it; the outcome is written back by the claim's holder.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Notice, NoticeLog } from '../core/ports.ts';
import type { Item, TableClient } from './table-client.ts';

const key = (id: string) => ({ pk: `NOTICE#${id}`, sk: 'A' });
const runKey = (job: string, period: string) => `RUN#${job}#${period}`;
const FAILED = 'NOTICE#FAILED';
const SUPPRESSED = 'SUPPRESSED';

/**
 * The rendered message is kept gzipped: a unit that leads hundreds of tasks gets a dispatch whose
 * HTML (styles inlined for mail clients) would pass DynamoDB's 400 KB item limit; gzipped it is
 * a tenth of that.
 */
function toItem(notice: Notice): Item {
  const { html, text, ...rest } = notice;
  return {
    ...key(notice.id),
    gsi1pk: runKey(notice.job, notice.period),
    gsi1sk: notice.id,
    ...(notice.status === 'failed' ? { gsi3pk: FAILED, gsi3sk: `${notice.createdAt}#${notice.id}` } : {}),
    ...rest,
    body: gzipSync(JSON.stringify({ html, text })),
  };
}

function fromItem({ pk, sk, gsi1pk, gsi1sk, gsi3pk, gsi3sk, body, ...notice }: Item): Notice {
  const content = body ? (JSON.parse(gunzipSync(body as Uint8Array).toString('utf8')) as { html: string; text: string }) : {};
  return { ...notice, ...content } as unknown as Notice;
}

export class DynamoNoticeLog implements NoticeLog {
  constructor(private readonly table: TableClient) {}

  record(notice: Notice) {
    return this.table.putNew(toItem(notice));
  }

  async get(id: string) {
    const item = await this.table.get(key(id).pk, 'A');
    return item ? fromItem(item) : undefined;
  }

  async ofRun(job: string, period: string) {
    return (await this.table.query({ index: 'byCollection', partition: runKey(job, period) })).map(fromItem);
  }

  /** One conditional update: takes the claim and reads the notice, body included, without rewriting it. */
  async claim(id: string, by: string, now: Date, until: Date) {
    const item = await this.table.update(
      key(id).pk,
      'A',
      { set: { claimedBy: by, claimedUntil: until.toISOString() } },
      {
        expression: '#status = :pending AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now OR claimedBy = :by)',
        values: { ':pending': 'pending', ':now': now.toISOString(), ':by': by },
        names: { '#status': 'status' },
      },
    );
    return item ? fromItem(item) : undefined;
  }

  /** Writes the outcome in place (the body is not rewritten) and lets go of the claim. */
  async settle(notice: Notice) {
    const outcome: Record<string, unknown> = { status: notice.status, attempts: notice.attempts, sentAt: notice.sentAt, messageId: notice.messageId, error: notice.error };
    if (notice.status === 'failed') Object.assign(outcome, { gsi3pk: FAILED, gsi3sk: `${notice.createdAt}#${notice.id}` });
    const set = Object.fromEntries(Object.entries(outcome).filter(([, v]) => v !== undefined));
    const remove = ['claimedBy', 'claimedUntil', ...Object.keys(outcome).filter((k) => outcome[k] === undefined)];
    await this.table.update(key(notice.id).pk, 'A', { set, remove });
  }

  async failures() {
    return (await this.table.query({ index: 'byOpen', partition: FAILED })).map(fromItem);
  }

  async acknowledgeFailure(id: string) {
    const item = await this.table.get(key(id).pk, 'A');
    if (!item) return;
    const { gsi3pk, gsi3sk, ...rest } = item;
    await this.table.put({ ...rest, pk: item.pk, sk: item.sk, failureListedAt: true });
  }

  async isSuppressed(email: string) {
    return (await this.table.get(`SUPPRESS#${email.toLowerCase()}`, 'A')) !== undefined;
  }

  async suppress(email: string, reason: string, at: string) {
    // Listed in one collection too, so the circular can name every suppressed address to the office.
    await this.table.put({ pk: `SUPPRESS#${email.toLowerCase()}`, sk: 'A', gsi1pk: SUPPRESSED, gsi1sk: email.toLowerCase(), email, reason, at });
  }

  async suppressions() {
    return (await this.table.query({ index: 'byCollection', partition: SUPPRESSED })).map(({ email, reason, at }) => ({ email: String(email), reason: String(reason), at: String(at) }));
  }
}
