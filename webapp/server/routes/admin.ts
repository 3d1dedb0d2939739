import { Hono, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { DomainError } from '../../../core/domain/errors.js';
import { localIso } from '../../../core/domain/time.js';
import { adminView, createMission, updateMission } from '../../../core/missions/adminMissions.js';
import { listAudit } from '../../../core/missions/audit.js';
import type { Services } from '../../../core/services.js';
import { requireAdmin, type AuthEnv } from '../auth.js';
import { intParam, query } from '../query.js';
import { readJson } from '../readJson.js';
import { experimentsRoutes } from './experiments.js';
import { announcementRoutes } from './announcement.js';
import { payoutsRoutes } from './payouts.js';
import { reportsRoutes } from './reports.js';

const noQuery = z.object({});
const auditQuery = z.object({ limit: intParam(1, 500).optional() });

export interface AdminRoutesOptions {
  /** the Telegram init data middleware (tmaAuth); ADMIN_IDS is checked after it */
  auth: MiddlewareHandler<AuthEnv>;
  adminIds: readonly number[];
  /** audit entries returned when `limit` is not given */
  auditLimit?: number;
}

/**
 * Everything under `/api/admin/*`, behind init data and ADMIN_IDS: missions, the golden-hour
 * flag, the audit log, the daily report, manual payouts and the experiment.
 *
 * @example
 * app.route('/', adminRoutes(s, { auth, adminIds: config.adminIds }))
 */
export function adminRoutes(s: Services, options: AdminRoutesOptions) {
  const o = { auditLimit: 50, ...options };
  const app = new Hono<AuthEnv>();
  app.use('/api/admin/*', o.auth, requireAdmin(o.adminIds));
  // every admin parameter is validated: routes without parameters take none
  for (const path of ['/api/admin/missions', '/api/admin/missions/*', '/api/admin/flags/*', '/api/admin/experiments/*']) {
    app.use(path, async (c, next) => {
      query(c, noQuery);
      await next();
    });
  }

  app.get('/api/admin/missions', async (c) =>
    c.json({ missions: (await s.catalog.all()).map(adminView), serverTime: new Date(s.clock.nowMs()).toISOString(), local: localIso(s.clock.nowMs(), s.config.tz) }),
  );
  app.post('/api/admin/missions', async (c) => c.json(adminView(await createMission(s, c.get('user').id, await readJson(c))), 201));
  app.patch('/api/admin/missions/:id', async (c) => {
    const id = Number(c.req.param('id'));
    if (!Number.isSafeInteger(id)) throw new DomainError('MISSION_NOT_FOUND', 'no such mission');
    return c.json(adminView(await updateMission(s, c.get('user').id, id, await readJson(c))));
  });
  app.get('/api/admin/flags/golden-hour', async (c) => c.json({ state: await s.flags.goldenHour() }));
  app.put('/api/admin/flags/golden-hour', async (c) => {
    const body = (await readJson(c)) as { state?: unknown } | null;
    const r = await s.flags.setGoldenHour(body?.state, c.get('user').id);
    return c.json({ state: r.after, previous: r.before });
  });
  app.get('/api/admin/audit', async (c) => {
    const { limit } = query(c, auditQuery);
    return c.json({ entries: await listAudit(s.database, limit ?? o.auditLimit) });
  });

  reportsRoutes(app, s);
  payoutsRoutes(app, s);
  experimentsRoutes(app, s);
  announcementRoutes(app, s);
  return app;
}
