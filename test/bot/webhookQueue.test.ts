import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, BOT_TOKEN, type Harness } from '../support/harness.js';
import { createBot } from '../../bot/createBot.js';
import { WEBHOOK_PATH, webhookQueue, webhookRoute } from '../../bot/run.js';
import { createApp } from '../../webapp/server/app.js';
import { BOT_INFO, recordCalls, textUpdate } from './support.js';

const SECRET = 'webhook-secret_456';

/**
 * Webhook mode answers Telegram at once and handles the update from a queue (bot/updateQueue.ts):
 * a slow handler never makes Telegram resend, and a resent update_id is handled once (the id is
 * kept in the key-value store: Redis when configured, so every process behind the hook shares it).
 */
describe('webhook mode answers at once and handles each update_id once', () => {
  let h: Harness;
  let app: ReturnType<typeof createApp>;
  let queue: ReturnType<typeof webhookQueue>;
  const started: number[] = [];
  const finished: number[] = [];

  beforeAll(async () => {
    h = await createHarness();
    const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    recordCalls(bot);
    // reached by any text no feature handles: a handler that takes 5 s
    bot.use(async (ctx) => {
      started.push(ctx.update.update_id);
      await new Promise((r) => setTimeout(r, 5000));
      finished.push(ctx.update.update_id);
    });
    queue = webhookQueue(bot, h.s);
    app = createApp(h.s, { mount: [webhookRoute(bot, SECRET, queue)] });
  });
  afterAll(async () => h?.close());

  const post = (body: unknown) =>
    app.request(WEBHOOK_PATH, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET }, body: JSON.stringify(body) });

  it('a handler that takes 5 s: each webhook POST is answered in under a second, before the handler finishes', async () => {
    // the first request of a process pays one-time costs (route compilation, the store's first round trip)
    expect((await post(textUpdate({ id: 7000 }, 'slow please'))).status).toBe(200);
    await queue.idle();
    finished.length = 0;
    const updates = [1, 2, 3].map((i) => textUpdate({ id: 7000 + i }, 'slow please'));
    const latencies: number[] = [];
    for (const u of updates) {
      const t0 = performance.now();
      const res = await post(u);
      latencies.push(performance.now() - t0);
      expect(res.status).toBe(200);
    }
    console.log(`webhook POST latency with a 5 s handler: ${latencies.map((l) => `${l.toFixed(0)} ms`).join(', ')}`);
    // answered while the handlers were still running
    expect(finished).toEqual([]);
    for (const l of latencies) expect(l).toBeLessThan(1000);
    await queue.idle();
    expect(finished.sort()).toEqual(updates.map((u) => u.update_id).sort());
  }, 120_000);

  it('the same update_id posted twice (Telegram resending) is handled once', async () => {
    const u = textUpdate({ id: 7100 }, 'slow again');
    const first = await post(u);
    const again = await post(u);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    await queue.idle();
    expect(started.filter((id) => id === u.update_id)).toHaveLength(1);
    const dupes = (await h.s.metrics.webhookUpdates.get()).values.find((v) => v.labels.result === 'duplicate');
    expect(dupes?.value).toBe(1);
  }, 120_000);
});
