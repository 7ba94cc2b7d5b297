/**
 * The email CSS inliner (functions/notify/inline-css.ts) against juice, the library it replaces in
 * the functions: every email the cadence writes over a month-end of the sample programme
 * (dispatch, chase, circular, month-end account, reminders, escalations), the sign-in mail and the reports'
 * email versions come out with the same elements, attributes and styles (a few of each kind: juice is
 * slow). juice is a test-only
 * dependency; both outputs are compared after the same HTML serialisation.
 */
import juice from 'juice';
import { describe, expect, it } from 'vitest';
import type { Composer, NoticeDraft } from '../functions/core/cadence/job.ts';
import { runJob } from '../functions/core/cadence/jobs.ts';
import { cronTable, runsBetween } from '../functions/core/cadence/schedule.ts';
import { defaultCadence } from '../functions/core/cadence/config.ts';
import { compileReport } from '../functions/core/reports/model.ts';
import { EMAIL_TEMPLATE_DIR, TemplateComposer } from '../functions/notify/composer.ts';
import { inlineCss } from '../functions/notify/inline-css.ts';
import { REPORT_TEMPLATE_DIR } from '../functions/reports/publish.ts';
import { ReportRenderer } from '../functions/reports/render.ts';
import { appLinks } from '../functions/wiring.ts';
import { useCadenceBench } from './support/cadence.ts';

const byJuice = (html: string) => juice(html, { removeStyleTags: true });
/** One serialisation for both: juice on a page without style rules to inline only re-writes it. */
const serialised = (html: string) => byJuice(html);

describe('the email CSS inliner', () => {
  const bench = useCadenceBench();

  it('inlines the emails and reports of a month-end of the sample programme as juice does', async () => {
    const { store, deps } = await bench.setup();
    const drafts: NoticeDraft[] = [];
    const recording: Composer = {
      compose: (draft, channel) => {
        drafts.push(draft);
        return deps.composer.compose(draft, channel);
      },
    };
    const jobDeps = { ...deps, composer: recording };
    // The runs that write each kind once; deadline reminders every day of the month, as they fall.
    const table = cronTable(defaultCadence);
    const runs = [
      ...runsBetween(table, new Date('2018-07-08T16:00:00Z'), new Date('2018-08-03T16:00:00Z')).filter((r) => r.job === 'deadline-reminders'),
      ...runsBetween(table, new Date('2018-07-22T16:00:00Z'), new Date('2018-08-01T16:00:00Z')).filter((r) => /^2018-07-2[3-7]|^2018-08-01/.test(r.at.toISOString()) && r.job !== 'deadline-reminders'),
    ];
    for (const run of runs) await runJob(run.job, run.at, jobDeps);
    drafts.push({
      kind: 'sign-in',
      to: { name: '刘芳', email: 'liufang@example.org', role: '整改办' },
      data: { link: 'http://duban.example.org/sign-in/link?n=1&e=2', minutes: 15, roleName: '整改办' },
      office: await store.officeWords(),
    });

    const ours = new TemplateComposer(EMAIL_TEMPLATE_DIR);
    const reference = new TemplateComposer(EMAIL_TEMPLATE_DIR, byJuice);
    const kinds = new Map<string, number>();
    for (const draft of drafts) {
      const kind = draft.kind.replace(/-\d+$/, '');
      if ((kinds.get(kind) ?? 0) >= 3) continue;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const mine = ours.compose(draft).html;
      expect(mine, draft.kind).toContain('style="');
      expect(mine, draft.kind).not.toContain('<style');
      expect(serialised(mine), `${draft.kind} to ${draft.to.name}`).toBe(serialised(reference.compose(draft).html));
    }
    expect([...kinds.keys()].sort()).toEqual(expect.arrayContaining(['chase', 'deadline-reminder', 'escalation', 'monthly-account', 'monthly-reminder', 'sign-in', 'weekly-circular', 'weekly-dispatch']));

    const links = appLinks('http://duban.example.org', 'a-test-secret-of-at-least-32-characters');
    const compileDeps = { store, calendar: bench.calendar, config: defaultCadence, links };
    const renderer = new ReportRenderer(REPORT_TEMPLATE_DIR);
    const juiced = new ReportRenderer(REPORT_TEMPLATE_DIR, byJuice);
    for (const [kind, period, at] of [
      ['weekly-circular', '2018-W31', '2018-08-03T08:00:00Z'],
      ['monthly-account', '2018-07', '2018-08-01T08:00:00Z'],
    ] as const) {
      const report = await compileReport(kind, period, compileDeps, new Date(at));
      const mine = renderer.html(report, { files: [] });
      // The phone-width rules stay in a style block, as juice keeps them.
      expect(mine.match(/<style>([\s\S]*?)<\/style>/)?.[1]?.trim()).toMatch(/^@media \(max-width: 640px\)/);
      expect(serialised(mine), kind).toBe(serialised(juiced.html(report, { files: [] })));
    }
  }, 240_000);

  it('orders properties by specificity, lets an element keep its own style, and gives table cells their attributes', () => {
    const html = [
      '<html><head><style>',
      'td { padding: 4px; text-align: left; vertical-align: top; } .num { text-align: right; }',
      '.box p { color: red; } p { color: blue; margin: 0; } table { width: 100%; }',
      '[data-x="1"] { font-weight: bold; } @media (max-width: 600px) { td { padding: 0; } }',
      '</style></head><body><div class="box"><p style="color: green">a</p></div><p>b</p>',
      '<table><tr><td class="num">1</td><td data-x="1">2</td></tr></table></body></html>',
    ].join('');
    const out = inlineCss(html);
    expect(out).toContain('<p style="margin: 0; color: green;">a</p>');
    expect(out).toContain('<p style="color: blue; margin: 0;">b</p>');
    expect(out).toContain('<table style="width: 100%;" width="100%">');
    expect(out).toContain('<td class="num" style="padding: 4px; vertical-align: top; text-align: right;" valign="top" align="right">1</td>');
    expect(out).toContain('<td data-x="1" style="padding: 4px; text-align: left; vertical-align: top; font-weight: bold;" align="left" valign="top">2</td>');
    expect(out).toContain('<style>\n@media (max-width: 600px) {\n  td {\n    padding: 0;\n  }\n}\n</style>');
    expect(serialised(out)).toBe(serialised(byJuice(html)));
  });

  it('refuses a selector it cannot read instead of sending a half-styled mail', () => {
    expect(() => inlineCss('<style>li:nth-child(2n) { color: red; }</style><ul><li>a</li></ul>')).toThrow(/unsupported selector/);
  });
});
