import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { instantOf, localParts } from '../core/domain/time.js';
import { checkInvariants, type AcceptedEvent } from '../test/support/invariants.js';
import { ADMIN_ID, ROOT, AppProc, RedisProc, freshSharedDatabase, ingest, openTestDatabase, tma } from '../test/reliability/support/fixtures.js';

/**
 * `npm run soak` (Load): a sustained golden hour against one real process (api + worker,
 * PostgreSQL + Redis), at 2× the expected peak for 10 minutes, then the invariant checker.
 *
 * Expected peak for ONE instance (docs/reliability.md explains the numbers): 2,000 players active
 * in the window, each playing a game a minute, refreshing the mission list a minute and their
 * balance every two minutes, and claiming the golden-hour and daily missions once each. At the
 * default --scale 2 that is 4,000 players: ~67 plays/s (ingested in batches of ≤ 50 by game
 * servers), ~67 mission lists/s, ~33 balances/s, every completed mission claimed once (10% of
 * claims retried with the same key), plus one abusive client hammering claim at 20 rps.
 *
 * Pass: no errors outside 429s (the abuser's 409 ALREADY_CLAIMED are expected and counted apart),
 * flat memory after warm-up (heap slope under 1 MB/min, RSS growth under 15 %), invariants hold.
 *
 *   npm run soak -- [--minutes 10] [--scale 2] [--warmup 2]
 */
const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    scale: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '2' },
  },
});
const MINUTES = Number(args.minutes);
const SCALE = Number(args.scale);
const WARMUP_MIN = Math.min(Number(args.warmup), MINUTES / 2);
const PEAK_PLAYERS = 2000;
const PLAYERS = Math.round(PEAK_PLAYERS * SCALE);
const PLAY_EVERY_S = 60;
const LIST_EVERY_S = 60;
const ME_EVERY_S = 120;
const ABUSER_RPS = 20;
const TZ = 'Asia/Seoul';

interface Player {
  id: number;
  plays: number;
  auth: string;
  claimed: Set<number>;
  claiming: Set<number>;
}

type Outcome = { route: string; status: number | 'error'; ms: number; abuser?: boolean; code?: string };
const outcomes: Outcome[] = [];
const accepted: AcceptedEvent[] = [];

