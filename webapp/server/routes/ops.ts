import { Hono } from 'hono';
import { safeEqual } from '../../../core/platform/safeEqual.js';
import type { Services } from '../../../core/services.js';
import { problem } from '../problem.js';

export interface OpsRoutesOptions {
  /** how long /readyz waits for the database before calling it down */
  readyTimeoutMs?: number;
}

/**
 * The operations endpoints: `/metrics`, `/healthz` (liveness),
 * `/readyz` (database reachable, and Redis when configured). Mounted on the API app, and served
 * alone on METRICS_PORT by processes without the api role (opsApp.ts), so every instance exports
 * its own metrics (consumer lag, scheduler and notification counters live in workers).
 * `/metrics` takes `Authorization: Bearer <METRICS_TOKEN>`; in production without METRICS_TOKEN it
 * answers 401 to everyone, since claims, flag state and queue lag are not public
 * (docs/operations.md, Metrics).
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
    const token = s.config.metricsToken;
    if (token ? !safeEqual(c.req.header('authorization'), `Bearer ${token}`) : s.config.production) {
      return problem(c, 'UNAUTHORIZED', token ? 'metrics need a bearer token' : 'metrics are off in production until METRICS_TOKEN is set');
    }
    await refreshScrapeGauges(s);
    return c.body(await s.metrics.text(), 200, { 'Content-Type': s.metrics.registry.contentType });
  });
  return app;
}

/** Gauges set when read: every scrape, and every collection of a cluster's figures (core/platform/cluster.ts). */
export async function refreshScrapeGauges(s: Services): Promise<void> {
  s.metrics.windowOpen.set((await s.goldenWindowOpen()) ? 1 : 0);
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
