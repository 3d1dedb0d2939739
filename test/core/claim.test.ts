import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createHarness, kst, ADMIN_ID, TESTER_ID, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(async () => h?.close());

async function ledgerEqualsBalances(h: Harness) {
  const rows = await h.s.database.query<{ user_id: string; kind: string; ledger: string; balance: string }>(
    sql`with l as (select user_id, kind, sum(amount) as s from reward_ledger group by 1, 2)
        select b.user_id, k.kind,
               coalesce((select s from l where l.user_id = b.user_id and l.kind = k.kind), 0)::text as ledger,
               (case k.kind when 'diamonds' then b.diamonds when 'xp' then b.xp else b.tickets end)::text as balance
        from balances b cross join (values ('diamonds'), ('xp'), ('tickets')) as k(kind)`,
  );
  for (const r of rows) expect(r.balance, `${r.user_id}/${r.kind}`).toBe(r.ledger);
  return rows.length;
}

describe('claim consistency: wallet, XP and inventory change exactly once', () => {
  it('one claim moves each balance once and the ledger sums equal the balances', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    await h.play(10, 3);
    const res = await h.claim(10, gid);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ missionId: gid, periodKey: '2026-11-27', rewards: { diamonds: 100, xp: 500, tickets: 1 }, balances: { diamonds: 100, xp: 500, tickets: 1, vaultPoints: 60 } });
    const ledger = await h.s.database.query<{ kind: string; amount: string; source: string }>(sql`select kind, amount::text, source from reward_ledger where user_id = 10 order by kind`);
    expect(ledger).toEqual([
      { kind: 'diamonds', amount: '100', source: 'claim' },
      { kind: 'tickets', amount: '1', source: 'claim' },
      { kind: 'xp', amount: '500', source: 'claim' },
    ]);
    expect(await ledgerEqualsBalances(h)).toBeGreaterThan(0);
  });

  it('50 concurrent claims for one completed mission pay exactly once', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    await h.play(11, 3);
    const results = await Promise.all(Array.from({ length: 50 }, () => h.claim(11, gid)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // the rest are refused: 409 ALREADY_CLAIMED, or 429 once the (IP, user) burst of 20 is spent
    expect(statuses.filter((s) => s === 409 || s === 429)).toHaveLength(49);
    const [n] = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from reward_ledger where user_id = 11`);
    expect(n!.n).toBe(3);
    const me = await (await h.req('/api/me', { userId: 11 })).json();
    expect(me).toMatchObject({ diamonds: 100, xp: 500, tickets: 1 });
    await ledgerEqualsBalances(h);
  });
});

describe('claim status codes (docs/design.md)', () => {
  it('400 IDEMPOTENCY_KEY_REQUIRED without a key; Idempotency-Key is also accepted', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    await h.play(12, 3);
    const none = await h.app.request(`/api/mission/${gid}/claim`, { method: 'POST', headers: { authorization: h.auth(12) } });
    expect(none.status).toBe(400);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect((await none.json()).code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const alt = await h.app.request(`/api/mission/${gid}/claim`, { method: 'POST', headers: { authorization: h.auth(12), 'Idempotency-Key': 'alt-1' } });
    expect(alt.status).toBe(200);
  });

  it('a repeat of a finished request replays status and body with Idempotent-Replayed: true', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    await h.play(13, 3);
    const first = await h.claim(13, gid, 'same-key');
    const firstBody = await first.text();
    const again = await h.claim(13, gid, 'same-key');
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(firstBody);
    expect((await h.s.metrics.idempotencyReplay.get()).values[0]?.value).toBe(1);
    const [n] = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from reward_ledger where user_id = 13`);
    expect(n!.n).toBe(3);
  });

  it('422 IDEMPOTENCY_KEY_REUSED when the same key is sent for another mission', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    const did = await h.missionId('daily_play_10');
    await h.play(14, 3);
    expect((await h.claim(14, gid, 'k-1')).status).toBe(200);
    const other = await h.claim(14, did, 'k-1');
    expect(other.status).toBe(422);
    expect((await other.json()).code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('keys are scoped per user: another player may use the same key', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    await h.play(15, 3);
    await h.play(16, 3);
    expect((await h.claim(15, gid, 'shared')).status).toBe(200);
    const second = await h.claim(16, gid, 'shared');
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
  });

  it('409 REQUEST_IN_PROGRESS while the same key is in flight', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    await h.play(17, 3);
    // the first request holds the key while its claim transaction waits on a row lock
    const tx = h.s.database.db.transaction(async (t) => {
      await h.s.database.query(sql`select 1 from user_mission_progress where user_id = 17 for update`, t);
      const second = await waitFor(async () => {
        const r = await h.claim(17, gid, 'inflight');
        return r.status === 409 ? r : null;
      }, h);
      return second;
    });
    const firstPromise = h.claim(17, gid, 'inflight');
    const second = await tx;
    expect((await second.json()).code).toBe('REQUEST_IN_PROGRESS');
    expect((await firstPromise).status).toBe(200);
  });

  it('409 ALREADY_CLAIMED on a second claim with a new key; 409 NOT_COMPLETED before the target', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    await h.play(18, 2);
    const early = await h.claim(18, gid);
    expect(early.status).toBe(409);
    expect((await early.json()).code).toBe('NOT_COMPLETED');
    await h.play(18, 1, 'third');
    expect((await h.claim(18, gid)).status).toBe(200);
    const twice = await h.claim(18, gid);
    expect(twice.status).toBe(409);
    expect((await twice.json()).code).toBe('ALREADY_CLAIMED');
  });

  it('403 OUTSIDE_WINDOW: a mission completed in the window cannot be claimed after 22:30:00', async () => {
    h = await createHarness({ at: kst('22:29:00') });
    const gid = await h.missionId('golden_hour_play_3');
    await h.play(19, 3);
    h.clock.freeze(kst('22:30:01'));
    const late = await h.claim(19, gid);
    expect(late.status).toBe(403);
    expect((await late.json()).code).toBe('OUTSIDE_WINDOW');
    h.clock.freeze(kst('22:30:00'));
    expect((await h.claim(19, gid)).status).toBe(200);
  });

  it('404 MISSION_NOT_FOUND for an unknown id', async () => {
    h = await createHarness();
    const res = await h.claim(20, 99999);
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe('MISSION_NOT_FOUND');
    const nan = await h.app.request('/api/mission/abc/claim', { method: 'POST', headers: { authorization: h.auth(20), 'x-idempotency-key': 'z' } });
    expect(nan.status).toBe(404);
  });

  it('401 UNAUTHORIZED without or with bad init data', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    const none = await h.app.request(`/api/mission/${gid}/claim`, { method: 'POST', headers: { 'x-idempotency-key': 'k' } });
    expect(none.status).toBe(401);
    expect((await none.json()).code).toBe('UNAUTHORIZED');
    const forged = await h.app.request(`/api/mission/${gid}/claim`, { method: 'POST', headers: { authorization: h.auth(21, { token: '999:another-bot-token-xxxxxxxx' }), 'x-idempotency-key': 'k' } });
    expect(forged.status).toBe(401);
    const expired = await h.app.request('/api/me', { headers: { authorization: h.auth(21, { authDate: new Date(h.clock.nowMs() - 86_401_000) }) } });
    expect(expired.status).toBe(401);
    expect((await expired.json()).detail).toMatch(/expired/);
  });

  it('429 RATE_LIMITED with Retry-After after a burst of 20 from one (IP, user); another user behind the same IP is not limited', async () => {
    h = await createHarness();
    const gid = await h.missionId('daily_play_10');
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await h.claim(22, gid)).status);
    expect(statuses.slice(0, 20).every((s) => s === 409)).toBe(true);
    expect(statuses[20]).toBe(429);
    const limited = await h.claim(22, gid);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await limited.json()).code).toBe('RATE_LIMITED');
    // same IP (the harness reports one address for everyone), different player: carrier NAT must not block them
    expect((await h.claim(23, gid)).status).toBe(409);
  });
});

