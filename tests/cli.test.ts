import { signInToSandbox } from './support/console.ts';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashToken } from '../functions/http/auth.ts';
import { runCli } from '../functions/local/cli.ts';
import { connectLocal } from '../functions/local/local-env.ts';
import { readLocalSettings, SAMPLE_LEDGER } from '../functions/local/settings.ts';
import { spawnCli } from './support/drills.ts';
import { freePort, isRunning, npmStart, sandboxEnv, stop, type Started } from './support/sandbox.ts';

/** The CLI as a terminal runs it, in this process: real wall clock, lines collected. */
function terminal(now = () => new Date()) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), now } };
}

/** A stack trace line, or an English error prefix, anywhere in the output. */
const STACK_OR_ENGLISH_ERROR = /^\s+at |^\w*Error:/m;

let running: Started | undefined;
afterEach(async () => {
  if (isRunning(running)) await stop(running);
});

describe('npx duban beside a running sandbox', () => {
  it('finds a sandbox on other ports through its data folder alone, and acts on its 2018 clock', async () => {
    const env = await sandboxEnv({ DUBAN_CLOCK: '2018-07-09T09:00:00+08:00', DUBAN_LEDGER: 'none' });
    const app = `http://127.0.0.1:${env.DUBAN_HTTP_PORT}`;
    running = await npmStart(env);
    // Only the data folder: the sandbox's ports are not the defaults, and the CLI is not told them.
    const cliEnv = { DUBAN_DATA_DIR: env.DUBAN_DATA_DIR! };

    const imported = terminal();
    expect(await runCli(['import', SAMPLE_LEDGER], imported.io, cliEnv)).toBe(0);
    expect(imported.err[0]).toMatch(/^按沙盒时钟 2018-07-09 09:0\d（北京时间）执行$/);
    expect(imported.out).toContain('导入完成：');
    // The sandbox's own pages show what the CLI imported.
    const cookie = await signInToSandbox(app, `http://127.0.0.1:${env.DUBAN_SES_PORT}`, 'office.tang@example.org');
    expect(await (await fetch(`${app}/tasks`, { headers: { cookie } })).text()).toContain('共 31 项整改任务');

    const issued = terminal();
    expect(await runCli(['token', '--office', '唐文博'], issued.io, cliEnv)).toBe(0);
    const response = await fetch(`${app}/api/tasks/MZ-1-1`, { headers: { authorization: `Bearer ${issued.out[0]}` } });
    expect(response.status).toBe(200);
    const { task } = (await response.json()) as { task: { deadline: { kind: string; text: string; enteredOn: string; due: string } } };
    // 立行立改 counts 10 workdays from the sandbox's day of import, not from the real date.
    expect(task.deadline).toMatchObject({ kind: 'immediate', text: '立行立改', enteredOn: '2018-07-09', due: '2018-07-23' });

    const local = await connectLocal(readLocalSettings(cliEnv));
    try {
      expect(local.sandbox?.urls?.app).toBe(app);
      const records = await local.deps.store.imports();
      expect(records).toHaveLength(1);
      expect(records[0]!.at).toMatch(/^2018-07-09T01:0\d:/);
    } finally {
      await local.close();
    }

    // Week 28's circular is due Friday 13 July 16:00: on the sandbox's Monday it is a preview, not archived.
    const folder = mkdtempSync(join(tmpdir(), 'duban-cli-report-'));
    const previewed = terminal();
    expect(await runCli(['report', 'weekly-circular', '--period', '2018-W28', '--out', folder], previewed.io, cliEnv)).toBe(0);
    expect(previewed.out).toContain('本期周通报应于 2018-07-13 16:00 编制；以下为截至现在的预览，未存档。');
    expect(existsSync(join(env.DUBAN_DATA_DIR!, 'reports/weekly-circular/2018-W28'))).toBe(false);
    expect(readdirSync(folder)).toContain('周通报-2018-W28.html');

    // --at moves the command's instant past the due time: the report is compiled and archived.
    const archived = terminal();
    expect(await runCli(['report', 'weekly-circular', '--period', '2018-W28', '--out', folder, '--at', '2018-07-13T17:00'], archived.io, cliEnv)).toBe(0);
    expect(archived.err[0]).toBe('按指定时刻 2018-07-13 17:00（北京时间）执行');
    expect(archived.out).not.toContain('本期周通报应于 2018-07-13 16:00 编制；以下为截至现在的预览，未存档。');
    expect(existsSync(join(env.DUBAN_DATA_DIR!, 'reports/weekly-circular/2018-W28/manifest.json'))).toBe(true);
  }, 180_000);

  it('refuses in Chinese, and leaves the folder untouched, when the sandbox holding the folder does not answer', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'duban-cli-held-'));
    // A live process (this one) that names endpoints nobody serves: a sandbox that hangs.
    const state = {
      pid: process.pid,
      table: 'duban',
      ready: true,
      urls: { app: `http://127.0.0.1:${await freePort()}`, dynamodb: `http://127.0.0.1:${await freePort()}`, ses: `http://127.0.0.1:${await freePort()}` },
      clock: { start: '2018-07-09T01:00:00.000Z', realStart: new Date().toISOString() },
    };
    writeFileSync(join(dataDir, 'sandbox.json'), JSON.stringify(state));
    const before = readFileSync(join(dataDir, 'sandbox.json'), 'utf8');

    const { err, out, io } = terminal();
    expect(await runCli(['import', SAMPLE_LEDGER], io, { DUBAN_DATA_DIR: dataDir })).toBe(1);
    expect(err.join('\n')).toContain(`错误：沙盒正在运行但无法连接（进程 ${process.pid}，数据文件夹 ${dataDir}），请稍后重试或重启沙盒`);
    expect(err.join('\n')).not.toMatch(STACK_OR_ENGLISH_ERROR);
    expect(out).not.toContain('导入完成：');
    expect(readdirSync(dataDir)).toEqual(['sandbox.json']);
    expect(readFileSync(join(dataDir, 'sandbox.json'), 'utf8')).toBe(before);
  }, 60_000);

  it('ignores the state file of a sandbox that is gone: opens the folder itself and acts at the real now', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'duban-cli-stale-'));
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.on('exit', resolve));
    writeFileSync(
      join(dataDir, 'sandbox.json'),
      JSON.stringify({ pid: gone.pid, table: 'duban', ready: true, urls: { app: 'http://127.0.0.1:1', dynamodb: 'http://127.0.0.1:1', ses: 'http://127.0.0.1:2' }, clock: { start: '2018-07-09T01:00:00.000Z', realStart: '2026-01-01T00:00:00.000Z' } }),
    );
    const { err, out, io } = terminal(() => new Date('2018-07-04T02:00:00Z'));
    expect(await runCli(['import', SAMPLE_LEDGER], io, { DUBAN_DATA_DIR: dataDir, DUBAN_DYNAMODB_PORT: '1', DUBAN_SES_PORT: '2' })).toBe(0);
    expect(err[0]).toBe('按当前时间 2018-07-04 10:00（北京时间）执行');
    expect(out).toContain('导入完成：');
    expect(readdirSync(join(dataDir, 'dynamodb')).length).toBeGreaterThan(0);
  }, 60_000);
});

