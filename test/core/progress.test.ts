import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createHarness, kst, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(async () => h?.close());

async function progressOf(h: Harness, userId: number, logicKey: string) {
  const id = await h.missionId(logicKey);
  const rows = await h.s.database.query<{ progress: number; status: string; period_key: string }>(
    sql`select progress, status, period_key from user_mission_progress where user_id = ${userId} and mission_id = ${id}`,
  );
  return rows;
}

describe('mocked time: the injected clock decides window membership at ingest', () => {
  it('plays at 21:30:00 and 22:30:00 count; 21:29:59 and 22:30:01 do not', async () => {
    h = await createHarness({ at: kst('21:29:59') });
    await h.play(1, 1, 'a'); // 21:29:59 outside
    h.clock.freeze(kst('21:30:00'));
    await h.play(1, 1, 'b');
    h.clock.freeze(kst('22:30:00'));
    await h.play(1, 1, 'c');
    h.clock.freeze(kst('22:30:01'));
    await h.play(1, 1, 'd');
    const [g] = await progressOf(h, 1, 'golden_hour_play_3');
    expect(g).toMatchObject({ progress: 2, status: 'active', period_key: '2026-11-27' });
    const [d] = await progressOf(h, 1, 'daily_play_10');
    expect(d!.progress).toBe(4);
    const verdicts = await h.s.database.query<{ action_id: string; verdict: string }>(
      sql`select action_id, verdict from mission_actions where user_id = 1 and mission_id = ${await h.missionId('golden_hour_play_3')} order by action_id`,
    );
    expect(verdicts.map((v) => `${v.action_id}:${v.verdict}`)).toEqual(['a-0:outside_window', 'b-0:counted', 'c-0:counted', 'd-0:outside_window']);
  });

  it('the receive stamp, not processing time, decides: a play received at 22:29:59 counts when applied at 22:30:05', async () => {
    h = await createHarness({ at: kst('22:29:59'), services: { consume: false } });
    const res = await h.ingest([{ userId: 5, type: 'PLAY_GAME', actionId: 'late' }]);
    expect(res.status).toBe(202);
    h.clock.freeze(kst('22:30:05'));
    h.s.queue.startConsumer(async (events) => void (await h.s.applyBatch(events)));
    await h.s.queue.drain();
    const [g] = await progressOf(h, 5, 'golden_hour_play_3');
    expect(g!.progress).toBe(1);
  });
});

