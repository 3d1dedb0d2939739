import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Transformer } from 'grammy';
import type { Metrics } from '../platform/metrics.js';
import { DomainError } from '../domain/errors.js';

/**
 * The outbound Bot API budget (docs/broadcast.md, "The budget"): one per bot token, shared by
 * every process of every role through Redis when configured (memory otherwise).
 *
 * Lanes, in order of precedence:
 *   - `interactive`: answers to players (replies, edits, answerCallbackQuery). Always queued, FIFO,
 *     never refused for the rate: it waits its turn.
 *   - `bulk`: broadcasts, reminders, reports and alerts to admins. Takes a slot only when the global
 *     schedule is free right now (so it yields to every interactive answer in every process) and
 *     never more than BROADCAST_RATE of them per second.
 *   - `paid`: broadcasts sent with allow_paid_broadcast (billed in Stars); their own rate, outside
 *     the free budget.
 * Every message to one chat is also spaced ~1 s apart (Telegram's per-chat limit).
 *
 * The schedule is a GCRA ("theoretical arrival time" per key): a slot at T, the next one at
 * T + 1/rate, a small tolerance for timer lateness. Unlike fixed one-second windows
 * (rate-limiter-flexible's limiters), it never lets a whole second's worth out at once at a window
 * edge — Telegram's limit behaves like a bucket, and such an edge earns a 429.
 * A 429 pauses the whole budget for retry_after, once (concurrent 429s extend one pause, they do
 * not stack), instead of every request retrying on its own.
 */
export type Lane = 'interactive' | 'bulk' | 'paid';

interface SlotKey {
  key: string;
  intervalMs: number;
  toleranceMs: number;
}

/** Where the schedule lives: this process (memory) or Redis (every process of the bot token). */
export interface SlotStore {
  /**
   * Reserve up to `count` consecutive slots on every key at once, each only if it is at most
   * `maxWaitMs` away; returns their waits (ascending), and when the next one would be if none.
   */
  take(keys: SlotKey[], maxWaitMs: number, count?: number): Promise<{ waits: number[]; nextWaitMs: number }>;
  pause(ms: number): Promise<void>;
}

export class MemorySlotStore implements SlotStore {
  private readonly tat = new Map<string, number>();
  private pausedUntil = 0;
  constructor(private readonly now: () => number = () => performance.now()) {}

  async take(keys: SlotKey[], maxWaitMs: number, count = 1) {
    return this.takeNow(keys, maxWaitMs, count);
  }

  takeNow(keys: SlotKey[], maxWaitMs: number, count = 1): { waits: number[]; nextWaitMs: number } {
    const now = this.now();
    const waits: number[] = [];
    let nextWaitMs = 0;
    while (waits.length < count) {
      let t = Math.max(now, this.pausedUntil);
      for (const k of keys) t = Math.max(t, (this.tat.get(k.key) ?? 0) - k.toleranceMs);
      nextWaitMs = t - now;
      if (nextWaitMs > maxWaitMs) break;
      for (const k of keys) this.tat.set(k.key, Math.max(this.tat.get(k.key) ?? 0, t) + k.intervalMs);
      waits.push(nextWaitMs);
    }
    if (this.tat.size > 50_000) for (const [k, v] of this.tat) if (v < now) this.tat.delete(k);
    return { waits, nextWaitMs };
  }

  async pause(ms: number) {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }
}

