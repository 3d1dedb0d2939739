import type { ErrorHandler, NotFoundHandler } from 'hono';
import type { Logger } from 'pino';
import { isDomainError } from '../../core/domain/errors.js';
import { fromDomainError, problem } from './problem.js';

export interface ErrorHandlerOptions {
  log: Logger;
  /** Retry-After on 503 when the database is unreachable */
  retryAfterS?: number;
}

/**
 * Every thrown error becomes problem+json: a DomainError keeps its code; a database outage is
 * 503 with Retry-After; anything else is a generic 500, logged here and never echoed.
 *
 * @example
 * app.onError(errorHandler({ log: s.log }))
 * app.notFound(notFoundProblem())
 */
export function errorHandler(options: ErrorHandlerOptions): ErrorHandler {
  const o = { retryAfterS: 2, ...options };
  return (err, c) => {
    if (isDomainError(err)) return fromDomainError(c, err);
    o.log.error({ err, path: c.req.path }, 'unhandled error');
    if (isDbUnavailable(err)) return problem(c, 'SERVICE_UNAVAILABLE', 'database unavailable, retry shortly', {}, { 'Retry-After': String(o.retryAfterS) });
    return problem(c, 'INTERNAL', 'something went wrong on our side');
  };
}

/** 404 NOT_FOUND as problem+json, naming the method and path. */
export function notFoundProblem(): NotFoundHandler {
  return (c) => problem(c, 'NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`);
}

export function isDbUnavailable(err: unknown): boolean {
  // drizzle wraps the driver's error (DrizzleQueryError): the connection failure is in `cause`
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const s = String((e as { code?: string })?.code ?? '') + ' ' + String((e as Error)?.message ?? '');
    if (/ECONNREFUSED|ECONNRESET|CONNECTION_|57P01|57P03|terminating connection|Connection terminated|connect_timeout|CONNECT_TIMEOUT/i.test(s)) return true;
  }
  return false;
}
