import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createHarness, type Harness } from '../support/harness.js';
import { TEST_REDIS_URL, deleteRedisPrefix } from '../support/backend.js';
import { MemoryEventQueue, RedisStreamQueue } from '../../core/platform/queue.js';
import type { GameEvent } from '../../core/missions/progress.js';
import type { WireEvent } from '../../core/domain/events.js';

// The Streams consumer is exercised against a real Redis in both CI passes (the embedded pass
// has no TEST_REDIS_URL, but the machine's Redis is there): it is the only way to test it.
const REDIS_URL = TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = pino({ level: 'silent' });

let h: Harness;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await h?.close();
});

const events = (users: number[], perUser: number, tag: string): WireEvent[] =>
  users.flatMap((u) => Array.from({ length: perUser }, (_, i) => ({ userId: u, type: 'PLAY_GAME' as const, actionId: `${tag}-${i}` })));

async function totals(h: Harness) {
  const [r] = await h.s.database.query<{ ma: number; counted: number; progress: number; vault: number }>(
    sql`select (select count(*)::int from mission_actions) as ma,
               (select count(*)::int from mission_actions where verdict = 'counted') as counted,
               (select coalesce(sum(progress), 0)::int from user_mission_progress) as progress,
               (select coalesce(sum(vault_points), 0)::int from users) as vault`,
  );
  return r!;
}

