import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { CATEGORIES, CLAIM_MODES, DELIVERY_STATUSES, PERIODS, PROGRESS_STATUSES, REWARD_KINDS } from '../../db/schema.js';

/**
 * The schema is the source of the enums: each tuple in db/schema.ts is the check constraint of its
 * column, so the database refuses a value the TypeScript union would refuse, and takes each
 * value of the tuple.
 */
describe('every enum tuple of the schema is its column check', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());

  const refused = async (q: string, params: unknown[]) => {
    const err = await h.s.database.raw(q, params).then(() => null, (e: unknown) => e as { code?: string; cause?: { code?: string } });
    return err?.code ?? err?.cause?.code ?? (err ? 'error' : null);
  };

  it('missions: category and period take the tuple values and refuse others', async () => {
    const insert = `insert into missions (logic_key, title, action_type, target_value, category, period) values ($1, 't', 'PLAY_GAME', 1, $2, $3)`;
    for (const c of CATEGORIES) for (const p of PERIODS) expect(await refused(insert, [`m_${c}_${p}`, c, p])).toBeNull();
    expect(await refused(insert, ['bad_cat', 'daily', 'daily'])).toBe('23514');
    expect(await refused(insert, ['bad_period', 'DAILY', 'hourly'])).toBe('23514');
  });

  it('progress: status and claim mode; ledger: reward kind; deliveries: status', async () => {
    const gid = await h.missionId('golden_hour_play_3');
    const progress = `insert into user_mission_progress (user_id, mission_id, period_key, status, claim_mode) values ($1, $2, '2026-11-27', $3, $4)`;
    let u = 1;
    for (const s of PROGRESS_STATUSES) expect(await refused(progress, [u++, gid, s, null])).toBeNull();
    for (const m of CLAIM_MODES) expect(await refused(progress, [u++, gid, 'claimed', m])).toBeNull();
    expect(await refused(progress, [u++, gid, 'paid', null])).toBe('23514');
    expect(await refused(progress, [u++, gid, 'claimed', 'admin'])).toBe('23514');
    const ledger = `insert into reward_ledger (user_id, mission_id, period_key, kind, amount, source, created_at) values ($1, $2, '2026-11-27', $3, 1, 'claim', now())`;
    for (const k of REWARD_KINDS) expect(await refused(ledger, [500, gid, k])).toBeNull();
    expect(await refused(ledger, [501, gid, 'gold'])).toBe('23514');
    const delivery = `insert into notification_deliveries (user_id, kind, day, status) values ($1, 'announce', '2026-11-27', $2)`;
    let d = 600;
    for (const s of DELIVERY_STATUSES) expect(await refused(delivery, [d++, s])).toBeNull();
    expect(await refused(delivery, [d++, 'lost'])).toBe('23514');
  });
});
