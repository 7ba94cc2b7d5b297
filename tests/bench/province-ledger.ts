/**
 * A province-scale ledger, generated: 1,000 units (provincial departments, parks and townships in
 * 20 cities), 10,000 tasks in 8 sections with deadlines spread over 18 months, milestones, leaders.
 * Deterministic (a seeded generator), shaped as the office's workbook so it goes through the real
 * import.
 */
import { mulberry32 } from '../support/drills.ts';
import { TASKS, UNITS, PEOPLE, INDICATORS, DUTIES, sheetSpecs, type RawTable } from '../../functions/ledger-import/sheets.ts';

/** The drills' seeded generator: the same ledger every run. */
export const seeded = mulberry32;

const sections = ['坚决贯彻落实党中央国务院重大决策部署', '坚决打赢蓝天保卫战', '着力打好碧水保卫战', '扎实推进净土保卫战', '严守生态保护红线', '推进产业结构调整', '夯实环境安全基础', '深化生态环境治理体系改革'];
const cities = ['成都', '自贡', '攀枝花', '泸州', '德阳', '绵阳', '广元', '遂宁', '内江', '乐山', '南充', '眉山', '宜宾', '广安', '达州', '雅安', '巴中', '资阳', '阿坝', '甘孜'];

export interface ProvinceOptions {
  tasks: number;
  units: number;
  seed?: number;
}

function table(sheet: string, rows: Record<string, string>[]): RawTable {
  const headers = sheetSpecs.find((s) => s.name === sheet)!.columns.map((c) => c.header);
  return { sheet, headers, rows: rows.map((cells, i) => ({ row: i + 2, cells })) };
}

export function provinceLedger(options: ProvinceOptions): { tables: RawTable[]; units: string[]; departments: number } {
  const random = seeded(options.seed ?? 2018);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const departments = Math.round(options.units / 10);
  const parks = Math.round(options.units / 50);
  const units: { name: string; type: string }[] = [];
  for (let i = 1; i <= departments; i++) units.push({ name: `省直部门${String(i).padStart(3, '0')}`, type: '市级部门' });
  for (let i = 1; i <= parks; i++) units.push({ name: `${cities[i % cities.length]}产业园区${i}`, type: '园区' });
  for (let i = 1; units.length < options.units; i++) units.push({ name: `${cities[i % cities.length]}第${i}乡镇`, type: '乡镇' });

  const unitRows = units.map((u, i) => ({
    单位名称: u.name,
    单位类型: u.type,
    联系人: `联络员${i + 1}`,
    联系人邮箱: `u${i + 1}.liaison@example.org`,
    主要负责人: `负责人${i + 1}`,
    负责人邮箱: `u${i + 1}.head@example.org`,
    所属分组: '',
  }));
  const people = [
    ...Array.from({ length: 10 }, (_, i) => ({ 姓名: `领导小组成员${i + 1}`, 职务: '省领导', 邮箱: `group${i + 1}@example.org`, 角色: '领导小组' })),
    ...Array.from({ length: 20 }, (_, i) => ({ 姓名: `督办领导${i + 1}`, 职务: '副省长', 邮箱: `overseer${i + 1}@example.org`, 角色: '督办领导' })),
    ...Array.from({ length: 5 }, (_, i) => ({ 姓名: `整改办${i + 1}`, 职务: '省整改办', 邮箱: `office${i + 1}@example.org`, 角色: '整改办' })),
    { 姓名: '纪委监委联络人', 职务: '省纪委监委', 邮箱: 'discipline@example.org', 角色: '纪委监委' },
  ];
  // Departments lead 40% of the tasks, the other units the rest; each task shares 0–2 units.
  const tasks = Array.from({ length: options.tasks }, (_, i) => {
    const section = i % sections.length;
    const lead = random() < 0.4 ? units[Math.floor(random() * departments)]! : pick(units.slice(departments));
    const responsible = new Set<string>();
    for (let n = Math.floor(random() * 3); n > 0; n--) responsible.add(pick(units).name);
    responsible.delete(lead.name);
    const r = random();
    const month = 7 + Math.floor(random() * 18); // 2018-07 .. 2019-12
    const deadline =
      r < 0.05 ? '长期坚持' : r < 0.07 ? '立行立改' : `${month > 12 ? 2019 : 2018}年${((month - 1) % 12) + 1}月底前`;
    const milestone = r > 0.07 && random() < 0.2 && month > 9 ? `2018年9月底前 完成排查` : '';
    return {
      任务编号: `SC-${section + 1}-${i + 1}`,
      类别: sections[section]!,
      督察反馈问题: `督察反馈问题第${i + 1}项：部分区域环境问题整改不到位`,
      整改任务: `整改任务${i + 1}`,
      整改目标: '按期完成整改，问题不反弹',
      整改措施: '制定方案，明确责任，倒排工期，逐项销号',
      牵头单位: lead.name,
      责任单位: [...responsible].join('、'),
      督办领导: `督办领导${(i % 20) + 1}`,
      整改时限: deadline,
      阶段节点: milestone,
      备注: '',
    };
  });
  const indicators = Array.from({ length: 20 }, (_, i) => ({
    指标名称: `指标${i + 1}`,
    计量单位: '%',
    目标值: String(80 + (i % 15)),
    方向: '≥',
    目标年份: '2020',
    责任单位: units[i]!.name,
  }));
  const duties = [{ 事项: '督察整改信息公开', 频次: '每周', 要求: '每周公开整改进展', 责任单位: units[0]!.name }];
  return {
    tables: [table(UNITS, unitRows), table(PEOPLE, people), table(TASKS, tasks), table(INDICATORS, indicators), table(DUTIES, duties)],
    units: units.map((u) => u.name),
    departments,
  };
}
