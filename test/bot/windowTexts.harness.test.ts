import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, kst, ADMIN_ID, BOT_TOKEN, type Harness } from '../support/harness.js';
import { startFakeBotApi, type FakeBotApi } from '../support/fakeBotApi.js';
import { createBot } from '../../bot/createBot.js';
import { Scheduler } from '../../core/worker/scheduler.js';
import { dailyReport } from '../../core/reports/report.js';
import { formatReportText } from '../../bot/notifications.js';
import { instantOf } from '../../core/domain/time.js';
import { fakeApi, seedPlayers } from '../notify/support.js';
import { BOT_INFO, buttonsOf, callbackUpdate, recordCalls, textUpdate } from './support.js';

let h: Harness | undefined;
let fake: FakeBotApi | undefined;
afterEach(async () => {
  await fake?.close();
  await h?.close();
  h = fake = undefined;
});

/** Moves the golden window the way an admin does: /golden_time, then the confirm button. */
async function moveWindow(bot: ReturnType<typeof createBot>, rec: ReturnType<typeof recordCalls>, args: string) {
  await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, `/golden_time ${args}`));
  const confirm = buttonsOf(rec.of('sendMessage').at(-1)).find((b) => b.callback_data?.startsWith('adm:time:'));
  await bot.handleUpdate(callbackUpdate({ id: ADMIN_ID }, confirm!.callback_data!));
}

describe('texts that name times or rewards read them from the mission, in the configured zone', () => {
  it('after /golden_time 20:15 21:15 is confirmed, /start, /missions, the announcement and the Mini App API all show 20:15–21:15', async () => {
    h = await createHarness({ at: kst('19:00:00') });
    fake = await startFakeBotApi();
    const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    const rec = recordCalls(bot);
    await moveWindow(bot, rec, '20:15 21:15');
    expect(rec.lastText()).toBe('골든아워 시간을 20:15–21:15 (KST) 로 바꿨습니다. (감사 로그 기록됨)');

    await bot.handleUpdate(textUpdate({ id: 1001 }, '/start'));
    const welcome = rec.lastText();
    expect(welcome).toContain('매일 20:15~21:15(KST) 게임 3판');
    expect(welcome).toContain('다이아 100개, 시즌패스 XP 500, 티켓 1장');
    expect(welcome).not.toContain('21:30');
    await bot.handleUpdate(textUpdate({ id: 1001, languageCode: 'en' }, '/start'));
    expect(rec.lastText()).toContain('Every day 20:15–21:15 (KST), play 3 games to earn 100 diamonds, 500 season-pass XP, 1 ticket.');

    await bot.handleUpdate(textUpdate({ id: 1001 }, '/missions'));
    expect(rec.lastText()).toContain('⏰ 20:15~21:15 KST');

    // the Mini App reads the window from GET /api/mission (the Chromium e2e checks the card follows an edit)
    const list = (await (await h.req('/api/mission', { userId: 1001 })).json()) as { missions: { logicKey: string; window: { start: string; end: string } | null }[] };
    expect(list.missions.find((m) => m.logicKey === 'golden_hour_play_3')?.window).toMatchObject({ start: '20:15:00', end: '21:15:00' });

    // the scheduler's announcement at 20:15
    await seedPlayers(h.s, 1);
    h.clock.freeze(kst('20:15:00'));
    const runs = await new Scheduler(h.s, { guard: null, api: fakeApi(fake.apiRoot) }).tick();
    expect(runs.map((r) => `${r.kind}:${r.status}`)).toContain('announce:done');
    await fake.sync();
    expect(fake.messages[0]?.text).toContain('20:15 ~ 21:15 (KST)');
  });

  it('with EVENT_TZ=Europe/Berlin no text says KST: /start, /missions, /golden, /golden_time, /why, the announcement and the daily report', async () => {
    const berlin = (hms: string) => {
      const [hh, mm] = hms.split(':').map(Number);
      return instantOf('2026-11-27', hh! * 3600 + mm! * 60, 'Europe/Berlin');
    };
    h = await createHarness({ at: berlin('19:00'), env: { EVENT_TZ: 'Europe/Berlin' } });
    fake = await startFakeBotApi();
    const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    const rec = recordCalls(bot);
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, '/golden_time'));
    await moveWindow(bot, rec, '20:15 21:15');
    for (const lang of ['ko', 'en']) {
      await bot.handleUpdate(textUpdate({ id: 1001, languageCode: lang }, '/start'));
      await bot.handleUpdate(textUpdate({ id: 1001, languageCode: lang }, '/missions'));
      await bot.handleUpdate(textUpdate({ id: ADMIN_ID, languageCode: lang }, '/golden'));
      await bot.handleUpdate(textUpdate({ id: ADMIN_ID, languageCode: lang }, '/why 1001 2026-11-27'));
    }
    await seedPlayers(h.s, 2, { language: (id) => (id === 1 ? 'ko' : 'en') });
    h.clock.freeze(berlin('20:15'));
    await new Scheduler(h.s, { guard: null, api: fakeApi(fake.apiRoot) }).tick();
    await fake.sync();
    const report = await dailyReport(h.s, '2026-11-27');
    const texts = [...rec.texts(), ...fake.messages.map((m) => m.text), formatReportText(report, 'ko'), formatReportText(report, 'en')];
    expect(texts.length).toBeGreaterThan(12);
    expect(fake.messages).toHaveLength(2);
    for (const text of texts) expect(text).not.toContain('KST');
    expect(texts.join('\n')).toContain('Europe/Berlin');
    expect(rec.texts().find((t) => t.startsWith('사용법: /golden_time'))).toContain('(Europe/Berlin,');
    expect(fake.messages[0]?.text).toContain('20:15 ~ 21:15 (Europe/Berlin)');
  });
});
