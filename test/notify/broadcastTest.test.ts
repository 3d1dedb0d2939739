import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createHarness, ADMIN_ID, TESTER_ID, BOT_TOKEN, type Harness } from '../support/harness.js';
import { startFakeBotApi, type FakeBotApi } from '../support/fakeBotApi.js';
import { createBot } from '../../bot/createBot.js';
import { BOT_INFO, recordCalls, textUpdate } from '../bot/support.js';
import { ko } from '../../bot/locales/ko.js';

/**
 * /broadcast_test (the small-segment pre-test): today's announcement to admins and
 * testers only, through the same delivery path; the bot's own reply is recorded, the
 * announcement goes over HTTP to a fake Bot API.
 */
describe('/broadcast_test sends the announcement to admins and testers only', () => {
  let h: Harness;
  let fake: FakeBotApi;
  let bot: ReturnType<typeof createBot>;
  let rec: ReturnType<typeof recordCalls>;

  beforeAll(async () => {
    fake = await startFakeBotApi({ rate: 1000 });
    // the worker's sender (core/services.ts) talks to the stand-in
    h = await createHarness({ env: { TELEGRAM_API_ROOT: fake.apiRoot } });
    // an ordinary active player who must not hear the test
    await h.play(5, 1);
    bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO, apiRoot: fake.apiRoot });
    rec = recordCalls(bot);
  });
  afterAll(async () => {
    await fake?.close();
    await h?.close();
  });

  it('an admin runs it: one message each to the admin and the tester, none to players, and a summary reply', async () => {
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, '/broadcast_test'));
    await fake.sync();
    expect(fake.messages.map((m) => m.chatId).sort()).toEqual([ADMIN_ID, TESTER_ID]);
    expect(fake.messages[0]!.text).toContain('골든아워');
    expect(fake.messages[0]!.text).toContain('21:30 ~ 22:30');
    expect(rec.lastText()).toContain('테스트 발송 완료');
    expect(rec.lastText()).toContain('성공 2');
    // it never uses up anyone's real announcement for the day
    const [real] = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from notification_deliveries where kind = 'announce'`);
    expect(real!.n).toBe(0);
  });

  it('a player is refused and nothing is sent', async () => {
    const before = fake.messages.length;
    rec.clear();
    await bot.handleUpdate(textUpdate({ id: 5 }, '/broadcast_test'));
    await fake.sync();
    expect(fake.messages.length).toBe(before);
    expect(rec.texts()).toEqual([ko['admin.refused']]);
  });
});
