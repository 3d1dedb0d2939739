import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, createHarness, kst, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(async () => h?.close());

describe('mission list: the progress reads of one event-loop turn are one statement', () => {
  it('20 players listing at once: one progress statement, each sees only their own progress', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    const players = Array.from({ length: 20 }, (_, i) => 500 + i);
    for (const [i, u] of players.entries()) if (i % 3) await h.play(u, i % 3, `pv${u}`);
    const db = h.s.database;
    const raw = db.raw.bind(db);
    let reads = 0;
    db.raw = (text, params, exec) => {
      if (text.includes('from user_mission_progress where user_id = any(')) reads++;
      return raw(text, params, exec);
    };
    try {
      const lists = await Promise.all(players.map((u) => h.s.listMissions(u)));
      expect(reads).toBe(1);
      for (const [i, l] of lists.entries()) {
        expect(l.missions.find((m) => m.id === gid)?.progress, `player ${players[i]}`).toBe(i % 3);
      }
      // a request alone is still answered (a batch of one)
      expect((await h.s.listMissions(players[2]!)).missions.find((m) => m.id === gid)?.progress).toBe(2);
      expect(reads).toBe(2);
    } finally {
      db.raw = raw;
    }
  });
});

describe('the mission list as JSON text is JSON.stringify of the list', () => {
  it('active, completed, claimed and locked missions, a variant player and a holdout player: the same bytes both ways, and the route answers them', async () => {
    const { assignArm } = await import('../../core/domain/experiment.js');
    const split = { holdoutPct: 40, variants: [{ name: 'base', weight: 1 }, { name: 'double', weight: 1, rewards: { diamonds: 200, xp: 500, tickets: 1 } }] };
    const firstIn = (arm: string, from = 2001) => {
      for (let u = from; ; u++) if (assignArm(u, 'golden-hour-2026-11-27', split) === arm) return u;
    };
    h = await createHarness({ at: kst('21:45:00', '2026-11-26') });
    expect((await h.req('/api/admin/experiments/golden-hour', { method: 'PUT', userId: ADMIN_ID, body: JSON.stringify(split) })).status).toBe(200);
    h.clock.freeze(kst('21:31:00'));
    const golden = await h.missionId('golden_hour_play_3');
    const [base, double, hold] = [firstIn('base'), firstIn('double'), firstIn('holdout')];
    await h.play(base, 3, 'jb'); // golden completed, daily 3/10
    await h.play(double, 1, 'jd'); // a variant player, golden active
    await h.play(hold, 2, 'jh');
    const claimer = firstIn('base', base + 1);
    await h.play(claimer, 3, 'jc');
    expect((await h.claim(claimer, golden)).status).toBe(200);
    const same = async (u: number) => {
      const [obj, text] = await Promise.all([h.s.listMissions(u), h.s.listMissionsJson(u)]);
      expect(text).toBe(JSON.stringify(obj));
      return obj;
    };
    const statusOf = async (u: number) => Object.fromEntries((await same(u)).missions.map((m) => [m.id, m.status]));
    expect((await statusOf(base))[golden]).toBe('completed');
    expect((await statusOf(claimer))[golden]).toBe('claimed');
    expect((await same(double)).missions.find((m) => m.id === golden)?.rewards).toMatchObject({ diamonds: 200 });
    expect((await statusOf(hold))[golden]).toBeUndefined();
    expect((await statusOf(firstIn('double', double + 1)))[golden]).toBe('active');
    // after the window: locked, except what was claimed
    h.clock.freeze(kst('22:40:00'));
    expect((await statusOf(base))[golden]).toBe('locked');
    expect((await statusOf(claimer))[golden]).toBe('claimed');
    const res = await h.req('/api/mission', { userId: base });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe(JSON.stringify(await h.s.listMissions(base)));
  });
});
