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
 * The ingest, as two statements in one transaction (docs/performance.md § 19). The first writes
 * the evidence (the dedupe) and answers which events were already there; the second writes the
 * players' activity and adds the new events' progress, vault points and tallies, grouped here in Node, where
 * every verdict was decided: Postgres only writes rows, with no join back to the batch, no sort
 * and no grouping. Typed arrays through `unnest` (no JSON to build or parse), prepared once per
 * connection. Rows are sorted by user everywhere, so batches applied concurrently take their row
 * locks in the same order and wait for each other instead of deadlocking (docs/performance.md).
 */
/** The previous-day probe: an evidence row of the same (user, type, action id) on the UTC day before `day` (the batch row `x`). */
const seenTheDayBefore = (day: string) => `p.day = ${day} - 1 and p.user_id = x.u and p.type_code = x.t and p.action_id = x.a`;

const EVIDENCE_SQL = `with
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
      select 1 as hit from play_evidence p where ${seenTheDayBefore('x.d')} limit 1
    ) seen on true
    where seen.hit is null
    on conflict (user_id, type_code, action_id, day) do update set replays = least(e.replays + 1, 32767)
    -- a new row has replays 0; a replayed one was just raised to 1 or more (xmax is not available on partitions)
    returning user_id, type_code, action_id, replays
  )
  -- the replays (k 'r'), and how many rows the insert reached (k 'n'): fewer than the batch when the probe found some
  select 'r' as k, user_id, type_code, action_id, 0 as n from ins_ev where replays > 0
  union all select 'n', 0, 0, null, count(*)::int from ins_ev`;

/** The events the previous-day probe of EVIDENCE_SQL found (a replay received the next UTC day): asked only when the insert reached fewer rows than the batch. */
const PROBED_SQL = `select x.u as user_id, x.t as type_code, x.a as action_id
  from unnest($1::bigint[], $2::int[], $3::smallint[], $4::text[]) as x(u, s, t, a)
  where exists (select 1 from play_evidence p where ${seenTheDayBefore('($5::date[])[x.s]')})`;

const PROGRESS_SQL = `with
  prog as (
    insert into user_mission_progress as p (user_id, mission_id, period_key, progress, status, completed_at, updated_at)
    select g.u, g.m, ($3::text[])[g.pi], g.n, case when g.d = 1 then 'completed' else 'active' end, case when g.d = 1 then ($7::timestamptz[])[g.s] end, $8::timestamptz
    from unnest($1::bigint[], $2::int[], $4::int[], $5::int[], $6::int[], $9::int[]) as g(u, m, pi, n, d, s)
    on conflict (user_id, mission_id, period_key) do update set
      progress = least(p.progress + excluded.progress, (select target_value from missions where id = excluded.mission_id)),
      status = case when p.status = 'active' and p.progress + excluded.progress >= (select target_value from missions where id = excluded.mission_id)
                    then 'completed' else p.status end,
      completed_at = case when p.status = 'active' and p.progress + excluded.progress >= (select target_value from missions where id = excluded.mission_id)
                    then coalesce(excluded.completed_at, $8::timestamptz) else p.completed_at end,
      updated_at = excluded.updated_at
    returning user_id, mission_id, period_key, status
  ),
  -- a data-modifying WITH runs to completion whether or not anything reads it. The player's
  -- activity, at most once a minute (docs/design.md, Audience), and the vault points of their new plays
  ins_users as (
    insert into users as u (id, last_active_at, vault_points)
    select x.u, ($7::timestamptz[])[x.s], x.v from unnest($10::bigint[], $11::int[], $12::bigint[]) as x(u, s, v)
    on conflict (id) do update set
      last_active_at = case when u.last_active_at is null or u.last_active_at < excluded.last_active_at - interval '1 minute'
                            then excluded.last_active_at else u.last_active_at end,
      vault_points = u.vault_points + excluded.vault_points
    where excluded.vault_points <> 0 or u.last_active_at is null or u.last_active_at < excluded.last_active_at - interval '1 minute'
  ),
  -- the vault points issued per local date, for the daily report (evidence_tallies)
  tally as (
    insert into evidence_tallies (date, vault_points, golden_vault_points)
    select * from unnest($13::text[], $14::bigint[], $15::bigint[])
  )
  select user_id, mission_id, period_key from prog where status = 'completed'`;

