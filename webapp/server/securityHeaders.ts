import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

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
  return secureHeaders({
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
}
