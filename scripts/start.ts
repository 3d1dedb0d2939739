import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { clusterRoles, forkApiProcesses, joinApiCluster } from '../core/platform/cluster.js';
import { ConfigError, loadConfig, type Config } from '../core/platform/config.js';
import { createServices } from '../core/services.js';
import { notificationTexts } from '../bot/notifications.js';
import { installProcessGuards } from '../core/platform/processGuards.js';
import { createApp } from '../webapp/server/app.js';

/**
 * Entry point: every role in one process by default (docs/design.md); ROLES picks a subset.
 * API_PROCESSES > 1: this process forks that many API processes sharing PORT and keeps the other
 * roles itself (core/platform/cluster.ts).
 */
async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
  if (config.apiProcesses > 1) {
    const roles = clusterRoles(config);
    if (cluster.isPrimary) return primary({ ...config, roles: roles.primary });
    config = { ...config, roles: roles.api };
  }
  // the in-process queue and PGlite cannot be shared: a split role needs Postgres and Redis
  const split = !(config.roles.includes('api') && config.roles.includes('worker'));
  if (split && (!config.databaseUrl || !config.redisUrl)) {
    console.error(`ROLES=${config.roles.join(',')}: running roles in separate processes needs DATABASE_URL and REDIS_URL (the embedded default keeps state in this process)`);
    process.exit(78);
  }
  const s = await createServices({ config, texts: notificationTexts });
  const { log } = s;
  installProcessGuards(log);
  if (cluster.isWorker) {
    // one of API_PROCESSES: the primary announced the start; /metrics sums every process
    const { refreshScrapeGauges } = await import('../webapp/server/routes/ops.js');
    joinApiCluster(s.metrics, () => refreshScrapeGauges(s));
  } else {
    log.info({ roles: config.roles, database: s.database.kind, redis: Boolean(config.redisUrl), tz: config.tz, devMode: config.devMode }, 'golden hour starting');
    if (!config.botToken) log.warn('BOT_TOKEN not set: the bot is off' + (config.devMode ? ' (dev login signs Mini App sessions instead)' : ''));
    if (!config.ingestToken) log.warn('INGEST_TOKEN not set: POST /api/events refuses every request');
  }

  const stoppers: Array<() => Promise<void>> = [];
  const mounts: NonNullable<Parameters<typeof createApp>[1]>['mount'] = [];

  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const clientDist = path.join(root, 'webapp/client/dist');
  mounts.push((app) => {
    if (!existsSync(path.join(clientDist, 'index.html'))) {
      app.get('/', (c) => c.text('Mini App not built: run `npm run build`', 503));
      return;
    }
    const rel = path.relative(process.cwd(), clientDist) || '.';
    app.use('/assets/*', serveStatic({ root: rel, onFound: (_p, c) => c.header('Cache-Control', 'public, max-age=31536000, immutable') }));
    app.use('/*', serveStatic({ root: rel }));
    app.get('*', serveStatic({ root: rel, path: 'index.html' }));
  });

  // optional parts register themselves through these hooks
  const { attachRoles } = await import('./roles.js');
  await attachRoles(s, { mounts, stoppers });

  if (config.roles.includes('api') || config.botMode === 'webhook') {
    const app = createApp(s, { mount: mounts });
    const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
      log.info({ port: info.port, url: config.webappUrl }, 'http listening');
    });
    stoppers.push(() => new Promise((r) => server.close(() => r())));
  } else if (config.metricsPort) {
    // workers have no API, but their consumer and scheduler metrics must be scrapeable too
    const { opsApp } = await import('../webapp/server/opsApp.js');
    const server = serve({ fetch: opsApp(s).fetch, port: config.metricsPort, hostname: config.host }, (info) => {
      log.info({ port: info.port }, 'metrics listening');
    });
    stoppers.push(() => new Promise((r) => server.close(() => r())));
  }

  stopOnSignals(s, stoppers);
}

/**
 * The cluster's primary: migrates and seeds before any API process starts, runs the roles that
 * stay single here (the worker, the bot on long polling), forks the API processes.
 */
async function primary(config: Config) {
  const s = await createServices({ config, texts: notificationTexts });
  const { log } = s;
  installProcessGuards(log);
  log.info({ roles: config.roles, apiProcesses: config.apiProcesses, database: s.database.kind, tz: config.tz }, 'golden hour starting');
  if (!config.botToken) log.warn('BOT_TOKEN not set: the bot is off');
  if (!config.ingestToken) log.warn('INGEST_TOKEN not set: POST /api/events refuses every request');
  const stoppers: Array<() => Promise<void>> = [];
  const { attachRoles } = await import('./roles.js');
  await attachRoles(s, { mounts: [], stoppers });
  const api = forkApiProcesses({ processes: config.apiProcesses, log, registry: s.metrics.registry });
  stoppers.push(() => api.stop()); // stopped first: no request is cut off by the roles below stopping
  stopOnSignals(s, stoppers);
}

/** SIGTERM/SIGINT: the stoppers in reverse order, then the services; 10 s at most. */
function stopOnSignals(s: Awaited<ReturnType<typeof createServices>>, stoppers: Array<() => Promise<void>>) {
  let stopping = false;
  const shutdown = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    s.log.info({ sig }, 'shutting down');
    const t = setTimeout(() => process.exit(1), 10_000);
    t.unref();
    for (const stop of stoppers.reverse()) await stop().catch((err) => s.log.error({ err }, 'stop failed'));
    await s.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