// Redis's own TIME is the clock, so every process reads the same schedule.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local maxWait = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local p = tonumber(redis.call('GET', KEYS[1]) or '0')
local tats = {}
for i = 2, #KEYS do tats[i] = tonumber(redis.call('GET', KEYS[i]) or '0') end
local waits = {}
local nextWait = 0
while #waits < count do
  local s = now
  if p > s then s = p end
  for i = 2, #KEYS do
    local a = tats[i] - tonumber(ARGV[2 * i])
    if a > s then s = a end
  end
  nextWait = s - now
  if nextWait > maxWait then break end
  for i = 2, #KEYS do
    local base = tats[i]
    if s > base then base = s end
    tats[i] = base + tonumber(ARGV[2 * i - 1])
  end
  waits[#waits + 1] = tostring(nextWait)
end
if #waits > 0 then
  for i = 2, #KEYS do redis.call('SET', KEYS[i], tostring(tats[i]), 'PX', math.ceil(tats[i] - now) + 5000) end
end
return {tostring(nextWait), waits}
`;
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local until_ = now + tonumber(ARGV[1])
local p = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > p then redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(until_ - now) + 1000) end
return 1
`;

export class RedisSlotStore implements SlotStore {
  constructor(
    private readonly redis: Redis,
    private readonly pauseKey: string,
    private readonly fallback: MemorySlotStore,
    private readonly onFallback: (err: unknown) => void,
  ) {}

  async take(keys: SlotKey[], maxWaitMs: number, count = 1) {
    try {
      const args = [String(Number.isFinite(maxWaitMs) ? maxWaitMs : 1e15), String(count), ...keys.flatMap((k) => [String(k.intervalMs), String(k.toleranceMs)])];
      const [next, waits] = (await this.redis.eval(TAKE, keys.length + 1, this.pauseKey, ...keys.map((k) => k.key), ...args)) as [string, string[]];
      return { waits: waits.map((w) => Math.max(0, Number(w))), nextWaitMs: Math.max(0, Number(next)) };
    } catch (err) {
      this.onFallback(err);
      return this.fallback.takeNow(keys, maxWaitMs, count);
    }
  }

  async pause(ms: number) {
    await this.fallback.pause(ms);
    try {
      await this.redis.eval(PAUSE, 1, this.pauseKey, String(ms));
    } catch (err) {
      this.onFallback(err);
    }
  }
}

/** slots reserved per store round trip (one Redis call serves up to this many calls) */
const PUMP_BATCH = 16;

export interface BudgetOptions {
  /** the bot token's free rate, messages/s (BOT_API_RATE; Telegram allows about 30) */
  ratePerS: number;
  /** the most of it bulk sends may use (BROADCAST_RATE) */
  bulkRatePerS: number;
  /** paid broadcasts' own rate (Telegram allows up to 1000/s with allow_paid_broadcast) */
  paidRatePerS?: number;
  /** per-chat spacing; default 1000 ms (about one message per second per chat) */
  perChatMs?: number;
  /** most calls waiting in this process per lane before refusing; default 20,000 */
  maxQueue?: number;
  /** the bot token: keys are per token, so two bots never share a budget */
  botId: string;
  redis?: Redis;
  metrics: Metrics;
  log: Logger;
}

interface Waiter {
  lane: Lane;
  chatId?: number;
  enqueuedAt: number;
  resolve: () => void;
}

export class OutboundBudget {
  readonly ratePerS: number;
  readonly bulkRatePerS: number;
  readonly paidRatePerS: number;
  private readonly store: SlotStore;
  private readonly queues: Record<Lane, Waiter[]> = { interactive: [], bulk: [], paid: [] };
  private pumping: Record<'free' | 'paid', boolean> = { free: false, paid: false };
  private wake: (() => void) | null = null;
  private readonly keys: Record<Lane, SlotKey[]>;
  private readonly chatKey: (chatId: number) => SlotKey;
  private readonly maxQueue: number;
  pauses = 0;

  constructor(private readonly o: BudgetOptions) {
    this.ratePerS = o.ratePerS;
    this.bulkRatePerS = Math.min(o.bulkRatePerS, o.ratePerS);
    this.paidRatePerS = o.paidRatePerS ?? 1000;
    this.maxQueue = o.maxQueue ?? 20_000;
    const p = `outbound:${o.botId}:`;
    // the tolerance lets a late timer catch up on at most ~50 ms of missed slots (never a burst
    // Telegram would refuse: its own bucket holds about a quarter second)
    const key = (name: string, rate: number): SlotKey => ({ key: `${p}${name}`, intervalMs: 1000 / rate, toleranceMs: Math.max(2000 / rate, 50) });
    const global = key('global', o.ratePerS);
    this.keys = {
      interactive: [global],
      bulk: [global, key('bulk', this.bulkRatePerS)],
      paid: [key('paid', this.paidRatePerS)],
    };
    const perChat = o.perChatMs ?? 1000;
    // Telegram tolerates a short burst in one chat (a reply and an edit), then about 1/s
    this.chatKey = (id) => ({ key: `${p}chat:${id}`, intervalMs: perChat, toleranceMs: 2 * perChat });
    const memory = new MemorySlotStore();
    let lastWarn = 0;
    this.store = o.redis
      ? new RedisSlotStore(o.redis, `${p}pause`, memory, (err) => {
          o.metrics.redisFallback.inc({ store: 'outbound' });
          if (performance.now() - lastWarn < 10_000) return;
          lastWarn = performance.now();
          o.log.warn({ err: String(err) }, 'outbound budget: redis unavailable, pacing this process alone');
        })
      : memory;
  }

  /** Calls waiting in this process, per lane. */
  depth(lane: Lane): number {
    return this.queues[lane].length;
  }

  /**
   * Wait for a slot. Interactive calls are never refused for the rate; a full queue (far beyond
   * any real burst) is refused (SERVICE_UNAVAILABLE), counted and logged.
   */
  async acquire(lane: Lane, chatId?: number): Promise<void> {
    const q = this.queues[lane];
    if (q.length >= this.maxQueue) {
      this.o.metrics.botApiQueueOverflow.inc({ lane });
      this.o.log.error({ lane, depth: q.length }, 'outbound budget: queue full, call refused');
      throw new DomainError('SERVICE_UNAVAILABLE', `outbound ${lane} queue full (${q.length})`);
    }
    const enqueuedAt = performance.now();
    if (chatId !== undefined) {
      // the per-chat gap is waited out before queueing, so one busy chat never holds up the others
      const c = await this.store.take([this.chatKey(chatId)], Infinity);
      const w = c.waits[0] ?? 0;
      if (w > 0) await sleep(w);
    }
    await new Promise<void>((resolve) => {
      q.push({ lane, chatId, enqueuedAt, resolve });
      this.o.metrics.botApiQueueDepth.set({ lane }, q.length);
      if (lane === 'interactive') this.wake?.();
      void this.pump(lane === 'paid' ? 'paid' : 'free');
    });
  }

  /** The one shared pause after a 429 (retry_after), for every lane and every process. */
  async pause(ms: number): Promise<void> {
    this.pauses++;
    this.o.metrics.botApiThrottled.inc();
    await this.store.pause(ms);
  }

  private async pump(which: 'free' | 'paid'): Promise<void> {
    if (this.pumping[which]) return;
    this.pumping[which] = true;
    try {
      for (;;) {
        const lane: Lane | null = which === 'paid' ? (this.queues.paid.length ? 'paid' : null) : this.queues.interactive.length ? 'interactive' : this.queues.bulk.length ? 'bulk' : null;
        if (!lane) break;
        // bulk only takes slots that are free now: anything interactive, here or in another process, goes first
        const q = this.queues[lane];
        const r = await this.store.take(this.keys[lane], lane === 'bulk' ? 1 : Infinity, Math.min(q.length, PUMP_BATCH));
        if (r.waits.length === 0) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(done, Math.min(Math.max(1, r.nextWaitMs), 50));
            function done() {
              clearTimeout(t);
              resolve();
            }
            this.wake = done;
          });
          this.wake = null;
          continue;
        }
        const t0 = performance.now();
        for (const wait of r.waits) {
          const due = wait - (performance.now() - t0);
          if (due > 1) await sleep(due);
          const w = q.shift()!;
          this.o.metrics.botApiWait.observe({ lane }, (performance.now() - w.enqueuedAt) / 1000);
          w.resolve();
        }
        this.o.metrics.botApiQueueDepth.set({ lane }, q.length);
      }
    } finally {
      this.pumping[which] = false;
    }
  }
}

