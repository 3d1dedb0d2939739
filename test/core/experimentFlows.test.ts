import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createHarness, kst, ADMIN_ID, BOT_TOKEN, type Harness } from '../support/harness.js';
import { assignArm } from '../../core/domain/experiment.js';
import { getBalance } from '../../core/missions/ledger.js';
import { explainUser } from '../../core/missions/why.js';
import { createBot } from '../../bot/createBot.js';
import { BOT_INFO, callbackUpdate, recordCalls, textUpdate } from '../bot/support.js';

/**
 * The experiment in every flow (docs/operations.md, Experiments): holdout players never see,
 * progress or claim the golden mission by any path; variant players are paid their variant's
 * rewards, exactly once. The split is set the day before, so it is in force on 2026-11-27.
 */
const SPLIT = {
  holdoutPct: 50,
  variants: [
    { name: 'base', weight: 1 },
    { name: 'double', weight: 1, rewards: { diamonds: 200, xp: 500, tickets: 1 } },
  ],
};
const EXP_ID = 'golden-hour-2026-11-27';
const firstIn = (arm: string, from = 1001) => {
  for (let u = from; ; u++) if (assignArm(u, EXP_ID, SPLIT) === arm) return u;
};

describe('golden-hour experiment in the flows', () => {
  let h: Harness;
  let golden: number;
  let daily: number;
  const HOLD = firstIn('holdout');
  const HOLD2 = firstIn('holdout', HOLD + 1);
  const DOUBLE = firstIn('double');
  const BASE = firstIn('base');

  beforeAll(async () => {
    h = await createHarness({ at: kst('21:45:00', '2026-11-26') });
    const res = await h.req('/api/admin/experiments/golden-hour', { method: 'PUT', userId: ADMIN_ID, body: JSON.stringify(SPLIT) });
    expect(res.status).toBe(200);
    h.clock.freeze(kst('21:31:00'));
    golden = await h.missionId('golden_hour_play_3');
    daily = await h.missionId('daily_play_10');
  });
  afterAll(async () => h?.close());

  const list = async (u: number) => (await (await h.req('/api/mission', { userId: u })).json()).missions as Array<{ id: number; rewards: unknown; status: string }>;

  it('a holdout player does not see the golden mission; the daily one is unchanged', async () => {
    const ids = (await list(HOLD)).map((m) => m.id);
    expect(ids).not.toContain(golden);
    expect(ids).toContain(daily);
    expect((await list(BASE)).map((m) => m.id)).toContain(golden);
  });

  it('a holdout player\'s plays get the verdict holdout for it, no vault multiplier; the daily mission counts', async () => {
    await h.play(HOLD, 3, 'hold');
    const ma = await h.s.database.query<{ mission_id: number; verdict: string }>(sql`select mission_id, verdict from mission_actions where user_id = ${HOLD} order by mission_id, action_id`);
    expect(ma.filter((r) => r.mission_id === golden).map((r) => r.verdict)).toEqual(['holdout', 'holdout', 'holdout']);
    expect(ma.filter((r) => r.mission_id === daily).map((r) => r.verdict)).toEqual(['counted', 'counted', 'counted']);
    // the arm is recorded on each evidence row of the golden mission (none on the daily one)
    const arms = await h.s.database.query<{ mission_id: number; arm: string | null }>(sql`select mission_id, arm from mission_actions where user_id in (${HOLD}, ${BASE}) order by user_id, mission_id`);
    expect(new Set(arms.filter((r) => r.mission_id === golden).map((r) => r.arm))).toEqual(new Set(['holdout']));
    expect(arms.filter((r) => r.mission_id === daily).every((r) => r.arm === null)).toBe(true);
    const prog = await h.s.database.query<{ mission_id: number; progress: number }>(sql`select mission_id, progress from user_mission_progress where user_id = ${HOLD}`);
    expect(prog).toEqual([{ mission_id: daily, progress: 3 }]);
    const vault = await h.s.database.query<{ multiplier: string | number; golden_hour: boolean }>(sql`select multiplier, golden_hour from vault_earn_events where user_id = ${HOLD}`);
    expect(vault.map((v) => [Number(v.multiplier), v.golden_hour])).toEqual([[1, false], [1, false], [1, false]]);
    // a variant player's play in the same second gets the 2×
    await h.play(BASE, 1, 'base-v');
    const [bv] = await h.s.database.query<{ multiplier: string | number }>(sql`select multiplier from vault_earn_events where user_id = ${BASE}`);
    const [ba] = await h.s.database.query<{ arm: string | null }>(sql`select arm from mission_actions where user_id = ${BASE} and mission_id = ${golden}`);
    expect(ba!.arm).toBe('base');
    expect(Number(bv!.multiplier)).toBe(2);
  });

  it('a holdout player cannot claim it through the API (404 MISSION_NOT_FOUND) or the bot button; /why says holdout', async () => {
    const res = await h.claim(HOLD, golden);
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe('MISSION_NOT_FOUND');
    const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    const rec = recordCalls(bot);
    await bot.handleUpdate(callbackUpdate({ id: HOLD }, `claim:${golden}`));
    expect((await getBalance(h.s.database, HOLD)).diamonds).toBe(0);
    expect(rec.calls.some((c) => c.method === 'answerCallbackQuery')).toBe(true);
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, `/why ${HOLD} 2026-11-27`));
    expect(rec.lastText()).toContain('🧪 홀드아웃');
    // no toast either
    const toast = await (await h.req('/api/toast/golden', { userId: HOLD })).json();
    expect(toast.show).toBe(false);
    expect((await (await h.req('/api/toast/golden', { userId: BASE })).json()).show).toBe(true);
  });

  it('a variant player sees and is paid the variant rewards, exactly once', async () => {
    const m = (await list(DOUBLE)).find((x) => x.id === golden)!;
    expect(m.rewards).toEqual({ diamonds: 200, xp: 500, tickets: 1 });
    expect((await list(BASE)).find((x) => x.id === golden)!.rewards).toEqual({ diamonds: 100, xp: 500, tickets: 1 });
    await h.play(DOUBLE, 3, 'dbl');
    const ok = await h.claim(DOUBLE, golden);
    expect(ok.status).toBe(200);
    expect((await ok.json()).rewards).toEqual({ diamonds: 200, xp: 500, tickets: 1 });
    const again = await h.claim(DOUBLE, golden);
    expect((await again.json()).code).toBe('ALREADY_CLAIMED');
    const b = await getBalance(h.s.database, DOUBLE);
    expect([b.diamonds, b.xp, b.tickets]).toEqual([200 + 0, 500, 1]);
    const led = await h.s.database.query<{ n: number; d: number }>(sql`select count(*)::int as n, sum(amount) filter (where kind = 'diamonds')::int as d from reward_ledger where user_id = ${DOUBLE}`);
    expect(led[0]).toEqual({ n: 3, d: 200 });
  });

  it('/why names the player\'s experiment arm for the period: the recorded one, or the assigned one without plays', async () => {
    const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    const rec = recordCalls(bot);
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, `/why ${DOUBLE} 2026-11-27`));
    expect(rec.lastText()).toContain('🧪 실험 그룹: double');
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, `/why ${HOLD} 2026-11-27`));
    expect(rec.lastText()).toContain('🧪 실험 그룹: 홀드아웃 (대조군)');
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID, languageCode: 'en' }, `/why ${BASE} 2026-11-27`));
    expect(rec.lastText()).toContain('🧪 Experiment arm: base');
    // the day before the split was in force: no experiment, no arm line
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID, languageCode: 'en' }, `/why ${BASE} 2026-11-26`));
    expect(rec.lastText()).not.toContain('Experiment arm');
    const why = await explainUser(h.s.database, (await h.s.catalog.goldenMission())!, DOUBLE, { date: '2026-11-27', nowMs: h.clock.nowMs(), tz: h.s.config.tz });
    expect(why.arm).toBe('double');
    expect(why.actions.every((a) => a.arm === 'double')).toBe(true);
  });

  it('/start names the rewards the player sees in /missions: the variant\'s for a variant player, none of the golden mission for a holdout player', async () => {
    const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    const rec = recordCalls(bot);
    await bot.handleUpdate(textUpdate({ id: DOUBLE }, '/start'));
    expect(rec.lastText()).toContain('다이아 200개');
    await bot.handleUpdate(textUpdate({ id: BASE, languageCode: 'en' }, '/start'));
    expect(rec.lastText()).toContain('100 diamonds');
    await bot.handleUpdate(textUpdate({ id: HOLD }, '/start'));
    expect(rec.lastText()).toContain('환영');
    expect(rec.lastText()).not.toContain('다이아');
  });

  it('auto-claim pays the variant rewards once and never a holdout player', async () => {
    const patch = await h.req(`/api/admin/missions/${golden}`, { method: 'PATCH', userId: ADMIN_ID, body: JSON.stringify({ autoClaim: true }) });
    expect(patch.status).toBe(200);
    const D2 = firstIn('double', DOUBLE + 1);
    await h.play(D2, 3, 'd2');
    await h.play(D2, 2, 'd2-more');
    await h.play(HOLD2, 3, 'h2');
    expect((await getBalance(h.s.database, D2)).diamonds).toBe(200);
    expect((await getBalance(h.s.database, HOLD2)).diamonds).toBe(0);
    const rows = await h.s.database.query(sql`select 1 from reward_ledger where user_id = ${HOLD2}`);
    expect(rows).toEqual([]);
  });

  it('manual payout skips holdout players unless explicitly overridden, and pays variants their rewards', async () => {
    const D3 = firstIn('double', firstIn('double', DOUBLE + 1) + 1);
    const csv = `user_id\n${HOLD}\n${D3}\n`;
    const confirm = `&confirm=${createHash('sha256').update(csv).digest('hex')}`;
    expect((await h.req('/api/me', { userId: D3 })).status).toBe(200); // D3 opened the app: a known player
    const pay = (q: string) => h.req(`/api/admin/payouts?date=2026-11-27${q}`, { method: 'POST', userId: ADMIN_ID, body: csv, headers: { 'content-type': 'text/csv' } });
    const preview = await (await pay('')).json();
    expect(preview).toMatchObject({ toPay: 1, holdout: 1, holdoutIds: [HOLD] });
    const r = await (await pay(confirm)).json();
    expect(r).toMatchObject({ paid: 1, holdoutSkipped: 1 });
    expect((await getBalance(h.s.database, HOLD)).diamonds).toBe(0);
    expect((await getBalance(h.s.database, D3)).diamonds).toBe(200);
    const forced = await (await pay(`${confirm}&includeHoldout=1`)).json();
    expect(forced).toMatchObject({ paid: 1, holdoutSkipped: 0 });
    expect((await getBalance(h.s.database, HOLD)).diamonds).toBe(100);
  });
});
