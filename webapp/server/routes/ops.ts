import { Hono } from 'hono';
import type { Services } from '../../../core/services.js';
import { problem } from '../problem.js';

export interface OpsRoutesOptions {
  /** how long /readyz waits for the database before calling it down */
  readyTimeoutMs?: number;
}

/**
 * The operations endpoints: `/metrics` (METRICS_TOKEN bearer when set), `/healthz` (liveness),
 * `/readyz` (database reachable, and Redis when configured). Mounted on the API app, and served
 * alone on METRICS_PORT by processes without the api role (opsApp.ts), so every instance exports
 * its own metrics (consumer lag, scheduler and notification counters live in workers).
 *
 * @example
 * app.route('/', opsRoutes(s))
 */
export function opsRoutes(s: Services, options: OpsRoutesOptions = {}) {
  const o = { readyTimeoutMs: 2000, ...options };
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', async (c) => {
    const checks: Record<string, string> = {};
    let ok = true;
    try {
      await withTimeout(s.database.ping(), o.readyTimeoutMs);
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
  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
