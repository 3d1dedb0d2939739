import type { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import type { Services } from '../../../core/services.js';
import { localParts } from '../../../core/domain/time.js';
import type { AuthEnv } from '../auth.js';

/**
 * The in-app golden-hour toast (plan §3.1 item 4; DESIGN.md §3 Notifications): shown once per
 * user per local day, remembered by the server in notification_deliveries (kind 'toast') so a
 * second device or a cleared WebView does not show it again.
 *
 *   GET  /api/toast/golden       → { show }  true while a golden-hour window is open for this
 *                                   player (flag and audience respected) and not yet seen today
 *   POST /api/toast/golden/seen  → { recorded } insert-on-conflict-do-nothing per (user, day)
 */
export const TOAST_KIND = 'toast';

export function toastRoutes(app: Hono<AuthEnv>, s: Services) {
  const today = () => localParts(s.clock.nowMs(), s.config.tz).date;

  app.get('/api/toast/golden', async (c) => {
    const userId = c.get('user').id;
    const day = today();
    // the player's own view decides "open": it applies the flag, dry-run audience and clock guard
    const { missions } = await s.listMissions(userId);
    const open = missions.some((m) => m.isGoldenHour && m.status !== 'locked' && m.window !== null);
    if (!open) return c.json({ show: false, day });
    const seen = await s.database.query<{ n: number }>(
      sql`select 1 as n from notification_deliveries where user_id = ${userId} and kind = ${TOAST_KIND} and day = ${day} limit 1`,
    );
    return c.json({ show: seen.length === 0, day });
  });

  app.post('/api/toast/golden/seen', async (c) => {
    const userId = c.get('user').id;
    const day = today();
    const now = new Date(s.clock.nowMs()).toISOString();
    const rows = await s.database.query<{ user_id: number }>(
      sql`insert into notification_deliveries (user_id, kind, day, status, attempts, claimed_at, sent_at)
          values (${userId}, ${TOAST_KIND}, ${day}, 'sent', 1, ${now}, ${now})
          on conflict (user_id, kind, day) do nothing
          returning user_id`,
    );
    return c.json({ recorded: rows.length === 1, day });
  });
}
