import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import type { GameEvent, WireEvent } from '../domain/events.js';
import { createRedis } from './stores.js';

/**
 * The PLAY_GAME queue (docs/design.md): in-process for the embedded default, a Redis Streams
 * consumer group in production. Delivery is at-least-once; the consumer is idempotent because
 * every write in applyEvents is guarded by a unique key.
 */
export type BatchHandler = (events: GameEvent[]) => Promise<void>;

export interface EventQueue {
  readonly kind: 'memory' | 'redis';
  /**
   * Queues one request's events, all received at `receivedAt` (epoch ms). Resolves once they are
   * durably queued (Redis) or accepted in process (memory).
   */
  enqueue(receivedAt: number, events: readonly WireEvent[]): Promise<void>;
  startConsumer(handler: BatchHandler): void;
  stop(): Promise<void>;
  /** events (memory) or entries (redis) not yet acknowledged */
  pending(): Promise<number>;
  /** resolves when everything enqueued so far is applied (tests, bench, shutdown) */
  drain(timeoutMs?: number): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits briefly for a (re)connecting client; a dead Redis fails fast so ingest can answer 503. */
function waitReady(r: Redis, ms: number): Promise<void> {
  if (r.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      r.off('ready', ok);
      reject(new Error(`redis ${r.status}`));
    }, ms);
    const ok = () => {
      clearTimeout(t);
      resolve();
    };
    r.once('ready', ok);
  });
}

export class MemoryEventQueue implements EventQueue {
  readonly kind = 'memory' as const;
  private items: GameEvent[] = [];
  private handler: BatchHandler | null = null;
  private running = false;
  private busy = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly batchSize: number,
    private readonly log: Logger,
  ) {}

  async enqueue(receivedAt: number, events: readonly WireEvent[]) {
    for (const e of events) this.items.push({ ...e, receivedAt });
    this.wake?.();
  }

  startConsumer(handler: BatchHandler) {
    this.handler = handler;
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  private async loop() {
    let backoff = 50;
    while (this.running) {
      if (this.items.length === 0) {
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, 250);
        });
        this.wake = null;
        continue;
      }
      const batch = this.items.slice(0, this.batchSize);
      this.busy = true;
      try {
        await this.handler!(batch);
        this.items.splice(0, batch.length);
        backoff = 50;
      } catch (err) {
        this.log.error({ err }, 'event batch failed; will retry');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      } finally {
        this.busy = false;
      }
    }
  }

  async pending() {
    return this.items.length;
  }

  async drain(timeoutMs = 30_000) {
    const until = performance.now() + timeoutMs;
    while (this.items.length > 0 || this.busy) {
      if (performance.now() > until) throw new Error(`queue not drained: ${this.items.length} left`);
      await sleep(5);
    }
  }

  async stop() {
    this.running = false;
    this.wake?.();
  }
}

export interface RedisQueueOptions {
  redisUrl: string;
  prefix: string;
  batchSize: number;
  log: Logger;
  /** entries idle this long in another consumer's pending list are taken over (XAUTOCLAIM) */
  claimIdleMs?: number;
  consumerName?: string;
  blockMs?: number;
  /**
   * Batches applied at once (CONSUMER_IN_FLIGHT). One batch at a time leaves a core idle while
   * Postgres commits; 2–4 let it use both. Safe because every write is keyed and each batch
   * takes its row locks in user order (core/missions/progress.ts).
   */
  inFlight?: number;
}

export class RedisStreamQueue implements EventQueue {
  readonly kind = 'redis' as const;
  readonly stream: string;
  readonly group = 'appliers';
  readonly consumer: string;
  private readonly producer: Redis;
  private reader: Redis | null = null;
  private running = false;
  private loopDone: Promise<void> | null = null;
  private groupReady = false;

  constructor(private readonly o: RedisQueueOptions) {
    this.stream = `${o.prefix}events`;
    this.consumer = o.consumerName ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.producer = createRedis(o.redisUrl);
    this.producer.on('error', () => {});
  }

  private async ensureGroup(r: Redis) {
    if (this.groupReady) return;
    try {
      await r.xgroup('CREATE', this.stream, this.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String(err).includes('BUSYGROUP')) throw err;
    }
    this.groupReady = true;
  }

  async enqueue(receivedAt: number, events: readonly WireEvent[]) {
    if (events.length === 0) return;
    try {
      if (this.producer.status !== 'ready') await waitReady(this.producer, 1500);
      // one stream entry per ingest request: one round trip, and the entry is the unit of ack. The
      // receive stamp once ('r') and the events as sent ('e'): a third less to write, read and
      // parse than a stamp on every event
      await this.producer.xadd(this.stream, '*', 'r', String(receivedAt), 'e', JSON.stringify(events));
    } catch (err) {
      throw new DomainError('SERVICE_UNAVAILABLE', 'event queue unavailable, retry later', { retryAfterS: 2, cause: String(err) });
    }
  }

  startConsumer(handler: BatchHandler) {
    if (this.running) return;
    this.running = true;
    this.reader = createRedis(this.o.redisUrl);
    this.reader.on('error', () => {});
    this.loopDone = this.loop(handler);
  }