/**
 * Applies a batch of events with a fixed number of statements, whatever the batch size (the
 * peak-time hot path): two statements in a transaction, plus the payment when an auto-claim
 * mission completes. Idempotent: replaying any part of a batch changes nothing, because every
 * event's evidence is guarded by a unique key and only the events new to it are counted
 * (docs/design.md, The rules in words: Actions).
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
  // once (S), events refer to theirs by index (docs/performance.md § 17)
  const S = { r: [] as string[], d: [] as string[] };
  const stampOf = new Map<number, { i: number; day: string; at: LocalParts }>();
  const E = {
    u: [] as number[], s: [] as number[], t: [] as number[], a: [] as string[], n: [] as (number | null)[],
    v: [] as (string | null)[], vb: [] as (number | null)[], vx: [] as (number | null)[], vp: [] as (number | null)[], vm: [] as (number | null)[], arm: [] as (string | null)[],
  };
  // each event's (mission, period, verdict) pairs, in event order: pairStart[i] .. pairStart[i + 1]
  const P = { m: [] as Mission[], p: [] as string[], v: [] as Verdict[] };
  const pairStart: number[] = [];
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
      days.add(stamp.day);
    }
    const { day, at } = stamp;
    const prev = userLast.get(e.userId);
    if (prev === undefined || e.receivedAt > prev) userLast.set(e.userId, e.receivedAt);
    let verdicts = '';
    let arm: string | null = null;
    pairStart.push(P.m.length);
    for (const m of byType.get(e.type) ?? []) {
      const p = periodKeyAt(m, at);
      const v = decide(m, e, ctx, p, at);
      verdicts += verdictEntry(m.id, v, p, day);
      arm ??= ctx.experiment?.armOf(m, e.userId, p) ?? null;
      P.m.push(m);
      P.p.push(p);
      P.v.push(v);
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
  pairStart.push(P.m.length);
  // each player once: their latest receive stamp (activity) and the vault points of their new plays (v, added later)
  const U = { u: [] as number[], s: [] as number[], v: [] as number[] };
  const userAt = new Map<number, number>();
  for (const [u, ms] of [...userLast.entries()].sort((a, b) => a[0] - b[0])) {
    userAt.set(u, U.u.length);
    U.u.push(u);
    U.s.push(stampOf.get(ms)!.i);
    U.v.push(0);
  }

  // decision logs (docs/operations.md): gathered in the transaction, written after it commits
  const sample = deps.logSample ?? REJECTION_LOG_SAMPLE;
  const rnd = deps.random ?? Math.random;
  const rejected: Record<string, unknown>[] = [];
  const autoClaims: Record<string, unknown>[] = [];
  const now = deps.now().toISOString();
  const keyOf = (u: string | number, t: number, a: string) => `${u}\u0000${t}\u0000${a}`;

  /** The events' evidence and activity: which of them are new to the evidence (the rest are replays). */
  const writeEvidence = async (exec: Executor) => {
    // every array as Postgres' array text, built here (pgArray, pgTextArray): the driver's own
    // serializer quotes and regex-escapes each element (docs/performance.md § 17)
    const rows = await database.raw<{ k: string; user_id: string | number; type_code: number; action_id: string; n: number }>(
      EVIDENCE_SQL,
      [
        pgArray(E.u), pgArray(E.s), pgArray(S.r), pgArray(S.d), pgArray(E.t), pgTextArray(E.a), pgArray(E.n), pgTextArray(E.v),
        pgArray(E.vb), pgArray(E.vx), pgArray(E.vp), pgArray(E.vm), pgTextArray(E.arm),
      ],
      exec,
    );
    const old = new Set<string>();
    let reached = 0;
    for (const r of rows) {
      if (r.k === 'n') reached = Number(r.n);
      else old.add(keyOf(r.user_id, r.type_code, r.action_id));
    }
    if (reached < events.length) {
      const probed = await database.raw<{ user_id: string | number; type_code: number; action_id: string }>(
        PROBED_SQL,
        [pgArray(E.u), pgArray(E.s), pgArray(E.t), pgTextArray(E.a), pgArray(S.d)],
        exec,
      );
      for (const r of probed) old.add(keyOf(r.user_id, r.type_code, r.action_id));
    }
    const fresh: boolean[] = [];
    for (let i = 0; i < events.length; i++) fresh.push(old.size === 0 || !old.has(keyOf(E.u[i]!, E.t[i]!, E.a[i]!)));
    return { fresh, freshCount: events.length - old.size };
  };

  /** The new events' progress, vault points and tallies, grouped here; answers the progress rows now completed. */
  const writeProgress = async (exec: Executor, fresh: boolean[]) => {
    const verdictCounts: Record<string, number> = {};
    // (user, mission, period) groups of counted pairs: events are sorted by user, so a user's groups are adjacent
    // lastAt: the group's latest play, whose receive time is the completion time
    const G = { u: [] as number[], m: [] as number[], pi: [] as number[], n: [] as number[], d: [] as number[], lastAt: [] as number[] };
    const periods = new Map<string, number>();
    const tallies = new Map<string, { v: number; g: number }>();
    let userGroups = new Map<string, number>();
    let lastUser: number | null = null;
    for (let i = 0; i < events.length; i++) {
      if (!fresh[i]) continue;
      const e = events[i]!;
      if (e.userId !== lastUser) {
        lastUser = e.userId;
        userGroups = new Map();
      }
      const stamp = stampOf.get(e.receivedAt)!;
      for (let j = pairStart[i]!; j < pairStart[i + 1]!; j++) {
        const m = P.m[j]!;
        const v = P.v[j]!;
        verdictCounts[v] = (verdictCounts[v] ?? 0) + 1;
        if (v !== 'counted') {
          if (deps.log && rejected.length < REJECTION_LOG_MAX_PER_BATCH && rnd() < sample) {
            rejected.push({ userId: e.userId, missionId: m.id, periodKey: P.p[j], verdict: v, receivedAt: S.r[stamp.i - 1] });
          }
          continue;
        }
        const gk = `${m.id}\u0000${P.p[j]}`;
        let g = userGroups.get(gk);
        if (g === undefined) {
          let pi = periods.get(P.p[j]!);
          if (pi === undefined) periods.set(P.p[j]!, (pi = periods.size + 1));
          g = G.u.length;
          userGroups.set(gk, g);
          G.u.push(e.userId);
          G.m.push(m.id);
          G.pi.push(pi);
          G.n.push(0);
          G.d.push(0);
          G.lastAt.push(e.receivedAt);
        }
        G.n[g]! += 1;
        if (e.receivedAt > G.lastAt[g]!) G.lastAt[g] = e.receivedAt;
      }
      const vp = E.vp[i];
      if (vp !== null && vp !== undefined) {
        U.v[userAt.get(e.userId)!]! += vp;
        const date = stamp.at.date;
        const t = tallies.get(date) ?? { v: 0, g: 0 };
        t.v += vp;
        if (E.vm[i] !== null) t.g += vp;
        tallies.set(date, t);
      }
    }
    // a group counts up to the mission's target; reaching it completes the progress row
    const order: number[] = [];
    for (let g = 0; g < G.u.length; g++) {
      const target = missionById.get(G.m[g]!)!.target;
      if (G.n[g]! >= target) {
        G.n[g] = target;
        G.d[g] = 1;
      }
      order.push(g);
    }
    // by user (already), then mission and period: the lock order of concurrent batches
    const periodOf = [...periods.keys()];
    order.sort((a, b) => G.u[a]! - G.u[b]! || G.m[a]! - G.m[b]! || cmp(periodOf[G.pi[a]! - 1]!, periodOf[G.pi[b]! - 1]!));
    const pick = <T>(xs: T[]) => order.map((g) => xs[g]!);
    const rows = await database.raw<{ user_id: string | number; mission_id: number; period_key: string }>(
      PROGRESS_SQL,
      [
        pgArray(pick(G.u)), pgArray(pick(G.m)), pgTextArray(periodOf), pgArray(pick(G.pi)), pgArray(pick(G.n)), pgArray(pick(G.d)),
        pgArray(S.r), now, pgArray(pick(G.lastAt).map((ms) => stampOf.get(ms)!.i)),
        pgArray(U.u), pgArray(U.s), pgArray(U.v),
        pgTextArray([...tallies.keys()]), pgArray([...tallies.values()].map((t) => t.v)), pgArray([...tallies.values()].map((t) => t.g)),
      ],
      exec,
    );
    return { verdictCounts, completed: rows };
  };

  const apply = async (exec: Executor) => {
    const { fresh, freshCount } = await writeEvidence(exec);
    const { verdictCounts, completed } = await writeProgress(exec, fresh);
    const autoKeys: { u: number; m: number; p: string }[] = [];
    for (const r of completed) if (missionById.get(r.mission_id)?.autoClaim) autoKeys.push({ u: Number(r.user_id), m: r.mission_id, p: r.period_key });
    const autoItems: PayItem[] = [];
    // auto_claim pays inside the same transaction that completes (docs/design.md, The rules in words: Claim)
    if (autoPossible && autoKeys.length) {
      autoKeys.sort((a, b) => a.u - b.u || a.m - b.m || cmp(a.p, b.p));
      const claimed = await database.raw<{ user_id: string | number; mission_id: number; period_key: string }>(
        `update user_mission_progress as p set status = 'claimed', claimed_at = $4::timestamptz, claim_mode = 'auto'
         from unnest($1::bigint[], $2::int[], $3::text[]) as x(u, m, p)
         where p.user_id = x.u and p.mission_id = x.m and p.period_key = x.p and p.status = 'completed'
         returning p.user_id, p.mission_id, p.period_key`,
        [autoKeys.map((k) => k.u), autoKeys.map((k) => k.m), autoKeys.map((k) => k.p), now],
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
    return { duplicates: events.length - freshCount, completed: completed.length, verdictCounts, autoClaimed: autoItems.length };
  };

  await partitionsOf(database).ensure(days);
  const out = events.length ? await database.db.transaction((tx) => apply(tx)) : { duplicates: 0, completed: 0, verdictCounts: {} as Record<string, number>, autoClaimed: 0 };
  const dupPairs = P.m.length - Object.values(out.verdictCounts).reduce((a, b) => a + b, 0);
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
