import { Hono } from 'hono';
import type { Services } from '../../core/services.js';
import { notFoundProblem } from './errorHandler.js';
import { opsRoutes } from './routes/ops.js';

/**
 * The ops endpoints alone, for processes without the api role (workers) on METRICS_PORT.
 *
 * @example
 * serve({ fetch: opsApp(s).fetch, port: config.metricsPort })
 */
export function opsApp(s: Services) {
  const app = new Hono();
  app.route('/', opsRoutes(s));
  app.notFound(notFoundProblem());
  return app;
}
