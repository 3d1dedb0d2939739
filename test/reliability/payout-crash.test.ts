import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/connection.js';
import { assertInvariants } from '../support/invariants.js';
import { ADMIN_ID, AppProc, RedisProc, freshSharedDatabase, openTestDatabase, tma, until } from './support/fixtures.js';

/**
 * Crashes: SIGKILL the api process in the middle of a manual payout (CSV, confirm), then
 * run the same file again on another process. The payout is one transaction, so the kill leaves
 * all or nothing, and the re-run pays exactly the ones not paid yet: nobody twice.
 */
describe('api killed during a manual payout', () => {
  let redis: RedisProc;
  let db: { url: string; dispose(): Promise<void> };
  let database: Database;
  let api1: AppProc;
  let api2: AppProc;
  const USERS = 60_000;
  const csv = 'user_id\n' + Array.from({ length: USERS }, (_, i) => String(800_000 + i)).join('\n') + '\n';
  // confirmed for this very file; the ids were never seen by the app, so they need includeUnknown=1
  const query = `confirm=${createHash('sha256').update(csv).digest('hex')}&includeUnknown=1&mission=golden_hour_play_3`;

  beforeAll(async () => {
    redis = await RedisProc.start();
    db = await freshSharedDatabase();
    const common = { databaseUrl: db.url, redisUrl: redis.url };
    api1 = await AppProc.start({ roles: 'api', ...common });
    api2 = await AppProc.start({ roles: 'api', ...common });
    database = await openTestDatabase(db.url);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([api1?.kill(), api2?.kill()]);
    await database?.close();
    await db?.dispose();
    await redis?.stop();
  });

  const payout = (base: string) =>
    fetch(`${base}/api/admin/payouts?${query}`, {
      method: 'POST',
      headers: { authorization: tma(ADMIN_ID), 'content-type': 'text/csv' },
      body: csv,
      signal: AbortSignal.timeout(120_000),
    });
  const paidUsers = async () => (await database.query<{ n: number }>(sql`select count(distinct user_id)::int as n from reward_ledger where source = 'payout'`))[0]!.n;

  it('the kill leaves all or nothing, and the re-run pays each listed player exactly once', async () => {
    const first = payout(api1.base).then(
      (r) => r.status,
      () => 'network-error' as const,
    );
    // kill while the payout transaction is open in Postgres
    await until('payout transaction open', async () => {
      const rows = await database.query<{ n: number }>(sql`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null
          and (query ilike '%payout%' or query ilike '%reward_ledger%' or query ilike '%user_mission_progress%')`);
      return rows[0]!.n > 0;
    }, 60_000);
    await api1.kill('SIGKILL');
    expect(await first).toBe('network-error');

    // all or nothing: the batch, its ledger rows and progress rows committed together or not at all
    await until('the dead connection is gone', async () => {
      const rows = await database.query<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null and query ilike '%payout%'`);
      return rows[0]!.n === 0;
    }, 30_000);
    const afterKill = await paidUsers();
    expect([0, USERS]).toContain(afterKill);
    await assertInvariants(database);

    // the operator runs the same file again, on the surviving process
    const res = await payout(api2.base);
    expect(res.status).toBe(200);
    const r = (await res.json()) as { paid: number; alreadyPaid: number; requested: number };
    expect(r.requested).toBe(USERS);
    expect(r.paid + r.alreadyPaid).toBe(USERS);
    expect(r.paid).toBe(USERS - afterKill);

    // and once more: nobody is paid twice
    const again = (await (await payout(api2.base)).json()) as { paid: number; alreadyPaid: number };
    expect(again).toMatchObject({ paid: 0, alreadyPaid: USERS });
    expect(await paidUsers()).toBe(USERS);
    const [dup] = await database.query<{ n: number }>(sql`select count(*)::int as n from reward_ledger where source = 'payout'`);
    expect(dup!.n).toBe(USERS * 3); // diamonds, xp and a ticket, once each
    await assertInvariants(database);
  }, 300_000);
});
