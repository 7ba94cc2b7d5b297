/**
 * Indicator readings (目标指标): a responsible unit (or the office) gives an indicator's value for a
 * month; the monthly account sets each indicator's latest value against its target. A reading is
 * for a month that has begun, never a future one; a second reading for the same month replaces the
 * first (both stay in the indicator's history).
 */
import { NotFoundError, ValidationError } from './errors.ts';
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
  const indicator = await store.indicators.get(name);
  if (!indicator) throw new NotFoundError(`台账中没有名为“${name}”的目标指标`);
  if (principal.kind === 'unit' && !indicator.responsibleUnits.includes(principal.unit)) {
    throw new ForbiddenError(`${principal.unit}不是指标“${name}”的责任单位，不能报送其数值`);
  }
  const current = monthOf(localDateOf(at));
  const month = input.month ?? current;
  parseMonthPeriod(month);
  if (month > current) throw new ValidationError(`“${month}”尚未开始，不能报送该月的指标数值`, 'month');
  const reading: IndicatorReading = {
    name,
    month,
    value: input.value,
    by: principal.kind === 'unit' ? principal.unit : principal.name,
    at: at.toISOString(),
  };
  await store.recordReading(reading);
  return reading;
}

export type IndicatorStatus = '达标' | '未达标' | '未报送';

/** Whether a value meets the target in the indicator's direction. */
export function indicatorStatus(indicator: Pick<Indicator, 'direction' | 'target'>, value: number | undefined): IndicatorStatus {
  if (value === undefined) return '未报送';
  const met = indicator.direction === '≤' ? value <= indicator.target : value >= indicator.target;
  return met ? '达标' : '未达标';
}
