import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, kst, ADMIN_ID, BOT_TOKEN, type Harness } from '../support/harness.js';
import { createBot } from '../../bot/createBot.js';
import { missions } from '../../db/schema.js';
import { Scheduler } from '../../core/worker/scheduler.js';
import { dailyReport, defaultReportDate } from '../../core/reports/report.js';
import { resolvePayoutMission } from '../../core/missions/payout.js';
import { announcedMission } from '../../core/delivery/announcement.js';
import { BOT_INFO, buttonsOf, callbackUpdate, recordCalls, textUpdate } from './support.js';

/**
 * "The golden-hour mission" is one rule (MissionCatalog.goldenMission): with decoys present — an
 * inactive golden mission and an active window-less one, both sorted before the real one — every
 * part resolves the same mission, so /golden_time edits exactly what the scheduler announces.
 */
describe('the golden-hour mission: /golden_time, the scheduler, /golden, the report and /payout resolve the same mission', () => {
  let h: Harness;
  let bot: ReturnType<typeof createBot>;
  let rec: ReturnType<typeof recordCalls>;
  let goldenId: number;

  beforeAll(async () => {
    h = await createHarness({ at: kst('19:00:00') });
    goldenId = await h.missionId('golden_hour_play_3');
    const decoy = { actionType: 'PLAY_GAME', targetValue: 1, isGoldenHour: true, sortOrder: 0, category: 'SPECIAL' as const };
    await h.s.database.db.insert(missions).values([
      { ...decoy, logicKey: 'golden_retired', title: 'retired golden', startTime: '18:00:00', endTime: '19:00:00', active: false },
      { ...decoy, logicKey: 'golden_no_window', title: 'window-less golden', active: true },
    ]);
    await h.s.catalog.invalidate();
    bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    rec = recordCalls(bot);
  });
  afterAll(async () => h?.close());

  it('the catalog picks the active golden mission with a window, not the decoys sorted before it', async () => {
    expect((await h.s.catalog.goldenMission())?.id).toBe(goldenId);
    expect((await announcedMission(h.s))?.id).toBe(goldenId);
  });

  it('/golden_time asks to edit that mission, and after confirming every part sees 20:15–21:15', async () => {
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, '/golden_time 20:15 21:15'));
    const confirm = buttonsOf(rec.of('sendMessage').at(-1)).find((b) => b.callback_data?.startsWith('adm:time:'));
    expect(confirm?.callback_data).toBe(`adm:time:${goldenId}:201500:211500`);
    await bot.handleUpdate(callbackUpdate({ id: ADMIN_ID }, confirm!.callback_data!));
    expect((await h.s.catalog.fresh(goldenId))?.window).toEqual({ start: '20:15:00', end: '21:15:00' });

    // the scheduler announces that mission's new window
    const plan = await new Scheduler(h.s, { guard: null }).plan();
    const announce = plan.filter((j) => j.kind === 'announce').map((j) => j.at);
    expect(announce).toContain(kst('20:15:00').getTime());

    // /golden shows it
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, '/golden'));
    expect(rec.lastText()).toContain('20:15–21:15');

    // the report's window is that mission's occurrence
    h.clock.freeze(kst('21:30:00'));
    expect(await defaultReportDate(h.s)).toBe('2026-11-27');
    const r = await dailyReport(h.s, '2026-11-27');
    expect(r.window?.start.slice(11, 19)).toBe('20:15:00');
    expect(r.window?.end.slice(11, 19)).toBe('21:15:00');

    // /payout without a mission key pays that mission
    expect((await resolvePayoutMission(h.s.catalog)).id).toBe(goldenId);
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, '/payout'));
    expect(rec.lastText()).toContain('🔥 골든아워: 게임 3회 플레이');
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, '/cancel'));

    // /why explains plays against that window
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, '/why 1001 2026-11-27'));
    expect(rec.lastText()).toContain('골든아워 20:15–21:15');
  });
});