describe('flag gating for list, progress and claim (docs/design.md, Flag)', () => {
  it('off: the golden mission is hidden, not progressed and not claimable (404)', async () => {
    h = await createHarness({ env: { GOLDEN_HOUR_ENABLED: 'off' } });
    const gid = await h.missionId('golden_hour_play_3');
    await h.play(30, 3);
    const list = await (await h.req('/api/mission', { userId: 30 })).json();
    expect(list.missions.map((m: { logicKey: string }) => m.logicKey)).toEqual(['daily_play_10']);
    const rows = await h.s.database.query<{ verdict: string }>(sql`select verdict from mission_actions where user_id = 30 and mission_id = ${gid}`);
    expect(rows.map((r) => r.verdict)).toEqual(['flag_off', 'flag_off', 'flag_off']);
    const claim = await h.claim(30, gid);
    expect(claim.status).toBe(404);
    expect((await claim.json()).code).toBe('MISSION_NOT_FOUND');
    // no 2x vault while the golden hour is off
    const me = await (await h.req('/api/me', { userId: 30 })).json();
    expect(me.vaultPoints).toBe(30);
  });

  it('dry_run: live for admins and testers only', async () => {
    h = await createHarness({ env: { GOLDEN_HOUR_ENABLED: 'dry_run' } });
    const gid = await h.missionId('golden_hour_play_3');
    for (const u of [ADMIN_ID, TESTER_ID, 31]) await h.play(u, 3, `u${u}`);
    for (const u of [ADMIN_ID, TESTER_ID]) {
      const list = await (await h.req('/api/mission', { userId: u })).json();
      expect(list.missions.find((m: { id: number }) => m.id === gid)).toMatchObject({ status: 'completed' });
      expect((await h.claim(u, gid)).status).toBe(200);
    }
    const player = await (await h.req('/api/mission', { userId: 31 })).json();
    expect(player.missions.some((m: { id: number }) => m.id === gid)).toBe(false);
    expect((await h.claim(31, gid)).status).toBe(404);
  });

  it('an admin flips the flag at runtime: the change is audited and applies at once', async () => {
    h = await createHarness({ env: { GOLDEN_HOUR_ENABLED: 'off' } });
    const put = await h.req('/api/admin/flags/golden-hour', { method: 'PUT', userId: ADMIN_ID, body: JSON.stringify({ state: 'on' }) });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ state: 'on', previous: 'off' });
    const list = await (await h.req('/api/mission', { userId: 32 })).json();
    expect(list.missions.some((m: { logicKey: string }) => m.logicKey === 'golden_hour_play_3')).toBe(true);
    const audit = await (await h.req('/api/admin/audit', { userId: ADMIN_ID })).json();
    expect(audit.entries[0]).toMatchObject({ actorId: ADMIN_ID, action: 'flag.set', before: { state: 'off' }, after: { state: 'on' } });
    const bad = await h.req('/api/admin/flags/golden-hour', { method: 'PUT', userId: ADMIN_ID, body: JSON.stringify({ state: 'maybe' }) });
    expect(bad.status).toBe(400);
    const notAdmin = await h.req('/api/admin/flags/golden-hour', { method: 'PUT', userId: 32, body: JSON.stringify({ state: 'off' }) });
    expect(notAdmin.status).toBe(403);
    expect(await h.s.flags.goldenHour()).toBe('on');
  });
});

