import { Hono, type MiddlewareHandler } from 'hono';
import { DomainError } from '../../../core/domain/errors.js';
import { localIso } from '../../../core/domain/time.js';
import { writeAudit } from '../../../core/missions/audit.js';
import { AdjustableClock, systemClock, type Clock } from '../../../core/platform/clock.js';
import type { Services } from '../../../core/services.js';
import { DEV_SIGNER_TOKEN, requireAdmin, signInitData, type AuthEnv } from '../auth.js';
import { readJson } from '../readJson.js';

export interface DevRoutesOptions {
  /** the Telegram init data middleware (tmaAuth) */
  auth: MiddlewareHandler<AuthEnv>;
  adminIds: readonly number[];
  /** TESTER_IDS: with admins, the only players who may queue a demo play */
  testerIds: readonly number[];
  /** the clock init data is signed and judged on (real time in dev mode, so a clock jump keeps sessions) */
  authClock: Clock;
}

/**
 * DEV_MODE only (docs/design.md): `POST /api/dev/login` signs init data when no BOT_TOKEN is set,
 * `PUT /api/dev/clock` moves the adjustable clock (admins), `POST /api/dev/play` queues one
 * PLAY_GAME for the caller (admins and testers: a demo play must not become a free reward for any
 * signed-in player). createApp does not mount these at all unless DEV_MODE=1.
 *
 * @example
 * if (config.devMode) app.route('/', devRoutes(s, { auth, adminIds: config.adminIds, testerIds: config.testerIds, authClock }))
 */
export function devRoutes(s: Services, options: DevRoutesOptions) {
  const o = { ...options };
  const app = new Hono<AuthEnv>();

  app.post('/api/dev/login', async (c) => {
    if (s.config.botToken) throw new DomainError('FORBIDDEN', 'dev login is off when a real BOT_TOKEN is set');
    const body = ((await readJson(c, true)) ?? {}) as { userId?: unknown; firstName?: unknown; languageCode?: unknown };
    const userId = body.userId === undefined ? 1001 : Number(body.userId);
    if (!Number.isSafeInteger(userId) || userId <= 0) throw new DomainError('VALIDATION_FAILED', 'userId must be a positive integer', { field: 'userId' });
    const languageCode = typeof body.languageCode === 'string' ? body.languageCode.slice(0, 8) : 'ko';
    const firstName = typeof body.firstName === 'string' ? body.firstName.slice(0, 64) : `Demo ${userId}`;
    const initData = signInitData(DEV_SIGNER_TOKEN, { id: userId, firstName, languageCode }, o.authClock.now());
    return c.json({ initData, user: { id: userId, firstName, languageCode }, isAdmin: s.isAdmin(userId) });
  });

  app.use('/api/dev/clock', o.auth, requireAdmin(o.adminIds));
  app.put('/api/dev/clock', async (c) => {
    if (!(s.clock instanceof AdjustableClock)) throw new DomainError('FORBIDDEN', 'this clock cannot be moved');
    const body = ((await readJson(c)) ?? {}) as { now?: unknown; offsetMs?: unknown };
    const before = s.clock.now().toISOString();
    if (typeof body.now === 'string' && Number.isFinite(Date.parse(body.now))) s.clock.set(body.now);
    else if (typeof body.offsetMs === 'number' && Number.isFinite(body.offsetMs)) s.clock.setOffset(body.offsetMs);
    else throw new DomainError('VALIDATION_FAILED', 'send { "now": ISO } or { "offsetMs": n }');
    s.catalog.drop();
    await writeAudit(s.database.db, { actorId: c.get('user').id, action: 'clock.set', before: { now: before }, after: { now: s.clock.now().toISOString() }, requestedAt: systemClock.now() }); // the real time of the request, not the moved clock
    const now = s.clock.nowMs();
    return c.json({ serverTime: new Date(now).toISOString(), local: localIso(now, s.config.tz) });
  });

  app.use('/api/dev/play', o.auth, requireAdmin([...o.adminIds, ...o.testerIds], 'admins and testers only'));
  app.post('/api/dev/play', async (c) => {
    const u = c.get('user');
    const receivedAt = s.clock.nowMs();
    const actionId = `dev-${receivedAt}-${Math.random().toString(36).slice(2, 8)}`;
    await s.queue.enqueue(receivedAt, [{ userId: u.id, type: 'PLAY_GAME', actionId }]);
    s.metrics.eventsIngested.inc({ type: 'PLAY_GAME' });
    return c.json({ accepted: 1, actionId }, 202);
  });
  return app;
}
