import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { problem } from './problem.js';

export interface ApiBodyLimitOptions {
  /** BODY_LIMIT_BYTES */
  maxBytes: number;
}

/**
 * Refuses bodies over `maxBytes` with 413 PAYLOAD_TOO_LARGE. A request without a body (GET/HEAD,
 * or over a Node socket with no Transfer-Encoding and no or a zero Content-Length, like a claim)
 * passes bodyLimit anyway, but asking it makes @hono/node-server build a full Request per call:
 * those skip it (docs/performance.md).
 *
 * @example
 * app.use('/api/*', apiBodyLimit({ maxBytes: config.bodyLimitBytes }))
 */
export function apiBodyLimit(options: ApiBodyLimitOptions): MiddlewareHandler {
  const o = { ...options };
  const limit = bodyLimit({
    maxSize: o.maxBytes,
    onError: (c) => problem(c, 'PAYLOAD_TOO_LARGE', `request body over ${o.maxBytes} bytes`),
  });
  return (c, next) => (bodiless(c) ? next() : limit(c, next));
}

function bodiless(c: Context): boolean {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return true;
  const headers = (c.env as { incoming?: { headers?: Record<string, unknown> } } | undefined)?.incoming?.headers;
  return Boolean(headers && headers['transfer-encoding'] === undefined && (headers['content-length'] === undefined || headers['content-length'] === '0'));
}
