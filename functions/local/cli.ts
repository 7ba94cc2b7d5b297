/**
 * `npx duban <verb>`: the office's command line. It talks to the same store and email endpoints
 * as the sandbox (see local-env.ts). Verbs print Chinese for the office; exit codes: 0 done,
 * 1 refused (bad input, reported), 2 wrong usage.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileReport, parseReportKind, reportInstant, reportLabels } from '../core/reports/model.ts';
import { reportRenderer } from '../reports/publish.ts';
import { parseArgs } from 'node:util';
import { calendarYearSchema } from '../core/calendar.ts';
import { DubanError } from '../core/errors.ts';
import { importLedger, type ImportSummary } from '../ledger-import/import-ledger.ts';
import { readLedgerSource, SourceError } from '../ledger-import/read-source.ts';
import { templateWorkbook } from '../ledger-import/template.ts';
import { describeIssue } from '../ledger-import/validate.ts';
import { runJob } from '../core/cadence/jobs.ts';
import type { JobResult } from '../core/cadence/job.ts';
import { cronTable, jobNames, runsBetween, type JobName } from '../core/cadence/schedule.ts';
import { instantAt, isLocalDate, localDateOf, localTimeOf } from '../core/time.ts';
import { appLinks, jobDeps, linkSecret, loadCalendar } from '../wiring.ts';
import { connectLocal } from './local-env.ts';
import { issueToken } from '../http/auth.ts';
import { interviewBody, parse } from '../http/schemas.ts';
import { followUpInterview } from '../core/interviews.ts';
import { readLocalSettings } from './settings.ts';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  now(): Date;
  /** A line that replaces itself (a progress bar); '' clears it. */
  progress?(line: string): void;
}

const consoleIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  now: () => new Date(),
  progress: (line) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
  },
};

const usage = `用法：npx duban <命令>
  import <台账.xlsx | 文件夹> [--dry-run]   导入台账（--dry-run 只检查，不写入）
  template <输出.xlsx>                      生成空白台账模板
  run <任务> --at <ISO时刻>                   在指定时刻运行一项定时任务：weekly-dispatch | chase | weekly-circular | monthly-account | deadline-reminders | escalation
  replay --from <日期> --to <日期>            按定时表在虚拟时钟上依次运行期间的全部定时任务
  report <weekly-circular | monthly-account> --period <2018-W28 | 2018-07> --out <文件夹>
                                            编制（或取出已存档的）周通报、月交账：网页、邮件版、Excel 台账和图表
  token <单位名称> | token --office <姓名>      发放访问令牌（只显示这一次，系统只保存其摘要）
  interview [<记录编号> --by <整改办人员> [--scheduled 日期] [--held 日期] [--attendee 姓名]…
            [--commitment "内容@YYYY-MM-DD"]… [--outcome 结果] [--close]]
                                            列出未办结的约谈，或登记约谈情况（承诺带日期的成为任务节点）
  calendar                                  列出工作日历已载入的年份
  calendar load <年度安排.json>              载入某一年的法定节假日与调休安排`;

export async function runCli(argv: string[], io: CliIo = consoleIo, env = process.env): Promise<number> {
  const [verb, ...rest] = argv;
  try {
    switch (verb) {
      case 'import':
        return await importVerb(rest, io, env);
      case 'template':
        return await templateVerb(rest, io);
      case 'calendar':
        return await calendarVerb(rest, io, env);
      case 'token':
        return await tokenVerb(rest, io, env);
      case 'run':
        return await runVerb(rest, io, env);
      case 'interview':
        return await interviewVerb(rest, io, env);
      case 'replay':
        return await replayVerb(rest, io, env);
      case 'report':
        return await reportVerb(rest, io, env);
      default:
        io.err(verb ? `未知命令“${verb}”\n${usage}` : usage);
        return 2;
    }
  } catch (error) {
    if (error instanceof DubanError || error instanceof SourceError) {
      io.err(`错误：${error.message}`);
      return 1;
    }
    throw error;
  }
}

