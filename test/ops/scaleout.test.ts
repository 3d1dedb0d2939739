import { randomUUID } from 'node:crypto';
import net from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInitData } from '../../webapp/server/auth.js';
import { freshBackend, TEST_DATABASE_URL, type Backend } from '../support/backend.js';
import { AppProcess, RedisServer, freePort, hasRedisServer, spawnTsx, startApp, waitUntil } from '../support/procs.js';

/**
 * Scale-out (docs/design.md): roles as separate OS processes sharing Postgres and Redis.
 * Only meaningful on real Postgres + Redis, so the multi-process scenarios are registered when
 * TEST_DATABASE_URL is set; the embedded default (PGlite, which one process owns) is shown to run
 * every role in one process instead.
 */
const BOT_TOKEN = '654321987:scaleout-test-token-abcdefgh';
const INGEST_TOKEN = 'scaleout-ingest-token';
const ADMIN_ID = 9001;

const tma = (userId: number) => `tma ${signInitData(BOT_TOKEN, { id: userId, languageCode: 'ko' }, new Date())}`;
const baseEnv = {
  NODE_ENV: 'test',
  DEV_MODE: '0',
  BOT_TOKEN,
  BOT_MODE: 'off',
  INGEST_TOKEN,
  ADMIN_IDS: String(ADMIN_ID),
  GOLDEN_HOUR_ENABLED: 'off',
  PG_POOL_SIZE: '4',
};

