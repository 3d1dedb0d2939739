import { eq } from 'drizzle-orm';
import type { Clock } from '../platform/clock.js';
import type { FlagState } from '../platform/config.js';
import type { Database } from '../../db/connection.js';
import { FLAG_STATES, featureFlags } from '../../db/schema.js';
import { writeAudit } from './audit.js';
import type { PubSub } from '../platform/stores.js';
import { DomainError } from '../domain/errors.js';

export const GOLDEN_FLAG = 'golden_hour_enabled';
export { FLAG_STATES };
export const FLAGS_CHANNEL = 'flags:changed';

export const isFlagState = (v: unknown): v is FlagState => typeof v === 'string' && (FLAG_STATES as readonly string[]).includes(v);

/**
 * golden_hour_enabled (docs/design.md, Rules). The env value seeds the row once; admins change it at
 * runtime; every instance re-reads within a second (1 s cache, dropped at once on pub/sub).
 */
export class FlagService {
  private cached: { at: number; value: FlagState } | null = null;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly pubsub: PubSub,
    private readonly defaultState: FlagState,
    private readonly onChange: (state: FlagState) => void = () => {},
    private readonly ttlMs = 1000,
  ) {}

  async start() {
    await this.database.db.insert(featureFlags).values({ key: GOLDEN_FLAG, value: this.defaultState }).onConflictDoNothing();
    await this.pubsub.subscribe(FLAGS_CHANNEL, () => {
      this.cached = null;
      void this.goldenHour().catch(() => {});
    });
    this.onChange(await this.goldenHour());
  }

  async goldenHour(): Promise<FlagState> {
    const now = this.clock.nowMs();
    if (this.cached && now - this.cached.at < this.ttlMs && now >= this.cached.at) return this.cached.value;
    const rows = await this.database.db.select().from(featureFlags).where(eq(featureFlags.key, GOLDEN_FLAG));
    const v = rows[0]?.value;
    const value: FlagState = isFlagState(v) ? v : 'off';
    if (this.cached?.value !== value) this.onChange(value);
    this.cached = { at: now, value };
    return value;
  }

  async setGoldenHour(state: unknown, actorId: number): Promise<{ before: FlagState; after: FlagState }> {
    if (!isFlagState(state)) throw new DomainError('VALIDATION_FAILED', 'state must be off, dry_run or on', { field: 'state' });
    const requestedAt = this.clock.now();
    const before = await this.database.db.transaction(async (tx) => {
      const rows = await tx.select().from(featureFlags).where(eq(featureFlags.key, GOLDEN_FLAG)).for('update');
      const prev: FlagState = isFlagState(rows[0]?.value) ? (rows[0]!.value as FlagState) : 'off';
      await tx
        .insert(featureFlags)
        .values({ key: GOLDEN_FLAG, value: state, updatedBy: actorId, updatedAt: requestedAt })
        .onConflictDoUpdate({ target: featureFlags.key, set: { value: state, updatedBy: actorId, updatedAt: requestedAt } });
      await writeAudit(tx, { actorId, action: 'flag.set', before: { state: prev }, after: { state }, requestedAt });
      return prev;
    });
    this.cached = null;
    await this.pubsub.publish(FLAGS_CHANNEL, state);
    await this.goldenHour();
    return { before, after: state };
  }
}
