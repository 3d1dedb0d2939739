import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { startFakePreparedMessages } from '../support/fakePreparedMessages.js';

/**
 * POST /api/share/golden (webapp/server/routes/share.ts): after a golden claim the bot prepares
 * the message the Mini App shares with Telegram's shareMessage, with the deep link that opens
 * the golden card, against a loopback Bot API.
 */
describe('share after a golden claim: a prepared message with the deep link to the golden card', () => {
  let h: Harness;
  let bot: Awaited<ReturnType<typeof startFakePreparedMessages>>;
  beforeAll(async () => {
    bot = await startFakePreparedMessages({ username: 'golden_test_bot' });
    h = await createHarness({ env: { TELEGRAM_API_ROOT: bot.apiRoot } });
  });
  afterAll(async () => {
    await h?.close();
    await bot?.close();
  });

  const share = (userId: number, languageCode = 'ko') =>
    h.app.request('/api/share/golden', { method: 'POST', headers: { authorization: h.auth(userId, { languageCode }) } });

  it('before the claim there is nothing to share: 409 NOT_COMPLETED, no Bot API call', async () => {
    const res = await share(4101);
    expect(res.status).toBe(409);
    expect((await res.json()).code).toBe('NOT_COMPLETED');
    expect(bot.prepared).toEqual([]);
  });

  it('after the claim: the bot prepares the message (rewards and window from the mission) with t.me/<bot>?start=golden', async () => {
    const id = await h.missionId('golden_hour_play_3');
    await h.play(4102, 3);
    expect((await h.claim(4102, id)).status).toBe(200);
    const res = await share(4102, 'en');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ preparedMessageId: 'prep-1', link: 'https://t.me/golden_test_bot?start=golden' });
    expect(bot.prepared).toHaveLength(1);
    const p = bot.prepared[0]!;
    expect(p.userId).toBe(4102);
    const text = (p.result.input_message_content as { message_text: string }).message_text;
    expect(text).toContain('💎100');
    expect(text).toContain('21:30–22:30 (KST)');
    expect(text).toContain('play 3 games');
    expect(p.result.reply_markup).toEqual({ inline_keyboard: [[{ text: '🔥 Open the Golden Hour mission', url: 'https://t.me/golden_test_bot?start=golden' }]] });
    expect(p.body).toMatchObject({ allow_user_chats: true, allow_group_chats: true });
  });

  it('needs a Mini App session', async () => {
    const res = await h.app.request('/api/share/golden', { method: 'POST' });
    expect(res.status).toBe(401);
  });
});

describe('share when the Bot API refuses (inline mode off): 503, the client hides the message share', () => {
  let h: Harness;
  let bot: Awaited<ReturnType<typeof startFakePreparedMessages>>;
  beforeAll(async () => {
    bot = await startFakePreparedMessages({ fail: true });
    h = await createHarness({ env: { TELEGRAM_API_ROOT: bot.apiRoot } });
  });
  afterAll(async () => {
    await h?.close();
    await bot?.close();
  });
  it('answers SERVICE_UNAVAILABLE', async () => {
    const id = await h.missionId('golden_hour_play_3');
    await h.play(4201, 3);
    expect((await h.claim(4201, id)).status).toBe(200);
    const res = await h.app.request('/api/share/golden', { method: 'POST', headers: { authorization: h.auth(4201) } });
    expect(res.status).toBe(503);
    expect((await res.json()).code).toBe('SERVICE_UNAVAILABLE');
  });
});