async function timed(route: string, f: () => Promise<Response>, abuser = false): Promise<Response | null> {
  const t0 = performance.now();
  try {
    const res = await f();
    const o: Outcome = { route, status: res.status, ms: performance.now() - t0, abuser };
    if (res.status >= 400) o.code = ((await res.clone().json().catch(() => ({}))) as { code?: string }).code;
    outcomes.push(o);
    return res;
  } catch {
    outcomes.push({ route, status: 'error', ms: performance.now() - t0, abuser });
    return null;
  }
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const slope = (pts: Array<[number, number]>) => {
  const n = pts.length;
  if (n < 2) return 0;
  const mx = pts.reduce((a, p) => a + p[0], 0) / n;
  const my = pts.reduce((a, p) => a + p[1], 0) / n;
  const num = pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const den = pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
};

async function main() {
  console.log(`soak: ${MINUTES} min at ${SCALE}× peak = ${PLAYERS} players (${Math.round(PLAYERS / PLAY_EVERY_S)} plays/s, ${Math.round(PLAYERS / LIST_EVERY_S)} lists/s, ${Math.round(PLAYERS / ME_EVERY_S)} balances/s, abuser ${ABUSER_RPS} rps)`);
  const redis = await RedisProc.start();
  const db = await freshSharedDatabase();
  const app = await AppProc.start({ roles: 'api,worker', databaseUrl: db.url, redisUrl: redis.url, env: { DEV_MODE: '1', LOG_LEVEL: 'info', PG_POOL_SIZE: '16' } });
  const database = await openTestDatabase(db.url);
  const stopAll = async () => {
    await app.kill('SIGTERM').catch(() => {});
    await database.close().catch(() => {});
    await db.dispose().catch(() => {});
    await redis.stop().catch(() => {});
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

  try {
    // open the golden hour: the dev clock jumps to 21:35 KST today and ticks from there
    const today = localParts(Date.now(), TZ).date;
    const opens = instantOf(today, 21 * 3600 + 35 * 60, TZ).toISOString();
    const set = await fetch(`${app.base}/api/dev/clock`, { method: 'PUT', headers: { authorization: tma(ADMIN_ID), 'content-type': 'application/json' }, body: JSON.stringify({ now: opens }) });
    if (!set.ok) throw new Error(`could not set the dev clock: ${set.status} ${await set.text()}`);
    const missions = (await (await fetch(`${app.base}/api/mission`, { headers: { authorization: tma(1) } })).json()) as { missions: Array<{ id: number; logicKey: string; target: number }> };
    const targets = new Map(missions.missions.map((m) => [m.id, m.target]));

    const players: Player[] = Array.from({ length: PLAYERS }, (_, i) => ({ id: 3_000_000 + i, plays: 0, auth: tma(3_000_000 + i), claimed: new Set(), claiming: new Set() }));
    const pick = () => players[Math.floor(Math.random() * players.length)]!;
    const abuser = players[0]!;
    const inflight = new Set<Promise<unknown>>();
    const launch = (p: Promise<unknown>) => {
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    };

    const claim = async (p: Player, missionId: number) => {
      if (p.claimed.has(missionId) || p.claiming.has(missionId)) return;
      p.claiming.add(missionId);
      const key = randomUUID();
      const send = () => fetch(`${app.base}/api/mission/${missionId}/claim`, { method: 'POST', headers: { authorization: p.auth, 'x-idempotency-key': key } });
      const res = await timed('POST /api/mission/:id/claim', send, p === abuser);
      if (res?.status === 200) {
        p.claimed.add(missionId);
        // a flaky network: 10% of clients send the same claim again (must replay, not pay)
        if (Math.random() < 0.1) await timed('POST /api/mission/:id/claim (retry)', send, p === abuser);
      }
      p.claiming.delete(missionId);
    };

    const tickMs = 250;
    const perTick = (perSecond: number) => {
      const x = (perSecond * tickMs) / 1000;
      return Math.floor(x) + (Math.random() < x - Math.floor(x) ? 1 : 0);
    };
    const memory: Array<{ t: number; rss: number; heap: number }> = [];
    const started = Date.now();
    const endAt = started + MINUTES * 60_000;
    let seq = 0;
    let lastReport = started;

    const sampleMemory = async () => {
      const text = await (await fetch(`${app.base}/metrics`)).text();
      const val = (name: string) => Number(new RegExp(`^${name} ([0-9.e+]+)`, 'm').exec(text)?.[1] ?? NaN);
      memory.push({ t: (Date.now() - started) / 60_000, rss: val('process_resident_memory_bytes') / 1048576, heap: val('nodejs_heap_size_used_bytes') / 1048576 });
    };
    await sampleMemory();

    while (Date.now() < endAt) {
      const tickStart = Date.now();
      // plays, from game servers, in batches of up to 50
      const n = perTick(PLAYERS / PLAY_EVERY_S);
      const events: Array<{ userId: number; type: string; actionId: string }> = [];
      for (let i = 0; i < n; i++) {
        const p = pick();
        if (p === abuser) continue;
        p.plays++;
        events.push({ userId: p.id, type: 'PLAY_GAME', actionId: `soak-${++seq}` });
      }
      for (let i = 0; i < events.length; i += 50) {
        const chunk = events.slice(i, i + 50);
        launch(
          timed('POST /api/events', () => ingest(app.base, chunk)).then((r) => {
            if (r?.status === 202) accepted.push(...chunk);
          }),
        );
      }
      // mission lists; a completed mission is claimed once
      for (let i = perTick(PLAYERS / LIST_EVERY_S); i > 0; i--) {
        const p = pick();
        if (p === abuser) continue;
        launch(
          timed('GET /api/mission', () => fetch(`${app.base}/api/mission`, { headers: { authorization: p.auth } })).then(async (r) => {
            if (r?.status !== 200) return;
            const body = (await r.json()) as { missions: Array<{ id: number; status: string }> };
            for (const m of body.missions) if (m.status === 'completed' && targets.has(m.id)) await claim(p, m.id);
          }),
        );
      }
      for (let i = perTick(PLAYERS / ME_EVERY_S); i > 0; i--) {
        const p = pick();
        launch(timed('GET /api/me', () => fetch(`${app.base}/api/me`, { headers: { authorization: p.auth } })));
      }
      // the abuser: fresh keys on the daily mission it has never completed or already claimed
      for (let i = perTick(ABUSER_RPS); i > 0; i--) {
        const id = [...targets.keys()][i % targets.size]!;
        launch(timed('POST /api/mission/:id/claim', () => fetch(`${app.base}/api/mission/${id}/claim`, { method: 'POST', headers: { authorization: abuser.auth, 'x-idempotency-key': randomUUID() } }), true));
      }
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        await sampleMemory();
        const m = memory.at(-1)!;
        const recent = outcomes.filter((o) => !o.abuser);
        const errs = recent.filter((o) => o.status === 'error' || (o.status >= 400 && o.status !== 429)).length;
        console.log(`  ${m.t.toFixed(1)} min: ${outcomes.length} requests, ${errs} errors, in flight ${inflight.size}, rss ${m.rss.toFixed(0)} MB, heap ${m.heap.toFixed(0)} MB`);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - tickStart))));
    }
    await Promise.allSettled([...inflight]);
    await sampleMemory();

    // let the worker apply everything, then check the books
    const deadline = Date.now() + 120_000;
    let inv = await checkInvariants(database, { accepted });
    while (!inv.ok && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      inv = await checkInvariants(database, { accepted });
    }

    // ---- report
    const wellBehaved = outcomes.filter((o) => !o.abuser);
    const abuse = outcomes.filter((o) => o.abuser);
    const errors = wellBehaved.filter((o) => o.status === 'error' || (o.status !== 429 && o.status >= 400));
    const abuserUnexpected = abuse.filter((o) => o.status === 'error' || (o.status >= 400 && o.status !== 429 && !(o.status === 409 && ['ALREADY_CLAIMED', 'NOT_COMPLETED'].includes(o.code ?? ''))));
    const routes = [...new Set(outcomes.map((o) => o.route))];
    const byRoute = routes.map((route) => {
      const xs = outcomes.filter((o) => o.route === route);
      const statuses: Record<string, number> = {};
      for (const o of xs) statuses[String(o.status)] = (statuses[String(o.status)] ?? 0) + 1;
      const ms = xs.map((o) => o.ms);
      return { route, requests: xs.length, rps: +(xs.length / (MINUTES * 60)).toFixed(1), p50: +pct(ms, 50).toFixed(1), p95: +pct(ms, 95).toFixed(1), p99: +pct(ms, 99).toFixed(1), statuses };
    });
    const settled = memory.filter((m) => m.t >= WARMUP_MIN);
    const heapSlope = slope(settled.map((m) => [m.t, m.heap]));
    const rssStart = settled[0]?.rss ?? NaN;
    const rssEnd = settled.at(-1)?.rss ?? NaN;
    const rssGrowth = (rssEnd - rssStart) / rssStart;
    const summary = {
      minutes: MINUTES,
      scale: SCALE,
      players: PLAYERS,
      requests: outcomes.length,
      rps: +(outcomes.length / (MINUTES * 60)).toFixed(1),
      errors: errors.length,
      errorRateOutside429: +(errors.length / Math.max(1, wellBehaved.length)).toFixed(6),
      rateLimited: outcomes.filter((o) => o.status === 429).length,
      abuser: { requests: abuse.length, unexpected: abuserUnexpected.length },
      acceptedEvents: accepted.length,
      memory: { rssStartMb: +rssStart.toFixed(1), rssEndMb: +rssEnd.toFixed(1), rssGrowth: +rssGrowth.toFixed(3), heapSlopeMbPerMin: +heapSlope.toFixed(2), samples: memory.map((m) => [+m.t.toFixed(2), +m.rss.toFixed(1), +m.heap.toFixed(1)]) },
      invariants: inv.ok ? 'hold' : inv.violations,
      invariantStats: inv.stats,
      byRoute,
      errorSamples: errors.slice(0, 10),
    };
    console.log(JSON.stringify({ ...summary, memory: { ...summary.memory, samples: `${memory.length} samples in tmp/soak-result.json` } }, null, 2));
    mkdirSync(path.join(ROOT, 'tmp'), { recursive: true });
    writeFileSync(path.join(ROOT, 'tmp/soak-result.json'), JSON.stringify(summary, null, 2));
    const pass = errors.length === 0 && abuserUnexpected.length === 0 && inv.ok && heapSlope < 1 && rssGrowth < 0.15;
    console.log(pass ? 'SOAK PASSED' : 'SOAK FAILED');
    await stopAll();
    process.exit(pass ? 0 : 1);
  } catch (err) {
    console.error(err);
    console.error(app.logs.slice(-20).join('\n'));
    await stopAll();
    process.exit(1);
  }
}

void main();
