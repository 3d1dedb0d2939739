import type { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from 'pino';
import type { KeyValueStore } from '../core/platform/stores.js';
import type { Metrics } from '../core/platform/metrics.js';

/**
 * Webhook updates are answered at once and handled from this queue (docs/broadcast.md, "Webhook"):
 * Telegram resends an update whose POST takes too long, so the POST never waits for a handler
 * (a payout, or an answer waiting its turn in the outbound budget). `update_id` is remembered in
 * the key-value store (Redis when configured: shared by every process behind the webhook), so a
 * resent update is handled once. The queue is bounded: past `maxQueue` the update is refused
 * (503, its id forgotten) and Telegram delivers it again later — nothing is dropped silently.
 *
 *   const queue = new UpdateQueue({ bot, kv: s.stores.kv, log, metrics });
 *   app.post('/telegram/webhook', async (c) => c.json({}, (await queue.accept(await c.req.json())) === 'overflow' ? 503 : 200));
 */
export interface UpdateQueueOptions {
  bot: Bot<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  kv: KeyValueStore;
  log: Logger;
  metrics: Metrics;
  /** updates handled at once (one chat's updates stay in order: createBot sequentializes by chat); default 64 */
  concurrency?: number;
  /** accepted, not yet handled; default 10,000 */
  maxQueue?: number;
  /** how long an update_id is remembered; default 24 h (Telegram keeps undelivered updates that long) */
  dedupeTtlS?: number;
}

export type Accepted = 'queued' | 'duplicate' | 'overflow';

export class UpdateQueue {
  private readonly waiting: Update[] = [];
  private running = 0;
  private readonly idlers: Array<() => void> = [];
  private readonly concurrency: number;
  private readonly maxQueue: number;
  private readonly ttlS: number;
  private readonly keyOf: (id: number) => string;

  constructor(private readonly o: UpdateQueueOptions) {
    this.concurrency = o.concurrency ?? 64;
    this.maxQueue = o.maxQueue ?? 10_000;
    this.ttlS = o.dedupeTtlS ?? 86_400;
    const botId = o.bot.token.split(':')[0];
    this.keyOf = (id) => `tg:update:${botId}:${id}`;
  }

  /** Remember the update and queue it; never waits for its handling. */
  async accept(update: Update): Promise<Accepted> {
    const key = this.keyOf(update.update_id);
    if (!(await this.o.kv.setIfAbsent(key, '1', this.ttlS))) {
      this.o.metrics.webhookUpdates.inc({ result: 'duplicate' });
      return 'duplicate';
    }
    if (this.waiting.length >= this.maxQueue) {
      await this.o.kv.del(key).catch(() => {});
      this.o.metrics.webhookUpdates.inc({ result: 'overflow' });
      this.o.log.error({ updateId: update.update_id, depth: this.waiting.length }, 'webhook queue full: update refused (Telegram will resend it)');
      return 'overflow';
    }
    this.waiting.push(update);
    this.o.metrics.webhookUpdates.inc({ result: 'queued' });
    this.o.metrics.webhookQueueDepth.set(this.waiting.length + this.running);
    this.next();
    return 'queued';
  }

  /** Resolves once everything accepted so far has been handled (tests, graceful stop). */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((r) => this.idlers.push(r));
  }

  private next(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const u = this.waiting.shift()!;
      this.running++;
      void this.handle(u).finally(() => {
        this.running--;
        this.o.metrics.webhookQueueDepth.set(this.waiting.length + this.running);
        if (this.running === 0 && this.waiting.length === 0) for (const r of this.idlers.splice(0)) r();
        this.next();
      });
    }
  }

  private async handle(u: Update): Promise<void> {
    try {
      if (!this.o.bot.isInited()) await this.o.bot.init();
      await this.o.bot.handleUpdate(u);
    } catch (err) {
      // bot.catch already logged and apologised for handler errors; this is what escaped it
      this.o.log.error({ err, updateId: u.update_id }, 'webhook update failed');
    }
  }
}
