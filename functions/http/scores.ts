/**
 * The office's 考核 scores: `GET /api/scores?month=YYYY-MM`, every unit's monthly score with the
 * breakdown per rule and its rank (core/scores.ts), as of the request: the reports' roll-up is folded
 * first. Thin: parse, call, answer.
 */
import type { Hono } from 'hono';
import type { CadenceConfig } from '../core/cadence/config.ts';
import type { WorkdayCalendar } from '../core/calendar.ts';
import type { Principal, Store } from '../core/ports.ts';
import { ForbiddenError } from '../core/reporting.ts';
import { readingOnce } from '../core/cadence/period-reads.ts';
import { monthlyScores, parseScoreMonth } from '../core/scores.ts';

export function scoreRoutes(app: Hono<{ Variables: { principal: Principal } }>, deps: { store: Store; clock: () => Date; calendar: () => Promise<WorkdayCalendar>; cadence: CadenceConfig }) {
  app.get('/api/scores', async (c) => {
    if (c.get('principal').kind !== 'office') throw new ForbiddenError('只有整改办可以查看考核得分');
    const month = parseScoreMonth(c.req.query('month'));
    // The roll-up is folded first (it reads only what arrived since its cursor): a report of a moment ago counts.
    return c.json({ scores: await monthlyScores(month, deps.clock(), { store: readingOnce(deps.store), calendar: await deps.calendar(), config: deps.cadence }) });
  });
}
