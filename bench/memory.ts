import { Redis } from 'ioredis';
import { signInitData } from '../webapp/server/auth.js';
import {
  ADMIN_ID,
  BOT_TOKEN,
  INGEST_TOKEN,
  appEnv,
  cannon,
  freePort,
  freshBackend,
  goldenNow,
  log,
  round,
  rssKb,
  sleep,
  startEntryPoint,
  type Figure,
} from './support.js';

/**
 * Figure 5 — memory: the RSS of one all-roles process (scripts/start.ts, ROLES=api,worker) while
 * it ingests and applies N events, sampled from /proc/<pid>/status. Flat means the second half of
 * the run adds no more than max(32 MB, 15 %) to what the first half reached: nothing grows with
 * the number of events.
 */
export interface MemoryOptions {
  events: number;
  players: number;
  batch: number;
  senders: number;
  /** stop feeding while this many stream entries wait, so the run measures the app, not a backlog in flight */
  maxBacklog: number;
  /** stop feeding after this long (the whole suite must fit 10 minutes); the figure says how many were applied */
  budgetS: number;
}

export const MEMORY_DEFAULTS: MemoryOptions = { events: 1_000_000, players: 100_000, batch: 500, senders: 4, maxBacklog: 40, budgetS: 180 };
/** start.ts takes its Redis prefix from nowhere (always gh:), so the bench isolates it in its own Redis database */
const REDIS_DB = 11;
const FIRST_USER = 400_000_001;

