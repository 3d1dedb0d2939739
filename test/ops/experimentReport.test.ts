import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createHarness, kst, ADMIN_ID, BOT_TOKEN, type Harness } from '../support/harness.js';
import { assignArm } from '../../core/domain/experiment.js';
import { postDailyReport } from '../../core/reports/report.js';
import { createBot } from '../../bot/createBot.js';
import { BOT_INFO, recordCalls, textUpdate } from '../bot/support.js';

/**
 * The report's experiment section (docs/operations.md, Reading the experiment): a known
 * population on 2026-11-27 — everyone opens the app, 20% of the holdout and 30% of the variant
 * play in the window, a known share deposits and comes back the next day — and the report must
 * count each arm exactly and compare the variant with the holdout.
 */
const SPLIT = { holdoutPct: 50, variants: [{ name: 'base', weight: 1 }] };
const EXP_ID = 'golden-hour-2026-11-27';
const N = 400;

describe('daily report: experiment arms and lift', () => {
  let h: Harness;
  const expected = { holdout: { players: 0, participants: 0, deposit: 0, returned: 0 }, base: { players: 0, participants: 0, deposit: 0, returned: 0 } };

  beforeAll(async () => {
    h = await createHarness({ at: kst('21:45:00', '2026-11-26') });
    expect((await h.req('/api/admin/experiments/golden-hour', { method: 'PUT', userId: ADMIN_ID, body: JSON.stringify(SPLIT) })).status).toBe(200);
    const idx = { holdout: 0, base: 0 };
    const plays: { userId: number; type: 'PLAY_GAME' | 'DEPOSIT'; actionId: string }[] = [];
    const deposits: typeof plays = [];
    const opened: number[] = [];
    const returned: number[] = [];
    for (let u = 5001; u < 5001 + N; u++) {
      const arm = assignArm(u, EXP_ID, SPLIT) as 'holdout' | 'base';
      const i = idx[arm]++;
      const e = expected[arm];
      e.players++;
      opened.push(u);
      if (i % 10 < (arm === 'holdout' ? 2 : 3)) {
        e.participants++;
        plays.push({ userId: u, type: 'PLAY_GAME', actionId: `w-${u}` });
      }
      if (i % 5 === 0) {
        e.deposit++;
        deposits.push({ userId: u, type: 'DEPOSIT', actionId: `d-${u}` });
      }
      if (i % 2 === 0) {
        e.returned++;
        returned.push(u);
      }
    }
    // everyone opened the app at 20:00 KST (before the window), some again the next day at noon
    const minuteRows = (ids: number[], at: Date) => sql.join(ids.map((u) => sql`(${at.toISOString()}::timestamptz, ${u})`), sql`, `);
    await h.s.database.query(sql`insert into activity_minutes (minute, user_id) values ${minuteRows(opened, kst('20:00:00'))}`);
    await h.s.database.query(sql`insert into activity_minutes (minute, user_id) values ${minuteRows(returned, kst('12:00:00', '2026-11-28'))}`);
    h.clock.freeze(kst('21:40:00'));
    expect((await h.ingest(plays)).status).toBe(202);
    await h.s.queue.drain();
    h.clock.freeze(kst('23:00:00'));
    expect((await h.ingest(deposits)).status).toBe(202);
    await h.s.queue.drain();
    h.clock.freeze(kst('13:00:00', '2026-11-28'));
  });
  afterAll(async () => h?.close());

  it('GET /api/admin/reports/daily counts each arm exactly and compares the variant with the holdout', async () => {
    const r = await (await h.req('/api/admin/reports/daily?date=2026-11-27', { userId: ADMIN_ID })).json();
    expect(r.experiment).toMatchObject({ id: EXP_ID, holdoutPct: 50 });
    const arm = (n: string) => r.experiment.arms.find((a: { name: string }) => a.name === n);
    for (const name of ['holdout', 'base'] as const) {
      const e = expected[name];
      expect(arm(name)).toEqual({ name, players: e.players, participants: e.participants, completions: 0, claims: 0, depositCr2h: e.deposit, returnedNextDay: e.returned });
    }
    const [c] = r.experiment.comparisons;
    expect(c.variant).toBe('base');
    const trueDiff = expected.base.participants / expected.base.players - expected.holdout.participants / expected.holdout.players;
    expect(c.participation.difference).toBeCloseTo(trueDiff, 10);
    expect(c.participation.lower).toBeLessThan(trueDiff);
    expect(c.participation.upper).toBeGreaterThan(trueDiff);
    // ~200 players per arm: the interval is wider than ±5 points
    expect(c.participation.verdict).toBe('not_enough_data');
    expect(Object.keys(c).sort()).toEqual(['depositCr2h', 'participation', 'returnedNextDay', 'variant']);
  });

  it('the CSV carries the arms and the lift with its interval and verdict', async () => {
    const csv = await (await h.req('/api/admin/reports/daily?date=2026-11-27&format=csv', { userId: ADMIN_ID })).text();
    expect(csv).toContain(`experiment,id,${EXP_ID}\r\n`);
    expect(csv).toContain(`arm:holdout,players,${expected.holdout.players}\r\n`);
    expect(csv).toMatch(/lift:base,participation_lower95,-?0\.\d+\r\n/);
    expect(csv).toContain('lift:base,participation_verdict,not_enough_data\r\n');
  });

  it('/report and /experiment show the lift in plain language', async () => {
    const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    const rec = recordCalls(bot);
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, '/report 2026-11-27'));
    const report = rec.texts().find((x) => x.includes('📊'))!;
    expect(report).toContain('base vs 홀드아웃 · 참여');
    expect(report).toContain('아직 데이터가 부족합니다');
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID, languageCode: 'en' }, '/experiment'));
    expect(rec.lastText()).toContain('holdout 50% · base 50%');
    expect(rec.lastText()).toContain('2026-11-27 base vs holdout · participation');
    expect(rec.lastText()).toContain('not enough data yet');
  });

  it('the automatically posted report carries the same experiment section as /report', async () => {
    const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    const rec = recordCalls(bot);
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, '/report 2026-11-27'));
    const shown = rec.texts().find((x) => x.includes('📊'))!;
    const sent: string[] = [];
    expect(await postDailyReport(h.s, { sendMessage: async (_chat: number, text: string) => void sent.push(text) }, '2026-11-27')).toMatchObject({ sent: 1 });
    expect(sent[0]).toContain(`🧪 ${EXP_ID}`);
    expect(sent[0]).toContain('base vs 홀드아웃 · 참여');
    expect(sent[0]).toBe(shown);
  });

  it('a day without an experiment has experiment: null', async () => {
    const r = await (await h.req('/api/admin/reports/daily?date=2026-11-26', { userId: ADMIN_ID })).json();
    expect(r.experiment).toBeNull();
  });
});
