import { Redis } from 'ioredis';
import { AdjustableClock } from '../core/platform/clock.js';
import { loadConfig } from '../core/platform/config.js';
import { createServices } from '../core/services.js';
import { notificationTexts } from '../bot/notifications.js';
import { applyEvents, type GameEvent } from '../core/missions/progress.js';
import {
  INGEST_TOKEN,
  appEnv,
  cannon,
  cpuPerItem,
  cpuSnapshot,
  freshBackend,
  goldenNow,
  inTurn,
  log,
  medianRound,
  pool,
  ratiosText,
  ratioFigure,
  round,
  sleep,
  sqlClient,
  startServer,
  type BenchBackend,
  type Figure,
} from './support.js';
import { minimalIngest } from './baselines.js';

/**
 * Figure 1 — ingest: PLAY_GAME events through POST /api/events until the last one's progress is
 * committed, against the minimal batched SQL for the same work (bench/baselines.ts: dedupe per
 * (user, mission, action), progress += n, 500 events per statement, 2 clients). applyEvents
 * called directly with the same batches is kept as a second figure (our SQL, no HTTP, no queue).
 * Fresh databases so no side writes into tables another has grown.
 */
export interface IngestOptions {
  players: number;
  batch: number;
  senders: number;
}

/**
 * 300k events: at 100k the HTTP run lasted ~2.5 s, a fifth of it the server's JIT warming up and
 * the last batches draining alone, so the figure moved ±10 % run to run; a peak lasts an hour,
 * so the steady rate is the one that matters (docs/performance.md § 17).
 */
export const INGEST_DEFAULTS: IngestOptions = { players: 300_000, batch: 500, senders: 4 };
/** connections of the minimal-SQL baseline (the definition of the machine's floor) */
const MIN_CLIENTS = 2;

type Wire = Omit<GameEvent, 'receivedAt'>;

function batches(o: IngestOptions, tag: string): Wire[][] {
  const out: Wire[][] = [];
  for (let start = 0; start < o.players; start += o.batch) {
    const b: Wire[] = [];
    for (let u = start; u < Math.min(o.players, start + o.batch); u++) b.push({ userId: 100_000_001 + u, type: 'PLAY_GAME', actionId: `${tag}-${u}` });
    out.push(b);
  }
  return out;
}

/** Counts afterwards: every event stored once, both missions advanced exactly once per event. */
export async function verifyIngest(databaseUrl: string, expected: number) {
  const q = sqlClient(databaseUrl, 1);
  try {
    const [a] = await q`select count(*)::int as n, coalesce(sum(replays),0)::int as replays from actions`;
    const ma = await q`select verdict, count(*)::int as n from mission_actions group by verdict`;
    const prog = await q`select m.logic_key, coalesce(sum(p.progress),0)::int as total, count(p.user_id)::int as rows
                          from missions m left join user_mission_progress p on p.mission_id = m.id where m.action_type = 'PLAY_GAME' group by m.logic_key order by m.logic_key`;
    const [v] = await q`select count(*)::int as n from vault_earn_events`;
    const counted = ma.find((r) => r.verdict === 'counted')?.n ?? 0;
    const progress = Object.fromEntries(prog.map((r) => [r.logic_key, r.total as number]));
    const lost = expected - (a!.n as number);
    // each player sent one play: each mission's progress sum must equal the events exactly
    const doubled = prog.reduce((acc, r) => acc + Math.max(0, (r.total as number) - expected), 0);
    const ok = a!.n === expected && counted === expected * prog.length && prog.every((r) => r.total === expected) && v!.n === expected;
    return { ok, actions: a!.n as number, replays: a!.replays as number, missionActions: Object.fromEntries(ma.map((r) => [r.verdict, r.n])), progress, vaultEvents: v!.n as number, lost, doubled };
  } finally {
    await q.end();
  }
}

async function baseline(o: IngestOptions, b: BenchBackend, now: Date) {
  const clock = new AdjustableClock();
  clock.set(now);
  const config = loadConfig(appEnv(b, { ROLES: 'api', LOG_LEVEL: 'silent' }));
  const s = await createServices({ config, clock, redisPrefix: b.redisPrefix, consume: false, texts: notificationTexts });
  try {
    const list = batches(o, 'b');
    const deps = { database: s.database, metrics: s.metrics, log: s.log, vaultPointsPerPlay: config.vaultPointsPerPlay, now: () => clock.now() };
    const t0 = performance.now();
    await pool(list, o.senders, async (wire) => {
      const receivedAt = clock.nowMs();
      await applyEvents(deps, wire.map((e) => ({ ...e, receivedAt })), await s.decideContext());
    });
    const ms = performance.now() - t0;
    return { ms, rate: o.players / (ms / 1000) };
  } finally {
    await s.close();
  }
}

