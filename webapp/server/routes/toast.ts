import type { Hono } from 'hono';
import type { Services } from '../../../core/services.js';
import { localParts } from '../../../core/domain/time.js';
import { Deliveries } from '../../../core/delivery/deliveries.js';
import type { AuthEnv } from '../auth.js';

/**
 * The in-app golden-hour toast (docs/design.md, The rules in words: Notifications): shown once per
 * user per local day, remembered by the server in notification_deliveries (kind 'toast', core/delivery/deliveries.ts) so a
 * second device or a cleared WebView does not show it again.
 *
 *   GET  /api/toast/golden       → { show }  true while a golden-hour window is open for this
 *                                   player (flag and audience respected) and not yet seen today
 *   POST /api/toast/golden/seen  → { recorded } insert-on-conflict-do-nothing per (user, day)
 */
export const TOAST_KIND = 'toast';

export function toastRoutes(app: Hono<AuthEnv>, s: Services) {
  const today = () => localParts(s.clock.nowMs(), s.config.tz).date;
  const deliveries = new Deliveries(s.database);

  app.get('/api/toast/golden', async (c) => {
    const userId = c.get('user').id;
    const day = today();
    // the player's own view decides "open": it applies the flag, dry-run audience and clock guard
    const { missions } = await s.listMissions(userId);
    const open = missions.some((m) => m.isGoldenHour && m.status !== 'locked' && m.window !== null);
    if (!open) return c.json({ show: false, day });
    return c.json({ show: !(await deliveries.exists(userId, TOAST_KIND, day)), day });
  });

  app.post('/api/toast/golden/seen', async (c) => {
    const userId = c.get('user').id;
    const day = today();
    const now = new Date(s.clock.nowMs()).toISOString();
    return c.json({ recorded: await deliveries.recordDelivered(userId, TOAST_KIND, day, now), day });
  });
}
