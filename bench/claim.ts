import { randomUUID } from 'node:crypto';
import { AdjustableClock } from '../core/platform/clock.js';
import { loadConfig } from '../core/platform/config.js';
import { createServices } from '../core/services.js';
import { notificationTexts } from '../bot/notifications.js';
import { periodKey, type PeriodKind } from '../core/domain/window.js';
import { signInitData } from '../webapp/server/auth.js';
import {
  BOT_TOKEN,
  TZ,
  appEnv,
  cannon,
  cpuPerItem,
  cpuSnapshot,
  DB_CONNECTIONS,
  freshBackend,
  goldenNow,
  inTurn,
  log,
  medianRound,
  percentile,
  pool,
  ratioFigure,
  ratiosText,
  round,
  sqlClient,
  startServer,
  type BenchBackend,
  type Figure,
} from './support.js';
import { hasPgbench, pgbenchClaim } from './baselines.js';

/**
 * Figure 2 — claim: N players whose golden-hour mission is completed all press Claim at once
 * (64 connections, an idempotency key each, rate limit on), against the minimal claim issued by
 * a C client (pgbench, one CTE statement per claim) over the app's database connection count
 * (PG_POOL_SIZE, 16). claimMission called in process (64 in flight) is kept as a second figure.
 */
export interface ClaimOptions {
  players: number;
  concurrency: number;
}

export const CLAIM_DEFAULTS: ClaimOptions = { players: 20_000, concurrency: 64 };
const FIRST_USER = 200_000_001;
/** the app's Postgres connections (every API process's pool together): the count the baseline gets too */
const DB_CLIENTS = DB_CONNECTIONS;

/** Marks N players' golden-hour mission completed for the current period; returns its id. */
async function seedCompleted(databaseUrl: string, players: number, now: Date): Promise<number> {
  return (await seedCompletedMission(databaseUrl, players, now)).id;
}

async function seedCompletedMission(databaseUrl: string, players: number, now: Date) {
  const q = sqlClient(databaseUrl, 1);
  try {
    const [m] = await q`select id, period, start_time, end_time, reward_diamonds, reward_xp, reward_tickets from missions where logic_key = 'golden_hour_play_3'`;
    const p = periodKey({ period: m!.period as PeriodKind, window: { start: m!.start_time, end: m!.end_time } }, now.getTime(), TZ);
    await q`insert into user_mission_progress (user_id, mission_id, period_key, progress, status, completed_at, updated_at)
            select g, ${m!.id}, ${p}, 3, 'completed', ${now}, ${now} from generate_series(${FIRST_USER}::bigint, ${FIRST_USER + players - 1}::bigint) g`;
    await q`analyze user_mission_progress`;
    return { id: m!.id as number, period: p, rewards: { diamonds: m!.reward_diamonds as number, xp: m!.reward_xp as number, tickets: m!.reward_tickets as number } };
  } finally {
    await q.end();
  }
}

/** Every claim moved one row and wrote one ledger row per reward kind; balances equal ledger sums. */
async function verifyClaims(databaseUrl: string, players: number) {
  const q = sqlClient(databaseUrl, 1);
  try {
    const [c] = await q`select count(*) filter (where status = 'claimed')::int as claimed, count(*) filter (where status = 'completed')::int as left from user_mission_progress`;
    const [l] = await q`select count(*)::int as n, count(distinct (user_id, kind))::int as distinct_n from reward_ledger`;
    const [bad] = await q`select count(*)::int as n from (
        select coalesce(b.user_id, l.user_id) as u from balances b
        full join (select user_id, sum(amount) filter (where kind='diamonds') as d, sum(amount) filter (where kind='xp') as x, sum(amount) filter (where kind='tickets') as t
                   from reward_ledger group by user_id) l on l.user_id = b.user_id
        where coalesce(b.diamonds,0) <> coalesce(l.d,0) or coalesce(b.xp,0) <> coalesce(l.x,0) or coalesce(b.tickets,0) <> coalesce(l.t,0)) z`;
    const kinds = 3; // the seed mission pays diamonds, xp and a ticket
    const ok = c!.claimed === players && c!.left === 0 && l!.n === players * kinds && l!.distinct_n === l!.n && bad!.n === 0;
    return { ok, claimed: c!.claimed as number, ledgerRows: l!.n as number, expectedLedgerRows: players * kinds, balanceMismatches: bad!.n as number };
  } finally {
    await q.end();
  }
}

async function baseline(o: ClaimOptions, b: BenchBackend, now: Date) {
  const clock = new AdjustableClock();
  clock.set(now);
  const config = loadConfig(appEnv(b, { ROLES: 'api', LOG_LEVEL: 'silent' }));
  const s = await createServices({ config, clock, redisPrefix: b.redisPrefix, consume: false, texts: notificationTexts });
  try {
    const gid = await seedCompleted(b.databaseUrl, o.players, now);
    const users = Array.from({ length: o.players }, (_, i) => FIRST_USER + i);
    let failed = 0;
    const t0 = performance.now();
    const lat = await pool(users, o.concurrency, async (u) => {
      try {
        await s.claim(u, gid);
      } catch {
        failed++;
      }
    });
    const ms = performance.now() - t0;
    lat.sort((a, b) => a - b);
    return { ms, rate: o.players / (ms / 1000), p50: percentile(lat, 50), p99: percentile(lat, 99), failed };
  } finally {
    await s.close();
  }
}

