import type { MiddlewareHandler } from 'hono';
import type { Metrics } from '../../core/platform/metrics.js';

export interface HttpMetricsOptions {
  metrics: Metrics;
  /** label for requests no route matched, so unknown paths cannot blow up the label set */
  unmatched?: string;
}

/**
 * Request duration by matched route, method and status (`http_request_duration_seconds`).
 * The route label is the registered pattern (`/api/mission/:id/claim`), never the raw path.
 *
 * @example
 * app.use('*', httpMetrics({ metrics: s.metrics }))
 */
export function httpMetrics(options: HttpMetricsOptions): MiddlewareHandler {
  const o = { unmatched: 'unmatched', ...options };
  return async (c, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const p = c.req.routePath;
      const route = p && p !== '*' && p !== '/*' ? p : o.unmatched;
      o.metrics.httpDuration.observe({ route, method: c.req.method, status: String(c.res.status) }, (performance.now() - start) / 1000);
    }
  };
}