  private parse(entries: [string, string[]][]): { ids: string[]; events: GameEvent[] } {
    const ids: string[] = [];
    const events: GameEvent[] = [];
    for (const [id, fields] of entries) {
      ids.push(id);
      let receivedAt = NaN;
      let wire: string | undefined;
      for (let i = 0; i + 1 < fields.length; i += 2) {
        const k = fields[i];
        if (k === 'r') receivedAt = Number(fields[i + 1]);
        else if (k === 'e') wire = fields[i + 1];
        else if (k === 'b') {
          // entries written before the stamp was kept apart: every event carries its own
          try {
            for (const e of JSON.parse(fields[i + 1]!) as GameEvent[]) events.push(e);
          } catch (err) {
            this.o.log.error({ err, id }, 'unreadable stream entry skipped');
          }
        }
      }
      if (wire === undefined) continue;
      try {
        if (!Number.isFinite(receivedAt)) throw new Error('no receive stamp');
        for (const e of JSON.parse(wire) as GameEvent[]) {
          e.receivedAt = receivedAt;
          events.push(e);
        }
      } catch (err) {
        this.o.log.error({ err, id }, 'unreadable stream entry skipped');
      }
    }
    return { ids, events };
  }

  private async loop(handler: BatchHandler) {
    const r = this.reader!;
    const claimIdle = this.o.claimIdleMs ?? 30_000;
    // entries per read, so that a batch holds about CONSUMER_BATCH events: sized by the events per
    // entry of the last read (ingest requests carry 1 to 1000 events each)
    let perRead = Math.max(1, Math.ceil(this.o.batchSize / 100));
    const maxInFlight = Math.max(1, this.o.inFlight ?? 1);
    // entries being applied right now: XAUTOCLAIM must not hand them to us a second time
    const busy = new Set<string>();
    const inFlight = new Set<Promise<void>>();
    let lastClaim = 0;
    let backoff = 100;
    let failed = false;
    const apply = async (ids: string[], events: GameEvent[]) => {
      try {
        if (events.length) await handler(events);
        // acknowledged on the producer connection: the reader may be blocked in XREADGROUP
        await this.producer.multi().xack(this.stream, this.group, ...ids).xdel(this.stream, ...ids).exec();
      } catch (err) {
        // left pending: XAUTOCLAIM hands the entries out again once they are idle
        if (this.running) this.o.log.error({ err }, 'stream batch failed; its entries will be reclaimed');
        failed = true;
      } finally {
        for (const id of ids) busy.delete(id);
      }
    };
    while (this.running) {
      try {
        if (inFlight.size >= maxInFlight) {
          await Promise.race(inFlight);
          continue;
        }
        if (failed) {
          failed = false;
          await sleep(backoff);
          backoff = Math.min(backoff * 2, 5000);
        }
        if (r.status !== 'ready') {
          await sleep(200);
          continue;
        }
        await this.ensureGroup(r);
        let entries: [string, string[]][] = [];
        if (performance.now() - lastClaim > Math.min(claimIdle, 5000)) {
          lastClaim = performance.now();
          const res = (await r.xautoclaim(this.stream, this.group, this.consumer, claimIdle, '0-0', 'COUNT', perRead)) as [string, [string, string[]][], string[]];
          entries = (res[1] ?? []).filter((e) => e && e[1] && !busy.has(e[0]));
          // entries deleted while pending come back as ids only: acknowledge them away
          if (res[2]?.length) await r.xack(this.stream, this.group, ...res[2]);
        }
        if (entries.length === 0) {
          const res = (await r.xreadgroup('GROUP', this.group, this.consumer, 'COUNT', perRead, 'BLOCK', this.o.blockMs ?? 500, 'STREAMS', this.stream, '>')) as
            | [string, [string, string[]][]][]
            | null;
          entries = res?.[0]?.[1] ?? [];
        }
        if (entries.length === 0) continue;
        const { ids, events } = this.parse(entries);
        if (events.length) perRead = Math.min(1000, Math.max(1, Math.floor(this.o.batchSize / (events.length / ids.length))));
        for (const id of ids) busy.add(id);
        const p = apply(ids, events).finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (!failed) backoff = 100;
      } catch (err) {
        if (!this.running) break;
        if (String(err).includes('NOGROUP')) this.groupReady = false;
        this.o.log.error({ err }, 'stream consumer error; retrying');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
    await Promise.allSettled([...inFlight]);
  }

  async pending() {
    try {
      const len = await this.producer.xlen(this.stream);
      return Number(len);
    } catch {
      return -1;
    }
  }

  async drain(timeoutMs = 60_000) {
    const until = performance.now() + timeoutMs;
    while ((await this.pending()) !== 0) {
      if (performance.now() > until) throw new Error('queue not drained');
      await sleep(10);
    }
  }

  async stop() {
    this.running = false;
    await this.loopDone?.catch(() => {});
    this.reader?.disconnect();
    this.producer.disconnect();
  }
}