async function waitFor<T>(fn: () => Promise<T | null>, h: Harness, timeoutMs = 10_000): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (performance.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('claims of one event-loop turn are one statement (docs/performance.md, claim)', () => {
  const countClaimStatements = (h: Harness) => {
    const db = h.s.database;
    const raw = db.raw.bind(db);
    const seen = { n: 0 };
    db.raw = (text, params, exec) => {
      if (text.includes("claim_mode = 'manual'")) seen.n++;
      return raw(text, params, exec);
    };
    return seen;
  };

  it('12 players claiming at once: one statement, each paid exactly once, ledger = balances', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    const players = Array.from({ length: 12 }, (_, i) => 700 + i);
    for (const u of players) await h.play(u, 3, `cb${u}`);
    const seen = countClaimStatements(h);
    const results = await Promise.all(players.map((u) => h.s.claim(u, gid)));
    expect(seen.n).toBe(1);
    expect(results.map((r) => [r.balances.userId, r.balances.diamonds, r.balances.tickets])).toEqual(players.map((u) => [u, 100, 1]));
    const [n] = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from reward_ledger where user_id between 700 and 711`);
    expect(n!.n).toBe(12 * 3);
    await ledgerEqualsBalances(h);
  });

  it('one player claiming two missions in one batch: the balance moves by both, once each', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    const did = await h.missionId('daily_play_10');
    await h.play(720, 10, 'two');
    const seen = countClaimStatements(h);
    const [a, b] = await Promise.all([h.s.claim(720, gid), h.s.claim(720, did)]);
    expect(seen.n).toBe(1);
    expect(a.balances).toMatchObject({ diamonds: 150, xp: 500, tickets: 1 });
    expect(b.balances).toMatchObject({ diamonds: 150, xp: 500, tickets: 1 });
    await ledgerEqualsBalances(h);
  });

  it('the same claim twice in one batch: one pays, the other is ALREADY_CLAIMED; a claim not completed is NOT_COMPLETED', async () => {
    h = await createHarness();
    const gid = await h.missionId('golden_hour_play_3');
    await h.play(730, 3, 'dup');
    await h.play(731, 1, 'short');
    const r = await Promise.allSettled([h.s.claim(730, gid), h.s.claim(730, gid), h.s.claim(731, gid)]);
    expect(r[0]!.status).toBe('fulfilled');
    expect(r[1]!.status === 'rejected' && (r[1].reason as { code: string }).code).toBe('ALREADY_CLAIMED');
    expect(r[2]!.status === 'rejected' && (r[2].reason as { code: string }).code).toBe('NOT_COMPLETED');
    const [n] = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from reward_ledger where user_id = 730`);
    expect(n!.n).toBe(3);
    await ledgerEqualsBalances(h);
  });
});
