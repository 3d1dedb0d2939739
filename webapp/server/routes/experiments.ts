import type { Hono } from 'hono';
import type { Services } from '../../../core/services.js';
import { DomainError } from '../../../core/domain/errors.js';
import type { AuthEnv } from '../auth.js';

/**
 * GET/PUT /api/admin/experiments/golden-hour (DESIGN.md §4; docs/operations.md, Experiments).
 * Admin auth is applied to /api/admin/* in createApp. PUT takes
 * `{ "holdoutPct": 10, "variants": [ { "name": "base", "weight": 1 } ] }` (or
 * `{ "holdoutPct": 0, "variants": [] }` to turn it off) and answers with the new state: the
 * change is `pending` until its period starts.
 */
export function experimentsRoutes(app: Hono<AuthEnv>, s: Services) {
  app.get('/api/admin/experiments/golden-hour', async (c) => c.json(await s.experiments.state()));
  app.put('/api/admin/experiments/golden-hour', async (c) => {
    const r = await s.experiments.set(await jsonBody(c.req.header('content-type'), await c.req.text()), c.get('user').id);
    return c.json({ ...(await s.experiments.state()), previous: r.before });
  });
}

async function jsonBody(contentType: string | undefined, text: string): Promise<unknown> {
  if (contentType && !contentType.includes('json')) throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json');
  try {
    return JSON.parse(text);
  } catch {
    throw new DomainError('VALIDATION_FAILED', 'request body is not valid JSON');
  }
}
