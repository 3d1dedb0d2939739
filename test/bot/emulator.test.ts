import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createHarness, kst, ADMIN_ID, BOT_TOKEN, type Harness } from '../support/harness.js';
import { createBot } from '../../bot/createBot.js';
import { scheduleCosmetics } from '../../bot/run.js';
import { getBalance } from '../../core/missions/ledger.js';
import { startEmulator } from './emulator.js';

const WEBAPP_URL = 'https://golden.example.test/';
const PLAYER = 1001;

type Emu = Awaited<ReturnType<typeof startEmulator>>;

describe('bot against the telegram-test-api emulator', () => {
  let h: Harness;
  let emu: Emu;
  let bot: ReturnType<typeof createBot>;
  let gid: number;

  const send = async (userId: number, text: string, languageCode?: string) => {
    const client = emu.server.getClient(BOT_TOKEN, { userId, chatId: userId, firstName: `P${userId}` });
    const msg = text.startsWith('/') ? client.makeCommand(text) : client.makeMessage(text);
    if (languageCode) (msg.from as { language_code?: string }).language_code = languageCode;
    await (text.startsWith('/') ? client.sendCommand(msg as never) : client.sendMessage(msg as never));
    await emu.pump(bot, BOT_TOKEN);
  };
  const press = async (userId: number, data: string, messageId: number, times = 1) => {
    const client = emu.server.getClient(BOT_TOKEN, { userId, chatId: userId });
    for (let i = 0; i < times; i++) await client.sendCallback(client.makeCallbackQuery(data, { message: { message_id: messageId } }) as never);
    await emu.pump(bot, BOT_TOKEN);
  };
  const last = (chatId: number) => emu.botMessages(chatId).at(-1)!;
  const buttons = (m: ReturnType<typeof last>) => m.markup?.inline_keyboard?.flat() ?? [];

  beforeAll(async () => {
    h = await createHarness({ at: kst('21:31:00'), env: { WEBAPP_URL } });
    emu = await startEmulator();
    bot = createBot({ s: h.s, token: BOT_TOKEN, apiRoot: emu.apiRoot });
    await bot.init(); // getMe against the emulator
    gid = await h.missionId('golden_hour_play_3');
  });
  afterAll(async () => {
    await emu?.stop();
    await h?.close();
  });

  it('/start welcomes in Korean with a web_app button to WEBAPP_URL; /start golden opens the golden card', async () => {
    await send(PLAYER, '/start');
    const m = last(PLAYER);
    expect(m.text).toContain('환영');
    expect(buttons(m)[0]?.web_app?.url).toBe(WEBAPP_URL);
    await send(PLAYER, '/start golden');
    expect(buttons(last(PLAYER))[0]?.web_app?.url).toBe(`${WEBAPP_URL}?startapp=golden`);
    await send(PLAYER + 50, '/start', 'en');
    expect(last(PLAYER + 50).text).toContain('Welcome to Golden Hour');
  });

  it('failing cosmetic calls (the emulator lacks setMyCommands) are logged and retried, never fatal', async () => {
    const cancel = scheduleCosmetics(bot, h.s, WEBAPP_URL, { retryMs: 20, maxAttempts: 2 });
    await new Promise((r) => setTimeout(r, 300));
    cancel();
    await send(PLAYER, '/start');
    expect(last(PLAYER).text).toContain('환영');
  });

  it('/missions shows progress bars, the window with a KST countdown, and no Claim button before completion', async () => {
    await h.play(PLAYER, 2, 'a');
    await send(PLAYER, '/missions');
    const m = last(PLAYER);
    expect(m.text).toContain('■■□ 2/3');
    expect(m.text).toContain('■■□□□□□□□□ 2/10');
    expect(m.text).toContain('21:30~22:30 KST');
    expect(m.text).toContain('마감까지 59분');
    expect(buttons(m).some((b) => b.callback_data?.startsWith('claim:'))).toBe(false);
  });

  it('outside the window the golden mission is shown locked, with when it opens', async () => {
    h.clock.freeze(kst('20:00:00'));
    try {
      await send(PLAYER + 1, '/missions');
      const m = last(PLAYER + 1);
      expect(m.text).toContain('🔒 잠김');
      expect(m.text).toContain('21:30 시작 (1시간 30분 후)');
    } finally {
      h.clock.freeze(kst('21:31:00'));
    }
  });

  it('a double tap on Claim pays once, answers both taps and edits the message in place', async () => {
    await h.play(PLAYER, 1, 'b');
    await send(PLAYER, '/missions');
    const m = last(PLAYER);
    const claim = buttons(m).find((b) => b.callback_data === `claim:${gid}`);
    expect(claim).toBeDefined();
    const before = emu.botMessages(PLAYER).length;
    await press(PLAYER, claim!.callback_data!, m.messageId, 2);
    expect(emu.botMessages(PLAYER).length).toBe(before); // edited, not re-sent
    const edited = emu.botMessages(PLAYER).find((x) => x.messageId === m.messageId)!;
    expect(edited.text).toContain('✅ 보상 받음');
    expect(buttons(edited).some((b) => b.callback_data === `claim:${gid}`)).toBe(false);
    expect(await getBalance(h.s.database, PLAYER)).toMatchObject({ diamonds: 100, xp: 500, tickets: 1 });
    const ledger = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from reward_ledger where user_id = ${PLAYER} and mission_id = ${gid}`);
    expect(ledger[0]!.n).toBe(3);
  });

  it('an admin flag change asks for confirmation first, then sets the flag and audits it', async () => {
    await send(ADMIN_ID, '/golden_off');
    const prompt = last(ADMIN_ID);
    expect(prompt.text).toContain('on → off');
    expect(await h.s.flags.goldenHour()).toBe('on');
    await press(ADMIN_ID, 'adm:flag:off', prompt.messageId);
    expect(await h.s.flags.goldenHour()).toBe('off');
    expect(emu.botMessages(ADMIN_ID).find((x) => x.messageId === prompt.messageId)!.text).toContain('바꿨습니다');
    const audit = await h.s.database.query<{ action: string; actor_id: string }>(sql`select action, actor_id from admin_audit_log order by id desc limit 1`);
    expect(audit[0]).toMatchObject({ action: 'flag.set' });
    expect(Number(audit[0]!.actor_id)).toBe(ADMIN_ID);
    await h.s.flags.setGoldenHour('on', ADMIN_ID);
  });

  it('non-admins are refused and nothing changes (command or forged button)', async () => {
    const auditBefore = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from admin_audit_log`);
    await send(PLAYER, '/golden_off');
    expect(last(PLAYER).text).toBe('관리자 전용 명령입니다.');
    await send(PLAYER, '/golden_time 20:00 21:00');
    expect(last(PLAYER).text).toBe('관리자 전용 명령입니다.');
    await send(PLAYER, '/golden');
    expect(last(PLAYER).text).toBe('관리자 전용 명령입니다.');
    await press(PLAYER, 'adm:flag:off', last(PLAYER).messageId);
    expect(await h.s.flags.goldenHour()).toBe('on');
    expect((await h.s.catalog.fresh(gid))!.window).toEqual({ start: '21:30:00', end: '22:30:00' });
    const auditAfter = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from admin_audit_log`);
    expect(auditAfter[0]!.n).toBe(auditBefore[0]!.n);
  });

  it('/golden_time refuses 24:00, equal times and garbage with clear messages', async () => {
    await send(ADMIN_ID, '/golden_time 24:00 01:00');
    expect(last(ADMIN_ID).text).toContain('"24:00" 은(는) 올바른 시각이 아닙니다');
    await send(ADMIN_ID, '/golden_time 21:30 21:30');
    expect(last(ADMIN_ID).text).toBe('시작과 끝 시각이 같습니다. 서로 다른 시각을 입력하세요.');
    await send(ADMIN_ID, '/golden_time garbage');
    expect(last(ADMIN_ID).text).toContain('사용법: /golden_time 21:30 22:30');
    await send(ADMIN_ID, '/golden_time 9pm 10pm');
    expect(last(ADMIN_ID).text).toContain('"9pm" 은(는) 올바른 시각이 아닙니다');
    await send(ADMIN_ID, '/golden_time 24:00 01:00', 'en');
    expect(last(ADMIN_ID).text).toContain('"24:00" is not a valid time');
    expect((await h.s.catalog.fresh(gid))!.window).toEqual({ start: '21:30:00', end: '22:30:00' });
  });

  it('/golden_time with a valid window asks to confirm, then updates the mission with an audit row', async () => {
    await send(ADMIN_ID, '/golden_time 21:00 22:00');
    const prompt = last(ADMIN_ID);
    expect(prompt.text).toContain('21:30–22:30 → 21:00–22:00');
    expect((await h.s.catalog.fresh(gid))!.window).toEqual({ start: '21:30:00', end: '22:30:00' });
    const confirm = buttons(prompt).find((b) => b.callback_data?.startsWith('adm:time:'))!;
    await press(ADMIN_ID, confirm.callback_data!, prompt.messageId);
    expect((await h.s.catalog.fresh(gid))!.window).toEqual({ start: '21:00:00', end: '22:00:00' });
    const audit = await h.s.database.query<{ action: string }>(sql`select action from admin_audit_log order by id desc limit 1`);
    expect(audit[0]!.action).toBe('mission.update');
  });

  it('/golden shows flag, window, server time in KST, clock guard and today\'s counts', async () => {
    await send(ADMIN_ID, '/golden');
    const t = last(ADMIN_ID).text;
    expect(t).toContain('플래그: on');
    expect(t).toContain('21:00–22:00 KST');
    expect(t).toContain('2026-11-27 21:31:00 KST');
    expect(t).toContain('시계 점검: 꺼짐');
    expect(t).toContain('참여자: 1명');
    expect(t).toContain('보상 수령: 1건 (수동 1');
    // the announcement's audience and expected finish at the configured rate (25/s)
    expect(t).toMatch(/📣 공지 \(2026-11-27\): 대상 \d+명 · 초당 25건 · 예상 완료 \d\d:\d\d:\d\d KST/);
  });
});

describe('startBot in polling mode (@grammyjs/runner) against the emulator', () => {
  it('answers /start through long polling and stops gracefully', async () => {
    const h = await createHarness({ env: { WEBAPP_URL } });
    const emu = await startEmulator();
    const { startBot } = await import('../../bot/run.js');
    const handle = await startBot(h.s, { apiRoot: emu.apiRoot });
    await handle.connected;
    try {
      const client = emu.server.getClient(BOT_TOKEN, { userId: 3001, chatId: 3001, timeout: 20_000 });
      await client.sendCommand(client.makeCommand('/start'));
      const updates = await client.getUpdates();
      expect(String(updates.result[0]!.message.text)).toContain('환영');
    } finally {
      await handle.stop();
      await emu.stop();
      await h.close();
    }
  });

  it('an unreachable Bot API does not fail or block the start, and stop() still ends promptly', async () => {
    const h = await createHarness();
    const { startBot } = await import('../../bot/run.js');
    // nothing listens on port 9 (discard) on the loopback: grammY keeps retrying getMe in the background
    const handle = await startBot(h.s, { apiRoot: 'http://127.0.0.1:9' });
    try {
      expect(handle.bot.isInited()).toBe(false);
    } finally {
      await handle.stop(); // aborts the connection attempts
      await handle.connected;
      await h.close();
    }
  });
});
