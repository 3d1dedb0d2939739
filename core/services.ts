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
import type { GameEvent } from './domain/events.js';
import { applyBatch as applyEventBatch, decideContext } from './missions/batch.js';
import { goldenWindowOpen as isGoldenWindowOpen } from './missions/goldenStatus.js';
import type { Services as DomainServices } from './missions/services.js';
import type { Api } from 'grammy';
import { ActivityRecorder } from './missions/activity.js';
import { claimMission } from './missions/claim.js';
import { listMissionsFor, listMissionsJson, playerSummary } from './missions/playerView.js';
import { ExperimentService } from './missions/experiments.js';
import { OutboundBudget } from './delivery/budget.js';
import { botIdOf, createSender } from './delivery/sender.js';
import { Broadcaster } from './delivery/sendLoop.js';
import { PAID_RATE_PER_S } from './delivery/estimate.js';
import type { AnnouncementTexts } from './delivery/announcement.js';
import type { ReportTexts } from './reports/report.js';
import type { ClockAlertTexts } from './worker/scheduler.js';
import type { ShareTexts } from './delivery/share.js';

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
  /**
   * The texts core sends on its own (announcement, reminder, daily report, clock alert): the bot's
   * locales (bot/notifications.ts `notificationTexts`); core holds no user-facing text.
   */
  texts: NotificationTexts;
}

/** Every text core sends without a face in between (and the share message the API prepares), worded in the locales. */
export type NotificationTexts = AnnouncementTexts & ReportTexts & ClockAlertTexts & ShareTexts;

/**
 * What the faces get: the domain's services plus delivery — the one outbound Bot API budget, the
 * worker's sender on its bulk lane and the send loop on it (docs/broadcast.md); null without BOT_TOKEN.
 */
export interface Services extends DomainServices {
  outbound: OutboundBudget;
  sender: Api | null;
  broadcaster: Broadcaster | null;
  texts: NotificationTexts;
}

export async function createServices(o: ServicesOptions): Promise<Services> {
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

  // one outbound Bot API budget per bot token, shared through Redis by every process (docs/broadcast.md)
  const outbound = new OutboundBudget({
    ratePerS: config.botApiRate,
    bulkRatePerS: config.broadcastRate,
    paidRatePerS: PAID_RATE_PER_S,
    botId: botIdOf(config.botToken),
    redis: stores.redis,
    metrics,
    log,
  });
  /** the worker's sender (bulk lane) and the send loop on it; null without BOT_TOKEN */
  const sender = config.botToken ? createSender({ token: config.botToken, apiRoot: config.telegramApiRoot, budget: outbound }) : null;
  const broadcaster = sender ? new Broadcaster({ database, clock, log, metrics, api: sender, budget: outbound, rate: config.broadcastRate, paidRate: PAID_RATE_PER_S }) : null;

  const queue: EventQueue = config.redisUrl
    ? new RedisStreamQueue({ redisUrl: config.redisUrl, prefix: stores.prefix, batchSize: config.consumerBatch, inFlight: config.consumerInFlight, log, claimIdleMs: o.queueClaimIdleMs ?? config.queueClaimIdleMs })
    : new MemoryEventQueue(config.consumerBatch, log);

  const deps = { database, catalog, flags, experiments, get clockHealth() { return clockHealth; }, clock, audience, tz: config.tz };
  const batchDeps = { ...deps, get clockHealth() { return clockHealth; }, log, metrics, vaultPointsPerPlay: config.vaultPointsPerPlay };
  const applyBatch = (events: GameEvent[]) => applyEventBatch(batchDeps, events);
  if (o.consume ?? config.roles.includes('worker')) queue.startConsumer(async (events) => void (await applyBatch(events)));

  const goldenWindowOpen = () => isGoldenWindowOpen(deps, clock.nowMs());
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
    outbound,
    sender,
    broadcaster,
    texts: o.texts,
    get clockHealth() {
      return clockHealth;
    },
    setClockHealth(h: ClockHealth) {
      clockHealth = h;
    },
    decideContext: () => decideContext(batchDeps),
    applyBatch,
    goldenWindowOpen,
    claim: (userId: number, missionId: number) => claimMission(deps, userId, missionId),
    listMissions: (userId: number) => listMissionsFor(deps, userId),
    listMissionsJson: (userId: number) => listMissionsJson(deps, userId),
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
