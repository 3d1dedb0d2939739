import type { Logger } from 'pino';
import { pgArray, pgTextArray, type Database, type Executor } from '../../db/connection.js';
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

import type { Verdict } from '../../db/schema.js';
import { actionTypeCode, evidenceDayOfIso, partitionsOf, verdictEntry } from './evidence.js';

export type { Verdict };

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
  ins_ev as (
    insert into play_evidence as e (user_id, received_at, day, type_code, action_id, amount, verdicts, vault_base, vault_x, vault_points, vault_mission, arm)
    select x.u, x.r, x.d, x.t, x.a, x.n, x.v, x.vb, x.vx, x.vp, x.vm, x.arm
    from (select y.*, ($3::timestamptz[])[y.s] as r, ($4::date[])[y.s] as d
          from unnest($1::bigint[], $2::int[], $5::smallint[], $6::text[], $7::bigint[], $8::text[], $9::int[], $10::real[], $11::int[], $12::int[], $13::text[])
            as y(u, s, t, a, n, v, vb, vx, vp, vm, arm)) x
    -- a replay received the next UTC day lands in another partition: probe the day before too.
    -- LATERAL … LIMIT 1 keeps it one index lookup per event in that one partition (as NOT EXISTS
    -- the planner chose a hash anti join over a scan of every partition: docs/performance.md)
    left join lateral (
      select 1 as hit from play_evidence p where p.day = x.d - 1 and p.user_id = x.u and p.type_code = x.t and p.action_id = x.a limit 1
    ) seen on true
    where seen.hit is null
    on conflict (user_id, type_code, action_id, day) do update set replays = least(e.replays + 1, 32767)
    -- a new row has replays 0; a replayed one was just raised to 1 or more (xmax is not available on partitions)
    returning user_id, type_code, action_id, received_at, vault_points, vault_mission, (replays = 0) as fresh
  ),
  -- the new events, with their place in the batch (i) and receive stamp (s): the pairs refer to them by place
  fresh as (
    select f.user_id, f.type_code, f.action_id, f.received_at, f.vault_points, f.vault_mission, x.i, x.s
    from ins_ev f join unnest($1::bigint[], $5::smallint[], $6::text[], $2::int[]) with ordinality as x(u, t, a, s, i)
      on x.u = f.user_id and x.t = f.type_code and x.a = f.action_id
    where f.fresh
  ),
  ins_users as (
    insert into users as u (id, last_active_at)
    select x.u, ($3::timestamptz[])[x.s] from unnest($14::bigint[], $15::int[]) as x(u, s)
    on conflict (id) do update set last_active_at = excluded.last_active_at
    where u.last_active_at is null or u.last_active_at < excluded.last_active_at - interval '1 minute'
    returning 1
  ),
  pairs as (
    select f.user_id, m.m as mission_id, m.p as period_key, m.v as verdict, f.received_at
    from unnest($16::int[], $17::int[], $18::text[], $19::text[]) as m(e, m, p, v)
    join fresh f on f.i = m.e
  ),
  counted as (
    -- each mission's target looked up in the (few) missions' arrays: as a join the planner re-ran
    -- the unnest for every group (docs/performance.md § 17)
    select c.user_id, c.mission_id, c.period_key, least(c.n, c.target) as n, c.n >= c.target as done, c.last
    from (select user_id, mission_id, period_key, count(*)::int as n, max(received_at) as last,
                 ($21::int[])[array_position($20::int[], mission_id)] as target
          from pairs where verdict = 'counted' group by 1, 2, 3) c
    where c.target is not null
    order by 1, 2, 3
  ),
  prog as (
    insert into user_mission_progress as p (user_id, mission_id, period_key, progress, status, completed_at, updated_at)
    select user_id, mission_id, period_key, n, case when done then 'completed' else 'active' end, case when done then last end, $22::timestamptz
    from counted
    on conflict (user_id, mission_id, period_key) do update set
      progress = least(p.progress + excluded.progress, (select target_value from missions where id = excluded.mission_id)),
      status = case when p.status = 'active' and p.progress + excluded.progress >= (select target_value from missions where id = excluded.mission_id)
                    then 'completed' else p.status end,
      completed_at = case when p.status = 'active' and p.progress + excluded.progress >= (select target_value from missions where id = excluded.mission_id)
                    then coalesce(excluded.completed_at, $22::timestamptz) else p.completed_at end,
      updated_at = excluded.updated_at
    returning user_id, mission_id, period_key, status
  ),
  bal as (
    insert into balances as b (user_id, vault_points, updated_at)
    select user_id, sum(vault_points), $22::timestamptz from fresh where vault_points is not null group by user_id order by user_id
    on conflict (user_id) do update set vault_points = b.vault_points + excluded.vault_points, updated_at = excluded.updated_at
    returning 1
  ),
  tally as (
    -- the vault points issued per local date, for the daily report (evidence_tallies)
    insert into evidence_tallies (date, vault_points, golden_vault_points)
    -- a date[] (fixed width: the subscript is one step, where text[] walks every element before it)
    select to_char(($24::date[])[f.s], 'YYYY-MM-DD'), sum(f.vault_points), coalesce(sum(f.vault_points) filter (where f.vault_mission is not null), 0)
    from fresh f
    where f.vault_points is not null
    group by 1
    returning 1
  )
  select 'p' as k, user_id, mission_id, period_key, null::text as verdict, null::timestamptz as received_at, 0 as n from prog where status = 'completed'
  union all select 'v', 0, null, null, verdict, null, count(*)::int from pairs group by verdict
  union all (select 'r', user_id, mission_id, period_key, verdict, received_at, 0 from pairs where verdict <> 'counted' limit $23)
  union all select 'f', 0, null, null, null, null, (select count(*) from fresh)::int
  union all select 'x', 0, null, null, null, null, (select count(*) from ins_users)::int + (select count(*) from bal)::int + (select count(*) from tally)::int`;

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

  // receive stamps repeat across a batch (one per ingest request): each distinct one is sent
  // once (S), events refer to theirs by index, pairs to their event by place (docs/performance.md § 17)
  const S = { r: [] as string[], d: [] as string[], ld: [] as string[] };
  const stampOf = new Map<number, { i: number; day: string; at: LocalParts }>();
  const E = {
    u: [] as number[], s: [] as number[], t: [] as number[], a: [] as string[], n: [] as (number | null)[],
    v: [] as (string | null)[], vb: [] as (number | null)[], vx: [] as (number | null)[], vp: [] as (number | null)[], vm: [] as (number | null)[], arm: [] as (string | null)[],
  };
  const M = { e: [] as number[], m: [] as number[], p: [] as string[], v: [] as Verdict[] };
  const days = new Set<string>();
  const userLast = new Map<number, number>();
  let autoPossible = false;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    let stamp = stampOf.get(e.receivedAt);
    if (stamp === undefined) {
      const r = new Date(e.receivedAt).toISOString();
      stamp = { i: S.r.length + 1, day: evidenceDayOfIso(r), at: local(e.receivedAt) };
      stampOf.set(e.receivedAt, stamp);
      S.r.push(r);
      S.d.push(stamp.day);
      S.ld.push(stamp.at.date);
      days.add(stamp.day);
    }
    const { day, at } = stamp;
    const prev = userLast.get(e.userId);
    if (prev === undefined || e.receivedAt > prev) userLast.set(e.userId, e.receivedAt);
    let verdicts = '';
    let arm: string | null = null;
    for (const m of byType.get(e.type) ?? []) {
      const p = periodKeyAt(m, at);
      const v = decide(m, e, ctx, p, at);
      verdicts += verdictEntry(m.id, v, p, day);
      arm ??= ctx.experiment?.armOf(m, e.userId, p) ?? null;
      M.e.push(i + 1);
      M.m.push(m.id);
      M.p.push(p);
      M.v.push(v);
      if (m.autoClaim && v === 'counted') autoPossible = true;
    }
    E.u.push(e.userId);
    E.s.push(stamp.i);
    E.t.push(actionTypeCode(e.type));
    E.a.push(e.actionId);
    E.n.push(e.amount ?? null);
    E.v.push(verdicts || null);
    E.arm.push(arm);
    if (e.type === 'PLAY_GAME' && deps.vaultPointsPerPlay > 0) {
      const { multiplier, missionId } = vaultMultiplier(e, ctx, at);
      const base = deps.vaultPointsPerPlay;
      E.vb.push(base);
      E.vx.push(multiplier);
      E.vp.push(Math.round(base * multiplier));
      E.vm.push(missionId);
    } else {
      E.vb.push(null);
      E.vx.push(null);
      E.vp.push(null);
      E.vm.push(null);
    }
  }
  const U = { u: [] as number[], s: [] as number[] };
  for (const [u, ms] of [...userLast.entries()].sort((a, b) => a[0] - b[0])) {
    U.u.push(u);
    U.s.push(stampOf.get(ms)!.i);
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
  // every array as Postgres' array text, built here (pgArray, pgTextArray): the driver's own
  // serializer quotes and regex-escapes each element (docs/performance.md § 17)
  const params = [
    pgArray(E.u), pgArray(E.s), pgArray(S.r), pgArray(S.d), pgArray(E.t), pgTextArray(E.a), pgArray(E.n), pgTextArray(E.v),
    pgArray(E.vb), pgArray(E.vx), pgArray(E.vp), pgArray(E.vm), pgTextArray(E.arm),
    pgArray(U.u), pgArray(U.s),
    pgArray(M.e), pgArray(M.m), pgTextArray(M.p), pgTextArray(M.v),
    pgArray(targets.m), pgArray(targets.t), now, deps.log ? REJECTIONS_RETURNED : 0, pgArray(S.ld),
  ];

  type Row = { k: string; user_id: string | number; mission_id: number | null; period_key: string | null; verdict: string | null; received_at: string | Date | null; n: number };
  const step = async (exec?: Executor) => {
    const rows = await database.raw<Row>(APPLY_SQL, params, exec);
    let fresh = 0;
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
      } else if (r.k === 'f') fresh = Number(r.n);
    }
    return { duplicates: events.length - fresh, completed, verdictCounts, autoKeys };
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

  await partitionsOf(database).ensure(days);
  // no auto-claim mission can complete in this batch: the one statement is its own transaction
  const out = autoPossible ? await database.db.transaction((tx) => finish(tx)) : await finish();
  const dupPairs = M.e.length - Object.values(out.verdictCounts).reduce((a, b) => a + b, 0);
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
