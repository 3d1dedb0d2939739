import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { getConnInfo } from '@hono/node-server/conninfo';
import { z } from 'zod';
import { DomainError, isDomainError } from '../../core/domain/errors.js';
import type { Services } from '../../core/services.js';
import { ACTION_TYPES, type GameEvent } from '../../core/missions/progress.js';
import { adminView, createMission, updateMission } from '../../core/missions/adminMissions.js';
import { listAudit } from '../../core/missions/audit.js';
import { localIso } from '../../core/domain/time.js';
import { AdjustableClock, systemClock } from '../../core/platform/clock.js';
import { writeAudit } from '../../core/missions/audit.js';
import { DEV_SIGNER_TOKEN, requireAdmin, signInitData, tmaAuth, type AuthEnv } from './auth.js';
import { fromDomainError, problem } from './problem.js';
import { idempotency } from './idempotency.js';
import { rateLimit } from './rateLimit.js';
import { opsRoutes } from './opsApp.js';
import { toastRoutes } from './routes/toast.js';
import { shareRoutes } from './routes/share.js';
import { reportsRoutes } from './routes/reports.js';
import { payoutsRoutes } from './routes/payouts.js';
import { experimentsRoutes } from './routes/experiments.js';

export interface AppOptions {
  /** extra routes (bot webhook, reports, payouts, client assets) mounted by other parts */
  mount?: Array<(app: Hono<AuthEnv>, s: Services) => void>;
  /** for tests: client address when there is no socket */
  clientIp?: (c: Context) => string;
}

export const MAX_EVENTS = 1000;

const eventSchema = z
  .object({
    userId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    type: z.enum(ACTION_TYPES),
    actionId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
    amount: z.number().finite().min(0).max(1e12).nullable().optional(),
  })
  .strict();