async function until(cond: () => Promise<boolean>, timeoutMs = 30_000) {
  const end = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('in-process queue', () => {
  it('a batch that fails mid-way is retried and counted once', async () => {
    h = await createHarness({ services: { consume: false } });
    const q = new MemoryEventQueue(100, log);
    cleanups.push(() => q.stop());
    let calls = 0;
    q.startConsumer(async (batch) => {
      calls++;
      await h.s.applyBatch(batch);
      if (calls === 1) throw new Error('crash after commit, before the queue forgot the batch');
    });
    await q.enqueue(h.clock.nowMs(), events([1, 2], 2, 'm'));
    await q.drain();
    expect(calls).toBe(2);
    // 4 plays × 2 matching missions, each (user, mission, action) once
    // 21:31 is inside the golden window: 20 vault points per play
    expect(await totals(h)).toEqual({ ma: 8, counted: 8, progress: 8, vault: 4 * 20 });
  });
});

describe('Redis Streams consumer group', () => {
  it('a consumer killed mid-batch (after commit, before XACK) and one killed before applying: the entries are reclaimed with no loss and no double count', async () => {
    h = await createHarness({ services: { consume: false } });
    const prefix = `${h.backend.redisPrefix}q:`;
    const opts = { redisUrl: REDIS_URL, prefix, batchSize: 1000, log, claimIdleMs: 300, blockMs: 100 };
    const a = new RedisStreamQueue({ ...opts, consumerName: 'A' });
    let seen = 0;
    a.startConsumer(async (batch) => {
      seen++;
      if (seen === 1) await h.s.applyBatch(batch); // first entry: applied, never acknowledged
      await new Promise(() => {}); // the process "dies" here
    });
    await a.enqueue(h.clock.nowMs(), events([101, 102], 3, 'x'));
    await until(async () => seen >= 1);
    // kill A: no more reads, no acks
    (a as unknown as { running: boolean }).running = false;
    (a as unknown as { reader: Redis }).reader.disconnect();
    // C takes the next entry and dies before applying anything
    const c = new RedisStreamQueue({ ...opts, consumerName: 'C' });
    let cSeen = 0;
    c.startConsumer(async () => {
      cSeen++;
      await new Promise(() => {});
    });
    await c.enqueue(h.clock.nowMs(), events([103], 2, 'y'));
    await until(async () => cSeen >= 1);
    (c as unknown as { running: boolean }).running = false;
    (c as unknown as { reader: Redis }).reader.disconnect();
    expect((await totals(h)).ma).toBe(12); // only A's entry was applied so far

    const b = new RedisStreamQueue({ ...opts, consumerName: 'B' });
    // A's loop is stuck in its dead handler forever: only its producer connection needs closing
    cleanups.push(() => b.stop(), () => void (a as unknown as { producer: Redis }).producer.disconnect(), () => void (c as unknown as { producer: Redis }).producer.disconnect());
    cleanups.push(() => deleteRedisPrefix(REDIS_URL, prefix)); // after the consumers stopped
    b.startConsumer(async (batch) => void (await h.s.applyBatch(batch)));
    await b.drain(30_000);

    // 8 plays × 2 missions; progress: golden capped at 3 per user, daily counts all
    expect(await totals(h)).toEqual({ ma: 16, counted: 16, progress: 3 + 3 + 2 + 3 + 3 + 2, vault: 8 * 20 });
    const r = new Redis(REDIS_URL);
    cleanups.push(() => void r.disconnect());
    const pending = (await r.xpending(`${prefix}events`, 'appliers')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });

  it('CONSUMER_IN_FLIGHT: a consumer applies two entries at once, acknowledges each after its commit, and counts every play once', async () => {
    h = await createHarness({ services: { consume: false } });
    const prefix = `${h.backend.redisPrefix}qf:`;
    const q = new RedisStreamQueue({ redisUrl: REDIS_URL, prefix, batchSize: 100, log, claimIdleMs: 300, blockMs: 100, inFlight: 2, consumerName: 'F' });
    cleanups.push(() => q.stop(), () => deleteRedisPrefix(REDIS_URL, prefix));
    let running = 0;
    let peak = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    q.startConsumer(async (batch) => {
      running++;
      peak = Math.max(peak, running);
      if (peak >= 2) release();
      await gate; // hold the first batch until a second one runs beside it
      await h.s.applyBatch(batch);
      running--;
    });
    // one entry per enqueue; the same players in both, so their row locks meet
    await q.enqueue(h.clock.nowMs(), events([201, 202], 2, 'f1'));
    await q.enqueue(h.clock.nowMs(), events([201, 202], 2, 'f2'));
    await q.drain(30_000);
    expect(peak).toBe(2);
    // 8 plays × 2 missions; golden capped at 3 per user, daily counts all 4
    expect(await totals(h)).toEqual({ ma: 16, counted: 16, progress: 3 + 3 + 4 + 4, vault: 8 * 20 });
  });

  it('a consumer batch holds about CONSUMER_BATCH events, whatever each entry holds: entries per read follow the events per entry', async () => {
    h = await createHarness({ services: { consume: false } });
    const prefix = `${h.backend.redisPrefix}qb:`;
    const q = new RedisStreamQueue({ redisUrl: REDIS_URL, prefix, batchSize: 100, log, claimIdleMs: 300, blockMs: 100, consumerName: 'S' });
    cleanups.push(() => q.stop(), () => deleteRedisPrefix(REDIS_URL, prefix));
    for (let k = 0; k < 10; k++) await q.enqueue(h.clock.nowMs(), events([300 + k], 50, `s${k}`));
    const sizes: number[] = [];
    q.startConsumer(async (batch) => {
      sizes.push(batch.length);
      await h.s.applyBatch(batch);
    });
    await q.drain(30_000);
    // the first read guesses (100 events per entry: one entry); the others take two 50-event entries
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(500);
    expect(Math.max(...sizes)).toBe(100);
    expect(sizes.filter((n) => n === 100).length).toBeGreaterThanOrEqual(4);
    // 500 plays × 2 missions; golden capped at 3 per user, daily at 10
    expect(await totals(h)).toEqual({ ma: 1000, counted: 1000, progress: 10 * (3 + 10), vault: 500 * 20 });
  });

  it('entries queued before the receive stamp was kept apart (a stamp on every event, field b) are still applied, once', async () => {
    h = await createHarness({ services: { consume: false } });
    const prefix = `${h.backend.redisPrefix}qo:`;
    const r = new Redis(REDIS_URL);
    cleanups.push(() => void r.disconnect());
    const old: GameEvent[] = events([401, 402], 2, 'old').map((e) => ({ ...e, receivedAt: h.clock.nowMs() }));
    await r.xadd(`${prefix}events`, '*', 'b', JSON.stringify(old));
    const q = new RedisStreamQueue({ redisUrl: REDIS_URL, prefix, batchSize: 100, log, claimIdleMs: 300, blockMs: 100, consumerName: 'O' });
    cleanups.push(() => q.stop(), () => deleteRedisPrefix(REDIS_URL, prefix));
    await q.enqueue(h.clock.nowMs(), events([401], 1, 'new'));
    q.startConsumer(async (batch) => void (await h.s.applyBatch(batch)));
    await q.drain(30_000);
    // 5 plays × 2 missions, each received inside the golden window (20 vault points)
    expect(await totals(h)).toEqual({ ma: 10, counted: 10, progress: 3 + 3 + 2 + 2, vault: 5 * 20 });
  });

  it('enqueue answers SERVICE_UNAVAILABLE when Redis cannot take the events (never accept-and-drop)', async () => {
    h = await createHarness({ services: { consume: false } });
    const q = new RedisStreamQueue({ redisUrl: 'redis://127.0.0.1:1', prefix: 'nowhere:', batchSize: 10, log });
    cleanups.push(() => q.stop());
    await expect(q.enqueue(h.clock.nowMs(), events([1], 1, 'z'))).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});
