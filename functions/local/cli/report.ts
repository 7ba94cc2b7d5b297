/**
 * `npx duban report <kind> --period <p> --out <folder> [--at <时刻>]`: a period's compiled report.
 * Due at the command's instant (the sandbox's clock, or --at): the archived report, compiled and
 * archived now if no job did. Not yet due: a preview as of that instant, not archived.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compileReport, parseReportKind, reportInstant, reportLabels } from '../../core/reports/model.ts';
import { localDateOf, localTimeOf } from '../../core/time.ts';
import { reportRenderer } from '../../reports/publish.ts';
import { appLinks, linkSecret, loadCalendar } from '../../wiring.ts';
import { readAtOption, withSession } from './session.ts';
import type { Verb } from './verb.ts';

export const reportVerb: Verb = {
  name: 'report',
  usage: `  report <weekly-circular | monthly-account> --period <2018-W28 | 2018-07> --out <文件夹> [--at <ISO时刻>]
                                            编制（或取出已存档的）周通报、月交账：网页、邮件版、Excel 台账和图表`,
  async run(args, io, env) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { period: { type: 'string' }, out: { type: 'string' }, at: { type: 'string' } } });
    if (!positionals[0] || !values.period || !values.out) {
      io.err('用法：npx duban report <weekly-circular | monthly-account> --period <2018-W28 | 2018-07> --out <文件夹>');
      return 2;
    }
    const given = readAtOption(values.at, io);
    if (given === null) return 2;
    const kind = parseReportKind(positionals[0]);
    const { period, out } = values;
    return withSession(io, env, { at: given, announce: true }, async ({ deps, at }) => {
      const calendar = await loadCalendar(deps.store);
      const due = reportInstant(kind, period, calendar, deps.cadence);
      const links = appLinks(deps.config.DUBAN_APP_URL, await linkSecret(deps));
      const compileDeps = { store: deps.store, calendar, config: deps.cadence, links };
      let files: { name: string; body: Uint8Array }[];
      if (due <= at) {
        const archived = (await deps.reports.find(kind, period)) ?? (await deps.reports.publish(await compileReport(kind, period, compileDeps, due)));
        files = [];
        for (const f of archived.files) files.push({ name: f.name, body: (await deps.reports.archive.get(f.key))!.body });
      } else {
        const model = await compileReport(kind, period, compileDeps, at);
        files = await (await reportRenderer()).files(model);
        io.out(`本期${reportLabels[kind]}应于 ${localDateOf(due)} ${localTimeOf(due)} 编制；以下为截至现在的预览，未存档。`);
      }
      mkdirSync(out, { recursive: true });
      for (const f of files) {
        writeFileSync(join(out, f.name), f.body);
        io.out(`  ${join(out, f.name)}（${f.body.byteLength} 字节）`);
      }
      io.out(`${reportLabels[kind]} ${period}：已写出 ${files.length} 个文件`);
      return 0;
    });
  },
};