async function throughHttp(o: IngestOptions, b: BenchBackend, now: Date) {
  const server = await startServer(b, now);
  const redis = new Redis(b.redisUrl);
  redis.on('error', () => {});
  try {
    const bodies = batches(o, 'h').map((events) => JSON.stringify({ events }));
    let i = 0;
    const cpu0 = cpuSnapshot(server.pid);
    const t0 = performance.now();
    const res = await cannon({
      url: server.url,
      connections: o.senders,
      amount: bodies.length,
      next: () => ({ method: 'POST', path: '/api/events', headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' }, body: bodies[i++ % bodies.length] }),
    });
    const acceptedMs = performance.now() - t0;
    if (res.non2xx || res.errors || res.timeouts) throw new Error(`ingest: ${res.non2xx} non-2xx, ${res.errors} errors, ${res.timeouts} timeouts\n${server.stderr().slice(-2000)}`);
    // durable = applied and acknowledged: the consumer deletes each stream entry after commit
    const stream = `${b.redisPrefix}events`;
    const until = Date.now() + 300_000;
    while ((await redis.xlen(stream)) > 0) {
      if (Date.now() > until) throw new Error('ingest: queue did not drain in 300 s');
      await sleep(10);
    }
    const ms = performance.now() - t0;
    const cpuUsPerEvent = cpuPerItem(cpu0, cpuSnapshot(server.pid), o.players);
    return { ms, rate: o.players / (ms / 1000), cpuUsPerEvent, acceptedMs, acceptRate: o.players / (acceptedMs / 1000), p99RequestMs: res.latency.p99, tool: res.tool };
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

export async function ingestFigure(o: IngestOptions = INGEST_DEFAULTS): Promise<Figure> {
  const now = goldenNow();
  const bA = await freshBackend('ingb');
  let base;
  let baseCheck;
  try {
    log(`ingest direct: applyEvents × ${o.players} events, batches of ${o.batch}, ${o.senders} concurrent`);
    base = await baseline(o, bA, now);
    baseCheck = await verifyIngest(bA.databaseUrl, o.players);
  } finally {
    await bA.dispose();
  }
  // the minimal SQL and the HTTP path, ROUNDS times, taking turns at going first
  const { median, all } = await medianRound(async (i) => {
    const [bB, bM] = await Promise.all([freshBackend('ingh'), freshBackend('ingm')]);
    try {
      const floor = async () => {
        log(`ingest baseline (round ${i + 1}): minimal batched SQL × ${o.players} events, ${o.batch}/statement, ${MIN_CLIENTS} clients`);
        return minimalIngest(bM.databaseUrl, { events: o.players, batch: o.batch, clients: MIN_CLIENTS, missions: [1, 2], period: 'p' });
      };
      const ours = async () => {
        log(`ingest via HTTP + Redis stream (round ${i + 1}): ${o.players} events`);
        const http = await throughHttp(o, bB, now);
        return { http, check: await verifyIngest(bB.databaseUrl, o.players) };
      };
      const [min, h] = await inTurn(i, floor, ours);
      return { ratio: h.http.rate / min.rate, min, ...h };
    } finally {
      await Promise.all([bB.dispose(), bM.dispose()]);
    }
  });
  const { min, http, check } = median;
  const fig = ratioFigure({
    name: 'ingest',
    value: round(http.rate, 0),
    unit: 'events/s to committed',
    baseline: round(min.rate, 0),
    goalRatio: 0.5,
    details: {
      baselineWhat: `minimal batched SQL, ${o.batch} events/statement, ${MIN_CLIENTS} clients`,
      rounds: all.map((r) => ({ ratio: round(r.ratio, 3), rate: round(r.http.rate, 0), baseline: round(r.min.rate, 0) })),
      minimalSeconds: round(min.ms / 1000),
      minimalOk: min.ok,
      directRate: round(base.rate, 0),
      directRatio: round(http.rate / base.rate, 3),
      events: o.players,
      batch: o.batch,
      senders: o.senders,
      httpSeconds: round(http.ms / 1000),
      acceptedSeconds: round(http.acceptedMs / 1000),
      acceptRate: round(http.acceptRate, 0),
      requestP99Ms: http.p99RequestMs,
      cpuUsPerEvent: http.cpuUsPerEvent,
      loadGenerator: http.tool,
      baselineSeconds: round(base.ms / 1000),
      verify: check,
      baselineVerify: baseCheck,
    },
  });
  const direct = `applyEvents direct ${round(base.rate, 0)}/s, http/direct ${round(http.rate / base.rate, 3)}`;
  const failed = all.find((r) => !r.check.ok || !r.min.ok);
  if (failed || !baseCheck.ok) {
    fig.pass = false;
    const c = failed?.check ?? baseCheck;
    fig.note = `count check failed: lost ${c.lost}, doubled ${c.doubled}${failed && !failed.min.ok ? ', minimal baseline progress wrong' : ''}`;
  } else fig.note = `rounds ${ratiosText(all)}; 0 lost, 0 double-counted in each (${check.actions} actions, progress ${JSON.stringify(check.progress)}); ${direct}`;
  return fig;
}
