import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { nodeOutgoing } from './nodeOutgoing.js';

export interface ApiCorsOptions {
  /** the one origin allowed to call the API from a browser (the Mini App's, from WEBAPP_URL) */
  origin: string;
  allowHeaders?: string[];
  maxAgeS?: number;
}

/**
 * CORS for the API: preflights through Hono's cors(); on ordinary requests the same headers are
 * set directly on the finished response. cors() would use c.header() after next(), which makes
 * Hono re-wrap the finished body as a stream (~12% of server CPU on GET /api/mission;
 * docs/performance.md).
 *
 * @example
 * app.use('/api/*', apiCors({ origin: new URL(config.webappUrl).origin }))
 */
export function apiCors(options: ApiCorsOptions): MiddlewareHandler {
  const o = { allowHeaders: ['Authorization', 'Content-Type', 'X-Idempotency-Key', 'Idempotency-Key'], maxAgeS: 600, ...options };
  const preflight = cors({ origin: o.origin, allowHeaders: o.allowHeaders, maxAge: o.maxAgeS });
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    const out = nodeOutgoing(c);
    if (out) {
      // the Node fast path (nodeOutgoing.ts): no Web Headers object for a fixed header
      if (c.req.header('origin') === o.origin) out.setHeader('Access-Control-Allow-Origin', o.origin);
      out.appendHeader('Vary', 'Origin');
      return next();
    }
    if (c.req.header('origin') === o.origin) c.res.headers.set('Access-Control-Allow-Origin', o.origin);
    await next();
    try {
      c.res.headers.append('Vary', 'Origin');
    } catch {
      c.header('Vary', 'Origin', { append: true }); // immutable headers (a fetched Response): let Hono copy it
    }
  };
}
