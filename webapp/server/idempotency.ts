import type { Context, MiddlewareHandler, Next } from 'hono';
import { DomainError } from '../../core/domain/errors.js';
import type { KeyValueStore } from '../../core/platform/stores.js';
import type { AuthEnv } from './auth.js';
import type { Metrics } from '../../core/platform/metrics.js';

/**
 * Idempotency keys for unsafe requests (docs/design.md, The HTTP API): required, scoped per user, kept
 * 600 s. A repeat of a finished request replays its status and body with `Idempotent-Replayed:
 * true`; the same key on another request is 422; while the first is in flight, 409.
 * Server errors release the key so the client's retry runs again.
 */
export interface IdempotencyOptions {
  store: KeyValueStore;
  ttlS?: number;
  /**
   * How long an in-flight marker lives. Short on purpose: a process killed mid-request never
   * clears its marker, and the client's retry must not be refused for the whole TTL. A retry
   * after it lapses runs again, which is safe: the database refuses a second payout.
   */
  pendingTtlS?: number;
  metrics?: Metrics;
}

interface Stored {
  state: 'pending' | 'done';
  fp: string;
  status?: number;
  body?: string;
  contentType?: string;
}

const KEY_RE = /^[\x21-\x7e]{1,255}$/;

/** where `replayableJson` leaves the body text for `run` to store */
const BODY_TEXT = Symbol('idempotentBodyText');
type WithBodyText = { [BODY_TEXT]?: string };

/**
 * A JSON answer of a handler under an idempotency key, with its text kept for the stored replay.
 * Reading a finished Response's body back (`res.clone().text()`) made @hono/node-server build a
 * full Web Response and tee its stream, about 5 % of a claim's CPU (docs/performance.md, claim).
 */
export function replayableJson(c: Context, value: unknown, status = 200): Response {
  const text = JSON.stringify(value);
  (c as WithBodyText)[BODY_TEXT] = text;
  return c.body(text, status as 200, { 'Content-Type': 'application/json' });
}

/** One request's place in the store: its key and the request it must stay bound to. */
export interface IdempotencyTicket {
  storeKey: string;
  fp: string;
}

/**
 * The idempotency steps apart, so a caller can send the first store write beside other Redis work
 * (claimGuard.ts); `idempotency()` below runs them in order.
 */
export function idempotencySteps(o: IdempotencyOptions) {
  const ttl = o.ttlS ?? 600;
  const pendingTtl = Math.min(o.pendingTtlS ?? 15, ttl);
  const pending = (t: IdempotencyTicket) => JSON.stringify({ state: 'pending', fp: t.fp } satisfies Stored);
  return {
    /** the request's key, checked (400 when missing or malformed); no store work */
    ticket(c: Context<AuthEnv>): IdempotencyTicket {
      const key = c.req.header('x-idempotency-key') ?? c.req.header('idempotency-key');
      if (key === undefined || key === '') throw new DomainError('IDEMPOTENCY_KEY_REQUIRED', 'send X-Idempotency-Key (a fresh random value per claim intent)');
      if (!KEY_RE.test(key)) throw new DomainError('IDEMPOTENCY_KEY_INVALID', 'idempotency key must be 1–255 printable ASCII characters');
      return { storeKey: `idem:${c.get('user').id}:${key}`, fp: `${c.req.method} ${c.req.path}` };
    },
    /** the in-flight marker, set if absent; true when this request took the key */
    reserve(t: IdempotencyTicket): Promise<boolean> {
      return o.store.setIfAbsent(t.storeKey, pending(t), pendingTtl);
    },
    /** frees a key this request reserved but will not run (refused before the handler) */
    release(t: IdempotencyTicket): Promise<void> {
      return o.store.del(t.storeKey);
    },
    /**
     * After `reserve` found the key taken: the replay of the finished request, or 422/409 thrown;
     * undefined when the key lapsed meanwhile and this request took it.
     */
    async settleTaken(c: Context<AuthEnv>, t: IdempotencyTicket): Promise<Response | undefined> {
      const raw = await o.store.get(t.storeKey);
      const prev: Stored | null = raw ? JSON.parse(raw) : null;
      if (prev) {
        if (prev.fp !== t.fp) throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'this idempotency key was used for another request');
        if (prev.state === 'pending') throw new DomainError('REQUEST_IN_PROGRESS', 'a request with this key is still in progress', { retryAfterS: 1 });
        o.metrics?.idempotencyReplay.inc();
        return c.body(prev.body ?? '', prev.status as 200, {
          'Content-Type': prev.contentType ?? 'application/json',
          'Idempotent-Replayed': 'true',
        });
      }
      // expired between the two calls: take it now
      if (!(await o.store.setIfAbsent(t.storeKey, pending(t), pendingTtl))) {
        throw new DomainError('REQUEST_IN_PROGRESS', 'a request with this key is still in progress', { retryAfterS: 1 });
      }
      return undefined;
    },
    /** runs the handler under a reserved key and keeps its outcome for replays */
    async run(c: Context<AuthEnv>, next: Next, t: IdempotencyTicket): Promise<void> {
      const { storeKey, fp } = t;
      try {
        await next();
      } catch (err) {
        // a domain outcome (4xx) is final and replayable; anything else frees the key for a retry
        if (err instanceof DomainError && err.status < 500) {
          const { problemBody } = await import('./problem.js');
          const body = JSON.stringify(problemBody(err.code, err.message));
          await o.store.set(storeKey, JSON.stringify({ state: 'done', fp, status: err.status, body, contentType: 'application/problem+json' } satisfies Stored), ttl);
        } else {
          await o.store.del(storeKey);
        }
        throw err;
      }
      const res = c.res;
      if (res.status >= 500) {
        await o.store.del(storeKey);
        return;
      }
      const kept = (c as WithBodyText)[BODY_TEXT];
      const body = kept ?? (await res.clone().text());
      await o.store.set(storeKey, JSON.stringify({ state: 'done', fp, status: res.status, body, contentType: res.headers.get('content-type') ?? undefined } satisfies Stored), ttl);
    },
  };
}

export function idempotency(o: IdempotencyOptions): MiddlewareHandler<AuthEnv> {
  const steps = idempotencySteps(o);
  return async (c, next) => {
    const t = steps.ticket(c);
    if (!(await steps.reserve(t))) {
      const replay = await steps.settleTaken(c, t);
      if (replay) return replay;
    }
    await steps.run(c, next, t);
  };
}
