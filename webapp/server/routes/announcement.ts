import type { Hono } from 'hono';
import type { Services } from '../../../core/services.js';
import { estimateAnnouncement } from '../../../core/delivery/estimate.js';
import type { AuthEnv } from '../auth.js';

/**
 * GET /api/admin/announcement: the day's announcement plan (docs/broadcast.md, Reach) — how many
 * get the pre-announcement and the announcement from when, the expected finish, the Stars, and
 * what went out so far. Admin auth is applied to /api/admin/* in createApp.
 */
export function announcementRoutes(app: Hono<AuthEnv>, s: Services) {
  app.get('/api/admin/announcement', async (c) => c.json({ estimate: await estimateAnnouncement(s) }));
}
