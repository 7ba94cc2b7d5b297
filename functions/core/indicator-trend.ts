/**
 * An indicator over time (目标指标走势). Input: the indicator (its target, direction and target
 * year), every reading it has had (corrections included) and the month a report closes. Output:
 * the month's series (the value each month holds, a correction replacing the value it corrects),
 * the straight-line trajectory from the baseline to the target, and whether the latest reading is
 * on course, as a Chinese sentence with the gap.
 *
 * The baseline is the indicator's 基准值 (as of December of its 基准年份) when the ledger gives one,
 * else its first reading. The target is due in December of the target year. The trajectory's
 * expected value for a month is the straight line between the two; a reading on the better side of
 * it (≤: at or below, ≥: at or above) is on course (达到轨迹), else off course (偏离轨迹) by the gap.
 */
import type { Indicator } from './ledger.ts';
import type { IndicatorReading } from './ports.ts';
import { localDateOf } from './time.ts';

export interface TrendPoint {
  month: string;
  value: number;
  by: string;
  at: string;
  /** Why the value was last corrected, if it was. */
  reason?: string;
  /** The values this month's reading replaced, oldest first (a corrected reading keeps them). */
  corrected: { value: number; by: string; at: string }[];
}

export type CourseStatus = '达到轨迹' | '偏离轨迹' | '未报送';

export interface IndicatorTrend {
  name: string;
  measureUnit: string;
  direction: '≤' | '≥';
  target: number;
  /** The month the target is due: December of the target year. */
  targetMonth: string;
  baseline?: { month: string; value: number; source: '台账基准值' | '首次读数' };
  readings: TrendPoint[];
  latest?: TrendPoint;
  /** The trajectory's value at the latest reading's month. */
  expected?: number;
  /** How far the latest reading is from the trajectory, in the indicator's unit (never negative). */
  gap?: number;
  status: CourseStatus;
  sentence: string;
}

/** Months as a count, so a straight line can run across years. */
export const monthIndex = (month: string) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;

const monthText = (month: string) => `${month.slice(0, 4)}年${Number(month.slice(5, 7))}月`;

/** A number as the office writes it: at most two decimals, no trailing zeros. */
export const numberText = (value: number) => String(Math.round(value * 100) / 100);

/** Each month's value as it stands (the latest reading of the month), with what it replaced. */
export function monthlySeries(readings: IndicatorReading[], upTo: string): TrendPoint[] {
  const byMonth = new Map<string, IndicatorReading[]>();
  for (const r of readings) if (r.month <= upTo) byMonth.set(r.month, [...(byMonth.get(r.month) ?? []), r]);
  return [...byMonth]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([month, list]) => {
      const sorted = [...list].sort((a, b) => a.at.localeCompare(b.at));
      const current = sorted.at(-1)!;
      return {
        month,
        value: current.value,
        by: current.by,
        at: current.at,
        ...(current.correction ? { reason: current.correction.reason } : {}),
        corrected: sorted.slice(0, -1).map((r) => ({ value: r.value, by: r.by, at: r.at })),
      };
    });
}

/** Each corrected month in words: 2018年8月：50→49.5微克/立方米（市环保局2018-08-31报送；张三2018-09-29更正：监测站复核）. */
export function correctionNotes(trend: Pick<IndicatorTrend, 'readings' | 'measureUnit'>): string[] {
  const day = (iso: string) => localDateOf(new Date(iso));
  return trend.readings
    .filter((p) => p.corrected.length)
    .map((p) => {
      const first = p.corrected[0]!;
      const values = [...p.corrected.map((c) => numberText(c.value)), numberText(p.value)].join('→');
      return `${monthText(p.month)}：${values}${trend.measureUnit}（${first.by}${day(first.at)}报送；${p.by}${day(p.at)}更正${p.reason ? `：${p.reason}` : ''}）`;
    });
}

/** The trajectory's value at a month: the straight line from the baseline to the target, the target after it. */
export function expectedAt(trend: Pick<IndicatorTrend, 'baseline' | 'target' | 'targetMonth'>, month: string): number | undefined {
  const { baseline } = trend;
  if (!baseline) return undefined;
  const from = monthIndex(baseline.month);
  const to = monthIndex(trend.targetMonth);
  const at = monthIndex(month);
  if (at >= to || to <= from) return trend.target;
  if (at <= from) return baseline.value;
  return baseline.value + ((trend.target - baseline.value) * (at - from)) / (to - from);
}

export function indicatorTrend(indicator: Indicator, readings: IndicatorReading[], month: string): IndicatorTrend {
  const series = monthlySeries(readings.filter((r) => r.name === indicator.name), month);
  const targetMonth = `${indicator.year}-12`;
  const baseline =
    indicator.baseline !== undefined && indicator.baselineYear !== undefined
      ? { month: `${indicator.baselineYear}-12`, value: indicator.baseline, source: '台账基准值' as const }
      : series[0] && { month: series[0].month, value: series[0].value, source: '首次读数' as const };
  const base = { name: indicator.name, measureUnit: indicator.measureUnit, direction: indicator.direction, target: indicator.target, targetMonth, baseline, readings: series };
  const latest = series.at(-1);
  if (!latest) return { ...base, status: '未报送', sentence: `${indicator.name}截至${monthText(month)}尚无读数，无法判断是否达到轨迹。` };
  const expected = expectedAt(base, latest.month)!;
  const better = indicator.direction === '≤' ? latest.value <= expected : latest.value >= expected;
  const gap = Math.abs(latest.value - expected);
  const unit = indicator.measureUnit;
  const bound = indicator.direction === '≤' ? '不高于' : '不低于';
  const opening = `${indicator.name}${monthText(latest.month)}读数${numberText(latest.value)}${unit}，按${baseline!.source === '台账基准值' ? `基准值（${baseline!.month.slice(0, 4)}年${numberText(baseline!.value)}${unit}）` : `首次读数（${monthText(baseline!.month)}${numberText(baseline!.value)}${unit}）`}至${indicator.year}年目标${indicator.direction} ${numberText(indicator.target)}${unit}的直线轨迹，当月应${bound}${numberText(expected)}${unit}`;
  const stale = latest.month < month ? `（${monthText(month)}未报送，以最近一次读数计）` : '';
  return {
    ...base,
    latest,
    expected,
    gap,
    status: better ? '达到轨迹' : '偏离轨迹',
    sentence: better
      ? `${opening}，达到轨迹${gap > 0 ? `（优于轨迹${numberText(gap)}${unit}）` : ''}${stale}。`
      : `${opening}，偏离轨迹${numberText(gap)}${unit}${stale}。`,
  };
}
