/**
 * `npx duban duty`: the 常态化工作 with each unit's record of the current period and the two before;
 * `duty <事项> --unit <单位> --date YYYY-MM-DD --evidence <佐证>… [--detail <内容>] [--minutes N]
 * --by <整改办人员>`: the office records an occurrence for a unit, through the same use case and
 * field rules as `POST /api/duties/{name}/occurrences`.
 */
import { parseArgs } from 'node:util';
import { listDuties, recordDutyOccurrence } from '../../core/duties.ts';
import { occurrenceBody } from '../../http/duties.ts';
import { parse } from '../../http/schemas.ts';
import { loadCalendar } from '../../wiring.ts';
import { officePrincipal } from './office-person.ts';
import { withSession } from './session.ts';
import type { Verb } from './verb.ts';

export const dutyVerb: Verb = {
  name: 'duty',
  usage: `  duty                                      列出常态化工作及各责任单位本期和前两期的完成情况
  duty <事项> --unit <单位> --date YYYY-MM-DD --evidence <佐证材料>… [--detail <内容>] [--minutes <分钟>]
       --by <整改办人员>                     整改办代单位记录一次常态化工作（--evidence 可重复）`,
  async run(args, io, env) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        by: { type: 'string' },
        unit: { type: 'string' },
        date: { type: 'string' },
        evidence: { type: 'string', multiple: true },
        detail: { type: 'string' },
        minutes: { type: 'string' },
      },
    });
    const [name, extra] = positionals;
    if (extra !== undefined) {
      io.err(`多余的参数“${extra}”：事项名称含空格时请加引号`);
      return 2;
    }
    return withSession(io, env, { announce: Boolean(name) }, async ({ deps: { store }, at }) => {
      if (!name) {
        const duties = await listDuties({ kind: 'office', name: 'cli' }, at, { store, calendar: await loadCalendar(store) });
        if (!duties.length) io.out('台账中没有常态化工作。');
        for (const duty of duties) {
          io.out(`${duty.name}（${duty.cadenceText}）  责任单位：${duty.responsibleUnits.join('、')}`);
          if (!duty.records.length) io.out('  尚未开始要求（自列入台账后的下一周期起）');
          for (const record of duty.records) io.out(`  ${record.unit}  ${record.periods.map((p) => `${p.label}：${p.statusText}`).join('；')}`);
        }
        return 0;
      }
      const principal = await officePrincipal(store, values.by, io, '记录人');
      if (!principal) return 2;
      const body = parse(occurrenceBody, {
        date: values.date,
        evidence: values.evidence,
        // The API asks for a line of detail; from the command line it may be left out.
        detail: values.detail ?? `整改办${principal.name}代为记录`,
        ...(values.minutes !== undefined ? { minutes: Number(values.minutes) } : {}),
        unit: values.unit,
      });
      const { occurrence, created } = await recordDutyOccurrence(name, body, principal, at, store);
      io.out(`${created ? '已记录' : '此前已记录过同一次，未重复记录'}：${occurrence.unit} ${occurrence.date} “${occurrence.duty}”（计入${occurrence.period}）`);
      return 0;
    });
  },
};
