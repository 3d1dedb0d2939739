import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, BOT_TOKEN, type Harness } from '../support/harness.js';
import { createBot } from '../../bot/createBot.js';
import { WEBHOOK_PATH, webhookQueue, webhookRoute, webhookTarget } from '../../bot/run.js';
import { createApp } from '../../webapp/server/app.js';
import { BOT_INFO, recordCalls, textUpdate } from './support.js';

const SECRET = 'webhook-secret_123';

describe('webhook mode: POST /telegram/webhook checks X-Telegram-Bot-Api-Secret-Token', () => {
  let h: Harness;
  let app: ReturnType<typeof createApp>;
  let rec: ReturnType<typeof recordCalls>;
  let seen = 0;
  let queue: ReturnType<typeof webhookQueue>;

  beforeAll(async () => {
    h = await createHarness();
    const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    bot.use(() => void seen++); // counts updates that reached the middleware and were not handled earlier
    rec = recordCalls(bot);
    queue = webhookQueue(bot, h.s);
    app = createApp(h.s, { mount: [webhookRoute(bot, SECRET, queue)] });
  });
  afterAll(async () => h?.close());

  const post = (headers: Record<string, string>) =>
    app.request(WEBHOOK_PATH, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(textUpdate({ id: 1001 }, '/start')) });

  it('a wrong or missing secret gets 401 and no update is processed', async () => {
    expect((await post({})).status).toBe(401);
    expect((await post({ 'X-Telegram-Bot-Api-Secret-Token': 'wrong' })).status).toBe(401);
    expect((await post({ 'X-Telegram-Bot-Api-Secret-Token': `${SECRET}x` })).status).toBe(401);
    expect(rec.calls).toEqual([]);
  });

  it('the right secret is processed', async () => {
    const res = await post({ 'X-Telegram-Bot-Api-Secret-Token': SECRET });
    expect(res.status).toBe(200);
    await queue.idle();
    expect(rec.of('sendMessage')).toHaveLength(1);
    expect(String(rec.of('sendMessage')[0]!.payload.text)).toContain('환영');
    expect(seen).toBe(0); // /start was handled by its feature
  });

  it('WEBHOOK_URL may be an origin (gets /telegram/webhook) or a full URL', () => {
    expect(webhookTarget('https://gh.example.com')).toBe('https://gh.example.com/telegram/webhook');
    expect(webhookTarget('https://gh.example.com/hooks/tg')).toBe('https://gh.example.com/hooks/tg');
  });
});
