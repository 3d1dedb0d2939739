import pino, { type Logger } from 'pino';
import type { Config } from './platform/config.js';
import { AdjustableClock, type Clock } from './platform/clock.js';
import { openDatabase, type Database } from '../db/connection.js';
import { seed } from '../db/seed.js';
import { createMetrics, type Metrics } from './platform/metrics.js';
import { createStores, type Stores } from './platform/stores.js';
import { MissionCatalog, type Audience } from './missions/catalog.js';
import { FlagService, FLAG_STATES } from './missions/flags.js';
import { clockGuardOff, type ClockHealth } from './domain/clockHealth.js';
import { MemoryEventQueue, RedisStreamQueue, type EventQueue } from './platform/queue.js';
import { applyEvents, type GameEvent } from './missions/progress.js';
import { ActivityRecorder } from './missions/activity.js';
import { claimMission } from './missions/claim.js';
import { listMissionsFor, playerSummary } from './missions/playerView.js';
import { isWithinWindow } from './domain/window.js';
import { ExperimentService } from './missions/experiments.js';

/**
 * The composition root of the domain: everything the API, the bot and the worker share.
 * Takes its dependencies (clock, stores, database) so tests and scripts can swap them.
 */
export interface ServicesOptions {
  config: Config;
  clock?: Clock;
  log?: Logger;
  database?: Database;
  /** Redis key/channel prefix; tests use a unique one per test file */
  redisPrefix?: string;
  clockHealth?: ClockHealth;
  /** start the queue consumer in this process (worker role) */
  consume?: boolean;
  queueClaimIdleMs?: number;
}

export type Services = Awaited<ReturnType<typeof createServices>>;

export async function createServices(o: ServicesOptions) {
  const { config } = o;
  const clock = o.clock ?? new AdjustableClock();
  const log = o.log ?? pino({ level: config.logLevel, redact: ['req.headers.authorization', '*.initData', '*.token'] });
  const metrics: Metrics = createMetrics();
  const database = o.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.pgPoolSize }));
  await seed(database);
  const stores: Stores = await createStores({ redisUrl: config.redisUrl, prefix: o.redisPrefix, clock, log, metrics });
  const audience: Audience = { adminIds: config.adminIds, testerIds: config.testerIds };
  const catalog = new MissionCatalog(database, clock, stores.pubsub);
  await catalog.start();
  const flags = new FlagService(database, clock, stores.pubsub, config.goldenHourDefault, (state) => {
    for (const s of FLAG_STATES) metrics.flagState.set({ state: s }, s === state ? 1 : 0);
  });
  await flags.start();
  const experiments = new ExperimentService(database, clock, stores.pubsub, catalog, config.tz);
  await experiments.start();
  let clockHealth: ClockHealth = o.clockHealth ?? clockGuardOff;
  const activity = new ActivityRecorder(database, clock, log);
  activity.start();

  const queue: EventQueue = config.redisUrl
    ? new RedisStreamQueue({ redisUrl: config.redisUrl, prefix: stores.prefix, batchSize: config.consumerBatch, inFlight: config.consumerInFlight, log, claimIdleMs: o.queueClaimIdleMs ?? config.queueClaimIdleMs })
    : new MemoryEventQueue(config.consumerBatch, log);

  const decideContext = async () => ({
    missions: await catalog.active(),
    flag: await flags.goldenHour(),
    clockHealthy: clockHealth.isHealthy(),
    audience,
    tz: config.tz,
    experiment: await experiments.timeline(),
  });

  /** The consumer's batch step: apply, then report lag from the oldest receive stamp. */
  const applyBatch = async (events: GameEvent[]) => {
    const ctx = await decideContext();
    const r = await applyEvents({ database, metrics, log, vaultPointsPerPlay: config.vaultPointsPerPlay, now: () => clock.now() }, events, ctx);
    let oldest = Infinity;
    for (const e of events) if (e.receivedAt < oldest) oldest = e.receivedAt;
    metrics.eventQueueLag.set(Math.max(0, (clock.nowMs() - oldest) / 1000));
    metrics.eventsProcessed.inc(events.length);
    log.debug({ ...r }, 'event batch applied');
    return r;
  };

  if (o.consume ?? config.roles.includes('worker')) queue.startConsumer(async (events) => void (await applyBatch(events)));

  const deps = { database, catalog, flags, experiments, get clockHealth() { return clockHealth; }, clock, audience, tz: config.tz };

  const goldenWindowOpen = async () => {
    const flag = await flags.goldenHour();
    if (flag === 'off' || !clockHealth.isHealthy()) return false;
    const now = clock.nowMs();
    const m = await catalog.goldenMission();
    return m !== undefined && isWithinWindow(m.window, now, config.tz);
  };
  const windowGauge = setInterval(() => void goldenWindowOpen().then((o) => metrics.windowOpen.set(o ? 1 : 0)).catch(() => {}), 5000);
  windowGauge.unref();

  return {
    config,
    clock,
    log,
    metrics,
    database,
    stores,
    audience,
    catalog,
    flags,
    experiments,
    queue,
    activity,
    get clockHealth() {
      return clockHealth;
    },
    setClockHealth(h: ClockHealth) {
      clockHealth = h;
    },
    decideContext,
    applyBatch,
    goldenWindowOpen,
    claim: (userId: number, missionId: number) => claimMission(deps, userId, missionId),
    listMissions: (userId: number) => listMissionsFor(deps, userId),
    summary: (user: Parameters<typeof playerSummary>[1]) => playerSummary(database, user),
    isAdmin: (userId: number) => config.adminIds.includes(userId),
    async close() {
      clearInterval(windowGauge);
      await queue.stop();
      await activity.stop();
      await stores.close();
      await database.close();
    },
  };
}
