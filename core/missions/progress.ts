import type { Logger } from 'pino';
import { pgArray, type Database, type Executor } from '../../db/connection.js';
import type { Audience, Mission } from './catalog.js';
import { isGated, isLiveFor } from './catalog.js';
import type { FlagState } from '../platform/config.js';
import { isWithinWindow, isWithinWindowAt, localClock, periodKey, periodKeyAt } from '../domain/window.js';
import type { LocalParts } from '../domain/time.js';
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
export function decide(m: Mission, e: Pick<GameEvent, 'userId' | 'receivedAt'>, ctx: DecideContext, period?: string, local?: LocalParts): Verdict {
  if (!isLiveFor(m, ctx.flag, e.userId, ctx.audience)) return 'flag_off';
  if (ctx.experiment && m.isGoldenHour && ctx.experiment.isHoldout(m, e.userId, period ?? (local ? periodKeyAt(m, local) : periodKey(m, e.receivedAt, ctx.tz)))) return 'holdout';
  if (m.window) {
    if (!ctx.clockHealthy) return 'clock_unhealthy';
    if (!(local ? isWithinWindowAt(m.window, local) : isWithinWindow(m.window, e.receivedAt, ctx.tz))) return 'outside_window';
  }
  return 'counted';
}

/**
 * The vault multiplier for a play (docs/design.md, The rules in words: Vault): taken from the golden-hour missions'
 * own windows, so the 2× and the mission can never drift apart.
 */