async function importVerb(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'dry-run': { type: 'boolean', default: false }, by: { type: 'string', default: 'cli' } },
  });
  const source = positionals[0];
  if (!source) {
    io.err('请指定要导入的台账：npx duban import <台账.xlsx | 文件夹>');
    return 2;
  }
  const tables = await readLedgerSource(source);
  const local = await connectLocal(readLocalSettings(env));
  try {
    const { store } = local.deps;
    const summary = await importLedger(
      tables,
      { at: io.now(), by: values.by!, source, dryRun: values['dry-run'] },
      { store, calendar: await loadCalendar(store) },
    );
    printImport(summary, io);
    return summary.ok ? 0 : 1;
  } finally {
    await local.close();
  }
}

export function printImport(summary: ImportSummary, io: Pick<CliIo, 'out' | 'err'>): void {
  if (!summary.ok) {
    io.err(`台账有 ${summary.issues.length} 处错误，未导入任何内容：`);
    for (const issue of summary.issues) io.err(`  - ${describeIssue(issue)}`);
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
  if (summary.missingFromWorkbook.length) {
    io.out(`  注意：以下任务已在系统中但本次台账未列出，已保留：${summary.missingFromWorkbook.join('、')}`);
  }
}

async function templateVerb(args: string[], io: CliIo): Promise<number> {
  const out = args[0];
  if (!out) {
    io.err('请指定输出文件：npx duban template 台账模板.xlsx');
    return 2;
  }
  const workbook = await templateWorkbook();
  writeFileSync(out, Buffer.from(await workbook.xlsx.writeBuffer()));
  io.out(`已生成空白台账模板：${out}`);
  return 0;
}

async function calendarVerb(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const local = await connectLocal(readLocalSettings(env));
  try {
    const { store } = local.deps;
    if (args[0] === 'load') {
      const file = args[1];
      if (!file) {
        io.err('请指定年度安排文件：npx duban calendar load 2027.json');
        return 2;
      }
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        io.err(`错误：无法读取 ${file}：不是有效的 JSON 文件`);
        return 1;
      }
      const parsed = calendarYearSchema.safeParse(json);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) io.err(`错误：${issue.path.join('.') || '文件'}：${issue.message}`);
        return 1;
      }
      await store.saveCalendarYear(parsed.data, { type: 'calendar.loaded', by: 'cli', at: io.now().toISOString(), detail: { file } });
      io.out(`已载入 ${parsed.data.year} 年工作日历：节假日 ${parsed.data.holidays.length} 天，调休上班 ${parsed.data.makeupWorkdays.length} 天`);
      return 0;
    }
    const years = (await loadCalendar(store)).knownYears();
    io.out(`工作日历已载入：${years[0]}–${years.at(-1)} 年（共 ${years.length} 年）`);
    return 0;
  } finally {
    await local.close();
  }
}

