import type { Context, MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { nodeOutgoing } from './nodeOutgoing.js';

export interface SecurityHeadersOptions {
  /** origins allowed to frame the Mini App (Telegram's web clients show it in an iframe) */
  frameAncestors?: string[];
}

/**
 * Hono's secureHeaders with the policy the Mini App needs: same-origin scripts and fetches,
 * inline styles, and framing by Telegram's web clients instead of X-Frame-Options.
 *
 * @example
 * app.use('*', securityHeaders())
 */
export function securityHeaders(options: SecurityHeadersOptions = {}): MiddlewareHandler {
  const o = { frameAncestors: ['https://web.telegram.org', 'https://*.telegram.org'], ...options };
  const hono = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      frameAncestors: ["'self'", ...o.frameAncestors],
    },
    xFrameOptions: false,
    crossOriginEmbedderPolicy: false,
  });
  // the same headers, read once off Hono's middleware, for the Node fast path (nodeOutgoing.ts)
  let fixed: [string, string][] | undefined;
  const reading = (async () => {
    const headers = new Headers();
    await hono({ res: { headers } } as unknown as Context, async () => {});
    fixed = [...headers];
  })();
  return async (c, next) => {
    const out = nodeOutgoing(c);
    if (!out) return hono(c, next);
    for (const [k, v] of fixed ?? (await reading, fixed!)) out.setHeader(k, v);
    await next();
  };
}
