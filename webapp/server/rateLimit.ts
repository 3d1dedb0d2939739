import type { Context, MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import { DomainError } from '../../core/domain/errors.js';
import type { AuthEnv } from './auth.js';
import type { Metrics } from '../../core/platform/metrics.js';

/**
 * Claim rate limit (docs/design.md, The HTTP API): 20 requests per 2 s per (address, user) pair — a
 * burst of 20 that refills at 10/s on average — and a second bucket of the same size per user
 * across all addresses, so one player from N addresses does not get N bursts. Never by address
 * alone (carrier NAT). An IPv6 address counts by its /64 (one subscriber's prefix).
 * Redis-backed with an in-memory insurance limiter for Redis outages.
 *
 * @example
 * app.post('/api/mission/:id/claim', rateLimit({ route: '/api/mission/:id/claim', keyPrefix: 'rl:claim', clientIp }), handler)
 */
export interface RateLimitOptions {
  route: string;
  redis?: Redis;
  keyPrefix: string;
  points?: number;
  durationS?: number;
  metrics?: Metrics;
  log?: Logger;
  /** share of rejections logged (10%: enough to see an abuser, bounded under a flood) */
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

/**
 * The address part of a rate-limit key: IPv4 as is (also when IPv4-mapped, `::ffff:1.2.3.4`),
 * IPv6 by its first 64 bits, since one subscriber gets a whole /64 and picks addresses at will.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const bare = ip.replace(/%.*$/, '').toLowerCase(); // zone id (fe80::1%eth0)
  const [head = '', tail] = bare.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  if (groups.length < 4 || groups.slice(0, 4).some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return bare;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * The claim rate limit as a check rather than a middleware, so a caller can issue it beside other
 * Redis work in one round trip (claimGuard.ts). Both buckets are consumed at once (one pipelined
 * exchange on the connection); resolves to the 429 to throw, or null when allowed.
 */
export function rateLimitCheck(o: RateLimitOptions): (c: Context<AuthEnv>) => Promise<DomainError | null> {
  const pair = createLimiter(o);
  const perUser = createLimiter({ ...o, keyPrefix: `${o.keyPrefix}:user` });
  const sample = o.logSample ?? 0.1;
  const rnd = o.random ?? Math.random;
  const refusal = (rej: RateLimiterRes, userId: number | undefined) => {
    const retryAfterS = Math.max(1, Math.ceil(rej.msBeforeNext / 1000));
    o.metrics?.rateLimited.inc({ route: o.route });
    if (rnd() < sample) o.log?.info({ route: o.route, userId, retryAfterS }, 'rate limited (sampled)');
    return new DomainError('RATE_LIMITED', `too many requests; retry in ${retryAfterS} s`, { retryAfterS });
  };
  return async (c) => {
    const user = c.get('user');
    const who = String(user?.id ?? 'anon');
    const [p, u] = await Promise.allSettled([pair.consume(`${addressKey(o.clientIp(c))}|${who}`, 1), user ? perUser.consume(who, 1) : Promise.resolve(null)]);
    if (p.status === 'rejected') {
      if (!(p.reason instanceof RateLimiterRes)) throw p.reason;
      // a request the pair bucket refuses never counted against the player's own bucket: give the point back
      if (user && u.status === 'fulfilled') await perUser.reward(who, 1).catch(() => {});
      return refusal(p.reason, user?.id);
    }
    if (u.status === 'rejected') {
      if (!(u.reason instanceof RateLimiterRes)) throw u.reason;
      return refusal(u.reason, user?.id);
    }
    return null;
  };
}

export function rateLimit(o: RateLimitOptions): MiddlewareHandler<AuthEnv> {
  const check = rateLimitCheck(o);
  return async (c, next) => {
    const refused = await check(c);
    if (refused) throw refused;
    await next();
  };
}