function parseInstant(text: string | undefined): Date | undefined {
  if (!text || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.test(text)) return undefined;
  // An instant without a zone is Shanghai time, as the office means it.
  const date = new Date(/(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}+08:00`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const describeResult = (r: JobResult) =>
  r.skipped
    ? `未运行（${r.skipped}）`
    : `发送 ${r.delivery!.sent} 封，此前已发 ${r.delivery!.alreadySent} 封，失败 ${r.delivery!.failed} 封，暂缓 ${r.delivery!.deferred} 封，收件人 ${r.delivery!.recipients} 个`;

async function runVerb(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { at: { type: 'string' } } });
  const job = positionals[0] as JobName | undefined;
  if (!job || !jobNames.includes(job)) {
    io.err(`请指定定时任务：${jobNames.join(' | ')}`);
    return 2;
  }
  const at = values.at ? parseInstant(values.at) : io.now();
  if (!at) {
    io.err(`--at 应为 ISO 时刻，如 2018-07-09T09:00+08:00（收到“${values.at}”）`);
    return 2;
  }
  const local = await connectLocal(readLocalSettings(env));
  try {
    const deps = jobDeps(local.deps, { calendar: await loadCalendar(local.deps.store), linkSecret: await linkSecret(local.deps), sender: `cli-${process.pid}`, now: () => new Date() });
    const result = await runJob(job, at, deps);
    io.out(`${job} @ ${localDateOf(at)} ${localTimeOf(at)}（${result.period}）：${describeResult(result)}`);
    return 0;
  } finally {
    await local.close();
  }
}

async function replayVerb(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' } } });
  const from = values.from;
  const to = values.to;
  if (!from || !to || !isLocalDate(from) || !isLocalDate(to) || to < from) {
    io.err('请给出日期范围：npx duban replay --from 2018-07-01 --to 2018-09-30（--to 不早于 --from）');
    return 2;
  }
  const local = await connectLocal(readLocalSettings(env));
  try {
    const deps = jobDeps(local.deps, { calendar: await loadCalendar(local.deps.store), linkSecret: await linkSecret(local.deps), sender: `replay-${process.pid}`, now: () => new Date() });
    const runs = runsBetween(cronTable(deps.config), new Date(instantAt(from).getTime() - 1), instantAt(to, '23:59'));
    const totals = new Map<JobName, { runs: number; ran: number; sent: number; failed: number; recipients: Set<string> }>();
    for (const [i, run] of runs.entries()) {
      const result = await runJob(run.job, run.at, deps);
      const t = totals.get(run.job) ?? { runs: 0, ran: 0, sent: 0, failed: 0, recipients: new Set<string>() };
      t.runs++;
      if (!result.skipped) t.ran++;
      t.sent += result.delivery?.sent ?? 0;
      t.failed += result.delivery?.failed ?? 0;
      for (const a of result.delivery?.addresses ?? []) t.recipients.add(a);
      totals.set(run.job, t);
      io.progress?.(progressBar(i + 1, runs.length, `${localDateOf(run.at)} ${localTimeOf(run.at)} ${run.job}`));
    }
    io.progress?.('');
    io.out(`回放 ${from} 至 ${to}：共 ${runs.length} 次定时运行`);
    io.out('任务                  运行  执行  发送邮件  收件人  失败');
    for (const job of jobNames) {
      const t = totals.get(job);
      if (!t) continue;
      io.out(`${job.padEnd(20)}  ${String(t.runs).padStart(4)}  ${String(t.ran).padStart(4)}  ${String(t.sent).padStart(8)}  ${String(t.recipients.size).padStart(6)}  ${String(t.failed).padStart(4)}`);
    }
    return 0;
  } finally {
    await local.close();
  }
}

async function reportVerb(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { period: { type: 'string' }, out: { type: 'string' } } });
  if (!positionals[0] || !values.period || !values.out) {
    io.err('用法：npx duban report <weekly-circular | monthly-account> --period <2018-W28 | 2018-07> --out <文件夹>');
    return 2;
  }
  const kind = parseReportKind(positionals[0]);
  const period = values.period;
  const local = await connectLocal(readLocalSettings(env));
  try {
    const calendar = await loadCalendar(local.deps.store);
    const due = reportInstant(kind, period, calendar, local.deps.cadence);
    const now = io.now();
    const links = appLinks(local.deps.config.DUBAN_APP_URL, await linkSecret(local.deps));
    let files: { name: string; body: Uint8Array }[];
    if (due <= now) {
      // The period's report as its job compiled it, or compiled and archived now.
      const archived =
        (await local.deps.reports.find(kind, period)) ??
        (await local.deps.reports.publish(await compileReport(kind, period, { store: local.deps.store, calendar, config: local.deps.cadence, links }, due)));
      files = [];
      for (const f of archived.files) files.push({ name: f.name, body: (await local.deps.reports.archive.get(f.key))!.body });
    } else {
      // Not yet due: a preview as of now, not archived (the job compiles the real one).
      const model = await compileReport(kind, period, { store: local.deps.store, calendar, config: local.deps.cadence, links }, now);
      files = await (await reportRenderer()).files(model);
      io.out(`本期${reportLabels[kind]}应于 ${localDateOf(due)} ${localTimeOf(due)} 编制；以下为截至现在的预览，未存档。`);
    }
    mkdirSync(values.out, { recursive: true });
    for (const f of files) {
      writeFileSync(join(values.out, f.name), f.body);
      io.out(`  ${join(values.out, f.name)}（${f.body.byteLength} 字节）`);
    }
    io.out(`${reportLabels[kind]} ${period}：已写出 ${files.length} 个文件`);
    return 0;
  } finally {
    await local.close();
  }
}

function progressBar(done: number, total: number, label: string): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} ${label}`;
}

async function tokenVerb(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { office: { type: 'string' } } });
  const unit = positionals[0];
  if (!unit && !values.office) {
    io.err('请指定单位：npx duban token 市环保局，或整改办人员：npx duban token --office 刘芳');
    return 2;
  }
  const local = await connectLocal(readLocalSettings(env));
  try {
    const { store } = local.deps;
    if (values.office) {
      const person = await store.people.get(values.office);
      if (!person?.roles.includes('整改办')) {
        io.err(`错误：“${values.office}”不是“领导与联系人”表中角色为整改办的人员`);
        return 1;
      }
      io.out(await issueToken(store, { kind: 'office', name: person.name }, io.now()));
    } else {
      if (!(await store.units.get(unit!))) {
        io.err(`错误：台账中没有名为“${unit}”的责任单位`);
        return 1;
      }
      io.out(await issueToken(store, { kind: 'unit', unit: unit! }, io.now()));
    }
    io.err('请妥善保管此令牌：它只显示这一次。');
    return 0;
  } finally {
    await local.close();
  }
}