function defaultIp(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The HTTP face (DESIGN.md §4): thin routes that parse, authorize, call core, render. */
export function createApp(s: Services, opts: AppOptions = {}) {
  const { config } = s;
  const app = new Hono<AuthEnv>();
  const clientIp = opts.clientIp ?? defaultIp;
  const token = config.botToken ?? (config.devMode ? DEV_SIGNER_TOKEN : undefined);
  const webOrigin = new URL(config.webappUrl).origin;
  // the dev clock jumps around; init data age is judged on real time there so sessions survive a jump
  const authClock = config.devMode ? systemClock : s.clock;

  app.use('*', async (c, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const route = c.req.routePath && c.req.routePath !== '*' && c.req.routePath !== '/*' ? c.req.routePath : 'unmatched';
      s.metrics.httpDuration.observe({ route, method: c.req.method, status: String(c.res.status) }, (performance.now() - start) / 1000);
    }
  });
  app.use(
    '*',
    secureHeaders({
      // Telegram shows the Mini App in an iframe on web clients: allow its origins to frame us
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'self'", 'https://web.telegram.org', 'https://*.telegram.org'],
      },
      xFrameOptions: false,
      crossOriginEmbedderPolicy: false,
    }),
  );
  const corsPreflight = cors({ origin: webOrigin, allowHeaders: ['Authorization', 'Content-Type', 'X-Idempotency-Key', 'Idempotency-Key'], maxAge: 600 });
  app.use('/api/*', async (c, next) => {
    if (c.req.method === 'OPTIONS') return corsPreflight(c, next);
    // the headers cors() sets on an ordinary request, but Vary goes straight onto the response's
    // headers: cors() uses c.header() after next(), which makes Hono re-wrap the finished body as a
    // stream (~12% of server CPU on GET /api/mission; docs/performance.md)
    if (c.req.header('origin') === webOrigin) c.res.headers.set('Access-Control-Allow-Origin', webOrigin);
    await next();
    try {
      c.res.headers.append('Vary', 'Origin');
    } catch {
      c.header('Vary', 'Origin', { append: true }); // immutable headers (a fetched Response): let Hono copy it
    }
  });
  const limitBody = bodyLimit({
    maxSize: config.bodyLimitBytes,
    onError: (c) => problem(c, 'PAYLOAD_TOO_LARGE', `request body over ${config.bodyLimitBytes} bytes`),
  });
  // A request without a body (GET/HEAD, or over a Node socket with no Transfer-Encoding and no or
  // a zero Content-Length, like a claim) passes bodyLimit anyway, but asking it makes
  // @hono/node-server build a full Request per call: skip it there (docs/performance.md)
  const bodiless = (c: Context) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return true;
    const headers = (c.env as { incoming?: { headers?: Record<string, unknown> } } | undefined)?.incoming?.headers;
    return Boolean(headers && headers['transfer-encoding'] === undefined && (headers['content-length'] === undefined || headers['content-length'] === '0'));
  };
  app.use('/api/*', (c, next) => (bodiless(c) ? next() : limitBody(c, next)));

  app.onError((err, c) => {
    if (isDomainError(err)) return fromDomainError(c, err);
    s.log.error({ err, path: c.req.path }, 'unhandled error');
    if (isDbUnavailable(err)) return problem(c, 'SERVICE_UNAVAILABLE', 'database unavailable, retry shortly', {}, { 'Retry-After': '2' });
    return problem(c, 'INTERNAL', 'something went wrong on our side');
  });
  app.notFound((c) => problem(c, 'NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`));

  // ---- health and metrics
  opsRoutes(app, s);

  // ---- public
  app.get('/api/time', (c) => {
    const now = s.clock.nowMs();
    return c.json({
      serverTime: new Date(now).toISOString(),
      local: localIso(now, config.tz),
      tz: config.tz,
      clockGuard: s.clockHealth.state(),
    });
  });

  // ---- game servers
  app.post('/api/events', async (c) => {
    const auth = c.req.header('authorization');
    if (!config.ingestToken || auth !== `Bearer ${config.ingestToken}`) throw new DomainError('UNAUTHORIZED', 'ingest needs Authorization: Bearer <INGEST_TOKEN>');
    const receivedAt = s.clock.nowMs();
    const body = await readJson(c);
    if (!body || typeof body !== 'object' || !Array.isArray((body as { events?: unknown }).events)) {
      throw new DomainError('VALIDATION_FAILED', 'body must be { "events": [...] }');
    }
    const raw = (body as { events: unknown[] }).events;
    if (raw.length === 0) throw new DomainError('VALIDATION_FAILED', 'events must not be empty');
    if (raw.length > MAX_EVENTS) throw new DomainError('VALIDATION_FAILED', `at most ${MAX_EVENTS} events per request`, { field: 'events' });
    const events: GameEvent[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const r = eventSchema.safeParse(raw[i]);
      if (!r.success) {
        const iss = r.error.issues[0]!;
        throw new DomainError('VALIDATION_FAILED', `events[${i}].${iss.path.join('.') || '?'}: ${iss.message}`, { index: i, field: `events[${i}].${iss.path.join('.')}` });
      }
      events[i] = { ...r.data, receivedAt };
    }
    await s.queue.enqueue(events);
    const counts: Record<string, number> = {};
    for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
    for (const [type, n] of Object.entries(counts)) s.metrics.eventsIngested.inc({ type }, n);
    return c.json({ accepted: events.length, receivedAt: new Date(receivedAt).toISOString() }, 202);
  });

  // ---- players
  const auth = tmaAuth({
    token,
    maxAgeS: config.initDataMaxAgeS,
    clock: authClock,
    onUser: (u) => s.activity.seen({ id: u.id, firstName: u.firstName, username: u.username, languageCode: u.languageCode }),
  });
  app.use('/api/me', auth);
  app.use('/api/mission', auth);
  app.use('/api/mission/*', auth);
  app.use('/api/admin/*', auth, requireAdmin(config.adminIds));
  app.use('/api/toast/*', auth);
  app.use('/api/share/*', auth);

  app.get('/api/me', async (c) => {
    const u = c.get('user');
    return c.json({ ...(await s.summary(u)), isAdmin: s.isAdmin(u.id) });
  });
  app.get('/api/mission', async (c) => c.json(await s.listMissions(c.get('user').id)));
  app.post(
    '/api/mission/:id/claim',
    rateLimit({ route: '/api/mission/:id/claim', redis: s.stores.redis, keyPrefix: 'rl:claim', metrics: s.metrics, log: s.log, clientIp }),
    idempotency({ store: s.stores.kv, metrics: s.metrics }),
    async (c) => {
      const id = Number(c.req.param('id'));
      try {
        const r = await s.claim(c.get('user').id, id);
        s.metrics.missionClaim.inc({ result: 'ok' });
        s.log.info({ userId: c.get('user').id, missionId: id, periodKey: r.periodKey, verdict: 'claimed' }, 'claim');
        return c.json(r);
      } catch (err) {
        const verdict = isDomainError(err) ? err.code : 'error';
        s.metrics.missionClaim.inc({ result: verdict });
        // rejections at a 10% sample (plan §11); the successful ones are all logged above
        if (Math.random() < 0.1) s.log.info({ userId: c.get('user').id, missionId: id, verdict, at: s.clock.now().toISOString(), sampled: true }, 'claim rejected (sampled)');
        throw err;
      }
    },
  );

  // ---- admins
  app.get('/api/admin/missions', async (c) => c.json({ missions: (await s.catalog.all()).map(adminView), serverTime: new Date(s.clock.nowMs()).toISOString(), local: localIso(s.clock.nowMs(), config.tz) }));
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
    const limit = Number(c.req.query('limit') ?? 50);
    return c.json({ entries: await listAudit(s.database, Number.isFinite(limit) ? limit : 50) });
  });

  // ---- dev mode only (DESIGN.md §2): unreachable otherwise
  if (config.devMode) {
    app.post('/api/dev/login', async (c) => {
      if (config.botToken) throw new DomainError('FORBIDDEN', 'dev login is off when a real BOT_TOKEN is set');
      const body = ((await readJson(c, true)) ?? {}) as { userId?: unknown; firstName?: unknown; languageCode?: unknown };
      const userId = body.userId === undefined ? 1001 : Number(body.userId);
      if (!Number.isSafeInteger(userId) || userId <= 0) throw new DomainError('VALIDATION_FAILED', 'userId must be a positive integer', { field: 'userId' });
      const languageCode = typeof body.languageCode === 'string' ? body.languageCode.slice(0, 8) : 'ko';
      const firstName = typeof body.firstName === 'string' ? body.firstName.slice(0, 64) : `Demo ${userId}`;
      const initData = signInitData(DEV_SIGNER_TOKEN, { id: userId, firstName, languageCode }, authClock.now());
      return c.json({ initData, user: { id: userId, firstName, languageCode }, isAdmin: s.isAdmin(userId) });
    });
    app.use('/api/dev/clock', auth, requireAdmin(config.adminIds));
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
      return c.json({ serverTime: new Date(now).toISOString(), local: localIso(now, config.tz) });
    });
    app.use('/api/dev/play', auth);
    app.post('/api/dev/play', async (c) => {
      const u = c.get('user');
      const receivedAt = s.clock.nowMs();
      const actionId = `dev-${receivedAt}-${Math.random().toString(36).slice(2, 8)}`;
      await s.queue.enqueue([{ userId: u.id, type: 'PLAY_GAME', actionId, receivedAt }]);
      s.metrics.eventsIngested.inc({ type: 'PLAY_GAME' });
      return c.json({ accepted: 1, actionId }, 202);
    });
  }

  toastRoutes(app, s);
  shareRoutes(app, s);
  reportsRoutes(app, s);
  payoutsRoutes(app, s);
  experimentsRoutes(app, s);
  for (const m of opts.mount ?? []) m(app, s);
  return app;
}