describe('npx duban never shows a stack trace', () => {
  it('says an unexpected failure, a file it cannot write and a bad setting in one Chinese line', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'duban-cli-fail-'));
    const env = { ...process.env, DUBAN_DATA_DIR: dataDir, DUBAN_DYNAMODB_PORT: '1', DUBAN_SES_PORT: '2' };

    // --out names a file, not a folder: an error no verb expects.
    const notAFolder = join(dataDir, 'out.txt');
    writeFileSync(notAFolder, '');
    const failed = await spawnCli(['report', 'weekly-circular', '--period', '2018-W28', '--out', notAFolder], env).exited;
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^命令失败：/m);
    expect(failed.stderr).not.toMatch(STACK_OR_ENGLISH_ERROR);

    const missing = join(dataDir, 'no-such-folder', '台账模板.xlsx');
    const unwritable = await spawnCli(['template', missing], env).exited;
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr.trim()).toBe(`错误：找不到文件或文件夹：${missing}`);

    const badSetting = await spawnCli(['import', SAMPLE_LEDGER], { ...env, DUBAN_HTTP_PORT: 'abc' }).exited;
    expect(badSetting.code).toBe(1);
    expect(badSetting.stderr.trim()).toBe('错误：环境变量 DUBAN_HTTP_PORT 的值“abc”无效：应为 0–65535 之间的端口号');

    // A setting read once the store is open: said in Chinese, and the command still ends.
    const badCadence = await spawnCli(['calendar'], { ...env, DUBAN_CADENCE: '{"dispatchTime":"25:00"}' }).exited;
    expect(badCadence.code).toBe(1);
    expect(badCadence.stderr.trim()).toBe('错误：环境变量 DUBAN_CADENCE 的值无效：应为 JSON，如 {"dispatchTime":"08:30"}，各项见 functions/core/cadence/config.ts');
  }, 120_000);
});

