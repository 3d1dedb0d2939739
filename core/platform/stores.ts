import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Metrics } from './metrics.js';

/**
 * Small shared-state stores (docs/design.md): in memory for the embedded default, Redis in
 * production. A Redis failure degrades to the in-memory store and is counted in
 * `redis_fallback_total`; money never depends on these (the database guards every payout).
 */
export interface KeyValueStore {
  /** set if absent; true when this call created the key */
  setIfAbsent(key: string, value: string, ttlS: number): Promise<boolean>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlS: number): Promise<void>;
  del(key: string): Promise<void>;
}

export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<void>;
}

export class MemoryKeyValueStore implements KeyValueStore {
  private readonly map = new Map<string, { value: string; expiresAt: number }>();
  private ops = 0;

  constructor(private readonly clock: Clock) {}

  private live(key: string): string | null {
    const e = this.map.get(key);
    if (!e) return null;
    if (e.expiresAt <= this.clock.nowMs()) {
      this.map.delete(key);
      return null;
    }
    return e.value;
  }
  private sweep() {
    // amortised expiry so the map cannot grow without bound under steady traffic
    if (++this.ops % 1000 !== 0) return;
    const now = this.clock.nowMs();
    for (const [k, e] of this.map) if (e.expiresAt <= now) this.map.delete(k);
  }
  async setIfAbsent(key: string, value: string, ttlS: number) {
    this.sweep();
    if (this.live(key) !== null) return false;
    this.map.set(key, { value, expiresAt: this.clock.nowMs() + ttlS * 1000 });
    return true;
  }
  async get(key: string) {
    return this.live(key);
  }
  async set(key: string, value: string, ttlS: number) {
    this.sweep();
    this.map.set(key, { value, expiresAt: this.clock.nowMs() + ttlS * 1000 });
  }
  async del(key: string) {
    this.map.delete(key);
  }
  get size() {
    return this.map.size;
  }
}

export class MemoryPubSub implements PubSub {
  private readonly handlers = new Map<string, Set<(m: string) => void>>();
  async publish(channel: string, message: string) {
    for (const h of this.handlers.get(channel) ?? []) queueMicrotask(() => h(message));
  }
  async subscribe(channel: string, handler: (m: string) => void) {
    const set = this.handlers.get(channel) ?? new Set();
    set.add(handler);
    this.handlers.set(channel, set);
  }
}

/** Redis first; on error the memory store answers (and the metric counts it). */
export class RedisKeyValueStore implements KeyValueStore {
  constructor(
    private readonly redis: Redis,
    private readonly fallback: KeyValueStore,
    private readonly onFallback: (err: unknown) => void,
  ) {}
  private async guard<T>(op: () => Promise<T>, alt: () => Promise<T>): Promise<T> {
    if (this.redis.status !== 'ready') {
      this.onFallback(new Error(`redis ${this.redis.status}`));
      return alt();
    }
    try {
      return await op();
    } catch (err) {
      this.onFallback(err);
      return alt();
    }
  }
  setIfAbsent(key: string, value: string, ttlS: number) {
    return this.guard(
      async () => (await this.redis.set(key, value, 'EX', ttlS, 'NX')) === 'OK',
      () => this.fallback.setIfAbsent(key, value, ttlS),
    );
  }
  get(key: string) {
    return this.guard(() => this.redis.get(key), () => this.fallback.get(key));
  }
  set(key: string, value: string, ttlS: number) {
    return this.guard(
      async () => {
        await this.redis.set(key, value, 'EX', ttlS);
      },
      () => this.fallback.set(key, value, ttlS),
    );
  }
  del(key: string) {
    return this.guard(
      async () => {
        await this.redis.del(key);
      },
      () => this.fallback.del(key),
    );
  }
}

export class RedisPubSub implements PubSub {
  private readonly local = new MemoryPubSub();
  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly log: Logger,
    private readonly prefix: string,
  ) {
    // channels are not keys, so ioredis' keyPrefix does not apply: prefix them here
    this.sub.on('message', (channel: string, message: string) => {
      if (channel.startsWith(prefix)) void this.local.publish(channel.slice(prefix.length), message);
    });
  }
  async publish(channel: string, message: string) {
    try {
      await this.pub.publish(this.prefix + channel, message);
    } catch (err) {
      // other instances fall back to their short cache TTL; this one still hears itself
      this.log.warn({ err, channel }, 'redis publish failed');
      await this.local.publish(channel, message);
    }
  }
  async subscribe(channel: string, handler: (m: string) => void) {
    await this.local.subscribe(channel, handler);
    await this.sub.subscribe(this.prefix + channel);
  }
}

export function createRedis(url: string, opts: { keyPrefix?: string; lazy?: boolean; autoPipelining?: boolean } = {}): Redis {
  return new Redis(url, {
    keyPrefix: opts.keyPrefix,
    enableAutoPipelining: opts.autoPipelining ?? false,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: opts.lazy ?? false,
  });
}

export interface Stores {
  kv: KeyValueStore;
  pubsub: PubSub;
  redis?: Redis;
  /** key prefix applied to every Redis key and channel (tests isolate themselves with it) */
  prefix: string;
  close(): Promise<void>;
}

export async function createStores(opts: {
  redisUrl?: string;
  prefix?: string;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}): Promise<Stores> {
  const prefix = opts.prefix ?? 'gh:';
  const memKv = new MemoryKeyValueStore(opts.clock);
  if (!opts.redisUrl) {
    return { kv: memKv, pubsub: new MemoryPubSub(), prefix, close: async () => {} };
  }
  // the commands of one event-loop turn (every claim's guards, the stored answers) in one write
  // (docs/performance.md, claim)
  const redis = createRedis(opts.redisUrl, { keyPrefix: prefix, autoPipelining: true });
  const sub = createRedis(opts.redisUrl, { keyPrefix: prefix });
  await Promise.all(
    [redis, sub].map(
      (r) =>
        new Promise<void>((resolve) => {
          if (r.status === 'ready') return resolve();
          const t = setTimeout(resolve, 3000);
          r.once('ready', () => {
            clearTimeout(t);
            resolve();
          });
        }),
    ),
  );
  let lastWarn = 0;
  const onFallback = (err: unknown) => {
    opts.metrics.redisFallback.inc({ store: 'kv' });
    const now = opts.clock.nowMs();
    if (now - lastWarn > 10_000) {
      lastWarn = now;
      opts.log.warn({ err: String(err) }, 'redis unavailable: using in-memory store');
    }
  };
  for (const r of [redis, sub]) r.on('error', () => {});
  return {
    kv: new RedisKeyValueStore(redis, memKv, onFallback),
    pubsub: new RedisPubSub(redis, sub, opts.log, prefix),
    redis,
    prefix,
    close: async () => {
      redis.disconnect();
      sub.disconnect();
    },
  };
}