async function readJson(c: Context, optional = false): Promise<unknown> {
  const ct = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  if (text.trim() === '') {
    if (optional) return null;
    throw new DomainError('VALIDATION_FAILED', 'request body is empty; send JSON');
  }
  if (ct && !ct.includes('json')) throw new DomainError('UNSUPPORTED_MEDIA_TYPE' as never, 'send Content-Type: application/json');
  let forbidden: string | undefined;
  let parsed: unknown;
  try {
    // prototype-pollution keys are refused, not dropped: dropping them let a hostile body through as valid
    parsed = JSON.parse(text, (k, v) => {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') forbidden ??= k;
      return v;
    });
  } catch {
    throw new DomainError('VALIDATION_FAILED', 'request body is not valid JSON');
  }
  if (forbidden) throw new DomainError('VALIDATION_FAILED', `forbidden key "${forbidden}" in the body`, { field: forbidden });
  return parsed;
}

function isDbUnavailable(err: unknown): boolean {
  // drizzle wraps the driver's error (DrizzleQueryError): the connection failure is in `cause`
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const s = String((e as { code?: string })?.code ?? '') + ' ' + String((e as Error)?.message ?? '');
    if (/ECONNREFUSED|ECONNRESET|CONNECTION_|57P01|57P03|terminating connection|Connection terminated|connect_timeout|CONNECT_TIMEOUT/i.test(s)) return true;
  }
  return false;
}
