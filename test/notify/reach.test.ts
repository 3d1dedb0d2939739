import { describe, expect, it } from 'vitest';
import { createHarness, kst, ADMIN_ID, BOT_TOKEN, type Harness } from '../support/harness.js';
import { createBot } from '../../bot/createBot.js';
import { BOT_INFO, recordCalls, textUpdate } from '../bot/support.js';
import { startFakeBotApi, type FakeBotApi } from '../support/fakeBotApi.js';
import { Scheduler } from '../../core/worker/scheduler.js';
import { ANNOUNCE_KIND } from '../../core/delivery/announcement.js';
import { closeAfterEach, deliveryStatuses, seedPlayers } from './support.js';

/**
 * The reach plan end to end (docs/broadcast.md, "Reach"): the scheduler on the adjustable clock
 * starts the pre-announcement early enough that every recipient has exactly one golden-hour message
 * by start + ANNOUNCE_REACH_S. The figures — 1,500 recipients, BROADCAST_RATE=25,
 * ANNOUNCE_REACH_S=30, 60 s of sending — keep the real rate and are scaled ÷5 in audience and
 * time (300 recipients, 6 s of reach, 12 s of sending): the same plan in a fifth of the wall time;
 * core/delivery/estimate.test.ts checks the unscaled plan.
 */
let h: Harness | undefined;
let fake: FakeBotApi | undefined;
const opened = closeAfterEach();

describe('reach planning for the announcement', () => {
  it('1,500 recipients at 25/s with ANNOUNCE_REACH_S=30 (scaled ÷5 in audience and time): the pre-announcement starts ~30 s before the window, everyone has exactly one golden-hour message by start + 30 s, none before the pre-announcement start', async () => {
    const SCALE = 5;
    const rate = 25;
    const reachS = 30 / SCALE;
    const N = 1500 / SCALE;
    fake = opened(await startFakeBotApi({ rate: 30, perChat: { rate: 1, burst: 3 } }));
    h = opened(await createHarness({ at: kst('21:29:30'), env: { BOT_API_RATE: '30', BROADCAST_RATE: String(rate), ANNOUNCE_REACH_S: String(reachS), TELEGRAM_API_ROOT: fake.apiRoot } }));
    const ids = await seedPlayers(h.s, N);
    const opens = kst('21:30:00').getTime();
    const preStart = opens - (N / rate - reachS) * 1000; // 21:29:54 (the unscaled plan: 21:29:30)
    // the plan, as /golden and the admin page show it: who gets which message when
    const res = await h.req('/api/admin/announcement', { userId: ADMIN_ID });
    expect(res.status).toBe(200);
    const { estimate } = (await res.json()) as { estimate: { plan: { pre: number; live: number; late: number }; startsAtLocal: string; reachByLocal: string } };
    expect(estimate).toMatchObject({ plan: { pre: N / 2, live: N / 2, late: 0 }, startsAtLocal: '21:29:54', reachByLocal: '21:30:06' });
    const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    const rec = recordCalls(bot);
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, '/golden'));
    // the admin's own /golden makes them active: one more recipient, 40 ms earlier
    expect(rec.lastText()).toMatch(/사전 공지 15[01]명: 21:29:5[34]부터 \("21:30에 시작돼요"\)/);
    expect(rec.lastText()).toContain('전원 수신 목표: 21:30:06');

    // the clock runs from 21:29:48, the scheduler ticks as the worker does
    h.clock.set(kst('21:29:48'));
    const sch = new Scheduler(h.s, { guard: null, broadcaster: h.s.broadcaster, api: h.s.sender, tickMs: 100, planRefreshMs: 1000 });
    const runs: Array<Promise<unknown>> = [];
    let announced = false;
    while (!announced) {
      const r = sch.tick();
      runs.push(r);
      void r.then((jobs) => jobs.some((j) => j.kind === 'announce') && (announced = true));
      await new Promise((res) => setTimeout(res, 100));
      if (h.clock.nowMs() > opens + 60_000) throw new Error('the announcement never finished');
    }
    const jobs = (await Promise.all(runs)).flat() as Array<{ kind: string; status: string; detail: Record<string, unknown> }>;
    await fake.sync();
    const offset = h.clock.offset; // fake timestamps are real time; the domain runs `offset` ahead
    const at = (ms: number) => ms + offset;
    const first = Math.min(...fake.messages.map((m) => at(m.at)));
    const last = Math.max(...fake.messages.map((m) => at(m.at)));
    const pre = fake.messages.filter((m) => m.text.includes('시작돼요') || m.text.includes('starts at'));
    console.log(
      `reach: first message ${((first - opens) / 1000).toFixed(2)} s from the start (plan ${((preStart - opens) / 1000).toFixed(2)}), last ${((last - opens) / 1000).toFixed(2)} s (reach ${reachS} s); ${pre.length} pre-announced, ${fake.messages.length - pre.length} announced; ${fake.rejected429} × 429`,
    );
    expect(jobs.find((j) => j.kind === 'announce')).toMatchObject({ status: 'done' });
    // exactly one golden-hour message per recipient, and the table says which
    for (const id of ids) expect(fake.count(id)).toBe(1);
    const st = await deliveryStatuses(h.s, ANNOUNCE_KIND, '2026-11-27');
    // every seeded player, plus the admin whose /golden above made them active (when that activity is already recorded)
    const sent = [...st.entries()].filter(([, v]) => v === 'sent').map(([id]) => Number(id));
    const idSet = new Set(ids.map(Number));
    expect(sent.filter((id) => idSet.has(id))).toHaveLength(N);
    expect(sent.filter((id) => !idSet.has(id)).every((id) => id === ADMIN_ID)).toBe(true);
    const variants = (await h.s.broadcaster!.deliveries.tally(ANNOUNCE_KIND, '2026-11-27')).filter((t) => t.status === 'sent');
    expect(variants.reduce((a, t) => a + t.n, 0)).toBe(sent.length);
    expect(variants.find((t) => t.variant === 'pre')?.n).toBe(pre.length);
    // none before the pre-announcement start (the scheduler ticks every 100 ms)
    expect(first).toBeGreaterThanOrEqual(preStart - 50);
    expect(first).toBeLessThan(preStart + 1000);
    // the announcement never before the start; a pre-announcement is chosen before the start (one
    // handed to the budget just before may land a moment after it)
    for (const m of fake.messages) {
      const isPre = m.text.includes('시작돼요') || m.text.includes('starts at');
      if (!isPre) expect(at(m.at)).toBeGreaterThanOrEqual(opens);
      else {
        expect(at(m.at)).toBeLessThan(opens + 1000);
        expect(m.text).toMatch(/21:30/);
      }
    }
    expect(pre.length).toBeGreaterThan(N / 2 - rate);
    // everyone by start + reach, give or take the stand-in's jitter and a loaded box (½ s scaled)
    expect(last).toBeLessThanOrEqual(opens + reachS * 1000 + 1500);
  }, 180_000);
});
