import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createHarness, kst, ADMIN_ID, type Harness } from '../support/harness.js';
import { startFakeBotApi, type FakeBotApi } from '../support/fakeBotApi.js';
import { Scheduler } from '../../core/worker/scheduler.js';
import { estimateAnnouncement } from '../../core/delivery/estimate.js';
import { assignArm, HOLDOUT_ARM } from '../../core/domain/experiment.js';
import { holdoutSql } from '../../core/missions/experiments.js';
import { fakeApi, seedPlayers } from './support.js';

/** The holdout hears nothing about the golden hour; a variant's announcement names its rewards. */
const SPLIT = {
  holdoutPct: 40,
  variants: [
    { name: 'base', weight: 1 },
    { name: 'double', weight: 1, rewards: { diamonds: 200, xp: 500, tickets: 1 } },
  ],
};
const EXP_ID = 'golden-hour-2026-11-27';

describe('announcement audience under an experiment', () => {
  let h: Harness;
  let fake: FakeBotApi;
  beforeAll(async () => {
    h = await createHarness({ at: kst('21:45:00', '2026-11-26') });
    expect((await h.req('/api/admin/experiments/golden-hour', { method: 'PUT', userId: ADMIN_ID, body: JSON.stringify(SPLIT) })).status).toBe(200);
    fake = await startFakeBotApi();
  });
  afterAll(async () => {
    await fake?.close();
    await h?.close();
  });

  it('holdoutSql agrees with the assignment function for every id (one rule, two engines)', async () => {
    const ids = Array.from({ length: 3000 }, (_, i) => 1 + i * 7919);
    const rows = await h.s.database.query<{ id: string | number; held: boolean }>(
      sql`select x.id, ${holdoutSql(sql`x.id`, { experimentId: EXP_ID, holdoutPct: SPLIT.holdoutPct })} as held
          from (select (jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))::bigint as id) x order by x.id`,
    );
    const mismatches = rows.filter((r) => r.held !== (assignArm(Number(r.id), EXP_ID, SPLIT) === HOLDOUT_ARM));
    expect(rows).toHaveLength(ids.length);
    expect(mismatches).toEqual([]);
  });

  it('the 21:30 announcement skips holdout players and tells each variant its own rewards; its reach estimate counts exactly who it is sent to', async () => {
    h.clock.freeze(kst('21:20:00'));
    const ids = await seedPlayers(h.s, 40, { language: () => 'ko' });
    const estimate = await estimateAnnouncement(h.s, '2026-11-27');
    const sch = new Scheduler(h.s, { guard: null, api: fakeApi(fake.apiRoot), owner: 'w1' });
    h.clock.freeze(kst('21:25:00'));
    await sch.tick();
    h.clock.freeze(kst('21:30:00'));
    expect((await sch.tick()).map((r) => `${r.kind}:${r.status}`)).toEqual(['announce:done']);
    await fake.sync();
    const arm = (u: number) => assignArm(u, EXP_ID, SPLIT);
    const expected = ids.filter((u) => arm(u) !== HOLDOUT_ARM).sort((a, b) => a - b);
    expect(ids.some((u) => arm(u) === HOLDOUT_ARM)).toBe(true);
    expect(fake.messages.map((m) => m.chatId).sort((a, b) => a - b)).toEqual(expected);
    // the holdout is not sent to, so the plan that decided when sending starts did not count it
    expect(estimate!.recipients).toBe(fake.messages.length);
    for (const m of fake.messages) {
      const diamonds = arm(m.chatId) === 'double' ? 200 : 100;
      expect(m.text).toContain(`${diamonds}`);
      if (diamonds === 100) expect(m.text).not.toContain('200');
    }
    await sch.stop();
  });
});
