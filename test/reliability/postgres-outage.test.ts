import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/connection.js';
import { eventuallyInvariants, type AcceptedEvent } from '../support/invariants.js';
import { AppProc, PostgresProc, RedisProc, claim, ingest, openTestDatabase, tma, until } from './support/fixtures.js';

/**
 * Dependencies failing: PostgreSQL restarted mid-run. A private PostgreSQL 15 (initdb in
 * a temp dir; the shared one is never touched) is stopped under an api and a worker: requests get
 * 503 problem responses quickly (no hang, no crash, no SQL in the body), plays keep being queued
 * in Redis, and after the restart everything recovers and every accepted play is applied once.
 */
describe('PostgreSQL restarted mid-run', () => {
  let pg: PostgresProc;
  let redis: RedisProc;
  let database: Database;
  let api: AppProc;
  let worker: AppProc;
  let daily: number;
  const accepted: AcceptedEvent[] = [];
  const tenPlays = (users: number[], tag: string) => users.flatMap((u) => Array.from({ length: 10 }, (_, i) => ({ userId: u, type: 'PLAY_GAME', actionId: `${tag}${u}-${i}` })));
  const doneCount = async (users: number[]) =>
    (await database.query<{ n: number }>(
      sql`select count(*)::int as n from user_mission_progress where mission_id = ${daily} and status in ('completed', 'claimed') and user_id = any(${`{${users.join(',')}}`}::bigint[])`,
    ))[0]!.n;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([PostgresProc.start(), RedisProc.start()]);
    const common = { databaseUrl: pg.url(), redisUrl: redis.url, env: { QUEUE_CLAIM_IDLE_MS: '1000' } };
    api = await AppProc.start({ roles: 'api', ...common });
    worker = await AppProc.start({ roles: 'worker', ...common });
    database = await openTestDatabase(pg.url());
    daily = (await database.query<{ id: number }>(sql`select id from missions where logic_key = 'daily_play_10'`))[0]!.id;
    const events = tenPlays([701, 702, 703], 'a');
    expect((await ingest(api.base, events)).status).toBe(202);
    accepted.push(...events);
    await until('baseline applied', async () => (await doneCount([701, 702, 703])) === 3);
    expect((await claim(api.base, 701, daily, randomUUID())).status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([api?.kill(), worker?.kill()]);
    await database?.close().catch(() => {});
    await pg?.dispose();
    await redis?.stop();
  });

  const expectUnavailable = async (res: Response) => {
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const text = await res.text();
    expect(JSON.parse(text).code).toBe('SERVICE_UNAVAILABLE');
    expect(text).not.toMatch(/select |insert |update |ECONNREFUSED|at .*\.ts:\d+|postgres:\/\//i);
  };

  it('while Postgres is down: 503 problem responses, fast, and the process stays up', async () => {
    await pg.stop('fast');
    const t0 = Date.now();
    const opts = { signal: AbortSignal.timeout(20_000) };
    await expectUnavailable(await fetch(`${api.base}/api/me`, { headers: { authorization: tma(702) }, ...opts }));
    await expectUnavailable(await fetch(`${api.base}/api/mission`, { headers: { authorization: tma(702) }, ...opts }));
    await expectUnavailable(await claim(api.base, 702, daily, randomUUID(), 20_000));
    expect((await fetch(`${api.base}/readyz`, opts)).status).toBe(503);
    expect(Date.now() - t0).toBeLessThan(40_000);
    // plays are still queued durably in Redis
    const events = tenPlays([704, 705], 'd');
    const res = await ingest(api.base, events);
    expect(res.status).toBe(202);
    accepted.push(...events);
    expect(api.alive && worker.alive).toBe(true);
    expect((await fetch(`${api.base}/healthz`)).status).toBe(200);
  }, 120_000);

  it('after the restart: requests succeed again, queued plays are applied, claims pay once', async () => {
    await pg.start();
    await until('api answers again', async () => (await fetch(`${api.base}/api/me`, { headers: { authorization: tma(702) } })).status === 200, 60_000);
    await until('plays queued during the outage applied', async () => (await doneCount([704, 705])) === 2, 90_000);
    const key = randomUUID();
    expect((await claim(api.base, 702, daily, key)).status).toBe(200);
    const again = await claim(api.base, 702, daily, key);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await claim(api.base, 704, daily, randomUUID())).status).toBe(200);
    expect(((await (await claim(api.base, 701, daily, randomUUID())).json()) as { code: string }).code).toBe('ALREADY_CLAIMED');
    await eventuallyInvariants(database, { accepted }, 30_000);
  }, 180_000);

  it('a crash-like stop (SIGQUIT) in the middle of claims: retried with the same keys after the restart, each pays once', async () => {
    const users = [711, 712, 713, 714, 715, 716, 717, 718];
    const events = tenPlays(users, 'c');
    expect((await ingest(api.base, events)).status).toBe(202);
    accepted.push(...events);
    await until('plays applied', async () => (await doneCount(users)) === users.length, 60_000);
    const keys = new Map(users.map((u) => [u, randomUUID()]));
    const first = users.map((u) => claim(api.base, u, daily, keys.get(u)!, 30_000).then((r) => r.status, () => 0));
    await pg.stop('immediate');
    for (const s of await Promise.all(first)) expect([200, 503, 0]).toContain(s); // paid, or told to retry
    await pg.start();
    for (const p of [api, worker]) expect(p.alive, `${p.o.roles} survives the database crash:\n${p.logs.slice(-6).join('\n')}`).toBe(true);
    for (const u of users) {
      const final = await until(`user ${u} settled`, async () => {
        const r = await claim(api.base, u, daily, keys.get(u)!);
        if (r.status === 200) return 'OK';
        const code = ((await r.json()) as { code: string }).code;
        return code === 'ALREADY_CLAIMED' ? code : false;
      }, 60_000);
      expect(['OK', 'ALREADY_CLAIMED']).toContain(final);
    }
    const [rows] = await database.query<{ n: number }>(
      sql`select count(*)::int as n from reward_ledger where mission_id = ${daily} and user_id = any(${`{${users.join(',')}}`}::bigint[])`,
    );
    expect(rows!.n).toBe(users.length);
    await eventuallyInvariants(database, { accepted }, 30_000);
  }, 180_000);
});
