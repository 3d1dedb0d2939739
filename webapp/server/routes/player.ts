import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { isDomainError } from '../../../core/domain/errors.js';
import { localIso } from '../../../core/domain/time.js';
import type { Services } from '../../../core/services.js';
import type { AuthEnv } from '../auth.js';
import { claimGuard } from '../claimGuard.js';
import { replayableJson } from '../idempotency.js';
import { shareRoutes } from './share.js';
import { toastRoutes } from './toast.js';

export interface PlayerRoutesOptions {
  /** the Telegram init data middleware (tmaAuth) shared by every signed-in route */
  auth: MiddlewareHandler<AuthEnv>;
  /** the client's address, for the claim rate limit */
  clientIp: (c: Context) => string;
  /** share of claim rejections logged (10%: enough to explain a rejection, bounded under a flood) */
  rejectionLogSample?: number;
  random?: () => number;
  /** claim bucket size and window (rateLimit.ts defaults: 20 per 2 s) */
  claimRateLimit?: { points?: number; durationS?: number };
}

/**
 * The player's face of the API (docs/design.md): `GET /api/time` (public), `GET /api/me`,
 * `GET /api/mission`, `POST /api/mission/:id/claim` (rate limit, then idempotency key, in one Redis round trip: claimGuard.ts), the
 * golden-hour toast and the share message.
 *
 * @example
 * app.route('/', playerRoutes(s, { auth, clientIp }))
 */
export function playerRoutes(s: Services, options: PlayerRoutesOptions) {
  const o = { rejectionLogSample: 0.1, random: Math.random, ...options };
  const app = new Hono<AuthEnv>();

  app.get('/api/time', (c) => {
    const now = s.clock.nowMs();
    return c.json({
      serverTime: new Date(now).toISOString(),
      local: localIso(now, s.config.tz),
      tz: s.config.tz,
      clockGuard: s.clockHealth.state(),
    });
  });

  app.use('/api/me', o.auth);
  app.use('/api/mission', o.auth);
  app.use('/api/mission/*', o.auth);
  app.use('/api/toast/*', o.auth);
  app.use('/api/share/*', o.auth);

  app.get('/api/me', async (c) => {
    const u = c.get('user');
    return c.json({ ...(await s.summary(u)), isAdmin: s.isAdmin(u.id) });
  });
  app.get('/api/mission', async (c) => c.body(await s.listMissionsJson(c.get('user').id), 200, { 'content-type': 'application/json' }));
  app.post(
    '/api/mission/:id/claim',
    claimGuard({
      rateLimit: { route: '/api/mission/:id/claim', redis: s.stores.redis, keyPrefix: 'rl:claim', metrics: s.metrics, log: s.log, clientIp: o.clientIp, ...o.claimRateLimit },
      idempotency: { store: s.stores.kv, metrics: s.metrics },
    }),
    async (c) => {
      const id = Number(c.req.param('id'));
      try {
        const r = await s.claim(c.get('user').id, id);
        s.metrics.missionClaim.inc({ result: 'ok' });
        s.log.info({ userId: c.get('user').id, missionId: id, periodKey: r.periodKey, verdict: 'claimed' }, 'claim');
        return replayableJson(c, r);
      } catch (err) {
        const verdict = isDomainError(err) ? err.code : 'error';
        s.metrics.missionClaim.inc({ result: verdict });
        // rejections at a sample; the successful ones are all logged above
        if (o.random() < o.rejectionLogSample) s.log.info({ userId: c.get('user').id, missionId: id, verdict, at: s.clock.now().toISOString(), sampled: true }, 'claim rejected (sampled)');
        throw err;
      }
    },
  );

  toastRoutes(app, s);
  shareRoutes(app, s);
  return app;
}
