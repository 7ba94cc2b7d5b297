/**
 * The bench's HTTP app in a process of its own (forked by province.ts): the real app on the
 * bench's dynalite table, its clock fixed at the measured week. It counts the DynamoDB calls and
 * the capacity dynalite reports for them; the parent asks for the counts over IPC.
 *
 *   env BENCH_DYNAMODB, BENCH_TABLE, BENCH_SECRET, BENCH_CLOCK (ISO instant), BENCH_REPORTS (a folder)
 *   → sends { listening: port }; answers { counts: true } with the counts and the CPU it spent (cpuMs) since the last answer;
 *     { counting: false } stops counting at the client (and asking for capacity), for timed runs.
 */
import '../../functions/local/quiet-sdk.ts';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { defaultCalendar } from '../../functions/core/calendar-data.ts';
import { cadenceConfig } from '../../functions/core/cadence/config.ts';
import { createApp } from '../../functions/http/app.ts';
import { ArchivePublisher } from '../../functions/reports/publish.ts';
import { DynamoStore } from '../../functions/store/dynamo-store.ts';
import { FolderArchive } from '../../functions/store/folder-archive.ts';
import { capacityCountingClient } from './capacity.ts';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const { client, take, count } = capacityCountingClient(env('BENCH_DYNAMODB'));
const store = new DynamoStore(client, env('BENCH_TABLE'));
const at = new Date(env('BENCH_CLOCK'));
const calendar = defaultCalendar();
const app = createApp({
  store,
  clock: () => at,
  calendar: async () => calendar,
  cadence: cadenceConfig(undefined),
  linkSecret: async () => env('BENCH_SECRET'),
  reports: new ArchivePublisher(new FolderArchive(env('BENCH_REPORTS'))),
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
  process.send!({ listening: (server.address() as AddressInfo).port });
});
let cpu = process.cpuUsage();
process.on('message', (message: { counts?: boolean; counting?: boolean }) => {
  if (message.counting !== undefined) {
    count(message.counting);
    process.send!({ counting: message.counting });
    return;
  }
  if (!message.counts) return;
  const used = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  process.send!({ counts: { ...take(), cpuMs: (used.user + used.system) / 1000 } });
});
process.on('disconnect', () => {
  server.close();
  client.destroy();
  process.exit(0);
});
