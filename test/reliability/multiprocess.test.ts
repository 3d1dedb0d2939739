import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/connection.js';
import { assertInvariants, eventuallyInvariants, type AcceptedEvent } from '../support/invariants.js';
import { ADMIN_ID, AppProc, RedisProc, claim, freshSharedDatabase, ingest, openTestDatabase, tma, until } from './support/fixtures.js';

/**
 * Concurrency and api crashes: two api processes and a worker on one PostgreSQL and one
 * Redis (real ones even in the embedded CI pass — a shared database is the point). No money moves
 * twice whichever process a request lands on, and a client retrying a killed process's requests
 * against the other gets each claim exactly once.
 */
describe('two api processes and a worker on one database', () => {
  let redis: RedisProc;
  let db: { url: string; dispose(): Promise<void> };
  let database: Database;
  let api1: AppProc;
  let api2: AppProc;
  let worker: AppProc;
  let daily: number;
  const accepted: AcceptedEvent[] = [];

  // missions that exist when an event is applied; each accepted event must have a verdict for each
  let liveMissions: number[] = [];
  const playAll = async (base: string, userId: number, n: number, prefix: string) => {
    const events = Array.from({ length: n }, (_, i) => ({ userId, type: 'PLAY_GAME', actionId: `${prefix}-${i}` }));
    const res = await ingest(base, events);
    expect(res.status).toBe(202);
    accepted.push(...events.map((e) => ({ ...e, missionIds: liveMissions })));
  };
  const progressOf = async (userId: number, missionId: number) =>
    (await database.query<{ status: string; progress: number }>(sql`select status, progress from user_mission_progress where user_id = ${userId} and mission_id = ${missionId}`))[0];
  const completeDaily = async (users: number[]) => {
    const events = users.flatMap((u) => Array.from({ length: 10 }, (_, i) => ({ userId: u, type: 'PLAY_GAME', actionId: `d${u}-${i}` })));
    for (let i = 0; i < events.length; i += 1000) {
      const chunk = events.slice(i, i + 1000);
      const res = await ingest(i % 2000 ? api1.base : api2.base, chunk);
      expect(res.status).toBe(202);
      accepted.push(...chunk.map((e) => ({ ...e, missionIds: liveMissions })));
    }
    await until('daily missions completed', async () => {
      const rows = await database.query<{ n: number }>(
        sql`select count(*)::int as n from user_mission_progress where mission_id = ${daily} and status = 'completed' and user_id = any(${`{${users.join(',')}}`}::bigint[])`,
      );
      return rows[0]!.n === users.length;
    });
  };
  const ledgerRows = async (userId: number, missionId: number) =>
    (await database.query<{ n: number }>(sql`select count(*)::int as n from reward_ledger where user_id = ${userId} and mission_id = ${missionId}`))[0]!.n;

  beforeAll(async () => {
    redis = await RedisProc.start();
    db = await freshSharedDatabase();
    const common = { databaseUrl: db.url, redisUrl: redis.url, env: { QUEUE_CLAIM_IDLE_MS: '1000' } };
    api1 = await AppProc.start({ roles: 'api', ...common }); // migrates and seeds first
    [api2, worker] = await Promise.all([AppProc.start({ roles: 'api', ...common }), AppProc.start({ roles: 'worker', ...common })]);
    database = await openTestDatabase(db.url);
    daily = (await database.query<{ id: number }>(sql`select id from missions where logic_key = 'daily_play_10'`))[0]!.id;
    liveMissions = (await database.query<{ id: number }>(sql`select id from missions where action_type = 'PLAY_GAME' and active`)).map((r) => r.id);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([api1?.kill(), api2?.kill(), worker?.kill()]);
    await database?.close();
    await db?.dispose();
    await redis?.stop();
  });

  it('200 parallel claims for one (user, mission) with distinct keys split across both processes pay once', async () => {
    await completeDaily([301]);
    const res = await Promise.all(Array.from({ length: 200 }, (_, i) => claim(i % 2 ? api1.base : api2.base, 301, daily, randomUUID())));
    const outcomes = await Promise.all(res.map(async (r) => (r.status === 200 ? 'OK' : ((await r.json()) as { code: string }).code)));
    expect(outcomes.filter((o) => o === 'OK')).toHaveLength(1);
    for (const o of outcomes.filter((o) => o !== 'OK')) expect(['ALREADY_CLAIMED', 'RATE_LIMITED']).toContain(o);
    expect(outcomes.filter((o) => o === 'ALREADY_CLAIMED').length).toBeGreaterThan(0);
    expect(await ledgerRows(301, daily)).toBe(1);
    await assertInvariants(database, { accepted });
  });

  it('the same idempotency key on both processes at once executes once: the other answer is 409 REQUEST_IN_PROGRESS or a replay', async () => {
    const users = [311, 312, 313, 314, 315, 316, 317, 318];
    await completeDaily(users);
    for (const u of users) {
      const key = randomUUID();
      const [a, b] = await Promise.all([claim(api1.base, u, daily, key), claim(api2.base, u, daily, key)]);
      const fresh = [a, b].filter((r) => r.status === 200 && r.headers.get('idempotent-replayed') !== 'true');
      expect(fresh).toHaveLength(1);
      const other = fresh[0] === a ? b : a;
      if (other.status === 200) {
        expect(other.headers.get('idempotent-replayed')).toBe('true');
        expect(await other.json()).toEqual(await fresh[0]!.json());
      } else {
        expect(other.status).toBe(409);
        expect(((await other.json()) as { code: string }).code).toBe('REQUEST_IN_PROGRESS');
      }
      expect(await ledgerRows(u, daily)).toBe(1);
    }
    await assertInvariants(database, { accepted });
  });

  it('auto-claim completion racing manual claims on both processes pays once, through auto-claim', async () => {
    const created = await fetch(`${api1.base}/api/admin/missions`, {
      method: 'POST',
      headers: { authorization: tma(ADMIN_ID), 'content-type': 'application/json' },
      body: JSON.stringify({ logicKey: 'rel_mp_auto', title: 'auto three', actionType: 'PLAY_GAME', target: 3, rewards: { diamonds: 5, tickets: 1 }, autoClaim: true }),
    });
    expect(created.status).toBe(201);
    const auto = ((await created.json()) as { id: number }).id;
    liveMissions = [...liveMissions, auto];
    // every process hears of the new mission through Redis pub/sub; wait until api2 serves it
    await until('api2 sees the new mission', async () => {
      const r = await fetch(`${api2.base}/api/mission`, { headers: { authorization: tma(320) } });
      return ((await r.json()) as { missions: { id: number }[] }).missions.some((m) => m.id === auto);
    });
    const users = [321, 322, 323, 324, 325, 326];
    for (const u of users) await playAll(api1.base, u, 2, `a${u}`);
    await until('two plays applied', async () => {
      const rows = await database.query<{ n: number }>(sql`select count(*)::int as n from user_mission_progress where mission_id = ${auto} and progress = 2`);
      return rows[0]!.n === users.length;
    });
    const outcomes: string[] = [];
    await Promise.all(
      users.map(async (u) => {
        const third = playAll(api2.base, u, 1, `a${u}-last`);
        const claims = Array.from({ length: 10 }, async (_, i) => {
          const r = await claim(i % 2 ? api1.base : api2.base, u, auto, randomUUID());
          outcomes.push(r.status === 200 ? 'OK' : ((await r.json()) as { code: string }).code);
        });
        await Promise.all([third, ...claims]);
      }),
    );
    // the manual claims can only see active (not completed) or claimed: auto-claim pays in the completing transaction
    for (const o of outcomes) expect(['NOT_COMPLETED', 'ALREADY_CLAIMED', 'RATE_LIMITED']).toContain(o);
    await until('auto-claims paid', async () => {
      const rows = await database.query<{ n: number }>(sql`select count(*)::int as n from user_mission_progress where mission_id = ${auto} and status = 'claimed' and claim_mode = 'auto'`);
      return rows[0]!.n === users.length;
    });
    for (const u of users) expect(await ledgerRows(u, auto)).toBe(2);
    await eventuallyInvariants(database, { accepted });
  }, 150_000);

  it('SIGKILL an api process during claims: retrying the same keys on the other process pays each claim exactly once', async () => {
    const users = Array.from({ length: 150 }, (_, i) => 400 + i);
    await completeDaily(users);
    const keys = new Map(users.map((u) => [u, randomUUID()]));
    // a steady stream of claims (one every 5 ms), so the kill lands mid-stream
    const first = users.map((u, i) =>
      new Promise((r) => setTimeout(r, i * 5)).then(() => claim(api1.base, u, daily, keys.get(u)!)).then(
        (r) => r.status,
        () => 'network-error' as const,
      ),
    );
    // kill as soon as the first answer is back, while the others are still in flight
    await Promise.race(first);
    await api1.kill('SIGKILL');
    const firstOutcomes = await Promise.all(first);
    // the kill must have cut some requests off, or this test proves nothing about crashes
    expect(firstOutcomes.filter((o) => o === 'network-error').length).toBeGreaterThan(0);
    // the client's retry loop: same key, other process, until a final answer
    const finals = await Promise.all(
      users.map(async (u) => {
        const deadline = Date.now() + 90_000;
        for (;;) {
          const r = await claim(api2.base, u, daily, keys.get(u)!);
          if (r.status === 200) return 'OK';
          const code = ((await r.json()) as { code: string }).code;
          if (code === 'ALREADY_CLAIMED') return code;
          expect(['REQUEST_IN_PROGRESS', 'RATE_LIMITED']).toContain(code);
          if (Date.now() > deadline) throw new Error(`user ${u}: still ${code}`);
          await new Promise((res) => setTimeout(res, 1000));
        }
      }),
    );
    for (const f of finals) expect(['OK', 'ALREADY_CLAIMED']).toContain(f);
    for (const u of users) expect(await ledgerRows(u, daily)).toBe(1);
    const [paid] = await database.query<{ n: number }>(
      sql`select count(*)::int as n from user_mission_progress where mission_id = ${daily} and status = 'claimed' and user_id = any(${`{${users.join(',')}}`}::bigint[])`,
    );
    expect(paid!.n).toBe(users.length);
    await assertInvariants(database, { accepted });
  }, 180_000);
});
