import { asc, eq } from 'drizzle-orm';
import type { Clock } from '../platform/clock.js';
import type { Database } from '../../db/connection.js';
import { missions } from '../../db/schema.js';
import type { PubSub } from '../platform/stores.js';
import type { FlagState } from '../platform/config.js';
import type { PeriodKind, TimeWindow } from '../domain/window.js';

export interface Rewards {
  diamonds: number;
  xp: number;
  tickets: number;
}

export interface Mission {
  id: number;
  logicKey: string;
  title: string;
  description: string;
  category: string;
  actionType: string;
  target: number;
  rewards: Rewards;
  window: TimeWindow | null;
  autoClaim: boolean;
  period: PeriodKind;
  isGoldenHour: boolean;
  vaultAccrualMultiplier: number;
  active: boolean;
  sortOrder: number;
}

/** The catalog's own fields that every view of a mission shows (the player's list and the admin's), as stored. */
export type MissionFields = Pick<Mission, 'id' | 'logicKey' | 'title' | 'description' | 'category' | 'actionType' | 'target' | 'rewards' | 'autoClaim' | 'isGoldenHour'>;

/** One copy of those fields for a view (core/missions/playerView.ts, adminMissions.ts). */
export function missionFields(m: Mission): MissionFields {
  return {
    id: m.id,
    logicKey: m.logicKey,
    title: m.title,
    description: m.description,
    category: m.category,
    actionType: m.actionType,
    target: m.target,
    rewards: m.rewards,
    autoClaim: m.autoClaim,
    isGoldenHour: m.isGoldenHour,
  };
}

export type MissionRow = typeof missions.$inferSelect;

export function toMission(r: MissionRow): Mission {
  return {
    id: r.id,
    logicKey: r.logicKey,
    title: r.title,
    description: r.description,
    category: r.category,
    actionType: r.actionType,
    target: r.targetValue,
    rewards: { diamonds: r.rewardDiamonds, xp: r.rewardXp, tickets: r.rewardTickets },
    window: r.startTime && r.endTime ? { start: r.startTime, end: r.endTime } : null,
    autoClaim: r.autoClaim,
    period: r.period as PeriodKind,
    isGoldenHour: r.isGoldenHour,
    vaultAccrualMultiplier: Number(r.vaultAccrualMultiplier),
    active: r.active,
    sortOrder: r.sortOrder,
  };
}

/** Timed (golden-hour) missions are the ones the golden_hour_enabled flag gates (docs/design.md, Rules). */
export const isGated = (m: Mission) => m.isGoldenHour || m.window !== null;

export interface Audience {
  adminIds: readonly number[];
  testerIds: readonly number[];
}

/** off: hidden for all; dry_run: live for admins and testers only; on: live. Ungated missions are always live. */
export function isLiveFor(m: Mission, flag: FlagState, userId: number, audience: Audience): boolean {
  if (!isGated(m)) return true;
  if (flag === 'on') return true;
  if (flag === 'dry_run') return audience.adminIds.includes(userId) || audience.testerIds.includes(userId);
  return false;
}

/**
 * "The golden-hour mission" — the one /golden, /golden_time, /why and /payout act on, the one the
 * scheduler announces and the report's window comes from: the first active golden-hour mission
 * that has a window, in display order (sort_order, then id). An inactive or window-less golden
 * mission is never it, so an admin cannot edit a mission that nobody is told about.
 */
export function goldenMissionOf(list: readonly Mission[]): (Mission & { window: TimeWindow }) | undefined {
  const sorted = [...list].sort((a, b) => a.sortOrder - b.sortOrder || a.id - b.id);
  return sorted.find((m): m is Mission & { window: TimeWindow } => m.active && m.isGoldenHour && m.window !== null);
}

export const MISSIONS_CHANNEL = 'missions:changed';

/**
 * Mission definitions, cached 60 s (a bounded staleness for the hot path) and dropped at once on any admin change, on every
 * instance, through the pub/sub channel.
 */
export class MissionCatalog {
  private cache: { at: number; list: Mission[] } | null = null;
  private loading: Promise<Mission[]> | null = null;
  private generation = 0;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly pubsub: PubSub,
    private readonly ttlMs = 60_000,
  ) {}

  async start() {
    await this.pubsub.subscribe(MISSIONS_CHANNEL, () => this.drop());
  }

  drop() {
    this.generation++;
    this.cache = null;
  }

  /** Invalidate here and on every other instance. */
  async invalidate() {
    this.drop();
    await this.pubsub.publish(MISSIONS_CHANNEL, String(this.clock.nowMs()));
  }

  /** All missions (active and inactive), ordered for display. */
  async all(): Promise<Mission[]> {
    const now = this.clock.nowMs();
    if (this.cache && now - this.cache.at < this.ttlMs && now >= this.cache.at) return this.cache.list;
    if (!this.loading) {
      const gen = this.generation;
      this.loading = this.database.db
        .select()
        .from(missions)
        .orderBy(asc(missions.sortOrder), asc(missions.id))
        .then((rows) => {
          const list = rows.map(toMission);
          if (gen === this.generation) this.cache = { at: this.clock.nowMs(), list };
          return list;
        })
        .finally(() => {
          this.loading = null;
        });
    }
    return this.loading;
  }

  async active(): Promise<Mission[]> {
    return (await this.all()).filter((m) => m.active);
  }

  async get(id: number): Promise<Mission | undefined> {
    return (await this.all()).find((m) => m.id === id);
  }

  async byLogicKey(key: string): Promise<Mission | undefined> {
    return (await this.all()).find((m) => m.logicKey === key);
  }

  /** The golden-hour mission (see goldenMissionOf): the one rule every part uses. */
  async goldenMission(): Promise<(Mission & { window: TimeWindow }) | undefined> {
    return goldenMissionOf(await this.all());
  }

  /** Uncached read, for admin edits that need the current row. */
  async fresh(id: number): Promise<Mission | undefined> {
    const rows = await this.database.db.select().from(missions).where(eq(missions.id, id));
    return rows[0] ? toMission(rows[0]) : undefined;
  }
}
