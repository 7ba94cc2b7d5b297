import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning, npmStart, sandboxEnv, spawnNpmStart, stop, type Started } from './support/sandbox.ts';
import { signInToSandbox } from './support/console.ts';

let running: Started | undefined;
afterEach(async () => {
  if (isRunning(running)) await stop(running);
});

describe('npm start', () => {
  it('serves the sample ledger on first start, stops on Ctrl-C, and keeps the data across a restart', async () => {
    const env = await sandboxEnv({ DUBAN_CLOCK: '2018-07-09T09:00:00+08:00' });
    const app = `http://127.0.0.1:${env.DUBAN_HTTP_PORT}`;

    running = await npmStart(env);
    expect(running.output()).toContain('first start: importing ledger');
    expect(running.output()).toContain(`${app}/`);
    expect(running.output()).toContain(`http://127.0.0.1:${env.DUBAN_SES_PORT}/`);
    const health = (await (await fetch(`${app}/health`)).json()) as { status: string; at: string };
    expect(health).toMatchObject({ status: 'ok' });
    expect(health.at.startsWith('2018-07-09T01:0')).toBe(true); // the virtual clock, in UTC
    const ses = `http://127.0.0.1:${env.DUBAN_SES_PORT}`;
    expect(await (await fetch(`${ses}/store`)).json()).toMatchObject({ emails: [] });
    // The console wants a sign-in: the link arrives in the mail viewer.
    const anonymous = await (await fetch(`${app}/`)).text();
    expect(anonymous).toContain('登录督办系统');
    expect(anonymous).not.toContain('实施饮用水环境安全保障行动');
    const cookie = await signInToSandbox(app, ses, 'office.tang@example.org');
    const page = await (await fetch(`${app}/tasks`, { headers: { cookie } })).text();
    expect(page).toContain('共 31 项整改任务');
    expect(page).toContain('实施饮用水环境安全保障行动');

    // It publishes itself in its data folder, and a second sandbox on the same folder is refused.
    const state = JSON.parse(readFileSync(join(env.DUBAN_DATA_DIR!, 'sandbox.json'), 'utf8'));
    expect(state).toMatchObject({ ready: true, urls: { app, ses: `http://127.0.0.1:${env.DUBAN_SES_PORT}` }, clock: { start: '2018-07-09T01:00:00.000Z' } });
    const second = spawnNpmStart({ ...(await sandboxEnv({})), DUBAN_DATA_DIR: env.DUBAN_DATA_DIR! });
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`数据文件夹 ${env.DUBAN_DATA_DIR} 已由另一个正在运行的沙盒使用（进程 ${state.pid}，${app}/）`);
    expect(second.output()).not.toMatch(/^\s+at /m);
    expect((await fetch(`${app}/health`)).status).toBe(200);

    expect(await stop(running)).toContain('"msg":"stopped"');
    expect(existsSync(join(env.DUBAN_DATA_DIR!, 'sandbox.json'))).toBe(false);

    running = await npmStart(env);
    expect(running.output()).not.toContain('first start');
    const again = await (await fetch(`${app}/tasks`, { headers: { cookie } })).text();
    expect(again).toContain('共 31 项整改任务');
    const api = await fetch(`${app}/api/tasks`);
    expect(api.status).toBe(401); // the API wants a token (npx duban token)
    expect(await stop(running)).toContain('"msg":"stopped"');
  }, 120_000);

  it('fires the weekly dispatch from its scheduler when the sandbox clock reaches Monday 09:00', async () => {
    const env = await sandboxEnv({ DUBAN_CLOCK: '2018-07-09T08:59:45+08:00', DUBAN_SCHEDULER_TICK_MS: '500' });
    running = await npmStart(env);
    const deadline = Date.now() + 60_000;
    let emails: { subject: string }[] = [];
    while (Date.now() < deadline) {
      emails = ((await (await fetch(`http://127.0.0.1:${env.DUBAN_SES_PORT}/store`)).json()) as { emails: { subject: string }[] }).emails;
      if (emails.length >= 59) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    // 60 units, 59 by SES mail: the sample's 市水务局 reads SMTP only (tests/channels.test.ts).
    expect(emails).toHaveLength(59);
    expect(new Set(emails.map((e) => e.subject))).toEqual(new Set(['【周调度】2018年第28周（7月9日—7月15日）：请于7月12日（周四）17:00前报送整改进展']));
    // The job logs that it finished once the last outcome is written, a moment after the last mail.
    const finished = '"msg":"job finished","job":"weekly-dispatch","at":"2018-07-09T01:00:00.000Z"';
    while (!running.output().includes(finished) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(running.output()).toContain(finished);
  }, 120_000);
});
