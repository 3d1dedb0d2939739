import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createHarness, type Harness } from '../support/harness.js';
import { TEST_REDIS_URL, deleteRedisPrefix } from '../support/backend.js';

// Round trips only exist with a real Redis: both CI passes use one (the embedded pass has no
// TEST_REDIS_URL, but the machine's Redis is there), as in test/core/queue.test.ts.
const REDIS_URL = TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

type Event = { kind: 'send'; name: string } | { kind: 'reply' } | { kind: 'db' };

/**
 * What the claim asks Redis before its database statement (docs/performance.md, "Claim: rate
 * limit and idempotency in one round trip"): every command is written to the connection and
 * waits for its reply; a round trip is a run of commands sent before any of them is answered.
 */
describe('claim: one Redis round trip before the database', () => {
  let h: Harness;
  let gid: number;
  const events: Event[] = [];

  beforeAll(async () => {
    h = await createHarness({ env: { REDIS_URL } });
    gid = await h.missionId('golden_hour_play_3');
    const redis = h.s.stores.redis as Redis;
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = ((command: Parameters<Redis['sendCommand']>[0], stream?: Parameters<Redis['sendCommand']>[1]) => {
      events.push({ kind: 'send', name: command.name });
      const p = send(command, stream) as Promise<unknown>;
      p.then(
        () => events.push({ kind: 'reply' }),
        () => events.push({ kind: 'reply' }),
      );
      return p;
    }) as Redis['sendCommand'];
    const claim = h.s.claim.bind(h.s);
    h.s.claim = ((...args: Parameters<typeof claim>) => {
      events.push({ kind: 'db' });
      return claim(...args);
    }) as typeof claim;
  });
  afterAll(async () => {
    const prefix = h?.backend.redisPrefix;
    await h?.close();
    if (prefix && !TEST_REDIS_URL) await deleteRedisPrefix(REDIS_URL, prefix);
  });

  /** the commands before the claim's database call, grouped by round trip */
  const roundTripsBeforeDb = (log: Event[]) => {
    const trips: string[][] = [];
    let answered = true;
    for (const e of log) {
      if (e.kind === 'db') break;
      if (e.kind === 'reply') answered = true;
      else {
        if (answered) trips.push([]);
        answered = false;
        trips.at(-1)!.push(e.name);
      }
    }
    return trips;
  };

  it('the pair bucket, the player bucket and the idempotency SET NX go out together, and the claim pays', async () => {
    await h.play(301, 3, 'rt301');
    await h.play(302, 3, 'rt302');
    // the first claim loads the rate limiter's script into Redis (EVALSHA → NOSCRIPT → EVAL) once
    expect((await h.claim(301, gid)).status).toBe(200);
    events.length = 0;
    const res = await h.claim(302, gid);
    expect(res.status).toBe(200);
    expect(events.filter((e) => e.kind === 'db')).toHaveLength(1);
    const trips = roundTripsBeforeDb(events);
    expect(trips).toHaveLength(1);
    expect(trips[0]!.map((n) => n.toLowerCase()).sort()).toEqual(['evalsha', 'evalsha', 'set']);
  });

  it('a replay of a finished key never reaches the database and still answers Idempotent-Replayed: true', async () => {
    await h.play(303, 3, 'rt303');
    const key = randomUUID();
    const first = await h.claim(303, gid, key);
    expect(first.status).toBe(200);
    events.length = 0;
    const again = await h.claim(303, gid, key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(await first.text());
    expect(events.some((e) => e.kind === 'db')).toBe(false);
  });
});

/**
 * The guards still decide in their old order (rate limit, then the key) although they now ask
 * Redis at once: both backends, a bucket of 2 per minute so the third claim is refused.
 */
describe('claim guards: the rate limit decides first', () => {
  let h: Harness;
  let gid: number;
  beforeAll(async () => {
    h = await createHarness({ app: { claimRateLimit: { points: 2, durationS: 60 } } });
    gid = await h.missionId('golden_hour_play_3');
  });
  afterAll(async () => h?.close());
  const code = async (r: Response) => (r.status === 200 ? 'OK' : (await r.json()).code);

  it('a rate-limited claim frees the idempotency key it reserved: nothing is left in flight under it', async () => {
    await h.play(311, 3, 'rl311');
    expect(await code(await h.claim(311, gid))).toBe('OK');
    expect(await code(await h.claim(311, gid))).toBe('ALREADY_CLAIMED');
    const key = randomUUID();
    const refused = await h.claim(311, gid, key);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await code(refused)).toBe('RATE_LIMITED');
    expect(await h.s.stores.kv.get(`idem:311:${key}`)).toBeNull();
  });

  it('a rate-limited claim is 429 even with a missing key or a finished one, and the finished answer stays', async () => {
    await h.play(312, 3, 'rl312');
    const key = randomUUID();
    expect(await code(await h.claim(312, gid, key))).toBe('OK');
    const stored = await h.s.stores.kv.get(`idem:312:${key}`);
    expect(stored).toContain('"done"');
    expect(await code(await h.claim(312, gid, key))).toBe('OK'); // the replay, second point
    expect(await code(await h.claim(312, gid, key))).toBe('RATE_LIMITED');
    expect(await h.s.stores.kv.get(`idem:312:${key}`)).toBe(stored);
    const keyless = await h.app.request(`/api/mission/${gid}/claim`, { method: 'POST', headers: { authorization: h.auth(312) } });
    expect(await code(keyless)).toBe('RATE_LIMITED');
  });

  it('within the limit a missing key is still 400 IDEMPOTENCY_KEY_REQUIRED', async () => {
    const keyless = await h.app.request(`/api/mission/${gid}/claim`, { method: 'POST', headers: { authorization: h.auth(313) } });
    expect(keyless.status).toBe(400);
    expect(await code(keyless)).toBe('IDEMPOTENCY_KEY_REQUIRED');
  });
});
