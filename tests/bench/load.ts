/**
 * The bench's load generator in a process of its own (forked by province.ts), so that neither the
 * app nor the store shares its CPU with the clients: `concurrency` clients send `total` requests
 * one after the other each, and the latencies are measured here.
 *
 * Over IPC it takes one job and answers with its result:
 * - `{ kind: 'submissions', base, targets: [{ code, token }], total, concurrency, from }`: report
 *   submissions over HTTP (node:http, kept-alive sockets), request i on target i mod targets, Idempotency-Key `bench-<from + i>`;
 * - `{ kind: 'put', endpoint, table, total, concurrency, from }`: a bare PutItem of a small item
 *   on the same store, with a client of its own built as the app builds its clients;
 * - `{ kind: 'conditional-put', … }`: the same client writing an item of a stored report's shape and
 *   index keys with the condition that makes a report's write its idempotency check.
 */
import '../../functions/local/quiet-sdk.ts';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { Agent, request as httpRequest } from 'node:http';
import { dynamoClientOptions } from '../../functions/wiring/common.ts';

export type LoadJob =
  | { kind: 'submissions'; base: string; targets: { code: string; token: string }[]; total: number; concurrency: number; from: number }
  | { kind: 'put' | 'conditional-put'; endpoint: string; table: string; total: number; concurrency: number; from: number };

export interface LoadResult {
  requests: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU the load generator spent on the run (user + system), per request. */
  cpuMsPerRequest: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function load(total: number, concurrency: number, one: (i: number) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await one(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  return { requests: total, concurrency, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(total / seconds), p50Ms: Number(percentile(latencies, 50).toFixed(1)), p99Ms: Number(percentile(latencies, 99).toFixed(1)), cpuMsPerRequest: Number(((used.user + used.system) / 1000 / total).toFixed(3)) };
}

async function run(job: LoadJob): Promise<LoadResult> {
  if (job.kind === 'submissions') {
    // node:http on kept-alive sockets: fetch (undici) spends about four times its CPU per request,
    // and on a 2-core machine the load generator's CPU is taken from the app's.
    const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
    try {
      return await load(job.total, job.concurrency, (i) => {
        const t = job.targets[i % job.targets.length]!;
        const n = job.from + i;
        const body = JSON.stringify({ summary: `压测报送 ${n}：完成现场核查`, percent: 50 });
        return new Promise<void>((ok, fail) => {
          const request = httpRequest(`${job.base}/api/tasks/${encodeURIComponent(t.code)}/progress`, {
            method: 'POST',
            agent,
            headers: { Authorization: `Bearer ${t.token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Idempotency-Key': `bench-${n}` },
          });
          request.on('response', (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => (response.statusCode === 201 ? ok() : fail(new Error(`submission ${n}: ${response.statusCode} ${Buffer.concat(chunks)}`))));
          });
          request.on('error', fail);
          request.end(body);
        });
      });
    } finally {
      agent.destroy();
    }
  }
  // Built as the app builds its clients (functions/wiring/common.ts).
  const client = new DynamoDBClient({ region: 'cn-north-1', endpoint: job.endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 10, ...dynamoClientOptions });
  const item = (n: number) =>
    job.kind === 'put'
      ? { pk: `BENCH#${n}`, sk: 'A', summary: `压测 ${n}`, at: new Date(0).toISOString() }
      : // the shape of a stored report: its task's partition, the period's index keys, the same fields
        { pk: `BENCH#TASK#${n % 400}`, sk: `REPORT#2018-W30#${n}`, gsi1pk: 'BENCH#REPORTS#2018-W30', gsi1sk: `2018-W30#${new Date(0).toISOString()}#${n}`, id: String(n).padStart(32, '0'), code: `BENCH-${n % 400}`, unit: '压测单位', period: '2018-W30', summary: `压测报送 ${n}：完成现场核查`, percent: 50, evidence: [], by: '压测单位', at: new Date(0).toISOString() };
  try {
    return await load(job.total, job.concurrency, async (i) => {
      const n = job.from + i;
      await client.send(new PutItemCommand({ TableName: job.table, Item: marshall(item(n)), ...(job.kind === 'conditional-put' ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}) }));
    });
  } finally {
    client.destroy();
  }
}

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send!({ result }),
    (error: Error) => process.send!({ error: error.message }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
