import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import type { Audience, Mission } from './catalog.js';
import { isGated, isLiveFor } from './catalog.js';
import type { FlagState } from '../platform/config.js';
import { isWithinWindow, periodKey } from '../domain/window.js';
import { payRewards, type PayItem } from './ledger.js';
import type { Metrics } from '../platform/metrics.js';
import type { ExperimentTimeline } from './experiments.js';

export { ACTION_TYPES, type ActionType, type GameEvent } from '../domain/events.js';
import type { GameEvent } from '../domain/events.js';

export type Verdict = 'counted' | 'outside_window' | 'flag_off' | 'clock_unhealthy' | 'holdout';

export interface DecideContext {
  missions: Mission[];
  flag: FlagState;
  clockHealthy: boolean;
  audience: Audience;
  tz: string;
  /** the golden-hour experiment's versions; holdout players' plays do not count for it */
  experiment?: ExperimentTimeline;
}

/** The verdict for one (event, mission) pair: the rule behind every progress decision. */
export function decide(m: Mission, e: Pick<GameEvent, 'userId' | 'receivedAt'>, ctx: DecideContext, period?: string): Verdict {
  if (!isLiveFor(m, ctx.flag, e.userId, ctx.audience)) return 'flag_off';
  if (ctx.experiment && m.isGoldenHour && ctx.experiment.isHoldout(m, e.userId, period ?? periodKey(m, e.receivedAt, ctx.tz))) return 'holdout';
  if (m.window) {
    if (!ctx.clockHealthy) return 'clock_unhealthy';
    if (!isWithinWindow(m.window, e.receivedAt, ctx.tz)) return 'outside_window';
  }
  return 'counted';
}

/**
 * The vault multiplier for a play (DESIGN.md §3, Vault): taken from the golden-hour missions'
 * own windows, so the 2× and the mission can never drift apart.
 */
export function vaultMultiplier(e: Pick<GameEvent, 'userId' | 'receivedAt'>, ctx: DecideContext): { multiplier: number; missionId: number | null } {
  let best = { multiplier: 1, missionId: null as number | null };
  for (const m of ctx.missions) {
    if (!m.active || !m.isGoldenHour || m.vaultAccrualMultiplier <= best.multiplier) continue;
    if (decide(m, e, ctx) === 'counted') best = { multiplier: m.vaultAccrualMultiplier, missionId: m.id };
  }
  return best;
}

