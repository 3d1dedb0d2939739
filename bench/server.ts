import cluster from 'node:cluster';
import { serve } from '@hono/node-server';
import { AdjustableClock } from '../core/platform/clock.js';
import { clusterRoles, forkApiProcesses, joinApiCluster } from '../core/platform/cluster.js';
import { loadConfig } from '../core/platform/config.js';
import { createServices } from '../core/services.js';
import { notificationTexts } from '../bot/notifications.js';
import { createApp } from '../webapp/server/app.js';

/**
 * The bench's server process: what scripts/start.ts runs for ROLES=api,worker, plus two things a
 * benchmark needs — a clock set inside today's golden hour (so both PLAY_GAME missions match
 * whatever the wall time) and a bare Hono JSON route in the same app as the mission-list baseline.
 * Argument: JSON { env, now, redisPrefix }. Reports { port } over IPC once listening. With
 * API_PROCESSES > 1 it is laid out as scripts/start.ts lays it out: this process keeps the worker
 * and forks the API processes (core/platform/cluster.ts), each running the rest of this file.
 */
const cfg = JSON.parse(process.argv[2] ?? '{}') as { env: Record<string, string>; now: string; redisPrefix: string };
let config = loadConfig(cfg.env);
const clock = new AdjustableClock();
clock.set(cfg.now);
if (config.apiProcesses > 1 && cluster.isPrimary) {
  const s = await createServices({ config: { ...config, roles: clusterRoles(config).primary }, clock, redisPrefix: cfg.redisPrefix, texts: notificationTexts });
  const api = forkApiProcesses({ processes: config.apiProcesses, log: s.log, registry: s.metrics.registry, onListening: (port) => process.send?.({ port }) });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await api.stop();
    await s.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.on('disconnect', () => void shutdown());
} else {
  if (cluster.isWorker) config = { ...config, roles: clusterRoles(config).api };
  await apiProcess();
}

async function apiProcess() {
  const s = await createServices({ config, clock, redisPrefix: cfg.redisPrefix, texts: notificationTexts });
  if (cluster.isWorker) joinApiCluster(s.metrics, async () => undefined);

  // the baseline answers the same JSON the mission list would, without auth, database or domain code
  const sample = await s.listMissions(1);
  const app = createApp(s, {
    mount: [
      (a) => {
        a.get('/bench/bare', (c) => c.json(sample));
      },
    ],
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
    if (cluster.isPrimary) process.send?.({ port: info.port });
  });

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await new Promise<void>((r) => server.close(() => r()));
    await s.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.on('disconnect', () => void shutdown());
}