type MissionView = { id: number; logicKey: string; title: string; status: string; progress: number };
async function missions(base: string, userId: number): Promise<MissionView[]> {
  const res = await fetch(`${base}/api/mission`, { headers: { authorization: tma(userId) } });
  if (res.status !== 200) throw new Error(`GET /api/mission ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { missions: MissionView[] }).missions;
}
const send = (base: string, p: string, init: RequestInit & { userId?: number } = {}) =>
  fetch(`${base}${p}`, {
    ...init,
    headers: {
      ...(init.userId !== undefined ? { authorization: tma(init.userId) } : {}),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
const ingest = (base: string, events: { userId: number; type: string; actionId: string }[]) =>
  fetch(`${base}/api/events`, { method: 'POST', headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
const claim = (base: string, userId: number, missionId: number, key: string) =>
  fetch(`${base}/api/mission/${missionId}/claim`, { method: 'POST', headers: { authorization: tma(userId), 'x-idempotency-key': key } });

/** Polls `probe` on a loop and returns how long it took to become true (ms, wall clock). */
async function timeUntil(probe: () => Promise<boolean>, limitMs: number): Promise<number> {
  const t0 = performance.now();
  await waitUntil('change to propagate', async () => (await probe()) || false, limitMs, 20);
  return performance.now() - t0;
}

const multi = Boolean(TEST_DATABASE_URL);

/** The app's Redis prefix is fixed per deployment: these processes get a Redis of their own when redis-server is on PATH. */
async function ownRedis(backend: Backend): Promise<{ redis: RedisServer | null; redisUrl: string }> {
  const redis = hasRedisServer() ? await RedisServer.start() : null;
  const redisUrl = redis?.url ?? backend.redisUrl;
  if (!redisUrl) throw new Error('the scale-out test needs redis-server on PATH or TEST_REDIS_URL');
  return { redis, redisUrl };
}

// registered only with real services (a skipped test counts as a failure in CI)
if (multi) describe('two api processes and one worker on one Postgres + Redis', () => {
  let backend: Backend;
  let redis: RedisServer | null = null;
  let api1: AppProcess;
  let api2: AppProcess;
  let worker: AppProcess;
  let sqlc: ReturnType<typeof postgres>;
  let workerMetrics: string;

  beforeAll(async () => {
    backend = await freshBackend();
    let redisUrl;
    ({ redis, redisUrl } = await ownRedis(backend));
    const env = { ...baseEnv, DATABASE_URL: backend.databaseUrl!, REDIS_URL: redisUrl };
    api1 = await startApp({ ...env, ROLES: 'api' }); // migrates and seeds first
    const metricsPort = await freePort();
    workerMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
    [api2, worker] = await Promise.all([startApp({ ...env, ROLES: 'api' }), startApp({ ...env, ROLES: 'worker', METRICS_PORT: String(metricsPort) })]);
    sqlc = postgres(backend.databaseUrl!, { max: 2, onnotice: () => {} });
  }, 240_000);

  afterAll(async () => {
    await Promise.all([api1?.stop(), api2?.stop(), worker?.stop()]);
    await sqlc?.end({ timeout: 2 });
    await redis?.stop();
    await backend?.dispose();
  }, 60_000);

  it('a flag change through api #1 changes GET /api/mission on api #2 within a second (both ways)', async () => {
    const golden = (ms: MissionView[]) => ms.some((m) => m.logicKey === 'golden_hour_play_3');
    expect(golden(await missions(api2.base, 501))).toBe(false); // warm api #2's flag cache with "off"
    const on = await send(api1.base, '/api/admin/flags/golden-hour', { method: 'PUT', userId: ADMIN_ID, body: JSON.stringify({ state: 'on' }) });
    expect(on.status).toBe(200);
    expect(await timeUntil(async () => golden(await missions(api2.base, 501)), 5_000)).toBeLessThan(1_000);
    const off = await send(api1.base, '/api/admin/flags/golden-hour', { method: 'PUT', userId: ADMIN_ID, body: JSON.stringify({ state: 'off' }) });
    expect(off.status).toBe(200);
    expect(await timeUntil(async () => !golden(await missions(api2.base, 501)), 5_000)).toBeLessThan(1_000);
    // and the flag gauge on api #2 follows
    const metrics = await (await fetch(`${api2.base}/metrics`)).text();
    expect(metrics).toMatch(/golden_hour_flag_state\{state="off"\} 1/);
  });

  it('a mission edit through api #1 drops the 60-s mission cache on api #2 at once', async () => {
    const before = (await missions(api2.base, 502)).find((m) => m.logicKey === 'daily_play_10')!; // cached for 60 s now
    const title = `게임 10회 플레이 (edited ${randomUUID().slice(0, 8)})`;
    const res = await send(api1.base, `/api/admin/missions/${before.id}`, { method: 'PATCH', userId: ADMIN_ID, body: JSON.stringify({ title }) });
    expect(res.status).toBe(200);
    const took = await timeUntil(async () => (await missions(api2.base, 502)).find((m) => m.id === before.id)?.title === title, 10_000);
    expect(took).toBeLessThan(1_000); // far below the 60-s TTL: invalidated through Redis pub/sub
  });

  it('plays ingested through either api are applied by the worker, and claims through either api pay exactly once', async () => {
    const user = 601;
    const daily = (await missions(api1.base, user)).find((m) => m.logicKey === 'daily_play_10')!;
    const plays = Array.from({ length: 10 }, (_, i) => ({ userId: user, type: 'PLAY_GAME', actionId: `so-${i}` }));
    expect((await ingest(api1.base, plays.slice(0, 5))).status).toBe(202);
    expect((await ingest(api2.base, plays.slice(5))).status).toBe(202);
    expect((await ingest(api2.base, plays.slice(0, 3))).status).toBe(202); // replays through the other api
    await waitUntil('the worker to complete the daily mission', async () => (await missions(api2.base, user)).find((m) => m.id === daily.id)?.status === 'completed', 60_000, 200);

    const keys = Array.from({ length: 10 }, () => randomUUID());
    const res = await Promise.all(keys.map((k, i) => claim(i % 2 ? api1.base : api2.base, user, daily.id, k)));
    const bodies = await Promise.all(res.map(async (r) => ({ status: r.status, body: (await r.json()) as { code?: string } })));
    const winners = bodies.map((b, i) => ({ ...b, key: keys[i]!, api: i % 2 ? api1 : api2 })).filter((b) => b.status === 200);
    expect(winners).toHaveLength(1);
    for (const b of bodies.filter((b) => b.status !== 200)) expect(b).toMatchObject({ status: 409, body: { code: 'ALREADY_CLAIMED' } });

    // the winning key replayed on the OTHER api answers from the shared idempotency store
    const other = winners[0]!.api === api1 ? api2 : api1;
    const replay = await claim(other.base, user, daily.id, winners[0]!.key);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    for (const api of [api1, api2]) {
      const me = (await (await send(api.base, '/api/me', { userId: user })).json()) as { diamonds: number };
      expect(me.diamonds).toBe(50);
    }
    const ledger = await sqlc`select kind, amount from reward_ledger where user_id = ${user} and mission_id = ${daily.id}`;
    expect(ledger.map((r) => [r.kind, Number(r.amount)])).toEqual([['diamonds', 50]]);
    const counted = await sqlc`select count(*)::int as n from mission_actions where user_id = ${user} and mission_id = ${daily.id} and verdict = 'counted'`;
    expect(counted[0]!.n).toBe(10);
  });

  it('every instance exports its own metrics: ingest on each api, consumption on the worker (METRICS_PORT)', async () => {
    const scrape = async (url: string) => (await fetch(url)).text();
    const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const [m1, m2, mw] = await Promise.all([scrape(`${api1.base}/metrics`), scrape(`${api2.base}/metrics`), scrape(workerMetrics)]);
    expect(value(m1, 'events_ingested_total{type="PLAY_GAME"}')).toBe(5);
    expect(value(m2, 'events_ingested_total{type="PLAY_GAME"}')).toBe(8);
    expect(value(m1, 'events_processed_total')).toBe(0); // api-only processes do not consume
    expect(value(mw, 'events_processed_total')).toBe(13); // 10 plays + 3 replays, all through the worker
    expect(mw).toMatch(/^event_queue_lag_seconds \S+$/m);
    expect((await fetch(workerMetrics.replace('/metrics', '/readyz'))).status).toBe(200);
  });
});

// registered only with real services, like the block above
if (multi) describe('API_PROCESSES=2: API processes share one port on one machine (core/platform/cluster.ts)', () => {
  let backend: Backend;
  let redis: RedisServer | null = null;
  let app: AppProcess;
  let env: Record<string, string>;
  const listening = () => app.logs.filter((l) => l.includes('"api process listening"')).map((l) => (JSON.parse(l) as { apiPid: number }).apiPid);
  const scrape = async () => (await fetch(`${app.base}/metrics`, { headers: { connection: 'close' } })).text();
  const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  // a new connection each time: node:cluster hands each accepted connection to the next process
  const healthz = () => fetch(`${app.base}/healthz`, { headers: { connection: 'close' } });

  beforeAll(async () => {
    backend = await freshBackend();
    let redisUrl;
    ({ redis, redisUrl } = await ownRedis(backend));
    env = { ...baseEnv, DATABASE_URL: backend.databaseUrl!, REDIS_URL: redisUrl, ROLES: 'api,worker', API_PROCESSES: '2' };
    app = await startApp(env);
    await waitUntil('both API processes to listen', async () => listening().length === 2, 30_000);
  }, 240_000);

  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
    await backend?.dispose();
  }, 60_000);

  it('/metrics on the shared port sums every process: requests served by both API processes, events applied by the primary', async () => {
    const series = 'http_request_duration_seconds_count{route="/healthz",method="GET",status="200"}';
    const before = value(await scrape(), series);
    for (let i = 0; i < 20; i++) expect((await healthz()).status).toBe(200);
    // each process saw about half of them; a scrape of one process alone would say ~10
    expect(value(await scrape(), series) - before).toBe(20);

    const user = 701;
    const plays = Array.from({ length: 4 }, (_, i) => ({ userId: user, type: 'PLAY_GAME', actionId: `cl-${i}` }));
    expect((await ingest(app.base, plays)).status).toBe(202);
    await waitUntil('the primary to apply the plays', async () => (await missions(app.base, user)).find((m) => m.logicKey === 'daily_play_10')?.progress === 4, 30_000, 100);
    const m = await scrape();
    expect(value(m, 'events_ingested_total{type="PLAY_GAME"}')).toBe(4); // counted in an API process
    expect(value(m, 'events_processed_total')).toBe(4); // counted in the primary, which runs the worker
    expect(m).toMatch(/^nodejs_version_info\{[^}]*\} 1$/m); // "first", not a sum of three processes
  });

  it('a killed API process is replaced, and the port answers meanwhile', async () => {
    const [victim, survivor] = listening();
    process.kill(victim!, 'SIGKILL');
    // a connection handed over in the instant of the crash may be reset; once the primary has seen it, the survivor serves
    await waitUntil('the primary to see the crash', async () => app.logs.some((l) => l.includes('"api process exited; starting another"')), 10_000, 20);
    expect(listening()).toHaveLength(2); // the replacement starts a second later
    for (let i = 0; i < 6; i++) expect((await healthz()).status).toBe(200);
    await waitUntil('a replacement API process', async () => listening().length === 3, 30_000);
    expect(() => process.kill(survivor!, 0)).not.toThrow();
  });

  it('an API process that cannot listen (the port is taken) stops the start with exit 1, not a restart loop', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const lines: string[] = [];
      const child = spawnTsx('scripts/start.ts', { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d: Buffer) => lines.push(d.toString()));
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      expect(code).toBe(1);
      expect(lines.join('')).toContain('exited before it listened');
      expect(lines.join('')).not.toContain('starting another');
    } finally {
      taken.close();
    }
  }, 60_000);

  it('SIGTERM on the primary stops every API process', async () => {
    const pids = listening();
    await app.stop();
    expect(app.alive).toBe(false);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('embedded default (no DATABASE_URL / REDIS_URL)', () => {
  let app: AppProcess;
  beforeAll(async () => {
    // PGlite belongs to one process, so the embedded default runs api, bot and worker together
    app = await startApp({ ...baseEnv, DATA_DIR: 'memory://', GOLDEN_HOUR_ENABLED: 'on' });
  }, 120_000);
  afterAll(async () => app?.stop(), 30_000);

  it('runs every role in one process: the API ingests, the in-process worker applies, the same process serves the result', async () => {
    const start = app.logs.find((l) => l.includes('golden hour starting'))!;
    expect(JSON.parse(start)).toMatchObject({ roles: ['api', 'bot', 'worker'], database: 'pglite', redis: false });
    const user = 701;
    expect((await ingest(app.base, Array.from({ length: 4 }, (_, i) => ({ userId: user, type: 'PLAY_GAME', actionId: `emb-${i}` })))).status).toBe(202);
    await waitUntil('in-process worker applies the plays', async () => (await missions(app.base, user)).find((m) => m.logicKey === 'daily_play_10')?.progress === 4, 30_000, 100);
    const metrics = await (await fetch(`${app.base}/metrics`)).text();
    expect(metrics).toMatch(/events_processed_total 4/);
  });
});
