import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, BOT_TOKEN, type Harness } from '../support/harness.js';
import { createBot } from '../../bot/createBot.js';
import { BOT_INFO, buttonsOf, recordCalls, textUpdate } from './support.js';

describe('bot infrastructure (recorded transport)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { WEBAPP_URL: 'https://app.example.test/' } });
  });
  afterAll(async () => h?.close());

  it('/start replies in Korean with a web_app button to WEBAPP_URL', async () => {
    const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    const rec = recordCalls(bot);
    await bot.handleUpdate(textUpdate({ id: 1001 }, '/start'));
    const send = rec.of('sendMessage')[0];
    expect(String(send?.payload.text)).toContain('환영');
    expect(buttonsOf(send)[0]?.web_app?.url).toBe('https://app.example.test/');
  });

  it('an error inside a handler is answered with a short apology and the bot keeps going', async () => {
    const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    const rec = recordCalls(bot);
    const original = h.s.listMissions;
    (h.s as { listMissions: unknown }).listMissions = async () => {
      throw new Error('boom');
    };
    try {
      await bot.handleUpdate(textUpdate({ id: 1002, languageCode: 'en' }, '/missions'));
    } finally {
      (h.s as { listMissions: unknown }).listMissions = original;
    }
    expect(rec.lastText()).toMatch(/^Sorry, something went wrong/);
    await bot.handleUpdate(textUpdate({ id: 1002, languageCode: 'en' }, '/missions'));
    expect(rec.lastText()).toContain("Today's missions");
  });
});
