import type { MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import { DomainError } from '../../core/domain/errors.js';
import type { AuthEnv } from './auth.js';
import type { Metrics } from '../../core/platform/metrics.js';

/**
 * Claim rate limit (DESIGN.md §4; plan §11): 20 requests per 2 s per (IP, user) pair — a burst of
 * 20 that refills at 10/s on average. Keyed by the pair, never by IP alone (carrier NAT).
 * Redis-backed with an in-memory insurance limiter for Redis outages.
 */
export interface RateLimitOptions {
  route: string;
  redis?: Redis;
  keyPrefix: string;
  points?: number;
  durationS?: number;
  metrics?: Metrics;
  log?: Logger;
  /** share of rejections logged (plan §11: 10%) */
  logSample?: number;
  clientIp: (c: Parameters<MiddlewareHandler>[0]) => string;
  random?: () => number;
}

export function createLimiter(o: Pick<RateLimitOptions, 'redis' | 'keyPrefix' | 'points' | 'durationS'>): RateLimiterAbstract {
  const points = o.points ?? 20;
  const duration = o.durationS ?? 2;
  const memory = new RateLimiterMemory({ points, duration, keyPrefix: o.keyPrefix });
  if (!o.redis) return memory;
  return new RateLimiterRedis({ storeClient: o.redis, points, duration, keyPrefix: o.keyPrefix, insuranceLimiter: memory, rejectIfRedisNotReady: true });
}

export function rateLimit(o: RateLimitOptions): MiddlewareHandler<AuthEnv> {
  const limiter = createLimiter(o);
  const sample = o.logSample ?? 0.1;
  const rnd = o.random ?? Math.random;
  return async (c, next) => {
    const ip = o.clientIp(c);
    const user = c.get('user');
    const key = `${ip}|${user?.id ?? 'anon'}`;
    try {
      await limiter.consume(key, 1);
    } catch (rej) {
      if (!(rej instanceof RateLimiterRes)) throw rej;
      const retryAfterS = Math.max(1, Math.ceil(rej.msBeforeNext / 1000));
      o.metrics?.rateLimited.inc({ route: o.route });
      if (rnd() < sample) o.log?.info({ route: o.route, userId: user?.id, retryAfterS }, 'rate limited (sampled)');
      throw new DomainError('RATE_LIMITED', `too many requests; retry in ${retryAfterS} s`, { retryAfterS });
    }
    await next();
  };
}
