import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';

/**
 * The Node response under a request served by @hono/node-server, while its headers can still be
 * set; undefined in `app.request()` (tests) and anywhere else.
 *
 * Fixed headers set here skip the Web `Headers` object entirely: a middleware that touches
 * `c.res.headers` makes @hono/node-server build and validate one per response and copy it back
 * into a plain record, about a tenth of the mission list's CPU (docs/performance.md, mission
 * list). Node merges these with the response's own headers when it writes them; a header the
 * handler sets itself wins, and no handler here sets any of them.
 */
export function nodeOutgoing(c: Context): ServerResponse | undefined {
  const out = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  return out && typeof out.setHeader === 'function' && !out.headersSent ? out : undefined;
}