export interface ApplyResult {
  events: number;
  duplicates: number;
  counted: number;
  completed: number;
  autoClaimed: number;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Applies a batch of events in one transaction with a fixed number of statements, whatever the
 * batch size (the peak-time hot path). Idempotent: replaying any part of a batch changes nothing,
 * because every insert is guarded by a unique key (DESIGN.md §3, Actions).
 */
export async function applyEvents(
  deps: { database: Database; metrics?: Metrics; log?: Logger; vaultPointsPerPlay: number; now: () => Date; logSample?: number; random?: () => number },
  batch: GameEvent[],
  ctx: DecideContext,
): Promise<ApplyResult> {
  const { database } = deps;
  // in-batch duplicates are dropped here; cross-batch ones by the unique keys
  const seen = new Set<string>();
  const events: GameEvent[] = [];
  for (const e of batch) {
    const k = `${e.userId}\u0000${e.type}\u0000${e.actionId}`;
    if (seen.has(k)) continue;
    seen.add(k);
    events.push(e);
  }
  events.sort((a, b) => a.userId - b.userId || cmp(a.actionId, b.actionId));
  const byType = new Map<string, Mission[]>();
  for (const m of ctx.missions) {
    if (!m.active) continue;
    const l = byType.get(m.actionType) ?? [];
    l.push(m);
    byType.set(m.actionType, l);
  }
  const missionById = new Map(ctx.missions.map((m) => [m.id, m]));

  const actionRows: { u: number; t: string; a: string; n: number | null; r: string }[] = [];
  const maRows: { u: number; m: number; a: string; p: string; v: Verdict; r: string }[] = [];
  const vaultRows: { u: number; a: string; b: number; x: number; pts: number; g: boolean; m: number | null; r: string }[] = [];
  const userLast = new Map<number, number>();
  for (const e of events) {
    const r = new Date(e.receivedAt).toISOString();
    actionRows.push({ u: e.userId, t: e.type, a: e.actionId, n: e.amount ?? null, r });
    userLast.set(e.userId, Math.max(userLast.get(e.userId) ?? 0, e.receivedAt));
    for (const m of byType.get(e.type) ?? []) {
      const p = periodKey(m, e.receivedAt, ctx.tz);
      maRows.push({ u: e.userId, m: m.id, a: e.actionId, p, v: decide(m, e, ctx, p), r });
    }
    if (e.type === 'PLAY_GAME' && deps.vaultPointsPerPlay > 0) {
      const { multiplier, missionId } = vaultMultiplier(e, ctx);
      const base = deps.vaultPointsPerPlay;
      vaultRows.push({ u: e.userId, a: e.actionId, b: base, x: multiplier, pts: Math.round(base * multiplier), g: missionId !== null, m: missionId, r });
    }
  }
  const users = [...userLast.entries()].sort((a, b) => a[0] - b[0]).map(([u, ms]) => ({ u, r: new Date(ms).toISOString(), min: new Date(Math.floor(ms / 60_000) * 60_000).toISOString() }));

  // decision logs (issue #6): gathered in the transaction, written after it commits
  const sample = deps.logSample ?? REJECTION_LOG_SAMPLE;
  const rnd = deps.random ?? Math.random;
  const rejected: Record<string, unknown>[] = [];
  const autoClaims: Record<string, unknown>[] = [];
  let decidedAt = '';
  const result = await database.db.transaction(async (tx) => {
    // 1. evidence + dedupe + activity + vault, one statement
    const inserted = await database.query<{ k: string; user_id: string | number; mission_id: number | null; period_key: string | null; verdict: string | null; received_at: string | Date | null; points: number | null }>(
      sql`with
        ins_actions as (
          insert into actions as a (user_id, type, action_id, amount, received_at)
          select x.u, x.t, x.a, x.n, x.r from jsonb_to_recordset(${JSON.stringify(actionRows)}::jsonb) as x(u bigint, t text, a text, n bigint, r timestamptz)
          on conflict (user_id, type, action_id) do update set replays = a.replays + 1
          returning (xmax = 0) as fresh
        ),
        ins_users as (
          insert into users as u (id, last_active_at)
          select x.u, x.r from jsonb_to_recordset(${JSON.stringify(users)}::jsonb) as x(u bigint, r timestamptz, min timestamptz)
          on conflict (id) do update set last_active_at = excluded.last_active_at
          where u.last_active_at is null or u.last_active_at < excluded.last_active_at - interval '1 minute'
          returning 1
        ),
        ins_minutes as (
          insert into activity_minutes (minute, user_id)
          select x.min, x.u from jsonb_to_recordset(${JSON.stringify(users)}::jsonb) as x(u bigint, r timestamptz, min timestamptz)
          on conflict do nothing
          returning 1
        ),
        ins_ma as (
          insert into mission_actions (user_id, mission_id, action_id, period_key, verdict, received_at)
          select x.u, x.m, x.a, x.p, x.v, x.r from jsonb_to_recordset(${JSON.stringify(maRows)}::jsonb) as x(u bigint, m int, a text, p text, v text, r timestamptz)
          on conflict do nothing
          returning user_id, mission_id, period_key, verdict, received_at
        ),
        ins_vault as (
          insert into vault_earn_events (user_id, action_id, base_points, multiplier, points, golden_hour, mission_id, received_at)
          select x.u, x.a, x.b, x.x, x.pts, x.g, x.m, x.r from jsonb_to_recordset(${JSON.stringify(vaultRows)}::jsonb) as x(u bigint, a text, b int, x numeric, pts int, g boolean, m int, r timestamptz)
          on conflict (user_id, action_id) do nothing
          returning user_id, points
        )
        select 'ma' as k, user_id, mission_id, period_key, verdict, received_at, null::int as points from ins_ma
        union all select 'v', user_id, null, null, null, null, points from ins_vault
        union all select 'dup', 0, null, null, null, null, count(*)::int from ins_actions where not fresh
        union all select 'x', 0, null, null, null, null, (select count(*) from ins_users)::int + (select count(*) from ins_minutes)::int`,
      tx,
    );

    const counts = new Map<string, { u: number; m: number; p: string; n: number; last: number }>();
    const vault = new Map<number, number>();
    let duplicates = 0;
    const verdictCounts: Record<string, number> = {};
    for (const r of inserted) {
      if (r.k === 'ma') {
        verdictCounts[r.verdict!] = (verdictCounts[r.verdict!] ?? 0) + 1;
        if (r.verdict !== 'counted') {
          if (deps.log && rejected.length < REJECTION_LOG_MAX_PER_BATCH && rnd() < sample) {
            rejected.push({ userId: Number(r.user_id), missionId: r.mission_id, periodKey: r.period_key, verdict: r.verdict, receivedAt: new Date(r.received_at as string).toISOString() });
          }
          continue;
        }
        const key = `${r.user_id}|${r.mission_id}|${r.period_key}`;
        const ms = new Date(r.received_at as string).getTime();
        const c = counts.get(key);
        if (c) {
          c.n++;
          c.last = Math.max(c.last, ms);
        } else counts.set(key, { u: Number(r.user_id), m: r.mission_id!, p: r.period_key!, n: 1, last: ms });
      } else if (r.k === 'v') {
        const u = Number(r.user_id);
        vault.set(u, (vault.get(u) ?? 0) + Number(r.points));
      } else if (r.k === 'dup') duplicates = Number(r.points);
    }
    const dupPairs = maRows.length - Object.values(verdictCounts).reduce((a, b) => a + b, 0);
    if (deps.metrics) {
      for (const [v, n] of Object.entries(verdictCounts)) deps.metrics.missionProgress.inc({ result: v }, n);
      if (dupPairs > 0) deps.metrics.missionProgress.inc({ result: 'duplicate' }, dupPairs);
    }

    // 2. progress, capped at the target; completion stamped with the completing play's receive time
    let completed = 0;
    const autoItems: PayItem[] = [];
    if (counts.size) {
      const rows = [...counts.values()]
        .sort((a, b) => a.u - b.u || a.m - b.m || cmp(a.p, b.p))
        .map((c) => {
          const m = missionById.get(c.m)!;
          return { u: c.u, m: c.m, p: c.p, n: Math.min(c.n, m.target), t: m.target, c: new Date(c.last).toISOString() };
        });
      const now = deps.now().toISOString();
      const progressed = await database.query<{ user_id: string | number; mission_id: number; period_key: string; status: string }>(
        sql`insert into user_mission_progress as p (user_id, mission_id, period_key, progress, status, completed_at, updated_at)
            select x.u, x.m, x.p, x.n, case when x.n >= x.t then 'completed' else 'active' end,
                   case when x.n >= x.t then x.c end, ${now}::timestamptz
            from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(u bigint, m int, p text, n int, t int, c timestamptz)
            on conflict (user_id, mission_id, period_key) do update set
              progress = least(p.progress + excluded.progress, (select target_value from missions where id = excluded.mission_id)),
              status = case when p.status = 'active' and p.progress + excluded.progress >= (select target_value from missions where id = excluded.mission_id)
                            then 'completed' else p.status end,
              completed_at = case when p.status = 'active' and p.progress + excluded.progress >= (select target_value from missions where id = excluded.mission_id)
                            then coalesce(excluded.completed_at, ${now}::timestamptz) else p.completed_at end,
              updated_at = excluded.updated_at
            returning user_id, mission_id, period_key, status`,
        tx,
      );
      const autoKeys: { u: number; m: number; p: string }[] = [];
      for (const r of progressed) {
        if (r.status !== 'completed') continue;
        completed++;
        const m = missionById.get(r.mission_id);
        if (m?.autoClaim) autoKeys.push({ u: Number(r.user_id), m: r.mission_id, p: r.period_key });
      }
      // 3. auto_claim pays inside the same transaction that completes (DESIGN.md §3, Claim)
      if (autoKeys.length) {
        const claimed = await database.query<{ user_id: string | number; mission_id: number; period_key: string }>(
          sql`update user_mission_progress as p set status = 'claimed', claimed_at = ${now}::timestamptz, claim_mode = 'auto'
              from jsonb_to_recordset(${JSON.stringify(autoKeys)}::jsonb) as x(u bigint, m int, p text)
              where p.user_id = x.u and p.mission_id = x.m and p.period_key = x.p and p.status = 'completed'
              returning p.user_id, p.mission_id, p.period_key`,
          tx,
        );
        for (const c of claimed) {
          const m = missionById.get(c.mission_id)!;
          const rewards = ctx.experiment?.rewardsFor(m, Number(c.user_id), c.period_key) ?? m.rewards;
          autoItems.push({ userId: Number(c.user_id), missionId: c.mission_id, periodKey: c.period_key, rewards });
          if (deps.log) autoClaims.push({ userId: Number(c.user_id), missionId: c.mission_id, periodKey: c.period_key, verdict: 'auto_claimed', claimedAt: now });
        }
      }
    }
    // 4. balances: auto-claim rewards and vault points in one upsert
    if (autoItems.length || vault.size) {
      await payRewards(database, tx, autoItems, 'auto_claim', deps.now(), { vaultPoints: vault });
      if (deps.metrics && autoItems.length) deps.metrics.missionClaim.inc({ result: 'auto' }, autoItems.length);
    }
    let countedTotal = 0;
    for (const c of counts.values()) countedTotal += c.n;
    decidedAt = deps.now().toISOString();
    return {
      events: events.length,
      duplicates: duplicates + (batch.length - events.length),
      counted: countedTotal,
      completed,
      autoClaimed: autoItems.length,
      verdicts: verdictCounts,
    };
  });
  const { verdicts, ...out } = result;
  if (deps.log) logDecisions(deps.log, batch, out, verdicts, decidedAt, rejected, autoClaims);
  return out;
}

/** Share of rejected (event, mission) decisions logged one by one (plan §11: 10%), capped per batch. */
export const REJECTION_LOG_SAMPLE = 0.1;
const REJECTION_LOG_MAX_PER_BATCH = 50;

/**
 * One summary line per batch (counts per verdict and the receive-time span it judged), each
 * auto-claim, and a sample of rejections with the timestamps used, so support can answer "why
 * wasn't my play counted" (the full evidence is mission_actions, see /why). No init data or
 * tokens ever reach these objects: events carry only ids, types and receive stamps.
 */
function logDecisions(
  log: Logger,
  batch: GameEvent[],
  r: ApplyResult,
  verdicts: Record<string, number>,
  decidedAt: string,
  rejected: Record<string, unknown>[],
  autoClaims: Record<string, unknown>[],
) {
  let first = Infinity;
  let last = -Infinity;
  for (const e of batch) {
    if (e.receivedAt < first) first = e.receivedAt;
    if (e.receivedAt > last) last = e.receivedAt;
  }
  log.info(
    {
      events: r.events,
      duplicates: r.duplicates,
      verdicts,
      completed: r.completed,
      autoClaimed: r.autoClaimed,
      receivedFrom: Number.isFinite(first) ? new Date(first).toISOString() : null,
      receivedTo: Number.isFinite(last) ? new Date(last).toISOString() : null,
      decidedAt,
    },
    'progress batch',
  );
  for (const c of autoClaims) log.info({ ...c, decidedAt }, 'claim');
  for (const d of rejected) log.info({ ...d, decidedAt, sampled: true }, 'progress rejected (sampled)');
}