describe('npx duban token --revoke', () => {
  it('takes back one token, then every token of a unit, and says so; an unknown one is refused in Chinese', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'duban-cli-revoke-'));
    const env = { DUBAN_DATA_DIR: dataDir, DUBAN_DYNAMODB_PORT: '1', DUBAN_SES_PORT: '2' };
    const { out, err, io } = terminal(() => new Date('2018-07-10T02:00:00Z'));
    expect(await runCli(['import', SAMPLE_LEDGER], io, env)).toBe(0);
    const unit = '市林业局';
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      expect(await runCli(['token', unit], io, env)).toBe(0);
      tokens.push(out.at(-1)!);
    }

    expect(await runCli(['token', '--revoke', tokens[0]!, '--by', '唐文博'], io, env)).toBe(0);
    expect(out.at(-1)).toBe('已收回该令牌：它不能再调用接口。');
    expect(await runCli(['token', '--revoke', unit, '--by', '唐文博', '--reason', '联系人更换'], io, env)).toBe(0);
    expect(out.at(-1)).toBe(`已收回“${unit}”的全部令牌（2 个）和邮件链接：2018-07-10 10:00（北京时间）之前发放的一律失效，此后新发的有效。`);
    expect(await runCli(['token', '--revoke', tokens[0]!], io, env)).toBe(1);
    expect(err.at(-1)).toBe(`错误：没有找到名为“${tokens[0]}”的单位，也没有找到这个令牌（或它已被收回）；令牌须完整粘贴，系统只保存其摘要`);

    const local = await connectLocal(readLocalSettings(env));
    try {
      for (const token of tokens) expect(await local.deps.store.principalOfToken(hashToken(token))).toBeUndefined();
    } finally {
      await local.close();
    }
  }, 60_000);
});

describe('a job run from the command line with no sandbox', () => {
  it('delivers the sample ledger’s robot and SMTP notices to an inbox of its own, never to a real robot or server', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'duban-cli-channels-'));
    const env = { DUBAN_DATA_DIR: dataDir, DUBAN_DYNAMODB_PORT: '1', DUBAN_SES_PORT: '2' };
    const { out, io } = terminal(() => new Date('2018-07-09T01:00:00Z'));
    expect(await runCli(['import', SAMPLE_LEDGER], io, env)).toBe(0);
    expect(await runCli(['run', 'weekly-dispatch', '--at', '2018-07-09T09:00'], io, env)).toBe(0);
    // 60 units with open tasks: the sample gives one a 企业微信 robot and one a 钉钉 robot besides email, and one SMTP only.
    expect(out.at(-1)).toMatch(/^weekly-dispatch @ 2018-07-09 09:00（2018-W28）：发送 62 封，此前已发 0 封，失败 0 封/);
  }, 120_000);
});
