/** `npx duban import <台账.xlsx | 文件夹> [--dry-run] [--at <时刻>]`: imports the office's ledger, all or nothing. */
import { importLedger, type ImportSummary } from '../../ledger-import/import-ledger.ts';
import { readLedgerSource } from '../../ledger-import/read-source.ts';
import { describeIssues } from '../../ledger-import/validate.ts';
import { loadCalendar } from '../../wiring.ts';
import { parseArgs } from 'node:util';
import { readAtOption, withSession } from './session.ts';
import type { CliIo, Verb } from './verb.ts';

export const importVerb: Verb = {
  name: 'import',
  usage: '  import <台账.xlsx | 文件夹> [--dry-run] [--at <ISO时刻>]   导入台账（--dry-run 只检查，不写入）',
  async run(args, io, env) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { 'dry-run': { type: 'boolean', default: false }, by: { type: 'string', default: 'cli' }, at: { type: 'string' } },
    });
    const source = positionals[0];
    if (!source) {
      io.err('请指定要导入的台账：npx duban import <台账.xlsx | 文件夹>');
      return 2;
    }
    const at = readAtOption(values.at, io);
    if (at === null) return 2;
    const tables = await readLedgerSource(source);
    return withSession(io, env, { at, announce: true }, async ({ deps: { store }, at }) => {
      const summary = await importLedger(
        tables,
        { at, by: values.by!, source, dryRun: values['dry-run'] },
        { store, calendar: await loadCalendar(store) },
      );
      printImport(summary, io);
      return summary.ok ? 0 : 1;
    });
  },
};

export function printImport(summary: ImportSummary, io: Pick<CliIo, 'out' | 'err'>): void {
  if (!summary.ok) {
    for (const notice of summary.notices) io.out(notice);
    io.err(`台账有 ${summary.issueCount} 处错误，未导入任何内容：`);
    for (const line of describeIssues(summary.issues, summary.issueCount)) io.err(`  - ${line}`);
    return;
  }
  const t = (label: string, x: { created: number; updated: number; unchanged: number }) =>
    `  ${label}：新增 ${x.created}，更新 ${x.updated}，未变 ${x.unchanged}`;
  io.out(summary.dryRun ? '检查通过（--dry-run，未写入）：' : '导入完成：');
  io.out(t('整改任务', summary.tasks));
  io.out(t('责任单位', summary.units));
  io.out(t('领导与联系人', summary.people));
  io.out(t('目标指标', summary.indicators));
  io.out(t('常态化工作', summary.duties));
  for (const notice of summary.notices) io.out(`  ${notice}`);
  if (summary.missingFromWorkbook.length) {
    io.out(`  注意：以下任务已在系统中但本次台账未列出，已保留：${summary.missingFromWorkbook.join('、')}`);
  }
}
