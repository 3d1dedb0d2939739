import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { Database } from '../../db/connection.js';
import { eventuallyInvariants, type AcceptedEvent } from '../support/invariants.js';
import { AppProc, RedisProc, freshSharedDatabase, ingest, openTestDatabase, until } from './support/fixtures.js';

/**
 * Crashes: SIGKILL the worker while a batch is delivered but not acknowledged, start a
 * new one, and every accepted event is still applied exactly once — the new consumer takes the
 * dead one's pending entries over (XAUTOCLAIM after QUEUE_CLAIM_IDLE_MS) and the unique keys make
 * the re-application harmless.
 */
describe('worker killed mid-batch', () => {
  let redis: RedisProc;
  let r: Redis;
  let db: { url: string; dispose(): Promise<void> };
  let database: Database;
  let api: AppProc;
  let worker1: AppProc;
  let worker2: AppProc | undefined;
  const STREAM = 'gh:events';
  const GROUP = 'appliers';

  beforeAll(async () => {
    redis = await RedisProc.start();
    r = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    r.on('error', () => {});
    db = await freshSharedDatabase();
    const common = { databaseUrl: db.url, redisUrl: redis.url, env: { QUEUE_CLAIM_IDLE_MS: '1000', CONSUMER_BATCH: '100' } };
    api = await AppProc.start({ roles: 'api', ...common });
    worker1 = await AppProc.start({ roles: 'worker', ...common });
    database = await openTestDatabase(db.url);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([api?.kill(), worker1?.kill(), worker2?.kill()]);
    r?.disconnect();
    await database?.close();
    await db?.dispose();
    await redis?.stop();
  });

  const pendingCount = async () => {
    const res = (await r.xpending(STREAM, GROUP)) as [number, ...unknown[]];
    return Number(res[0] ?? 0);
  };

  it('a new worker reclaims the dead worker’s pending entries and every accepted event is applied once', async () => {
    const accepted: AcceptedEvent[] = [];
    const users = 200;
    // 20 ingest requests of 1000 plays: 200 players × 100 plays
    for (let req = 0; req < 20; req++) {
      const events = Array.from({ length: 1000 }, (_, i) => ({ userId: 5000 + (i % users), type: 'PLAY_GAME', actionId: `w${req}-${i}` }));
      const res = await ingest(api.base, events);
      expect(res.status).toBe(202);
      accepted.push(...events);
    }
    // kill the moment a batch is delivered and not yet acknowledged
    await until('a batch in flight', async () => (await pendingCount()) > 0 && worker1.alive, 60_000);
    await worker1.kill('SIGKILL');
    const stranded = await pendingCount();
    expect(stranded).toBeGreaterThan(0);
    const [owners] = [(await r.xpending(STREAM, GROUP)) as [number, string, string, [string, string][]]];
    expect(owners[3]).toHaveLength(1); // all owned by the dead consumer

    worker2 = await AppProc.start({ roles: 'worker', databaseUrl: db.url, redisUrl: redis.url, env: { QUEUE_CLAIM_IDLE_MS: '1000', CONSUMER_BATCH: '100' } });
    await until('queue drained and nothing pending', async () => (await r.xlen(STREAM)) === 0 && (await pendingCount()) === 0, 120_000);

    const stats = await eventuallyInvariants(database, { accepted }, 30_000);
    expect(stats.actions).toBe(20_000);
    const [done] = await database.query<{ n: number }>(
      sql`select count(distinct p.user_id)::int as n from user_mission_progress p join missions m on m.id = p.mission_id where m.logic_key = 'daily_play_10' and p.status = 'completed'`,
    );
    expect(done!.n).toBe(users);
  }, 300_000);
});
