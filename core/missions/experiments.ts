import { asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/connection.js';
import { experimentConfigs } from '../../db/schema.js';
import type { Clock } from '../platform/clock.js';
import type { PubSub } from '../platform/stores.js';
import { addDays, localParts } from '../domain/time.js';
import { periodKey } from '../domain/window.js';
import {
  EXPERIMENT_OFF,
  HOLDOUT_ARM,
  assignArm,
  isExperimentOff,
  parseExperimentSplit,
  variantRewards,
  versionFor,
  type ExperimentSplit,
  type ExperimentVersion,
  type Variant,
} from '../domain/experiment.js';
import type { Mission, MissionCatalog, Rewards } from './catalog.js';
import { writeAudit } from './audit.js';

export const GOLDEN_EXPERIMENT = 'golden-hour';
export const EXPERIMENTS_CHANNEL = 'experiments:changed';

export interface ExperimentState {
  /** the period the split below is in force for (the golden mission's current period) */
  periodKey: string;
  experimentId: string | null;
  holdoutPct: number;
  variants: Variant[];
  effectiveFrom: string | null;
  /** a change waiting for its period, if any */
  pending: (ExperimentSplit & { effectiveFrom: string; experimentId: string }) | null;
}

/**
 * The arms of a period as the flows need them: synchronous lookups over the versions loaded once
 * per batch or request, so the hot path does no query per event.
 */
export class ExperimentTimeline {
  constructor(readonly versions: readonly ExperimentVersion[]) {}

  version(period: string): ExperimentVersion | null {
    const v = versionFor(this.versions, period);
    return v && !isExperimentOff(v) ? v : null;
  }

  /** null: no experiment in that period, or the mission is not a golden-hour one. */
  armOf(m: Pick<Mission, 'isGoldenHour'>, userId: number, period: string): string | null {
    if (!m.isGoldenHour) return null;
    const v = this.version(period);
    return v ? assignArm(userId, v.experimentId, v) : null;
  }

  /** Who is held out from the golden mission in a period, for a SQL audience filter (holdoutSql). */
  holdoutOf(m: Pick<Mission, 'isGoldenHour'>, period: string): HoldoutExclusion | null {
    const v = m.isGoldenHour ? this.version(period) : null;
    return v && v.holdoutPct > 0 ? { experimentId: v.experimentId, holdoutPct: v.holdoutPct } : null;
  }

  isHoldout(m: Pick<Mission, 'isGoldenHour'>, userId: number, period: string): boolean {
    return this.armOf(m, userId, period) === HOLDOUT_ARM;
  }

  /** What the player is paid for the mission in that period: the variant's rewards, else the mission's. */
  rewardsFor(m: Pick<Mission, 'isGoldenHour' | 'rewards'>, userId: number, period: string): Rewards {
    const v = m.isGoldenHour ? this.version(period) : null;
    if (!v) return m.rewards;
    return variantRewards(v, assignArm(userId, v.experimentId, v)) ?? m.rewards;
  }
}

export const NO_EXPERIMENT = new ExperimentTimeline([]);

export interface HoldoutExclusion {
  experimentId: string;
  holdoutPct: number;
}

/**
 * "This user id is in the holdout" as SQL, for audiences selected in the database (announcement,
 * reminder): the same bucket as assignmentBucket in core/domain/experiment.ts — the first 32 bits
 * of sha256("<experimentId>:<userId>") — compared with the same double threshold, so the two agree
 * exactly (experiments.test.ts checks them against each other).
 */
export function holdoutSql(userIdCol: SQL, h: HoldoutExclusion): SQL {
  const threshold = (h.holdoutPct / 100) * 2 ** 32;
  return sql`(('x' || left(encode(sha256(convert_to(${h.experimentId} || ':' || (${userIdCol})::text, 'UTF8')), 'hex'), 8))::bit(32)::bigint::float8 < ${threshold}::float8)`;
}

/**
 * The golden-hour experiment's stored versions (docs/operations.md, "Experiments"). Cached 1 s
 * and dropped at once on every instance through pub/sub, like the flag. A change always takes
 * effect from the next period of the golden mission, so a running period keeps its split.
 */
export class ExperimentService {
  private cached: { at: number; timeline: ExperimentTimeline } | null = null;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly pubsub: PubSub,
    private readonly catalog: MissionCatalog,
    private readonly tz: string,
    private readonly ttlMs = 1000,
  ) {}

  async start() {
    await this.pubsub.subscribe(EXPERIMENTS_CHANNEL, () => {
      this.cached = null;
    });
  }

  async timeline(): Promise<ExperimentTimeline> {
    const now = this.clock.nowMs();
    if (this.cached && now - this.cached.at < this.ttlMs && now >= this.cached.at) return this.cached.timeline;
    const rows = await this.database.db.select().from(experimentConfigs).where(eq(experimentConfigs.experimentKey, GOLDEN_EXPERIMENT)).orderBy(asc(experimentConfigs.effectiveFrom));
    const timeline = new ExperimentTimeline(rows.map(toVersion));
    this.cached = { at: now, timeline };
    return timeline;
  }

  /** The golden mission's period at an instant (its local window-start date), else the local date. */
  async periodAt(instantMs: number): Promise<string> {
    const m = await this.catalog.goldenMission();
    return m && m.period === 'daily' ? periodKey(m, instantMs, this.tz) : localParts(instantMs, this.tz).date;
  }

  async state(): Promise<ExperimentState> {
    const t = await this.timeline();
    const period = await this.periodAt(this.clock.nowMs());
    const cur = versionFor(t.versions, period);
    const later = t.versions.filter((v) => v.effectiveFrom > period).at(-1) ?? null;
    return {
      periodKey: period,
      experimentId: cur && !isExperimentOff(cur) ? cur.experimentId : null,
      holdoutPct: cur?.holdoutPct ?? 0,
      variants: cur?.variants ?? [],
      effectiveFrom: cur?.effectiveFrom ?? null,
      pending: later ? { holdoutPct: later.holdoutPct, variants: later.variants, effectiveFrom: later.effectiveFrom, experimentId: later.experimentId } : null,
    };
  }

  /**
   * Stores a split effective from the period after the current one, audited with the split it
   * replaces for that period (before) and the new one (after). Changing it twice before the
   * period starts replaces the pending change. Turning it on from off starts a new experiment
   * id (a fresh random split); editing a running one keeps the id, so players keep their bucket.
   */
  async set(input: unknown, actorId: number): Promise<{ before: ExperimentSplit; after: ExperimentSplit; effectiveFrom: string; experimentId: string }> {
    const split = parseExperimentSplit(input);
    const requestedAt = this.clock.now();
    const effectiveFrom = addDays(await this.periodAt(requestedAt.getTime()), 1);
    const out = await this.database.db.transaction(async (tx) => {
      // two admins racing on one period: the unique (key, effective_from) row keeps the later, both are audited
      const rows = (await tx.select().from(experimentConfigs).where(eq(experimentConfigs.experimentKey, GOLDEN_EXPERIMENT)).for('update')).map(toVersion);
      const prior = versionFor(rows.filter((v) => v.effectiveFrom < effectiveFrom), effectiveFrom);
      const replaced = rows.find((v) => v.effectiveFrom === effectiveFrom) ?? null;
      const beforeV = replaced ?? prior;
      const priorOn = prior && !isExperimentOff(prior) ? prior : null;
      const experimentId = isExperimentOff(split) ? (priorOn?.experimentId ?? `${GOLDEN_EXPERIMENT}-off`) : (priorOn?.experimentId ?? `${GOLDEN_EXPERIMENT}-${effectiveFrom}`);
      const values = { experimentKey: GOLDEN_EXPERIMENT, experimentId, effectiveFrom, holdoutPct: split.holdoutPct, variants: split.variants as never, updatedBy: actorId, updatedAt: requestedAt };
      await tx
        .insert(experimentConfigs)
        .values(values)
        .onConflictDoUpdate({ target: [experimentConfigs.experimentKey, experimentConfigs.effectiveFrom], set: { experimentId, holdoutPct: split.holdoutPct, variants: split.variants as never, updatedBy: actorId, updatedAt: requestedAt } });
      const before: ExperimentSplit = beforeV ? { holdoutPct: beforeV.holdoutPct, variants: beforeV.variants } : EXPERIMENT_OFF;
      await writeAudit(tx, {
        actorId,
        action: 'experiment.set',
        before: { ...before, experimentId: beforeV?.experimentId ?? null, effectiveFrom: beforeV?.effectiveFrom ?? null },
        after: { ...split, experimentId, effectiveFrom },
        requestedAt,
      });
      return { before, after: split, effectiveFrom, experimentId };
    });
    this.cached = null;
    await this.pubsub.publish(EXPERIMENTS_CHANNEL, effectiveFrom);
    return out;
  }
}

function toVersion(r: typeof experimentConfigs.$inferSelect): ExperimentVersion {
  return { experimentId: r.experimentId, effectiveFrom: r.effectiveFrom, holdoutPct: r.holdoutPct, variants: r.variants as Variant[] };
}