export async function memoryFigure(o: MemoryOptions = MEMORY_DEFAULTS): Promise<Figure> {
  const b = await freshBackend('mem');
  const redisUrl = `${b.redisUrl.replace(/\/\d*$/, '')}/${REDIS_DB}`;
  const port = await freePort();
  const env = appEnv(b, { REDIS_URL: redisUrl, ROLES: 'api,worker', PORT: String(port), HOST: '127.0.0.1', DEV_MODE: '1', NODE_ENV: 'development', LOG_LEVEL: 'warn' });
  const redis = new Redis(redisUrl);
  redis.on('error', () => {});
  const server = await startEntryPoint(env);
  const samples: { t: number; kb: number; applied: number }[] = [];
  const heap: { applied: number; usedMb: number }[] = [];
  try {
    // move the dev clock into today's golden hour so every play matches both missions
    const admin = `tma ${signInitData(BOT_TOKEN, { id: ADMIN_ID }, new Date())}`;
    const r = await fetch(`${server.url}/api/dev/clock`, { method: 'PUT', headers: { authorization: admin, 'content-type': 'application/json' }, body: JSON.stringify({ now: goldenNow().toISOString() }) });
    if (!r.ok) throw new Error(`dev clock: ${r.status} ${await r.text()}`);
    await sleep(1000);
    const startKb = rssKb(server.pid)!;
    const requests = Math.ceil(o.events / o.batch);
    let issued = 0;
    let backlog = 0;
    const stream = 'gh:events';
    const sampler = setInterval(() => {
      const kb = rssKb(server.pid);
      if (kb) samples.push({ t: performance.now(), kb, applied: Math.max(0, Math.min(o.events, (issued - backlog) * o.batch)) });
    }, 250);
    // the process's own view (prom-client default metrics): live heap, to tell a leak from a lazy GC
    const heapPoll = setInterval(
      () =>
        void fetch(`${server.url}/metrics`)
          .then((r) => r.text())
          .then((t) => {
            const m = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(t);
            if (m) heap.push({ applied: Math.max(0, Math.min(o.events, (issued - backlog) * o.batch)), usedMb: Math.round(Number(m[1]) / 2 ** 20) });
          })
          .catch(() => {}),
      2000,
    );
    const backlogPoll = setInterval(() => void redis.xlen(stream).then((n) => (backlog = n)).catch(() => {}), 100);
    log(`memory: ${o.events} events into scripts/start.ts (pid ${server.pid}), RSS at start ${Math.round(startKb / 1024)} MB`);
    const t0 = performance.now();
    const body = (k: number) => {
      const events = [];
      for (let j = 0; j < o.batch; j++) {
        const n = k * o.batch + j;
        if (n >= o.events) break;
        events.push({ userId: FIRST_USER + (n % o.players), type: 'PLAY_GAME', actionId: `m-${n}` });
      }
      return JSON.stringify({ events });
    };
    // feed in chunks, pausing while the stream holds a backlog (the server's own throughput sets the pace)
    const chunk = 40;
    const stopAt = t0 + o.budgetS * 1000;
    while (issued < requests && performance.now() < stopAt) {
      while (backlog > o.maxBacklog) await sleep(50);
      const n = Math.min(chunk, requests - issued);
      const first = issued;
      let k = 0;
      const res = await cannon({
        url: server.url,
        connections: o.senders,
        amount: n,
        next: () => ({ method: 'POST', path: '/api/events', headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' }, body: body(first + k++) }),
      });
      if (res.non2xx || res.errors) throw new Error(`memory ingest: ${res.non2xx} non-2xx, ${res.errors} errors\n${server.stderr().slice(-2000)}`);
      issued += n;
      backlog = await redis.xlen(stream);
    }
    while ((backlog = await redis.xlen(stream)) > 0) await sleep(50);
    const seconds = (performance.now() - t0) / 1000;
    const applied = Math.min(o.events, issued * o.batch);
    for (const x of samples) x.applied = Math.min(x.applied, applied);
    await sleep(2000);
    clearInterval(sampler);
    clearInterval(backlogPoll);
    clearInterval(heapPoll);
    const endKb = rssKb(server.pid)!;
    samples.push({ t: performance.now(), kb: endKb, applied });
    const peakKb = Math.max(startKb, ...samples.map((s) => s.kb));
    const at = (frac: number) => {
      const s = samples.find((x) => x.applied >= frac * applied);
      return s ? s.kb : endKb;
    };
    const quarter = [0.25, 0.5, 0.75, 1].map((f) => Math.round(at(f) / 1024));
    // flat: the first half may warm up (JIT, pools, caches); the second half must not keep growing
    const halfMax = Math.max(...samples.filter((s) => s.applied <= applied / 2).map((s) => s.kb), startKb);
    const secondHalfMax = Math.max(...samples.filter((s) => s.applied > applied / 2).map((s) => s.kb), endKb);
    const growthKb = secondHalfMax - halfMax;
    const flat = growthKb <= Math.max(32 * 1024, 0.15 * halfMax);
    const mb = (kb: number) => Math.round(kb / 1024);
    return {
      name: 'memory',
      value: mb(peakKb),
      unit: 'MB peak RSS',
      baseline: mb(startKb),
      ratio: round(peakKb / startKb, 2),
      goal: 'flat',
      pass: flat,
      details: {
        events: applied,
        eventsPlanned: o.events,
        budgetS: o.budgetS,
        players: o.players,
        seconds: round(seconds, 1),
        eventsPerSecond: Math.round(applied / seconds),
        startMb: mb(startKb),
        peakMb: mb(peakKb),
        endMb: mb(endKb),
        firstHalfMaxMb: mb(halfMax),
        secondHalfMaxMb: mb(secondHalfMax),
        rssMbAtQuarters: quarter,
        heapUsedMb: heap.map((h) => [h.applied, h.usedMb]),
        samples: samples.length,
      },
      note: `start ${mb(startKb)} MB, peak ${mb(peakKb)} MB, end ${mb(endKb)} MB; at 25/50/75/100 % applied ${quarter.join('/')} MB; ${applied}${applied < o.events ? ` of ${o.events} (time budget ${o.budgetS} s)` : ''} events in ${round(seconds, 0)} s`,
    };
  } finally {
    redis.disconnect();
    await server.stop();
    const r2 = new Redis(redisUrl);
    r2.on('error', () => {});
    try {
      let cursor = '0';
      do {
        const [next, keys] = await r2.scan(cursor, 'MATCH', 'gh:*', 'COUNT', 1000);
        cursor = next;
        if (keys.length) await r2.del(...keys);
      } while (cursor !== '0');
    } catch {
      /* best effort */
    }
    r2.disconnect();
    await b.dispose();
  }
}
