import { Hono, type Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Services } from '../../core/services.js';
import { systemClock } from '../../core/platform/clock.js';
import { DEV_SIGNER_TOKEN, tmaAuth, type AuthEnv } from './auth.js';
import { apiBodyLimit } from './apiBodyLimit.js';
import { apiCors } from './apiCors.js';
import { errorHandler, notFoundProblem } from './errorHandler.js';
import { httpMetrics } from './httpMetrics.js';
import { securityHeaders } from './securityHeaders.js';
import { adminRoutes } from './routes/admin.js';
import { devRoutes } from './routes/dev.js';
import { ingestRoutes } from './routes/ingest.js';
import { opsRoutes } from './routes/ops.js';
import { playerRoutes } from './routes/player.js';

export interface AppOptions {
  /** extra routes (bot webhook, client assets) mounted by other parts, after every /api route */
  mount?: Array<(app: Hono<AuthEnv>, s: Services) => void>;
  /** for tests: client address when there is no socket */
  clientIp?: (c: Context) => string;
  /** claim bucket size and window (default 20 per 2 s; tests lengthen the window so a slow machine cannot refill it) */
  claimRateLimit?: { points?: number; durationS?: number };
}

function socketIp(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The HTTP face (docs/design.md): middleware in order, then the route files. Each file under
 * routes/ is one audience (game servers, players, admins, dev mode, operations); the middleware
 * files beside this one are one concern each.
 *
 * @example
 * serve({ fetch: createApp(s, { mount: [webhookRoute(bot, secret)] }).fetch, port: config.port })
 */
export function createApp(s: Services, opts: AppOptions = {}) {
  const { config } = s;
  const app = new Hono<AuthEnv>();
  const clientIp = opts.clientIp ?? socketIp;
  // the dev clock jumps around; init data age is judged on real time there so sessions survive a jump
  const authClock = config.devMode ? systemClock : s.clock;
  const auth = tmaAuth({
    token: config.botToken ?? (config.devMode ? DEV_SIGNER_TOKEN : undefined),
    maxAgeS: config.initDataMaxAgeS,
    clock: authClock,
    onUser: (u) => s.activity.seen({ id: u.id, firstName: u.firstName, username: u.username, languageCode: u.languageCode }),
  });

  app.use('*', httpMetrics({ metrics: s.metrics }));
  app.use('*', securityHeaders());
  app.use('/api/*', apiCors({ origin: new URL(config.webappUrl).origin }));
  app.use('/api/*', apiBodyLimit({ maxBytes: config.bodyLimitBytes }));
  app.onError(errorHandler({ log: s.log }));
  app.notFound(notFoundProblem());

  app.route('/', opsRoutes(s));
  app.route('/', ingestRoutes(s, { token: config.ingestToken }));
  app.route('/', playerRoutes(s, { auth, clientIp, claimRateLimit: opts.claimRateLimit }));
  app.route('/', adminRoutes(s, { auth, adminIds: config.adminIds }));
  if (config.devMode) app.route('/', devRoutes(s, { auth, adminIds: config.adminIds, testerIds: config.testerIds, authClock }));
  // before the mounts: their catch-all serves the Mini App page, which an API client must never get
  app.all('/api/*', notFoundProblem());

  for (const m of opts.mount ?? []) m(app, s);
  return app;
}
