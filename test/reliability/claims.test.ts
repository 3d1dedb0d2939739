import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createHarness, type Harness } from '../support/harness.js';
import { assertInvariants, checkInvariants, type AcceptedEvent } from '../support/invariants.js';
import { isDomainError } from '../../core/domain/errors.js';

/**
 * Exactly-once claims inside one process (both backends): the database, not the middleware,
 * is what makes a second payout impossible. The multi-process versions are in concurrency.test.ts.
 */
describe('claims under contention (one process)', () => {
  let h: Harness;
  let gid: number;
  let daily: number;
  const accepted: AcceptedEvent[] = [];
  const play = async (userId: number, n: number, prefix: string) => {
    await h.play(userId, n, prefix);
    for (let i = 0; i < n; i++) accepted.push({ userId, type: 'PLAY_GAME', actionId: `${prefix}-${i}` });
  };

  beforeAll(async () => {
    h = await createHarness();
    gid = await h.missionId('golden_hour_play_3');
    daily = await h.missionId('daily_play_10');
  });
  afterAll(async () => h?.close());

  it('200 parallel claims of one completed mission pay once (core, no middleware)', async () => {
    await play(101, 3, 'u101');
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => h.s.claim(101, gid)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const codes = results.filter((r) => r.status === 'rejected').map((r) => (isDomainError((r as PromiseRejectedResult).reason) ? (r as PromiseRejectedResult).reason.code : String((r as PromiseRejectedResult).reason)));
    expect(ok).toHaveLength(1);
    expect(new Set(codes)).toEqual(new Set(['ALREADY_CLAIMED']));
    const [b] = await h.s.database.query<{ diamonds: string }>(sql`select diamonds from balances where user_id = 101`);
    expect(Number(b!.diamonds)).toBe(100);
    await assertInvariants(h.s.database, { accepted, verdictMissionIds: [gid, daily] });
  });

  it('200 parallel HTTP claims with distinct keys: one 200, the rest 409 ALREADY_CLAIMED or 429', async () => {
    await play(102, 3, 'u102');
    const res = await Promise.all(Array.from({ length: 200 }, () => h.claim(102, gid)));
    const bodies = await Promise.all(res.map(async (r) => ({ status: r.status, code: r.status === 200 ? 'OK' : (await r.json()).code })));
    expect(bodies.filter((b) => b.status === 200)).toHaveLength(1);
    for (const b of bodies.filter((b) => b.status !== 200)) expect(['ALREADY_CLAIMED', 'RATE_LIMITED']).toContain(b.code);
    await assertInvariants(h.s.database, { accepted, verdictMissionIds: [gid, daily] });
  });

  it('the same key sent 20 times at once runs once: one 200, the others 409 REQUEST_IN_PROGRESS or an identical replay', async () => {
    await play(103, 3, 'u103');
    const key = randomUUID();
    const res = await Promise.all(Array.from({ length: 20 }, () => h.claim(103, gid, key)));
    const first = res.find((r) => r.status === 200 && r.headers.get('idempotent-replayed') !== 'true');
    expect(first).toBeDefined();
    const firstBody = await first!.clone().text();
    for (const r of res) {
      if (r === first) continue;
      if (r.status === 200) {
        expect(r.headers.get('idempotent-replayed')).toBe('true');
        expect(await r.text()).toBe(firstBody);
      } else {
        expect(r.status).toBe(409);
        expect((await r.json()).code).toBe('REQUEST_IN_PROGRESS');
      }
    }
    const [l] = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from reward_ledger where user_id = 103`);
    expect(l!.n).toBe(3);
    await assertInvariants(h.s.database, { accepted, verdictMissionIds: [gid, daily] });
  });

  it('auto-claim completion racing manual claims pays once', async () => {
    const created = await h.req('/api/admin/missions', {
      method: 'POST',
      userId: 9001,
      body: JSON.stringify({ logicKey: 'rel_auto_5', title: 'auto five', actionType: 'PLAY_GAME', target: 5, rewards: { diamonds: 7, xp: 3 }, autoClaim: true }),
    });
    expect(created.status).toBe(201);
    const auto = (await created.json()).id as number;
    await play(104, 4, 'u104a');
    // the fifth play completes (and auto-pays) while claims are hammering
    const plays = (async () => {
      const res = await h.ingest([{ userId: 104, type: 'PLAY_GAME', actionId: 'u104b-0' }]);
      expect(res.status).toBe(202);
      accepted.push({ userId: 104, type: 'PLAY_GAME', actionId: 'u104b-0' });
      await h.s.queue.drain();
    })();
    const claims = Promise.allSettled(Array.from({ length: 50 }, () => h.s.claim(104, auto)));
    const [, settled] = await Promise.all([plays, claims]);
    for (const r of settled) {
      expect(r.status).toBe('rejected');
      expect(['NOT_COMPLETED', 'ALREADY_CLAIMED']).toContain((r as PromiseRejectedResult).reason.code);
    }
    const rows = await h.s.database.query<{ source: string; kind: string }>(sql`select source, kind from reward_ledger where user_id = 104 and mission_id = ${auto} order by kind`);
    expect(rows).toEqual([
      { source: 'auto_claim', kind: 'diamonds' },
      { source: 'auto_claim', kind: 'xp' },
    ]);
    await assertInvariants(h.s.database, { accepted, verdictMissionIds: [gid, daily] });
  });

  it('a replayed batch (at-least-once delivery) changes nothing', async () => {
    await play(105, 10, 'u105');
    const before = await checkInvariants(h.s.database, { accepted, verdictMissionIds: [gid, daily] });
    const replay = Array.from({ length: 10 }, (_, i) => ({ userId: 105, type: 'PLAY_GAME' as const, actionId: `u105-${i}`, receivedAt: h.clock.nowMs() }));
    await h.s.applyBatch(replay);
    await h.s.applyBatch(replay);
    const after = await checkInvariants(h.s.database, { accepted, verdictMissionIds: [gid, daily] });
    expect(after.ok).toBe(true);
    expect(after.stats).toEqual(before.stats);
    const res = await h.claim(105, daily);
    expect(res.status).toBe(200);
    await assertInvariants(h.s.database, { accepted, verdictMissionIds: [gid, daily] });
  });
});

describe('the invariant checker catches each kind of corruption', () => {
  let h: Harness;
  let gid: number;
  beforeAll(async () => {
    h = await createHarness();
    gid = await h.missionId('golden_hour_play_3');
    await h.play(201, 3, 'c201');
    expect((await h.claim(201, gid)).status).toBe(200);
  });
  afterAll(async () => h?.close());

  const corrupt = async (statement: ReturnType<typeof sql>, undo: ReturnType<typeof sql>, rule: RegExp, accepted: AcceptedEvent[] = []) => {
    expect((await checkInvariants(h.s.database)).ok).toBe(true);
    await h.s.database.query(statement);
    try {
      const r = await checkInvariants(h.s.database, { accepted });
      expect(r.ok).toBe(false);
      expect(r.violations.join('\n')).toMatch(rule);
    } finally {
      await h.s.database.query(undo);
    }
  };

  it('a balance that is not its ledger sum', () =>
    corrupt(sql`update balances set diamonds = diamonds + 1 where user_id = 201`, sql`update balances set diamonds = diamonds - 1 where user_id = 201`, /balance differs/));

  it('a ledger row without a claimed progress row (a payment nobody earned)', () =>
    corrupt(
      sql`insert into reward_ledger (user_id, mission_id, period_key, kind, amount, source, created_at) values (202, ${gid}, '2026-11-27', 'diamonds', 5, 'claim', now())`,
      sql`delete from reward_ledger where user_id = 202`,
      /ledger row without a claimed progress row/,
    ));

  it('a claimed row missing a reward kind', () =>
    corrupt(
      sql`update reward_ledger set kind = 'xp', user_id = 299 where user_id = 201 and kind = 'tickets'`,
      sql`update reward_ledger set kind = 'tickets', user_id = 201 where user_id = 299`,
      /claimed progress row without exactly one ledger row/,
    ));

  it('progress counted twice', () =>
    corrupt(
      sql`update user_mission_progress set progress = progress + 1 where user_id = 201 and mission_id <> ${gid}`,
      sql`update user_mission_progress set progress = progress - 1 where user_id = 201 and mission_id <> ${gid}`,
      /progress differs from its counted actions/,
    ));

  it('an accepted event that was lost', () =>
    corrupt(sql`select 1`, sql`select 1`, /accepted event never recorded/, [{ userId: 201, type: 'PLAY_GAME', actionId: 'never-arrived' }]));
});