/** Bot API methods that put something in front of a user: they all spend the budget. */
export function isSendingMethod(method: string): boolean {
  return /^(send|copy|forward|edit|answer|stopPoll|stopMessageLiveLocation)/.test(method) && method !== 'sendChatAction';
}

export interface TransformerOptions {
  /** 429s retried after the shared pause before giving up; default 10 */
  max429?: number;
  /** 5xx answers retried (interactive only, short backoff); default 2 */
  maxErrors?: number;
}

/**
 * The grammY API transformer (`api.config.use(outboundTransformer(budget, 'interactive'))`):
 * every sending call waits for its slot; a 429 pauses the whole budget once and the call takes a
 * new slot. Installed once on the bot (interactive) and once on the worker's sender (bulk); a call
 * with allow_paid_broadcast goes to the paid lane.
 */
export function outboundTransformer(budget: OutboundBudget, lane: Exclude<Lane, 'paid'>, o: TransformerOptions = {}): Transformer {
  const max429 = o.max429 ?? 10;
  const maxErrors = o.maxErrors ?? 2;
  return async (prev, method, payload, signal) => {
    if (!isSendingMethod(method)) return prev(method, payload, signal);
    const p = (payload ?? {}) as { chat_id?: unknown; allow_paid_broadcast?: unknown };
    const chatId = typeof p.chat_id === 'number' ? p.chat_id : typeof p.chat_id === 'string' && /^-?\d+$/.test(p.chat_id) ? Number(p.chat_id) : undefined;
    const l: Lane = p.allow_paid_broadcast === true ? 'paid' : lane;
    let throttled = 0;
    let errors = 0;
    for (;;) {
      await budget.acquire(l, chatId);
      // a network error is not retried here: the request may have landed (no idempotency key)
      const res = await prev(method, payload, signal);
      if (res.ok) return res;
      if (res.error_code === 429 && throttled++ < max429) {
        await budget.pause(Math.max(1, res.parameters?.retry_after ?? 1) * 1000);
        continue;
      }
      if (res.error_code >= 500 && lane === 'interactive' && ++errors <= maxErrors) {
        await sleep(200 * errors);
        continue;
      }
      return res;
    }
  };
}
