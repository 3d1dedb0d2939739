import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import type { Clock } from '../platform/clock.js';
import type { Metrics } from '../platform/metrics.js';
import type { ClockHealth } from '../domain/clockHealth.js';
import type { GameEvent } from '../domain/events.js';
import type { Audience, MissionCatalog } from './catalog.js';
import type { FlagService } from './flags.js';
import type { ExperimentService } from './experiments.js';
import { applyEvents, type ApplyResult, type DecideContext } from './progress.js';

export interface BatchDeps {
  database: Database;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  catalog: Pick<MissionCatalog, 'active'>;
  flags: Pick<FlagService, 'goldenHour'>;
  experiments: Pick<ExperimentService, 'timeline'>;
  readonly clockHealth: ClockHealth;
  audience: Audience;
  tz: string;
  vaultPointsPerPlay: number;
}

/** What every event decision needs right now: active missions, flag, clock health, audience, zone, experiment. */
export async function decideContext(d: BatchDeps): Promise<DecideContext> {
  return {
    missions: await d.catalog.active(),
    flag: await d.flags.goldenHour(),
    clockHealthy: d.clockHealth.isHealthy(),
    audience: d.audience,
    tz: d.tz,
    experiment: await d.experiments.timeline(),
  };
}

/**
 * The consumer's batch step (docs/design.md, Data flow: an event): apply the batch, then report
 * the queue lag from the oldest receive stamp in it.
 */
export async function applyBatch(d: BatchDeps, events: GameEvent[]): Promise<ApplyResult> {
  const ctx = await decideContext(d);
  const r = await applyEvents({ database: d.database, metrics: d.metrics, log: d.log, vaultPointsPerPlay: d.vaultPointsPerPlay, now: () => d.clock.now() }, events, ctx);
  let oldest = Infinity;
  for (const e of events) if (e.receivedAt < oldest) oldest = e.receivedAt;
  d.metrics.eventQueueLag.set(Math.max(0, (d.clock.nowMs() - oldest) / 1000));
  d.metrics.eventsProcessed.inc(events.length);
  d.log.debug({ ...r }, 'event batch applied');
  return r;
}
