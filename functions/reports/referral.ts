/**
 * 追责问责移送材料: the workbook the 纪委监委 contact gets when the office confirms L5 for a unit.
 * Sheets: 单位情况 (the unit, the escalation now, the file's date), 整改任务 (its lagging tasks with
 * their causes and dates), 催办与督办 (every 催办 and escalation notice, by date), 进展报送 (every
 * report on those tasks), 督办升级 (every step and every decision of the office, with who and why),
 * 约谈记录 (every 约谈 with its follow-up). Kept in the report archive under `referral/`, where the
 * notice attaches it from; the report listings never show that prefix.
 */
import { levelNames, type ReferralFiler, type ReferralRecord } from '../core/cadence/escalation-model.ts';
import type { ReportArchive } from '../core/ports.ts';
import { XLSX } from './publish.ts';
import { XlsxWorkbook, type CellStyle } from './xlsx-writer.ts';

const header: CellStyle = { font: { bold: true }, fill: 'FFDEE5F0' };
const body: CellStyle = { alignment: { wrapText: true, vertical: 'top' } };
const decisionNames = { confirm: '确认升级', decline: '不予升级', lift: '解除' } as const;

type Column = [header: string, width: number];

function sheet(book: XlsxWorkbook, name: string, columns: Column[], rows: (string | number)[][]): void {
  const ws = book.addSheet(name);
  ws.freeze(1);
  columns.forEach(([, width], i) => ws.width(i + 1, width));
  ws.addRow(
    columns.map(([title]) => title),
    header,
  );
  for (const row of rows) ws.addRow(row, body);
}

export async function referralWorkbook(record: ReferralRecord): Promise<Uint8Array> {
  const { escalation: e } = record;
  const book = new XlsxWorkbook({ creator: 'duban' });
  sheet(book, '单位情况', [['项目', 16], ['内容', 70]], [
    ['单位名称', record.unit.name],
    ['单位类型', record.unit.type],
    ['联络员', record.unit.liaison],
    ['主要负责人', record.unit.head],
    ['当前督办级别', levelNames[e.level] || '无'],
    ['达到该级别日期', e.levelSince],
    ['涉及整改任务', record.tasks.map((t) => t.code).join('、')],
    ['材料整理日期', record.preparedOn],
  ]);
  sheet(
    book,
    '整改任务',
    [['任务编号', 12], ['整改任务', 40], ['整改时限', 18], ['到期日', 12], ['牵头单位', 20], ['责任单位', 24], ['督办领导', 12], ['滞后原因', 50], ['滞后起始日', 12]],
    record.tasks.map((t) => [t.code, t.title, t.deadline, t.due, t.leadUnits, t.responsibleUnits, t.overseers, t.reasons, t.since]),
  );
  sheet(book, '催办与督办', [['日期', 12], ['类别', 22], ['内容', 80]], record.reminders.map((r) => [r.on, r.kind, r.content]));
  sheet(
    book,
    '进展报送',
    [['任务编号', 12], ['报送周期', 12], ['报送时间', 22], ['报送单位', 20], ['进展', 60], ['完成进度', 10]],
    record.reports.map((r) => [r.code, r.period, r.at, r.unit, r.summary, r.percent === undefined ? '' : `${r.percent}%`]),
  );
  sheet(
    book,
    '督办升级',
    [['日期', 12], ['事项', 16], ['级别', 10], ['说明', 70], ['决定人', 14]],
    [
      ...e.steps.map((s) => [s.on, s.level === 0 ? '解除' : '升级', levelNames[s.level] || '—', s.why, s.by ?? '规则']),
      ...e.decisions.map((d) => [d.at.slice(0, 10), `整改办${decisionNames[d.decision]}`, levelNames[d.level] ?? '', d.reason, d.by]),
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  );
  sheet(
    book,
    '约谈记录',
    [['约谈编号', 28], ['涉及任务', 24], ['启动日期', 12], ['约谈时间', 12], ['举行日期', 12], ['参加人员', 24], ['整改承诺', 50], ['约谈结果', 40], ['状态', 8]],
    record.interviews.map((i) => [
      i.id,
      i.codes.join('、'),
      i.openedOn,
      i.scheduledAt ?? '',
      i.heldAt ?? '',
      i.attendees.join('、'),
      i.commitments.map((c) => `${c.content}${c.due ? `（${c.due}前）` : ''}`).join('；'),
      i.outcome ?? '',
      i.status === 'closed' ? '已办结' : '未办结',
    ]),
  );
  return book.toBytes();
}

/** Files the workbook in the archive: `referral/<unit>/<day>/追责问责移送材料-<unit>-<day>.xlsx`. */
export class ArchiveReferrals implements ReferralFiler {
  constructor(private readonly archive: ReportArchive) {}

  async file(record: ReferralRecord) {
    const unit = record.unit.name.replace(/[\\/:*?"<>|]/g, '_');
    const name = `追责问责移送材料-${unit}-${record.preparedOn}.xlsx`;
    const key = `referral/${unit}/${record.preparedOn}/${name}`;
    await this.archive.put(key, await referralWorkbook(record), XLSX);
    return { name, key, contentType: XLSX };
  }
}
