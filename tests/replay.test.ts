import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../functions/local/cli.ts';
import { sampleLedgerFolder } from './support/ledger.ts';

describe('npx duban replay', () => {
  it('replays July to September 2018 on the sample ledger and prints, per job, messages and recipients', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const progress: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), now: () => new Date('2018-07-01T00:00:00Z'), progress: (l: string) => progress.push(l) };
    // Nothing listens on ports 1 and 2: the CLI opens the data folder and an emulator of its own.
    const env = { DUBAN_DATA_DIR: mkdtempSync(join(tmpdir(), 'duban-replay-')), DUBAN_DYNAMODB_PORT: '1', DUBAN_SES_PORT: '2' };

    // The sample on email only: with no sandbox, its robots and SMTP have nowhere to land.
    expect(await runCli(['import', sampleLedgerFolder()], io, env)).toBe(0);
    expect(await runCli(['replay', '--from', '2018-07-01', '--to', '2018-09-30'], io, env)).toBe(0);
    expect(err).toEqual(['按当前时间 2018-07-01 08:00（北京时间）执行']); // the import's instant; the replay runs on its own virtual clock
    expect(progress.at(-2)).toMatch(/^\[#{30}\] 552\/552 2018-09-30 16:00 weekly-circular$/);

    const table = Object.fromEntries(
      out
        .filter((l) => /^[a-z-]+\s+\d/.test(l))
        .map((l) => {
          const [job, runs, ran, sent, recipients, failed] = l.trim().split(/\s+/);
          return [job, { runs: +runs!, ran: +ran!, sent: +sent!, recipients: +recipients!, failed: +failed! }];
        }),
    );
    expect(out).toContain('回放 2018-07-01 至 2018-09-30：共 552 次定时运行');
    // 13 working weeks from 07-02 to 09-30; every one of the 60 units has open tasks.
    expect(table['weekly-dispatch']).toEqual({ runs: 92, ran: 13, sent: 780, recipients: 60, failed: 0 });
    expect(table['weekly-circular']!.ran).toBe(13);
    expect(table['weekly-circular']!.recipients).toBe(68); // 60 units' liaisons and 8 leaders and office staff
    expect(table['chase']!.ran).toBe(13);
    expect(table['monthly-account']!.sent).toBeGreaterThan(0);
    expect(table['deadline-reminders']!.sent).toBeGreaterThan(0);

    // Replaying again sends nothing twice.
    out.length = 0;
    expect(await runCli(['replay', '--from', '2018-07-01', '--to', '2018-09-30'], io, env)).toBe(0);
    for (const line of out.filter((l) => /^[a-z-]+\s+\d/.test(l))) expect(line.trim().split(/\s+/)[3], line).toBe('0');
  }, 600_000);
});