describe('idempotent progress: (user, mission, action) counts once', () => {
  it('the same action twice, in one batch and across batches, counts once', async () => {
    h = await createHarness();
    await h.ingest([
      { userId: 2, type: 'PLAY_GAME', actionId: 'g-1' },
      { userId: 2, type: 'PLAY_GAME', actionId: 'g-1' },
    ]);
    await h.s.queue.drain();
    await h.play(2, 1, 'g'); // actionId g-0
    await h.ingest([{ userId: 2, type: 'PLAY_GAME', actionId: 'g-1' }]);
    await h.s.queue.drain();
    const [g] = await progressOf(h, 2, 'golden_hour_play_3');
    expect(g!.progress).toBe(2);
    const [a] = await h.s.database.query<{ replays: number }>(sql`select replays from actions where user_id = 2 and action_id = 'g-1'`);
    expect(a!.replays).toBe(1);
    const vault = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from vault_earn_events where user_id = 2`);
    expect(vault[0]!.n).toBe(2);
  });

  it('replaying a whole batch through the consumer changes nothing', async () => {
    h = await createHarness();
    const events = Array.from({ length: 5 }, (_, i) => ({ userId: 3, type: 'PLAY_GAME' as const, actionId: `r-${i}`, receivedAt: h.clock.nowMs() }));
    await h.s.applyBatch(events);
    const before = await h.s.database.query(sql`select * from user_mission_progress where user_id = 3 order by mission_id`);
    const balBefore = await h.s.database.query(sql`select b.diamonds, b.xp, b.tickets, u.vault_points from balances b full join users u on u.id = b.user_id where coalesce(b.user_id, u.id) = 3`);
    await h.s.applyBatch(events);
    expect(await h.s.database.query(sql`select * from user_mission_progress where user_id = 3 order by mission_id`)).toEqual(before);
    expect(await h.s.database.query(sql`select b.diamonds, b.xp, b.tickets, u.vault_points from balances b full join users u on u.id = b.user_id where coalesce(b.user_id, u.id) = 3`)).toEqual(balBefore);
  });
});

describe('action ids are stored as sent, whatever printable characters they hold', () => {
  it('quotes, backslashes, commas, braces and NULL as an id are distinct actions, each counted once and replayed as a duplicate', async () => {
    h = await createHarness();
    const ids = ['q"1', 'b\\2', 'c,3', '{4}', 'NULL', 'x"\\,{}5'];
    await h.ingest(ids.map((actionId) => ({ userId: 9, type: 'PLAY_GAME' as const, actionId })));
    await h.s.queue.drain();
    await h.ingest(ids.map((actionId) => ({ userId: 9, type: 'PLAY_GAME' as const, actionId })));
    await h.s.queue.drain();
    const stored = await h.s.database.query<{ action_id: string; replays: number }>(sql`select action_id, replays from actions where user_id = 9 order by action_id`);
    expect(stored.map((r) => r.action_id).sort()).toEqual([...ids].sort());
    expect(stored.every((r) => r.replays === 1)).toBe(true);
    const [d] = await progressOf(h, 9, 'daily_play_10');
    expect(d!.progress).toBe(ids.length);
  });
});

describe('simultaneous progress: one play advances the daily and the golden mission together', () => {
  it('three plays complete golden (3/3) and move daily to 3/10; progress stops at the target', async () => {
    h = await createHarness();
    await h.play(4, 3);
    expect((await progressOf(h, 4, 'golden_hour_play_3'))[0]).toMatchObject({ progress: 3, status: 'completed' });
    expect((await progressOf(h, 4, 'daily_play_10'))[0]).toMatchObject({ progress: 3, status: 'active' });
    await h.play(4, 9, 'more');
    expect((await progressOf(h, 4, 'golden_hour_play_3'))[0]).toMatchObject({ progress: 3, status: 'completed' });
    expect((await progressOf(h, 4, 'daily_play_10'))[0]).toMatchObject({ progress: 10, status: 'completed' });
    const list = await (await h.req('/api/mission', { userId: 4 })).json();
    expect(list.missions.map((m: { logicKey: string; progress: number }) => `${m.logicKey}:${m.progress}`)).toEqual(['golden_hour_play_3:3', 'daily_play_10:10']);
  });
});

describe('window across midnight: progress belongs to the date the window started', () => {
  it('plays at 23:50 and 00:10 fill one period keyed by the start date', async () => {
    h = await createHarness({ at: kst('20:00:00') });
    const gid = await h.missionId('golden_hour_play_3');
    const admin = await h.req(`/api/admin/missions/${gid}`, { method: 'PATCH', userId: 9001, body: JSON.stringify({ startTime: '23:30:00', endTime: '00:30:00' }) });
    expect(admin.status).toBe(200);
    h.clock.freeze(kst('23:50:00'));
    await h.play(6, 2, 'late');
    h.clock.freeze(kst('00:10:00', '2026-11-28'));
    await h.play(6, 1, 'later');
    expect(await progressOf(h, 6, 'golden_hour_play_3')).toEqual([{ progress: 3, status: 'completed', period_key: '2026-11-27' }]);
    const claim = await h.claim(6, gid);
    expect(claim.status).toBe(200);
    expect((await claim.json()).periodKey).toBe('2026-11-27');
    // the daily mission is keyed by the plain local date
    const daily = await progressOf(h, 6, 'daily_play_10');
    expect(daily.map((r) => `${r.period_key}:${r.progress}`).sort()).toEqual(['2026-11-27:2', '2026-11-28:1']);
  });
});

describe('auto_claim pays inside the transaction that completes it', () => {
  it('the third play claims and pays at once; nothing is left to claim', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    await h.req(`/api/admin/missions/${gid}`, { method: 'PATCH', userId: 9001, body: JSON.stringify({ autoClaim: true }) });
    await h.play(7, 3);
    expect((await progressOf(h, 7, 'golden_hour_play_3'))[0]).toMatchObject({ status: 'claimed' });
    const me = await (await h.req('/api/me', { userId: 7 })).json();
    expect(me).toMatchObject({ diamonds: 100, xp: 500, tickets: 1 });
    const again = await h.claim(7, gid);
    expect(again.status).toBe(409);
    expect((await again.json()).code).toBe('ALREADY_CLAIMED');
    const [mode] = await h.s.database.query<{ claim_mode: string; source: string }>(
      sql`select p.claim_mode, l.source from user_mission_progress p join reward_ledger l using (user_id, mission_id, period_key) where p.user_id = 7 limit 1`,
    );
    expect(mode).toEqual({ claim_mode: 'auto', source: 'auto_claim' });
  });
});

describe('vault accrual runs at 2x inside the golden window, from the same mission window', () => {
  it('10 points per play outside, 20 inside, each event tagged', async () => {
    h = await createHarness({ at: kst('21:00:00') });
    await h.play(8, 1, 'before');
    h.clock.freeze(kst('21:45:00'));
    await h.play(8, 1, 'during');
    const rows = await h.s.database.query<{ action_id: string; points: number; multiplier: string; golden_hour: boolean }>(
      sql`select action_id, points, multiplier::text, golden_hour from vault_earn_events where user_id = 8 order by action_id`,
    );
    expect(rows).toEqual([
      { action_id: 'before-0', points: 10, multiplier: '1.00', golden_hour: false },
      { action_id: 'during-0', points: 20, multiplier: '2.00', golden_hour: true },
    ]);
    const me = await (await h.req('/api/me', { userId: 8 })).json();
    expect(me.vaultPoints).toBe(30);
  });
  it('moving the window moves the 2x with it', async () => {
    h = await createHarness({ at: kst('20:15:00') });
    const gid = await h.missionId('golden_hour_play_3');
    await h.req(`/api/admin/missions/${gid}`, { method: 'PATCH', userId: 9001, body: JSON.stringify({ startTime: '20:00:00', endTime: '20:30:00' }) });
    await h.play(9, 1);
    const [r] = await h.s.database.query<{ points: number }>(sql`select points from vault_earn_events where user_id = 9`);
    expect(r!.points).toBe(20);
  });
});

describe('ingest validation', () => {
  it('refuses a bad batch with 400 naming the first bad index, and queues nothing', async () => {
    h = await createHarness();
    const res = await h.ingest([
      { userId: 1, type: 'PLAY_GAME', actionId: 'ok' },
      { userId: -1, type: 'PLAY_GAME', actionId: 'x' },
    ]);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(body).toMatchObject({ code: 'VALIDATION_FAILED', index: 1 });
    await h.s.queue.drain();
    const [n] = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from actions`);
    expect(n!.n).toBe(0);
  });
  it('needs the ingest token', async () => {
    h = await createHarness();
    const res = await h.app.request('/api/events', { method: 'POST', body: '{"events":[]}', headers: { 'content-type': 'application/json', authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe('UNAUTHORIZED');
  });
  it('refuses more than 1000 events', async () => {
    h = await createHarness();
    const res = await h.ingest(Array.from({ length: 1001 }, (_, i) => ({ userId: 1, type: 'PLAY_GAME' as const, actionId: `x${i}` })));
    expect(res.status).toBe(400);
  });
});
