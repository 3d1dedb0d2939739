import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, kst, ADMIN_ID, BOT_TOKEN, type Harness } from '../support/harness.js';
import { createBot } from '../../bot/createBot.js';
import { getBalance } from '../../core/missions/ledger.js';
import { BOT_INFO, buttonsOf, callbackUpdate, recordCalls, textUpdate } from './support.js';

describe('/why and concurrent claims (recorded transport)', () => {
  let h: Harness;
  let bot: ReturnType<typeof createBot>;
  let rec: ReturnType<typeof recordCalls>;

  beforeAll(async () => {
    h = await createHarness({ at: kst('21:29:58') });
    bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    rec = recordCalls(bot);
    const ev = (actionId: string) => ({ userId: 1001, type: 'PLAY_GAME' as const, actionId });
    // one play before the window, one inside, the same one again (a replay), one while the flag is off
    await h.ingest([ev('early')]);
    await h.s.queue.drain();
    h.clock.freeze(kst('21:30:00'));
    await h.ingest([ev('in-1')]);
    await h.s.queue.drain();
    await h.ingest([ev('in-1')]);
    await h.s.queue.drain();
    await h.s.flags.setGoldenHour('off', ADMIN_ID);
    h.clock.freeze(kst('21:45:00'));
    await h.ingest([ev('while-off')]);
    await h.s.queue.drain();
    await h.s.flags.setGoldenHour('on', ADMIN_ID);
  });
  afterAll(async () => h?.close());

  it('lists each action around the window in KST with its verdict, and shows ignored replays', async () => {
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, '/why 1001 2026-11-27'));
    const text = rec.lastText();
    expect(text).toContain('사용자 1001 · 2026-11-27 골든아워 21:30–22:30');
    expect(text).toContain('조회 범위 11-27 20:30 ~ 11-27 23:30 KST');
    expect(text).toMatch(/21:29:58 PLAY_GAME early ⏰ 시간 외/);
    expect(text).toMatch(/21:30:00 PLAY_GAME in-1 ✅ 인정 \(중복 수신 1회 무시\)/);
    expect(text).toMatch(/21:45:00 PLAY_GAME while-off 🚫 플래그 꺼짐/);
    expect(text).toContain('진행: 1/3');
  });

  it('validates its arguments and is admin-only', async () => {
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID, languageCode: 'en' }, '/why'));
    expect(rec.lastText()).toBe('Usage: /why <userId> [YYYY-MM-DD]');
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID, languageCode: 'en' }, '/why 1001 2026-02-30'));
    expect(rec.lastText()).toContain('is not a date');
    await bot.handleUpdate(textUpdate({ id: 1001 }, '/why 1001'));
    expect(rec.lastText()).toBe('관리자 전용 명령입니다.');
  });

  it('two bot instances handling Claim taps at the same moment still pay once', async () => {
    const gid = await h.missionId('golden_hour_play_3');
    h.clock.freeze(kst('21:50:00'));
    await h.play(1002, 3, 'c');
    await bot.handleUpdate(textUpdate({ id: 1002 }, '/missions'));
    const claim = buttonsOf(rec.of('sendMessage').at(-1)).find((b) => b.callback_data === `claim:${gid}`)!;
    // a second instance (another replica behind the webhook): per-chat sequentializing cannot help here
    const other = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    const otherRec = recordCalls(other);
    await Promise.all([bot.handleUpdate(callbackUpdate({ id: 1002 }, claim.callback_data!)), other.handleUpdate(callbackUpdate({ id: 1002 }, claim.callback_data!))]);
    const answers = [rec.of('answerCallbackQuery').at(-1), otherRec.of('answerCallbackQuery').at(-1)].map((c) => String(c!.payload.text));
    expect(answers.filter((t) => t.startsWith('보상을 받았어요'))).toHaveLength(1);
    expect(answers.filter((t) => t === '이미 보상을 받았어요.')).toHaveLength(1);
    expect(await getBalance(h.s.database, 1002)).toMatchObject({ diamonds: 100, xp: 500, tickets: 1 });
  });
});
