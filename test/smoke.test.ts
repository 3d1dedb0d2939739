import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './support/harness.js';

describe('walkthrough: three plays at 21:31 KST, then claim', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());

  it('completes the golden-hour mission and pays 100 diamonds, 500 XP and a ticket once', async () => {
    const gid = await h.missionId('golden_hour_play_3');
    await h.play(1, 3);
    const list = await (await h.req('/api/mission', { userId: 1 })).json();
    expect(list.missions.find((m: { id: number }) => m.id === gid)).toMatchObject({ status: 'completed', progress: 3 });
    const res = await h.claim(1, gid);
    expect(res.status).toBe(200);
    expect((await res.json()).balances).toMatchObject({ diamonds: 100, xp: 500, tickets: 1 });
    const me = await (await h.req('/api/me', { userId: 1 })).json();
    expect(me).toMatchObject({ diamonds: 100, xp: 500, stamps: 1, tickets: 1, vaultPoints: 60 });
  });
});
