/**
 * Indicator readings (目标指标): a responsible unit (or the office) gives an indicator's value for a
 * month; the monthly account sets each indicator's latest value against its target. A reading is
 * for a month that has begun, never a future one; a second reading for the same month replaces the
 * first (both stay in the indicator's history). A correction (`correctReading`) replaces a month's
 * reading on purpose, with a reason, and names the value, who and when it replaced; the history of
 * every month is read back with `readingHistoryOf`.
 */
import { DubanError, NotFoundError, ValidationError } from './errors.ts';
import type { Indicator } from './ledger.ts';
import type { IndicatorReading, Principal, Store } from './ports.ts';
import { ForbiddenError } from './reporting.ts';
import { localDateOf, monthOf, parseMonthPeriod } from './time.ts';

export async function recordReading(
  name: string,
  input: { value: number; month?: string },
  principal: Principal,
  at: Date,
  store: Store,
): Promise<IndicatorReading> {
  await indicatorFor(name, principal, store, '报送');
  const month = startedMonth(input.month ?? monthOf(localDateOf(at)), at, '报送');
  const reading: IndicatorReading = { name, month, value: input.value, by: byOf(principal), at: at.toISOString() };
  await store.recordReading(reading);
  return reading;
}

/**
 * Corrects the reading a month already has: the new value takes its place in every report compiled
 * from now on, and the replaced reading (value, who, when) stays in the history beside the reason.
 */
export async function correctReading(
  name: string,
  month: string,
  input: { value: number; reason: string },
  principal: Principal,
  at: Date,
  store: Store,
): Promise<IndicatorReading> {
  await indicatorFor(name, principal, store, '更正');
  startedMonth(month, at, '更正');
  const reason = input.reason.trim();
  if (!reason) throw new ValidationError('请填写“更正原因”', 'reason');
  const history = (await store.readingHistory(name)).filter((r) => r.month === month).sort((a, b) => a.at.localeCompare(b.at));
  const previous = history.at(-1);
  if (!previous) throw new ValidationError(`指标“${name}”${month}尚无数值，无可更正：请先报送该月数值`, 'month');
  if (previous.value === input.value) throw new ValidationError(`“指标数值”与${month}现有数值（${previous.value}）相同，无须更正`, 'value');
  const reading: IndicatorReading = {
    name,
    month,
    value: input.value,
    by: byOf(principal),
    at: at.toISOString(),
    correction: { reason, previous: { value: previous.value, by: previous.by, at: previous.at } },
  };
  if (!(await store.recordReading(reading, previous.at))) throw new ReadingChangedError(name, month);
  return reading;
}

/** The month's reading changed between reading it and correcting it (two people at once): nothing was written. */
export class ReadingChangedError extends DubanError {
  constructor(name: string, month: string) {
    super('VERSION_CONFLICT', `指标“${name}”${month}的数值刚被他人报送或更正，本次更正未保存：请刷新后核对再更正`, 'month');
  }
}

/** An indicator's months, each with the value it holds and every earlier value (oldest first). */
export async function readingHistoryOf(name: string, principal: Principal, store: Store) {
  const indicator = await indicatorFor(name, principal, store, '查看');
  const byMonth = new Map<string, IndicatorReading[]>();
  for (const r of await store.readingHistory(name)) byMonth.set(r.month, [...(byMonth.get(r.month) ?? []), r]);
  const months = [...byMonth]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([month, list]) => {
      const sorted = [...list].sort((a, b) => a.at.localeCompare(b.at));
      const current = sorted.at(-1)!;
      return { month, value: current.value, by: current.by, at: current.at, ...(current.correction ? { correction: current.correction } : {}), history: sorted };
    });
  return { name, measureUnit: indicator.measureUnit, months };
}

async function indicatorFor(name: string, principal: Principal, store: Store, verb: string): Promise<Indicator> {
  const indicator = await store.indicators.get(name);
  if (!indicator) throw new NotFoundError(`台账中没有名为“${name}”的目标指标`);
  if (principal.kind === 'unit' && !indicator.responsibleUnits.includes(principal.unit)) {
    throw new ForbiddenError(`${principal.unit}不是指标“${name}”的责任单位，不能${verb}其数值`);
  }
  return indicator;
}

function startedMonth(month: string, at: Date, verb: string): string {
  parseMonthPeriod(month);
  if (month > monthOf(localDateOf(at))) throw new ValidationError(`“${month}”尚未开始，不能${verb}该月的指标数值`, 'month');
  return month;
}

const byOf = (principal: Principal) => (principal.kind === 'unit' ? principal.unit : principal.name);

export type IndicatorStatus = '达标' | '未达标' | '未报送';

/** Whether a value meets the target in the indicator's direction. */
export function indicatorStatus(indicator: Pick<Indicator, 'direction' | 'target'>, value: number | undefined): IndicatorStatus {
  if (value === undefined) return '未报送';
  const met = indicator.direction === '≤' ? value <= indicator.target : value >= indicator.target;
  return met ? '达标' : '未达标';
}
