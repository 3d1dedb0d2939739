import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/connection.js';
import { assignArm, type ExperimentSplit } from '../../core/domain/experiment.js';
import { AppProc, RedisProc, freshSharedDatabase, openTestDatabase, tma } from './support/fixtures.js';

/**
 * Assignment is a pure function of (player, experiment): two real api processes, and one of them
 * restarted, show every player the same arm — the one this test process computes — with no row
 * per player anywhere (docs/operations.md, Experiments).
 */
const SPLIT: ExperimentSplit = {
  holdoutPct: 30,
  variants: [
    { name: 'base', weight: 1 },
    { name: 'double', weight: 1, rewards: { diamonds: 200, xp: 500, tickets: 1 } },
  ],
};
const EXP_ID = 'golden-hour-proc-test';
const USERS = Array.from({ length: 40 }, (_, i) => 7001 + i);

/** What a player's mission list says about their arm: no golden mission, or its diamonds. */
async function armSeen(base: string, userId: number): Promise<string> {
  const res = await fetch(`${base}/api/mission`, { headers: { authorization: tma(userId) } });
  expect(res.status).toBe(200);
  const { missions } = (await res.json()) as { missions: Array<{ logicKey: string; rewards: { diamonds: number } }> };
  const g = missions.find((m) => m.logicKey === 'golden_hour_play_3');
  return g ? `diamonds:${g.rewards.diamonds}` : 'hidden';
}

const expectedSeen = (u: number) => {
  const arm = assignArm(u, EXP_ID, SPLIT);
  return arm === 'holdout' ? 'hidden' : arm === 'double' ? 'diamonds:200' : 'diamonds:100';
};

describe('experiment assignment across processes', () => {
  let db: { url: string; dispose(): Promise<void> };
  let database: Database;
  let api1: AppProc;
  let api2: AppProc;
  let redis: RedisProc;

  beforeAll(async () => {
    redis = await RedisProc.start();
    db = await freshSharedDatabase();
    api1 = await AppProc.start({ roles: 'api', databaseUrl: db.url, redisUrl: redis.url }); // migrates and seeds
    database = await openTestDatabase(db.url);
    // in force since long ago, so it applies to today's period whatever the real clock says
    await database.query(
      sql`insert into experiment_configs (experiment_key, experiment_id, effective_from, holdout_pct, variants, updated_by, updated_at)
          values ('golden-hour', ${EXP_ID}, '2000-01-01', ${SPLIT.holdoutPct}, ${JSON.stringify(SPLIT.variants)}::jsonb, 9001, now())`,
    );
    api2 = await AppProc.start({ roles: 'api', databaseUrl: db.url, redisUrl: redis.url });
  }, 120_000);
  afterAll(async () => {
    await api1?.stop();
    await api2?.stop();
    await database?.close();
    await db?.dispose();
    await redis?.stop();
  });

  it('two processes and a restart agree with the pure function for every player', async () => {
    const expected = USERS.map(expectedSeen);
    // the population really is split: some hidden, some of each variant
    expect(new Set(expected)).toEqual(new Set(['hidden', 'diamonds:100', 'diamonds:200']));
    const first = await Promise.all(USERS.map((u) => armSeen(api1.base, u)));
    const second = await Promise.all(USERS.map((u) => armSeen(api2.base, u)));
    expect(first).toEqual(expected);
    expect(second).toEqual(expected);
    await api1.stop();
    await api1.start();
    const restarted = await Promise.all(USERS.map((u) => armSeen(api1.base, u)));
    expect(restarted).toEqual(expected);
    const perPlayer = await database.query(sql`select count(*)::int as n from experiment_configs`);
    expect(perPlayer).toEqual([{ n: 1 }]);
  }, 120_000);
});
