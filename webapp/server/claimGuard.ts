import type { MiddlewareHandler } from 'hono';
import { rateLimitCheck, type RateLimitOptions } from './rateLimit.js';
import { idempotencySteps, type IdempotencyOptions, type IdempotencyTicket } from './idempotency.js';
import type { AuthEnv } from './auth.js';

/**
 * The claim's guards (docs/design.md, The HTTP API) in one Redis round trip before the handler:
 * the two rate-limit consumes and the idempotency key's SET NX are issued together, so ioredis
 * writes them back to back on its connection and waits once (docs/performance.md, "Claim: rate
 * limit and idempotency in one round trip"). The outcome is the one of running them in order —
 * rate limit first, then the key:
 * - refused by the rate limit → 429 RATE_LIMITED (the marker this request set is deleted again),
 *   also when the key is missing or malformed or already taken;
 * - a missing or malformed key → 400, as before;
 * - a key already taken → 409 REQUEST_IN_PROGRESS, 422 IDEMPOTENCY_KEY_REUSED or the replay
 *   (a second round trip, only on that path).
 * One difference is left, a race: for the moment between the SET NX and its release, a
 * concurrent request with the same key sees a rate-limited request's marker and gets 409 with
 * Retry-After 1 (its retry runs). With Redis down both halves answer from memory, as before.
 *
 * @example
 * app.post('/api/mission/:id/claim', claimGuard({ rateLimit: { route, keyPrefix: 'rl:claim', redis, clientIp }, idempotency: { store } }), handler)
 */
export interface ClaimGuardOptions {
  rateLimit: RateLimitOptions;
  idempotency: IdempotencyOptions;
}

export function claimGuard(options: ClaimGuardOptions): MiddlewareHandler<AuthEnv> {
  const limited = rateLimitCheck(options.rateLimit);
  const steps = idempotencySteps(options.idempotency);
  return async (c, next) => {
    let ticket: IdempotencyTicket | undefined;
    let badKey: unknown;
    try {
      ticket = steps.ticket(c);
    } catch (err) {
      badKey = err;
    }
    // one round trip: nothing below awaits until all three commands are on the wire
    const [limit, reserved] = await Promise.allSettled([limited(c), ticket ? steps.reserve(ticket) : Promise.resolve(false)]);
    const took = reserved.status === 'fulfilled' && reserved.value;
    if (limit.status === 'rejected' || limit.value) {
      if (took) await steps.release(ticket!);
      throw limit.status === 'rejected' ? limit.reason : limit.value;
    }
    if (badKey) throw badKey;
    if (reserved.status === 'rejected') throw reserved.reason;
    if (!took) {
      const replay = await steps.settleTaken(c, ticket!);
      if (replay) return replay;
    }
    await steps.run(c, next, ticket!);
  };
}
