import { sql } from 'drizzle-orm';
import type { Database } from '../../db/connection.js';
import type { Mission } from './catalog.js';
import { isWithinWindow, periodKey } from '../domain/window.js';
import type { MissionCatalog } from './catalog.js';
import type { FlagService } from './flags.js';
import type { ClockHealth } from '../domain/clockHealth.js';

export interface GoldenCounts {
  missionId: number;
  periodKey: string;
  /** distinct users with at least one counted play this period */
  participants: number;
  /** users who reached the target (completed or claimed; payouts excluded) */
  completions: number;
  claims: number;
  claimsByMode: { manual: number; auto: number; payout: number };
}

/**
 * Today's counts for /golden (docs/bot.md): from the progress rows of the current period of the
 * mission, so they agree with what players see. A participant is a row with progress > 0: only a
 * counted play moves progress (a payout sets `claimed` with progress 0).
 */
export async function goldenCounts(database: Database, m: Mission, nowMs: number, tz: string): Promise<GoldenCounts> {
  const p = periodKey(m, nowMs, tz);
  const [a] = await database.query<{ n: string | number }>(
    sql`select count(*) as n from user_mission_progress where mission_id = ${m.id} and period_key = ${p} and progress > 0`,
  );
  const rows = await database.query<{ status: string; claim_mode: string | null; n: string | number }>(
    sql`select status, claim_mode, count(*) as n from user_mission_progress
        where mission_id = ${m.id} and period_key = ${p} and status in ('completed', 'claimed')
        group by status, claim_mode`,
  );
  const byMode = { manual: 0, auto: 0, payout: 0 };
  let completions = 0;
  let claims = 0;
  for (const r of rows) {
    const n = Number(r.n);
    // a manual payout is a remedy, not a completion
    if (r.claim_mode !== 'payout') completions += n;
    if (r.status !== 'claimed') continue;
    claims += n;
    if (r.claim_mode === 'payout') byMode.payout += n;
    else if (r.claim_mode === 'auto') byMode.auto += n;
    else byMode.manual += n;
  }
  return { missionId: m.id, periodKey: p, participants: Number(a?.n ?? 0), completions, claims, claimsByMode: byMode };
}

/**
 * Is the golden-hour mission's window open for players at `nowMs`? Closed when the flag is off or
 * the clock guard is unhealthy (fail closed); drives the golden_hour_window_open gauge.
 */
export async function goldenWindowOpen(
  d: { catalog: Pick<MissionCatalog, 'goldenMission'>; flags: Pick<FlagService, 'goldenHour'>; readonly clockHealth: ClockHealth; tz: string },
  nowMs: number,
): Promise<boolean> {
  if ((await d.flags.goldenHour()) === 'off' || !d.clockHealth.isHealthy()) return false;
  const m = await d.catalog.goldenMission();
  return m !== undefined && isWithinWindow(m.window, nowMs, d.tz);
}
