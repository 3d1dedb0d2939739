import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createHarness, ADMIN_ID, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(async () => h?.close());

const patch = (h: Harness, id: number, body: unknown, userId = ADMIN_ID) =>
  h.req(`/api/admin/missions/${id}`, { method: 'PATCH', userId, body: JSON.stringify(body) });

describe('admin mission edits are validated', () => {
  let t: Harness;
  beforeAll(async () => {
    t = await createHarness();
  });
  afterAll(async () => t?.close());
  it.each([
    ['start 24:00:00', { startTime: '24:00:00' }, 'startTime'],
    ['start 21:60:00', { startTime: '21:60:00' }, 'startTime'],
    ['start = end', { startTime: '22:30:00', endTime: '22:30:00' }, 'endTime'],
    ['only one of the two times', { startTime: null }, 'startTime'],
    ['negative reward', { rewards: { diamonds: -1 } }, 'rewards.diamonds'],
    ['enormous reward', { rewards: { diamonds: 1e12 } }, 'rewards.diamonds'],
    ['target 0', { target: 0 }, 'target'],
    ['10k-character title', { title: 'x'.repeat(10_000) }, 'title'],
    ['blank title', { title: '   ' }, 'title'],
    ['unknown field', { hack: true }, undefined],
  ])('%s is refused with 400 VALIDATION_FAILED and nothing changes', async (_label, body, field) => {
    const h = t;
    const gid = await h.missionId('golden_hour_play_3');
    const before = await h.s.database.query(sql`select * from missions order by id`);
    const res = await patch(h, gid, body);
    expect(res.status).toBe(400);
    const p = await res.json();
    expect(p.code).toBe('VALIDATION_FAILED');
    if (field) expect(p.field).toBe(field);
    expect(await h.s.database.query(sql`select * from missions order by id`)).toEqual(before);
    const [a] = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from admin_audit_log`);
    expect(a!.n).toBe(0);
  });
});

describe('admin changes are audited and reach players at once', () => {
  it('PATCH start/end/auto_claim writes before/after JSON, actor and request time; the 60 s cache is dropped', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    // warm the mission cache
    const first = await (await h.req('/api/mission', { userId: 1 })).json();
    expect(first.missions[0].window).toMatchObject({ start: '21:30:00', end: '22:30:00' });
    const res = await patch(h, gid, { startTime: '20:00', endTime: '21:00:00', autoClaim: true, rewards: { diamonds: 150 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ startTime: '20:00:00', endTime: '21:00:00', autoClaim: true, rewards: { diamonds: 150, xp: 500, tickets: 1 } });
    const after = await (await h.req('/api/mission', { userId: 1 })).json();
    expect(after.missions[0]).toMatchObject({ window: { start: '20:00:00', end: '21:00:00' }, autoClaim: true, status: 'locked', isLocked: true });
    const audit = await (await h.req('/api/admin/audit', { userId: ADMIN_ID })).json();
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]).toMatchObject({
      actorId: ADMIN_ID,
      action: 'mission.update',
      missionId: gid,
      before: { startTime: '21:30:00', endTime: '22:30:00', autoClaim: false, rewards: { diamonds: 100 } },
      after: { startTime: '20:00:00', endTime: '21:00:00', autoClaim: true, rewards: { diamonds: 150 } },
    });
    expect(new Date(audit.entries[0].requestedAt).getTime()).toBe(h.clock.nowMs());
  });

  it('clearing both times makes the mission always open; POST creates a mission', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    expect((await patch(h, gid, { startTime: null, endTime: null })).status).toBe(200);
    const created = await h.req('/api/admin/missions', {
      method: 'POST',
      userId: ADMIN_ID,
      body: JSON.stringify({ logicKey: 'deposit_once', title: '첫 충전', actionType: 'DEPOSIT', target: 1, rewards: { diamonds: 10 }, period: 'once' }),
    });
    expect(created.status).toBe(201);
    const dup = await h.req('/api/admin/missions', { method: 'POST', userId: ADMIN_ID, body: JSON.stringify({ logicKey: 'deposit_once', title: 'x', actionType: 'DEPOSIT', target: 1 }) });
    expect(dup.status).toBe(400);
    const list = await (await h.req('/api/admin/missions', { userId: ADMIN_ID })).json();
    expect(list.missions.map((m: { logicKey: string }) => m.logicKey)).toContain('deposit_once');
  });

  it('players cannot reach admin routes (403) and nothing changes', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    const res = await patch(h, gid, { target: 1 }, 42);
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe('FORBIDDEN');
    expect((await h.s.catalog.fresh(gid))!.target).toBe(3);
  });
});

describe('HTTP basics', () => {
  it('unknown routes are 404 problems; health and readiness answer; oversized bodies are 413', async () => {
    h = await createHarness();
    const nf = await h.app.request('/api/nope');
    expect(nf.status).toBe(404);
    expect(nf.headers.get('content-type')).toBe('application/problem+json');
    expect((await nf.json()).code).toBe('NOT_FOUND');
    expect((await h.app.request('/healthz')).status).toBe(200);
    const ready = await h.app.request('/readyz');
    expect(ready.status).toBe(200);
    expect((await ready.json()).checks.database).toBe('ok');
    const big = await h.app.request('/api/events', {
      method: 'POST',
      headers: { authorization: 'Bearer ingest-test-token', 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) },
      body: 'x'.repeat(2 * 1024 * 1024),
    });
    expect(big.status).toBe(413);
    expect((await big.json()).code).toBe('PAYLOAD_TOO_LARGE');
  });
  it('GET /api/time gives UTC and KST and the clock-guard state', async () => {
    h = await createHarness();
    const t = await (await h.app.request('/api/time')).json();
    expect(t).toMatchObject({ serverTime: '2026-11-27T12:31:00.000Z', local: '2026-11-27T21:31:00.000+09:00', tz: 'Asia/Seoul' });
    expect(t.clockGuard).toMatchObject({ enabled: false, healthy: true });
  });
});
