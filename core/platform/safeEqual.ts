import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison for shared secrets (INGEST_TOKEN, METRICS_TOKEN, WEBHOOK_SECRET):
 * both sides are hashed first, so neither the content nor the length of the secret shows in the
 * time a wrong guess takes. A missing value never matches.
 *
 * @example
 * if (!safeEqual(c.req.header('authorization'), `Bearer ${token}`)) throw new DomainError('UNAUTHORIZED', '…')
 */
export function safeEqual(given: string | undefined | null, expected: string | undefined | null): boolean {
  if (given == null || expected == null) return false;
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
