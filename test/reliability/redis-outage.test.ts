import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/connection.js';
import { assertInvariants, eventuallyInvariants, type AcceptedEvent } from '../support/invariants.js';
import { AppProc, RedisProc, claim, freshSharedDatabase, ingest, openTestDatabase, tma, until } from './support/fixtures.js';

/**
 * Dependencies failing: Redis stopped mid-run (a private redis-server we SIGKILL, never
 * the shared one). Rate limiting and idempotency fall back to memory, ingest answers 503 with
 * Retry-After rather than accept what it cannot queue durably, claims stay exactly-once through the
 * database, and everything recovers by itself when Redis is back.
 */
describe('Redis stopped mid-run', () => {
  let redis: RedisProc;
  let db: { url: string; dispose(): Promise<void> };
  let database: Database;
  let api: AppProc;
  let worker: AppProc;
  let daily: number;
  const accepted: AcceptedEvent[] = [];

  const ledgerRows = async (userId: number, missionId: number) =>
    (await database.query<{ n: number }>(sql`select count(*)::int as n from reward_ledger where user_id = ${userId} and mission_id = ${missionId}`))[0]!.n;
  const completedCount = async (users: number[]) =>
    (await database.query<{ n: number }>(
      sql`select count(*)::int as n from user_mission_progress where mission_id = ${daily} and status in ('completed', 'claimed') and user_id = any(${`{${users.join(',')}}`}::bigint[])`,
    ))[0]!.n;
  const tenPlays = (users: number[], tag: string) => users.flatMap((u) => Array.from({ length: 10 }, (_, i) => ({ userId: u, type: 'PLAY_GAME', actionId: `${tag}${u}-${i}` })));

  beforeAll(async () => {
    redis = await RedisProc.start();
    db = await freshSharedDatabase();
    const common = { databaseUrl: db.url, redisUrl: redis.url, env: { QUEUE_CLAIM_IDLE_MS: '1000' } };
    api = await AppProc.start({ roles: 'api', ...common });
    worker = await AppProc.start({ roles: 'worker', ...common });
    database = await openTestDatabase(db.url);
    daily = (await database.query<{ id: number }>(sql`select id from missions where logic_key = 'daily_play_10'`))[0]!.id;
  }, 180_000);

  afterAll(async () => {
    await Promise.all([api?.kill(), worker?.kill()]);
    await database?.close();
    await db?.dispose();
    await redis?.stop();
  });

  const before = [601, 602, 603, 604, 605, 606];

  it('with Redis up, plays are queued and applied (baseline)', async () => {
    const events = tenPlays(before, 'r');
    expect((await ingest(api.base, events)).status).toBe(202);
    accepted.push(...events);
    await until('baseline applied', async () => (await completedCount(before)) === before.length);
    await assertInvariants(database, { accepted });
  });

  it('Redis down: ingest answers 503 with Retry-After, never 202-and-drop', async () => {
    await redis.stop();
    const started = Date.now();
    const res = await ingest(api.base, [{ userId: 699, type: 'PLAY_GAME', actionId: 'lost-if-accepted' }]);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('SERVICE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(10_000); // fails fast, does not hang
    const ready = await fetch(`${api.base}/readyz`);
    expect(ready.status).toBe(503);
  });

  it('Redis down: claims stay exactly-once through the database; idempotency and rate limiting work from memory', async () => {
    // distinct keys in parallel: one payout, the in-memory insurance limiter still answers 429s
    const res = await Promise.all(Array.from({ length: 60 }, () => claim(api.base, 601, daily, randomUUID())));
    const outcomes = await Promise.all(res.map(async (r) => (r.status === 200 ? 'OK' : ((await r.json()) as { code: string }).code)));
    expect(outcomes.filter((o) => o === 'OK')).toHaveLength(1);
    for (const o of outcomes.filter((o) => o !== 'OK')) expect(['ALREADY_CLAIMED', 'RATE_LIMITED']).toContain(o);
    expect(outcomes).toContain('RATE_LIMITED');
    expect(await ledgerRows(601, daily)).toBe(1);
    // the same key again: replayed from the in-memory idempotency store
    const key = randomUUID();
    const a = await claim(api.base, 602, daily, key);
    expect(a.status).toBe(200);
    const b = await claim(api.base, 602, daily, key);
    expect(b.status).toBe(200);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(await ledgerRows(602, daily)).toBe(1);
    const metrics = await (await fetch(`${api.base}/metrics`)).text();
    expect(metrics).toMatch(/redis_fallback_total\{store="kv"\} [1-9]/);
    await assertInvariants(database, { accepted });
  });

  it('Redis back: ingest, the queue consumer and claims recover by themselves', async () => {
    await redis.start();
    const after = [611, 612, 613, 614];
    const events = tenPlays(after, 'b');
    await until('ingest accepted again', async () => {
      const res = await ingest(api.base, events);
      if (res.status === 202) return true;
      expect(res.status).toBe(503);
      return false;
    }, 60_000);
    accepted.push(...events);
    await until('plays after the outage applied', async () => (await completedCount(after)) === after.length, 90_000);
    for (const u of [...after, 603]) expect((await claim(api.base, u, daily, randomUUID())).status).toBe(200);
    await until('readyz ok', async () => (await fetch(`${api.base}/readyz`)).status === 200, 30_000);
    const me = await fetch(`${api.base}/api/me`, { headers: { authorization: tma(611) } });
    expect(((await me.json()) as { diamonds: number }).diamonds).toBe(50);
    await eventuallyInvariants(database, { accepted });
  }, 180_000);
});
