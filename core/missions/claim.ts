import type { Database } from '../../db/connection.js';
import { DomainError } from '../domain/errors.js';
import type { Audience, Mission, MissionCatalog, Rewards } from './catalog.js';
import { isLiveFor } from './catalog.js';
import type { FlagService } from './flags.js';
import type { ClockHealth } from '../domain/clockHealth.js';
import type { Clock } from '../platform/clock.js';
import { isWithinWindow, periodKey } from '../domain/window.js';
import { claimAndPay, type BalanceRow } from './ledger.js';
import type { ExperimentTimeline } from './experiments.js';

export interface ClaimDeps {
  database: Database;
  catalog: MissionCatalog;
  flags: FlagService;
  clockHealth: ClockHealth;
  clock: Clock;
  audience: Audience;
  tz: string;
  experiments?: { timeline(): Promise<ExperimentTimeline> };
}

export interface ClaimResult {
  missionId: number;
  periodKey: string;
  rewards: Rewards;
  balances: BalanceRow;
  claimedAt: string;
}

/**
 * Resolves a mission a player may see, or MISSION_NOT_FOUND (also when the flag hides it, and for
 * a holdout player of the golden-hour experiment in the period at `nowMs`).
 */
export async function visibleMission(
  deps: Pick<ClaimDeps, 'catalog' | 'flags' | 'audience' | 'experiments' | 'tz'>,
  userId: number,
  missionId: number,
  nowMs?: number,
): Promise<Mission> {
  const m = Number.isSafeInteger(missionId) ? await deps.catalog.get(missionId) : undefined;
  if (!m || !m.active) throw new DomainError('MISSION_NOT_FOUND', 'no such mission');
  if (!isLiveFor(m, await deps.flags.goldenHour(), userId, deps.audience)) throw new DomainError('MISSION_NOT_FOUND', 'no such mission');
  if (m.isGoldenHour && nowMs !== undefined && deps.experiments) {
    const period = periodKey(m, nowMs, deps.tz);
    const t = await deps.experiments.timeline();
    if (t.isHoldout(m, userId, period)) throw new DomainError('MISSION_NOT_FOUND', 'no such mission');
    return { ...m, rewards: t.rewardsFor(m, userId, period) };
  }
  return m;
}

/**
 * completed → claimed as one transaction (docs/design.md, Claim): a conditional update, the ledger
 * rows and the balances commit together or not at all. Window and flag are re-checked at claim
 * time against the server clock, so a client clock or a late tap cannot claim outside the window.
 */
export async function claimMission(deps: ClaimDeps, userId: number, missionId: number): Promise<ClaimResult> {
  const nowMs = deps.clock.nowMs();
  const m = await visibleMission(deps, userId, missionId, nowMs);
  if (m.window && (!deps.clockHealth.isHealthy() || !isWithinWindow(m.window, nowMs, deps.tz))) {
    throw new DomainError('OUTSIDE_WINDOW', `this mission can be claimed only between ${m.window.start} and ${m.window.end}`, { window: m.window });
  }
  const period = periodKey(m, nowMs, deps.tz);
  const at = new Date(nowMs);
  // one statement: its own transaction, one round trip (docs/performance.md, claim)
  const r = await claimAndPay(deps.database, { userId, missionId: m.id, periodKey: period, rewards: m.rewards }, at);
  if (!r.moved) {
    // 'completed' in the statement's snapshot but not moved: a concurrent claim took the row
    // while this one waited for its lock (completed only ever moves to claimed)
    if (r.status === 'claimed' || r.status === 'completed') throw new DomainError('ALREADY_CLAIMED', 'reward already claimed for this period');
    throw new DomainError('NOT_COMPLETED', 'mission not completed yet');
  }
  return { missionId: m.id, periodKey: period, rewards: m.rewards, balances: r.balances!, claimedAt: at.toISOString() };
}
