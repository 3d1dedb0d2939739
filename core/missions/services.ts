import type { Logger } from 'pino';
import type { Config } from '../platform/config.js';
import type { Clock } from '../platform/clock.js';
import type { Database } from '../../db/connection.js';
import type { Metrics } from '../platform/metrics.js';
import type { Stores } from '../platform/stores.js';
import type { EventQueue } from '../platform/queue.js';
import type { ClockHealth } from '../domain/clockHealth.js';
import type { GameEvent } from '../domain/events.js';
import type { Audience, MissionCatalog } from './catalog.js';
import type { FlagService } from './flags.js';
import type { ExperimentService } from './experiments.js';
import type { ActivityRecorder } from './activity.js';
import type { ClaimResult } from './claim.js';
import type { ApplyResult, DecideContext } from './progress.js';
import type { listMissionsFor, listMissionsJson, playerSummary } from './playerView.js';

/**
 * What the API, the bot and the worker get from the composition root (core/services.ts), declared
 * here so the layers above missions (delivery, reports, worker) and the faces can name it without
 * importing the wiring (docs/design.md, Layers).
 */
export interface Services {
  config: Config;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  database: Database;
  stores: Stores;
  audience: Audience;
  catalog: MissionCatalog;
  flags: FlagService;
  experiments: ExperimentService;
  queue: EventQueue;
  activity: ActivityRecorder;
  /** the clock guard's verdict (off, always healthy, without NTP_SERVERS) */
  readonly clockHealth: ClockHealth;
  setClockHealth(h: ClockHealth): void;
  /** what every event decision needs right now (core/missions/batch.ts) */
  decideContext(): Promise<DecideContext>;
  /** the consumer's batch step (core/missions/batch.ts) */
  applyBatch(events: GameEvent[]): Promise<ApplyResult>;
  /** is the golden-hour mission's window open for players now (core/missions/goldenStatus.ts) */
  goldenWindowOpen(): Promise<boolean>;
  claim(userId: number, missionId: number): Promise<ClaimResult>;
  listMissions(userId: number): ReturnType<typeof listMissionsFor>;
  /** the same list as its JSON text (the API route) */
  listMissionsJson(userId: number): ReturnType<typeof listMissionsJson>;
  summary(user: Parameters<typeof playerSummary>[1]): ReturnType<typeof playerSummary>;
  isAdmin(userId: number): boolean;
  close(): Promise<void>;
}
