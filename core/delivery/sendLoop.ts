import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Api } from 'grammy';
import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import type { Clock } from '../platform/clock.js';
import type { Metrics } from '../platform/metrics.js';
import { countAudience, type Recipient, type Segment } from './audience.js';
import { Deliveries } from './deliveries.js';
import { BroadcastRun } from './broadcastRun.js';
import type { OutgoingMessage } from './announcement.js';
import type { OutboundBudget } from './budget.js';

/**
 * The send loop (docs/broadcast.md): reserves recipients in notification_deliveries
 * (core/delivery/deliveries.ts: exactly once, crash recovery), hands each message to the Bot API
 * sender and records the outcome. Pacing is not here: the sender carries the outbound budget's
 * transformer (core/delivery/budget.ts), which spaces bulk sends, yields to interactive answers and
 * pauses everything once on a 429. This loop only keeps about half a second of sends in the
 * budget's queue per lane, so a stop (deadline, abort) leaves little behind.
 */

/** The part of grammY's Api we use (so a fake Bot API or a stub works). */
export type SendApi = Pick<Api, 'sendMessage'>;

export interface RenderedMessage extends OutgoingMessage {
  /** which message of the kind this is (recorded in the deliveries row), e.g. 'pre' | 'live' */
  variant?: string;
}

export interface BroadcastJob {
  kind: string;
  /** local date (YYYY-MM-DD) the delivery belongs to */
  day: string;
  segment: Segment;
  /** called right before the request, so a message can depend on the time it goes out */
  render: (r: Recipient) => RenderedMessage;
  /** stop reserving new recipients at this instant (injected clock), e.g. the window's close */
  deadlineMs?: number;
  /** send nothing before this instant (injected clock): the loop may start earlier to have recipients reserved by then */
  notBeforeMs?: number;
  /** paid sending (allow_paid_broadcast) beside the free lane: at most `quota` messages, from `fromMs` on */
  paid?: { quota: number; fromMs: number };
  signal?: AbortSignal;
  owner?: string;
}

export interface BroadcastResult {
  kind: string;
  day: string;
  owner: string;
  sent: number;
  blocked: number;
  failed: number;
  /** rows of crashed senders whose outcome cannot be known (see deliveries.ts) */
  unknown: number;
  released: number;
  /** messages sent with allow_paid_broadcast (billed in Stars) */
  paid: number;
  /** sent per variant */
  variants: Record<string, number>;
  stoppedBy: 'done' | 'abort' | 'deadline';
  durationMs: number;
}

export interface BroadcasterOptions {
  database: Database;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** the sender: a grammY Api with the outbound budget's transformer installed */
  api: SendApi;
  /** that budget: the loop keeps ~¼ s of sends waiting in it (without it, ~¼ s in flight) */
  budget?: Pick<OutboundBudget, 'depth'>;
  /** most requests in flight at once; default 256 */
  maxInflight?: number;
  /** the budget's bulk rate (messages/s): sizes the look-ahead, does not pace */
  rate: number;
  /** the paid lane's rate (allow_paid_broadcast), for sizing its look-ahead; default 1000 */
  paidRate?: number;
  /** a 'claimed' row older than this belongs to a dead sender; default 60 s */
  leaseMs?: number;
  /** tries for errors other than 403 (5xx, network); default 3 */
  maxAttempts?: number;
}

export class Broadcaster {
  readonly deliveries: Deliveries;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;

  constructor(private readonly o: BroadcasterOptions) {
    this.deliveries = new Deliveries(o.database);
    this.leaseMs = o.leaseMs ?? 60_000;
    this.maxAttempts = o.maxAttempts ?? 3;
  }

  get rate() {
    return this.o.rate;
  }

  get api(): SendApi {
    return this.o.api;
  }

  async run(job: BroadcastJob): Promise<BroadcastResult> {
    const owner = job.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    return new BroadcastRun({ ...this.o, leaseMs: this.leaseMs, maxAttempts: this.maxAttempts }, this.deliveries, job, owner, () => this.countRemaining(job)).execute();
  }

  /** Recipients still to reach for this job (new ones plus untried rows of stopped senders). */
  async countRemaining(job: Pick<BroadcastJob, 'kind' | 'day' | 'segment'>): Promise<number> {
    return (await countAudience(this.o.database, job.segment, job.kind, job.day)) + (await this.deliveries.countUntried(job.kind, job.day));
  }
}

