import type { Hono } from 'hono';
import type { Services } from '../../../core/services.js';
import type { AuthEnv } from '../auth.js';
import { readJson } from '../readJson.js';

/**
 * GET/PUT /api/admin/experiments/golden-hour (docs/design.md, The HTTP API; docs/operations.md, Experiments).
 * Admin auth is applied to /api/admin/* before the admin routes. PUT takes
 * `{ "holdoutPct": 10, "variants": [ { "name": "base", "weight": 1 } ] }` (or
 * `{ "holdoutPct": 0, "variants": [] }` to turn it off) and answers with the new state: the
 * change is `pending` until its period starts; `previous` is the split it replaced.
 */
export function experimentsRoutes(app: Hono<AuthEnv>, s: Services) {
  app.get('/api/admin/experiments/golden-hour', async (c) => c.json(await s.experiments.state()));
  app.put('/api/admin/experiments/golden-hour', async (c) => {
    const r = await s.experiments.set(await readJson(c), c.get('user').id);
    return c.json({ ...(await s.experiments.state()), previous: r.before });
  });
}