async function interviewVerb(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      by: { type: 'string' },
      scheduled: { type: 'string' },
      held: { type: 'string' },
      attendee: { type: 'string', multiple: true },
      commitment: { type: 'string', multiple: true },
      outcome: { type: 'string' },
      close: { type: 'boolean', default: false },
    },
  });
  const local = await connectLocal(readLocalSettings(env));
  try {
    const { store } = local.deps;
    const id = positionals[0];
    if (!id) {
      const open = await store.openInterviews();
      if (!open.length) io.out('没有未办结的约谈。');
      for (const i of open) {
        const state = i.heldAt ? `已于${i.heldAt}约谈` : i.scheduledAt ? `定于${i.scheduledAt}` : `待安排（应于${i.followUpBy}前跟进）`;
        io.out(`${i.id}  ${i.code} ${i.unit}  ${state}`);
      }
      return 0;
    }
    const person = values.by ? await store.people.get(values.by) : undefined;
    if (!person?.roles.includes('整改办')) {
      io.err('请用 --by 指明登记人（“领导与联系人”表中角色为整改办的人员）');
      return 2;
    }
    const update = parse(interviewBody, {
      ...(values.scheduled ? { scheduledAt: values.scheduled } : {}),
      ...(values.held ? { heldAt: values.held } : {}),
      ...(values.attendee ? { attendees: values.attendee } : {}),
      ...(values.commitment
        ? { commitments: values.commitment.map((c) => { const [content, due] = c.split('@'); return { content: content!.trim(), ...(due ? { due: due.trim() } : {}) }; }) }
        : {}),
      ...(values.outcome ? { outcome: values.outcome } : {}),
      ...(values.close ? { close: true } : {}),
    });
    const saved = await followUpInterview(id, update, { kind: 'office', name: person.name }, io.now(), { store, calendar: await loadCalendar(store) });
    io.out(`已登记约谈 ${saved.id}：${saved.status === 'closed' ? '已办结' : '未办结'}，承诺 ${saved.commitments.length} 条`);
    return 0;
  } finally {
    await local.close();
  }
}