/** The same claims by pgbench on a migrated, seeded database of its own. */
async function minimal(o: ClaimOptions, b: BenchBackend, now: Date) {
  const clock = new AdjustableClock();
  clock.set(now);
  const config = loadConfig(appEnv(b, { ROLES: 'api', LOG_LEVEL: 'silent' }));
  const s = await createServices({ config, clock, redisPrefix: b.redisPrefix, consume: false, texts: notificationTexts });
  await s.close(); // migrated and seeded; pgbench does the rest
  const m = await seedCompletedMission(b.databaseUrl, o.players, now);
  const r = await pgbenchClaim(b.databaseUrl, { players: o.players, firstUser: FIRST_USER, clients: DB_CLIENTS, missionId: m.id, period: m.period, rewards: m.rewards });
  return r;
}

async function throughHttp(o: ClaimOptions, b: BenchBackend, now: Date) {
  const server = await startServer(b, now);
  try {
    const gid = await seedCompleted(b.databaseUrl, o.players, now);
    const reqs = Array.from({ length: o.players }, (_, i) => ({
      method: 'POST',
      path: `/api/mission/${gid}/claim`,
      headers: { authorization: `tma ${signInitData(BOT_TOKEN, { id: FIRST_USER + i, languageCode: 'ko' }, now)}`, 'x-idempotency-key': randomUUID() },
    }));
    let i = 0;
    const cpu0 = cpuSnapshot(server.pid);
    const t0 = performance.now();
    const res = await cannon({ url: server.url, connections: o.concurrency, amount: reqs.length, next: () => reqs[i++ % reqs.length]! });
    const ms = performance.now() - t0;
    const cpuUsPerClaim = cpuPerItem(cpu0, cpuSnapshot(server.pid), Math.max(1, res['2xx']));
    return { ms, rate: res['2xx'] / (ms / 1000), cpuUsPerClaim, p50: res.latency.p50, p99: res.latency.p99, ok2xx: res['2xx'], non2xx: res.non2xx, errors: res.errors + res.timeouts, tool: res.tool };
  } finally {
    await server.stop();
  }
}

export async function claimFigure(o: ClaimOptions = CLAIM_DEFAULTS): Promise<Figure> {
  const now = goldenNow();
  if (!(await hasPgbench())) throw new Error('pgbench not found: apt-get install -y postgresql-client-15');
  const bA = await freshBackend('clmb');
  let base;
  let baseCheck;
  try {
    log(`claim direct: claimMission × ${o.players}, ${o.concurrency} in flight`);
    base = await baseline(o, bA, now);
    baseCheck = await verifyClaims(bA.databaseUrl, o.players);
  } finally {
    await bA.dispose();
  }
  // pgbench and the HTTP path, ROUNDS times, taking turns at going first
  const { median, all } = await medianRound(async (i) => {
    const [bB, bM] = await Promise.all([freshBackend('clmh'), freshBackend('clmm')]);
    try {
      const floor = async () => {
        log(`claim baseline (round ${i + 1}): pgbench × ${o.players} claims, one CTE each, ${DB_CLIENTS} clients`);
        const min = await minimal(o, bM, now);
        // pgbench rounds the count up to a multiple of the clients; the extra ones find no row
        return { min, minCheck: await verifyClaims(bM.databaseUrl, o.players) };
      };
      const ours = async () => {
        log(`claim via HTTP (round ${i + 1}): ${o.players} claims, ${o.concurrency} connections`);
        const http = await throughHttp(o, bB, now);
        return { http, check: await verifyClaims(bB.databaseUrl, o.players) };
      };
      const [f, h] = await inTurn(i, floor, ours);
      return { ratio: h.http.rate / f.min.rate, ...f, ...h };
    } finally {
      await Promise.all([bB.dispose(), bM.dispose()]);
    }
  });
  const { min, minCheck, http, check } = median;
  const fig = ratioFigure({
    name: 'claim',
    value: round(http.rate, 0),
    unit: 'claims/s',
    baseline: round(min.rate, 0),
    goalRatio: 0.4,
    details: {
      baselineWhat: `pgbench, one CTE statement per claim, ${DB_CLIENTS} clients`,
      rounds: all.map((r) => ({ ratio: round(r.ratio, 3), rate: round(r.http.rate, 0), baseline: round(r.min.rate, 0) })),
      minimalLatencyAvgMs: min.latencyAvgMs,
      minimalVerify: minCheck,
      directRate: round(base.rate, 0),
      directRatio: round(http.rate / base.rate, 3),
      players: o.players,
      concurrency: o.concurrency,
      httpSeconds: round(http.ms / 1000),
      p50Ms: http.p50,
      p99Ms: http.p99,
      cpuUsPerClaim: http.cpuUsPerClaim,
      baselineSeconds: round(base.ms / 1000),
      baselineP50Ms: round(base.p50),
      baselineP99Ms: round(base.p99),
      baselineFailed: base.failed,
      non2xx: http.non2xx,
      errors: http.errors,
      loadGenerator: http.tool,
      verify: check,
      baselineVerify: baseCheck,
    },
  });
  const bad = all.find((r) => !r.check.ok || !r.minCheck.ok || r.http.non2xx !== 0 || r.http.errors !== 0);
  const integrity = !bad && baseCheck.ok && base.failed === 0;
  if (!integrity) fig.pass = false;
  const r = bad ?? median;
  fig.note = `rounds ${ratiosText(all)}; p50 ${round(http.p50, 1)} ms, p99 ${round(http.p99, 1)} ms (pgbench avg ${min.latencyAvgMs} ms; claimMission direct ${round(base.rate, 0)}/s, ${round(base.p50, 1)}/${round(base.p99, 1)} ms); ${
    integrity ? `ledger ${check.ledgerRows} = ${o.players}×3, balances = ledger sums, in each round` : `CHECK FAILED ${JSON.stringify({ check: r.check, minCheck: r.minCheck, non2xx: r.http.non2xx, errors: r.http.errors, baseCheck, baseFailed: base.failed })}`
  }`;
  return fig;
}
