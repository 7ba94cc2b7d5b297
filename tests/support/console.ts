/**
 * The console on real parts: the HTTP app over dynalite with the sample ledger, sign-in mail
 * through the real outbox to the SES emulator, uploads kept in the report archive's folder.
 */
import { SESClient } from '@aws-sdk/client-ses';
import { afterAll, beforeAll } from 'vitest';
import { startSesEmulator, type RunningServer } from '../../functions/local/emulators.ts';
import { EMAIL_TEMPLATE_DIR, TemplateComposer } from '../../functions/notify/composer.ts';
import { deliver } from '../../functions/notify/outbox.ts';
import { SesMailer } from '../../functions/notify/ses-mailer.ts';
import { appBench } from './app.ts';
import type { Email } from './cadence.ts';
import { useDynalite } from './store.ts';
import type { EvidenceAppDeps } from '../../functions/http/evidence.ts';
import type { DynamoStore } from '../../functions/store/dynamo-store.ts';

export const APP_URL = 'http://duban.example.org';

export function useConsoleBench() {
  const dynalite = useDynalite();
  let ses: RunningServer;
  let client: SESClient;
  beforeAll(async () => {
    ses = await startSesEmulator();
    client = new SESClient({ region: 'cn-north-1', endpoint: ses.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    client?.destroy();
    await ses?.close();
  });
  const composer = new TemplateComposer(EMAIL_TEMPLATE_DIR);

  async function mail(): Promise<Email[]> {
    return ((await (await fetch(`${ses.url}/store`)).json()) as { emails: Email[] }).emails;
  }

  /** The sign-in link in the latest mail to `email`, as a path and query. */
  async function linkFor(email: string): Promise<string | undefined> {
    const last = (await mail()).filter((m) => m.destination.to.includes(email)).at(-1);
    const url = last?.body.text?.match(/https?:\/\/\S+\/sign-in\/link\?\S+/)?.[0];
    return url?.replace(APP_URL, '');
  }

  async function setup(start?: Date, appUrl = APP_URL, extra: { evidence?: (store: DynamoStore) => EvidenceAppDeps } = {}) {
    await fetch(`${ses.url}/clear-store`, { method: 'POST' });
    const bench = await appBench(dynalite, start, {
      ...extra,
      console: (store, reports) => ({
        appUrl,
        composer,
        uploads: reports.archive,
        deliver: (notices) =>
          deliver(notices, { notices: store.notices, mailer: new SesMailer(client, 'duban@example.org'), now: () => new Date(), sleep: async () => {}, ratePerSecond: 10_000, sender: 'test' }),
      }),
    });
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const request = (path: string, init: { method?: string; cookie?: string; body?: string } = {}) =>
      bench.app.request(path, {
        method: init.method ?? 'GET',
        headers: { ...(init.cookie ? { Cookie: init.cookie } : {}), ...(init.body !== undefined ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
        ...(init.body !== undefined ? { body: init.body } : {}),
      });
    /** Signs in from the emailed link; returns the session cookie and its CSRF token. */
    async function signIn(email: string): Promise<{ cookie: string; csrf: string }> {
      await request('/sign-in', { method: 'POST', body: form({ email }) });
      const link = await linkFor(email);
      if (!link) throw new Error(`no sign-in mail to ${email}`);
      const query = new URL(link, APP_URL).searchParams;
      const answer = await request('/sign-in/link', { method: 'POST', body: query.toString() });
      const cookie = answer.headers.get('Set-Cookie')?.split(';')[0];
      if (answer.status !== 303 || !cookie) throw new Error(`sign-in refused: ${answer.status}`);
      const page = await (await request('/', { cookie })).text();
      return { cookie, csrf: page.match(/name="_csrf" value="([^"]+)"/)![1]! };
    }
    return { ...bench, request, form, signIn };
  }

  return { setup, dynalite, mail, linkFor, clearMail: () => fetch(`${ses.url}/clear-store`, { method: 'POST' }) };
}

/** Signs in to a running sandbox as `email` through its mail viewer, as a person would; returns the session cookie. */
export async function signInToSandbox(app: string, ses: string, email: string): Promise<string> {
  await fetch(`${app}/sign-in`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email }).toString() });
  const { emails } = (await (await fetch(`${ses}/store`)).json()) as { emails: Email[] };
  const link = emails.filter((m) => m.destination.to.includes(email)).at(-1)?.body.text?.match(/https?:\/\/\S+\/sign-in\/link\?\S+/)?.[0];
  if (!link) throw new Error(`no sign-in mail to ${email} in the sandbox's mail viewer`);
  const answer = await fetch(`${app}/sign-in/link`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URL(link).searchParams.toString(), redirect: 'manual' });
  const cookie = answer.headers.get('Set-Cookie')?.split(';')[0];
  if (answer.status !== 303 || !cookie) throw new Error(`sign-in refused: ${answer.status}`);
  return cookie;
}
