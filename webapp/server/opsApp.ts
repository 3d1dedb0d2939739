import { Hono } from 'hono';
import type { Services } from '../../core/services.js';
import { problem } from './problem.js';

/**
 * The operations endpoints alone, for processes without the api role (workers): `/metrics`
 * (same METRICS_TOKEN rule as the API), `/healthz`, `/readyz`. Served on METRICS_PORT so every
 * instance exports its own metrics (consumer lag, scheduler and notification counters live here).
 */
export function opsApp(s: Services) {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', async (c) => {
    const checks: Record<string, string> = {};
    let ok = true;
    try {
      await s.database.ping();
      checks.database = 'ok';
    } catch {
      checks.database = 'down';
      ok = false;
    }
    if (s.stores.redis) {
      const up = s.stores.redis.status === 'ready';
      checks.redis = up ? 'ok' : 'down';
      ok &&= up;
    }
    return c.json({ ok, checks }, ok ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    if (s.config.metricsToken && c.req.header('authorization') !== `Bearer ${s.config.metricsToken}`) {
      return problem(c, 'UNAUTHORIZED', 'metrics need a bearer token');
    }
    s.metrics.windowOpen.set((await s.goldenWindowOpen()) ? 1 : 0);
    return c.body(await s.metrics.registry.metrics(), 200, { 'Content-Type': s.metrics.registry.contentType });
  });
  app.notFound((c) => problem(c, 'NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`));
  return app;
}
