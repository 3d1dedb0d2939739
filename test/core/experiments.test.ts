import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createHarness, kst, ADMIN_ID, type Harness } from '../support/harness.js';

const EXAMPLE = {
  holdoutPct: 10,
  variants: [
    { name: 'base', weight: 1 },
    { name: 'double', weight: 1, rewards: { diamonds: 200, xp: 500, tickets: 1 } },
  ],
};

const put = (h: Harness, body: unknown, userId = ADMIN_ID) =>
  h.req('/api/admin/experiments/golden-hour', { method: 'PUT', userId, body: JSON.stringify(body) });
const get = async (h: Harness) => (await h.req('/api/admin/experiments/golden-hour', { userId: ADMIN_ID })).json();
const audits = (h: Harness) =>
  h.s.database.query<{ action: string; actor_id: string; before: unknown; after: unknown }>(sql`select action, actor_id, before, after from admin_audit_log where action = 'experiment.set' order by id`);

describe('GET/PUT /api/admin/experiments/golden-hour', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ at: kst('21:45:00') });
  });
  afterAll(async () => h?.close());

  it('starts off', async () => {
    expect(await get(h)).toMatchObject({ periodKey: '2026-11-27', experimentId: null, holdoutPct: 0, variants: [], pending: null });
  });

  it.each([
    ['holdout above 50', { ...EXAMPLE, holdoutPct: 51 }, 'holdoutPct'],
    ['five variants', { holdoutPct: 10, variants: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, weight: 1 })) }, 'variants'],
    ['a bad name', { holdoutPct: 10, variants: [{ name: 'Double!', weight: 1 }] }, 'variants.0.name'],
    ['holdout without variants', { holdoutPct: 10, variants: [] }, 'variants'],
    ['an unknown field', { ...EXAMPLE, extra: 1 }, 'body'],
  ])('%s is refused with 400 VALIDATION_FAILED, nothing stored or audited', async (_l, body, field) => {
    const res = await put(h, body);
    expect(res.status).toBe(400);
    const p = await res.json();
    expect(p.code).toBe('VALIDATION_FAILED');
    expect(p.field).toBe(field);
    expect(await h.s.database.query(sql`select * from experiment_configs`)).toEqual([]);
    expect(await audits(h)).toEqual([]);
  });

  it('a player is refused with 403 and nothing changes', async () => {
    const res = await put(h, EXAMPLE, 1001);
    expect(res.status).toBe(403);
    expect(await h.s.database.query(sql`select * from experiment_configs`)).toEqual([]);
  });

  it('a change made at 21:45 applies from the next period, never the running one; audited before/after', async () => {
    const res = await put(h, EXAMPLE);
    expect(res.status).toBe(200);
    const body = await res.json();
    // the running period (2026-11-27, window 21:30–22:30) keeps its split: off
    expect(body).toMatchObject({ periodKey: '2026-11-27', experimentId: null, holdoutPct: 0, variants: [] });
    expect(body.pending).toMatchObject({ ...EXAMPLE, effectiveFrom: '2026-11-28', experimentId: 'golden-hour-2026-11-28' });
    const t = await h.s.experiments.timeline();
    expect(t.version('2026-11-27')).toBeNull();
    const g = (await h.s.catalog.byLogicKey('golden_hour_play_3'))!;
    expect(t.armOf(g, 1001, '2026-11-27')).toBeNull();

    const [a] = await audits(h);
    expect(Number(a!.actor_id)).toBe(ADMIN_ID);
    expect(a!.before).toMatchObject({ holdoutPct: 0, variants: [], effectiveFrom: null });
    expect(a!.after).toMatchObject({ ...EXAMPLE, effectiveFrom: '2026-11-28' });

    // still the same period at 22:29:59; the next day it is in force
    h.clock.freeze(kst('22:29:59'));
    expect((await get(h)).holdoutPct).toBe(0);
    h.clock.freeze(kst('21:00:00', '2026-11-28'));
    expect(await get(h)).toMatchObject({ periodKey: '2026-11-28', experimentId: 'golden-hour-2026-11-28', ...EXAMPLE, effectiveFrom: '2026-11-28', pending: null });
    expect((await h.s.experiments.timeline()).armOf(g, 1001, '2026-11-28')).not.toBeNull();
  });

  it('editing a running experiment keeps its id (players keep their bucket); turning it off applies next period too', async () => {
    h.clock.freeze(kst('21:45:00', '2026-11-28'));
    await put(h, { ...EXAMPLE, holdoutPct: 20 });
    let st = await get(h);
    expect(st.pending).toMatchObject({ holdoutPct: 20, experimentId: 'golden-hour-2026-11-28', effectiveFrom: '2026-11-29' });
    // a second change before that period replaces the pending one; both are audited
    const off = await put(h, { holdoutPct: 0, variants: [] });
    expect(off.status).toBe(200);
    st = await off.json();
    expect(st).toMatchObject({ holdoutPct: 10, pending: { holdoutPct: 0, variants: [], effectiveFrom: '2026-11-29' } });
    const rows = await audits(h);
    expect(rows).toHaveLength(3);
    expect(rows[2]!.before).toMatchObject({ holdoutPct: 20, effectiveFrom: '2026-11-29' });
    expect(rows[2]!.after).toMatchObject({ holdoutPct: 0, variants: [] });
    h.clock.freeze(kst('12:00:00', '2026-11-29'));
    expect(await get(h)).toMatchObject({ experimentId: null, holdoutPct: 0, variants: [] });
  });
});
