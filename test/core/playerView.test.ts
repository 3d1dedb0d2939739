import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';

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