export function vaultMultiplier(e: Pick<GameEvent, 'userId' | 'receivedAt'>, ctx: DecideContext, local?: LocalParts): { multiplier: number; missionId: number | null } {
  let best = { multiplier: 1, missionId: null as number | null };
  for (const m of ctx.missions) {
    if (!m.active || !m.isGoldenHour || m.vaultAccrualMultiplier <= best.multiplier) continue;
    if (decide(m, e, ctx, undefined, local) === 'counted') best = { multiplier: m.vaultAccrualMultiplier, missionId: m.id };
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
 * The ingest statement: evidence, dedupe, activity, progress, vault points and their balance, in
 * one round trip. Typed arrays through `unnest` (no JSON to build or parse), prepared once per
 * connection. Rows are sorted by user everywhere, so batches applied concurrently take their row
 * locks in the same order and wait for each other instead of deadlocking (docs/performance.md).
 */
const APPLY_SQL = `with
  ins_actions as (
    insert into actions as a (user_id, type, action_id, amount, received_at)
    select * from unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[])
    on conflict (user_id, type, action_id) do update set replays = a.replays + 1
    returning (xmax = 0) as fresh
  ),
  ins_users as (
    insert into users as u (id, last_active_at)
    select * from unnest($6::bigint[], $7::timestamptz[])
    on conflict (id) do update set last_active_at = excluded.last_active_at
    where u.last_active_at is null or u.last_active_at < excluded.last_active_at - interval '1 minute'
    returning 1
  ),
  ins_minutes as (
    insert into activity_minutes (minute, user_id)
    select x.m, x.u from unnest($6::bigint[], $8::timestamptz[]) as x(u, m)
    on conflict do nothing
    returning 1
  ),
  ins_ma as (
    insert into mission_actions (user_id, mission_id, action_id, period_key, verdict, received_at, arm)
    select * from unnest($9::bigint[], $10::int[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $26::text[])
    on conflict do nothing
    returning user_id, mission_id, period_key, verdict, received_at
  ),
  counted as (
    select c.user_id, c.mission_id, c.period_key, least(c.n, t.target) as n, c.n >= t.target as done, c.last
    from (select user_id, mission_id, period_key, count(*)::int as n, max(received_at) as last
          from ins_ma where verdict = 'counted' group by 1, 2, 3) c
    join unnest($15::int[], $16::int[]) as t(mission_id, target) on t.mission_id = c.mission_id
    order by 1, 2, 3
  ),
  prog as (
    insert into user_mission_progress as p (user_id, mission_id, period_key, progress, status, completed_at, updated_at)
    select user_id, mission_id, period_key, n, case when done then 'completed' else 'active' end, case when done then last end, $17::timestamptz
    from counted
    on conflict (user_id, mission_id, period_key) do update set
      progress = least(p.progress + excluded.progress, (select target_value from missions where id = excluded.mission_id)),
      status = case when p.status = 'active' and p.progress + excluded.progress >= (select target_value from missions where id = excluded.mission_id)
                    then 'completed' else p.status end,
      completed_at = case when p.status = 'active' and p.progress + excluded.progress >= (select target_value from missions where id = excluded.mission_id)
                    then coalesce(excluded.completed_at, $17::timestamptz) else p.completed_at end,
      updated_at = excluded.updated_at
    returning user_id, mission_id, period_key, status
  ),
  ins_vault as (
    insert into vault_earn_events (user_id, action_id, base_points, multiplier, points, golden_hour, mission_id, received_at)
    -- golden_hour is "a golden mission set the multiplier" (postgres-js cannot send boolean[])
    select v.u, v.a, v.b, v.x, v.pts, v.m is not null, v.m, v.r
    from unnest($18::bigint[], $19::text[], $20::int[], $21::numeric[], $22::int[], $23::int[], $24::timestamptz[]) as v(u, a, b, x, pts, m, r)
    on conflict (user_id, action_id) do nothing
    returning user_id, points
  ),
  bal as (
    insert into balances as b (user_id, vault_points, updated_at)
    select user_id, sum(points), $17::timestamptz from ins_vault group by user_id order by user_id
    on conflict (user_id) do update set vault_points = b.vault_points + excluded.vault_points, updated_at = excluded.updated_at
    returning 1
  )
  select 'p' as k, user_id, mission_id, period_key, null::text as verdict, null::timestamptz as received_at, 0 as n from prog where status = 'completed'
  union all select 'v', 0, null, null, verdict, null, count(*)::int from ins_ma group by verdict
  union all (select 'r', user_id, mission_id, period_key, verdict, received_at, 0 from ins_ma where verdict <> 'counted' limit $25)
  union all select 'dup', 0, null, null, null, null, count(*)::int from ins_actions where not fresh
  union all select 'x', 0, null, null, null, null, (select count(*) from ins_users)::int + (select count(*) from ins_minutes)::int + (select count(*) from bal)::int`;

/** Rejections returned by the statement for the sampled decision log (at most 50 are logged). */
const REJECTIONS_RETURNED = 1000;

/**
 * Applies a batch of events with a fixed number of statements, whatever the batch size (the
 * peak-time hot path): one statement, plus a transaction around it and the payment when an
 * auto-claim mission can complete. Idempotent: replaying any part of a batch changes nothing,
 * because every insert is guarded by a unique key (docs/design.md, The rules in words: Actions).
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
  const local = localClock(ctx.tz);
  const iso = isoMemo();

  const A = { u: [] as number[], t: [] as string[], a: [] as string[], n: [] as (number | null)[], r: [] as string[] };
  const M = { u: [] as number[], m: [] as number[], a: [] as string[], p: [] as string[], v: [] as Verdict[], r: [] as string[], arm: [] as (string | null)[] };
  const V = { u: [] as number[], a: [] as string[], b: [] as number[], x: [] as number[], pts: [] as number[], m: [] as (number | null)[], r: [] as string[] };
  const userLast = new Map<number, number>();
  let autoPossible = false;
  for (const e of events) {
    const r = iso(e.receivedAt);
    const at = local(e.receivedAt);
    A.u.push(e.userId);
    A.t.push(e.type);
    A.a.push(e.actionId);
    A.n.push(e.amount ?? null);
    A.r.push(r);
    const prev = userLast.get(e.userId);
    if (prev === undefined || e.receivedAt > prev) userLast.set(e.userId, e.receivedAt);
    for (const m of byType.get(e.type) ?? []) {
      const p = periodKeyAt(m, at);
      const v = decide(m, e, ctx, p, at);
      M.u.push(e.userId);
      M.m.push(m.id);
      M.a.push(e.actionId);
      M.p.push(p);
      M.v.push(v);
      M.r.push(r);
      M.arm.push(ctx.experiment?.armOf(m, e.userId, p) ?? null);
      if (m.autoClaim && v === 'counted') autoPossible = true;
    }
    if (e.type === 'PLAY_GAME' && deps.vaultPointsPerPlay > 0) {
      const { multiplier, missionId } = vaultMultiplier(e, ctx, at);
      const base = deps.vaultPointsPerPlay;
      V.u.push(e.userId);
      V.a.push(e.actionId);
      V.b.push(base);
      V.x.push(multiplier);
      V.pts.push(Math.round(base * multiplier));
      V.m.push(missionId);
      V.r.push(r);
    }
  }
  const U = { u: [] as number[], r: [] as string[], min: [] as string[] };
  for (const [u, ms] of [...userLast.entries()].sort((a, b) => a[0] - b[0])) {
    U.u.push(u);
    U.r.push(iso(ms));
    U.min.push(iso(Math.floor(ms / 60_000) * 60_000));
  }
  const targets = { m: [] as number[], t: [] as number[] };
  for (const m of missionById.values()) {
    targets.m.push(m.id);
    targets.t.push(m.target);
  }

  // decision logs (docs/operations.md): gathered in the transaction, written after it commits
  const sample = deps.logSample ?? REJECTION_LOG_SAMPLE;
  const rnd = deps.random ?? Math.random;
  const rejected: Record<string, unknown>[] = [];
  const autoClaims: Record<string, unknown>[] = [];
  const now = deps.now().toISOString();
  const params = [A.u, A.t, A.a, A.n, pgArray(A.r), U.u, pgArray(U.r), pgArray(U.min), M.u, M.m, M.a, M.p, M.v, pgArray(M.r), targets.m, targets.t, now, V.u, V.a, V.b, pgArray(V.x), V.pts, V.m, pgArray(V.r), deps.log ? REJECTIONS_RETURNED : 0, M.arm];

  type Row = { k: string; user_id: string | number; mission_id: number | null; period_key: string | null; verdict: string | null; received_at: string | Date | null; n: number };
  const step = async (exec?: Executor) => {
    const rows = await database.raw<Row>(APPLY_SQL, params, exec);
    let duplicates = 0;
    let completed = 0;
    const verdictCounts: Record<string, number> = {};
    const autoKeys: { u: number; m: number; p: string }[] = [];
    for (const r of rows) {
      if (r.k === 'p') {
        completed++;
        if (missionById.get(r.mission_id!)?.autoClaim) autoKeys.push({ u: Number(r.user_id), m: r.mission_id!, p: r.period_key! });
      } else if (r.k === 'v') verdictCounts[r.verdict!] = Number(r.n);
      else if (r.k === 'r') {
        if (deps.log && rejected.length < REJECTION_LOG_MAX_PER_BATCH && rnd() < sample) {
          rejected.push({ userId: Number(r.user_id), missionId: r.mission_id, periodKey: r.period_key, verdict: r.verdict, receivedAt: new Date(r.received_at!).toISOString() });
        }
      } else if (r.k === 'dup') duplicates = Number(r.n);
    }
    return { duplicates, completed, verdictCounts, autoKeys };
  };

  const finish = async (exec?: Executor) => {
    const r = await step(exec);
    const autoItems: PayItem[] = [];
    // auto_claim pays inside the same transaction that completes (docs/design.md, The rules in words: Claim)
    if (exec && r.autoKeys.length) {
      r.autoKeys.sort((a, b) => a.u - b.u || a.m - b.m || cmp(a.p, b.p));
      const claimed = await database.raw<{ user_id: string | number; mission_id: number; period_key: string }>(
        `update user_mission_progress as p set status = 'claimed', claimed_at = $4::timestamptz, claim_mode = 'auto'
         from unnest($1::bigint[], $2::int[], $3::text[]) as x(u, m, p)
         where p.user_id = x.u and p.mission_id = x.m and p.period_key = x.p and p.status = 'completed'
         returning p.user_id, p.mission_id, p.period_key`,
        [r.autoKeys.map((k) => k.u), r.autoKeys.map((k) => k.m), r.autoKeys.map((k) => k.p), now],
        exec,
      );
      for (const c of claimed) {
        const m = missionById.get(c.mission_id)!;
        const rewards = ctx.experiment?.rewardsFor(m, Number(c.user_id), c.period_key) ?? m.rewards;
        autoItems.push({ userId: Number(c.user_id), missionId: c.mission_id, periodKey: c.period_key, rewards });
        if (deps.log) autoClaims.push({ userId: Number(c.user_id), missionId: c.mission_id, periodKey: c.period_key, verdict: 'auto_claimed', claimedAt: now });
      }
      if (autoItems.length) await payRewards(database, exec, autoItems, 'auto_claim', new Date(now));
    }
    return { ...r, autoClaimed: autoItems.length };
  };

  // no auto-claim mission can complete in this batch: the one statement is its own transaction
  const out = autoPossible ? await database.db.transaction((tx) => finish(tx)) : await finish();
  const dupPairs = M.u.length - Object.values(out.verdictCounts).reduce((a, b) => a + b, 0);
  if (deps.metrics) {
    for (const [v, n] of Object.entries(out.verdictCounts)) deps.metrics.missionProgress.inc({ result: v }, n);
    if (dupPairs > 0) deps.metrics.missionProgress.inc({ result: 'duplicate' }, dupPairs);
    if (out.autoClaimed) deps.metrics.missionClaim.inc({ result: 'auto' }, out.autoClaimed);
  }
  const result: ApplyResult = {
    events: events.length,
    duplicates: out.duplicates + (batch.length - events.length),
    counted: out.verdictCounts.counted ?? 0,
    completed: out.completed,
    autoClaimed: out.autoClaimed,
  };
  const decidedAt = deps.now().toISOString();
  if (deps.log) logDecisions(deps.log, batch, result, out.verdictCounts, decidedAt, rejected, autoClaims);
  return result;
}

/** Date → ISO string, memoized per millisecond for one batch (stamps repeat across a batch). */
function isoMemo(): (ms: number) => string {
  const memo = new Map<number, string>();
  return (ms) => {
    let s = memo.get(ms);
    if (s === undefined) memo.set(ms, (s = new Date(ms).toISOString()));
    return s;
  };
}

/** Share of rejected (event, mission) decisions logged one by one (10%: enough to explain a rejection, bounded under a flood), capped per batch. */
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
