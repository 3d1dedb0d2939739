import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { GrammyError, HttpError, type Api } from 'grammy';
import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import type { Clock } from '../platform/clock.js';
import type { Metrics } from '../platform/metrics.js';
import { countAudience, expectedFinish, selectAudience, type Recipient, type Segment } from './audience.js';
import { Deliveries, type Outcome } from './deliveries.js';
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

/** Wakes one waiting loop; a notify with nobody waiting is remembered. */
class Wakeup {
  private waiter: (() => void) | null = null;
  private pending = false;
  wait(): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((r) => (this.waiter = r));
  }
  notify(): void {
    const w = this.waiter;
    this.waiter = null;
    if (w) w();
    else this.pending = true;
  }
}

/** kind label without per-run suffixes (test:<id> → test), so metric cardinality stays fixed */
const metricKind = (kind: string) => kind.split(':')[0]!;

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
    const { database, clock, log, metrics } = this.o;
    const d = this.deliveries;
    const owner = job.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const { kind, day } = job;
    const started = clock.nowMs();
    const res: BroadcastResult = { kind, day, owner, sent: 0, blocked: 0, failed: 0, unknown: 0, released: 0, paid: 0, variants: {}, stoppedBy: 'done', durationMs: 0 };
    const nowIso = () => clock.now().toISOString();
    const staleBefore = () => new Date(clock.nowMs() - this.leaseMs).toISOString();

    const lost = await d.markLost(kind, day, staleBefore());
    if (lost) {
      res.unknown += lost;
      metrics.notification.inc({ kind: metricKind(kind), result: 'unknown' }, lost);
      log.warn({ kind, day, count: lost }, 'broadcast: rows of a crashed sender left as unknown (not resent)');
    }

    const outcomes: Outcome[] = [];
    const inflight = new Set<Promise<void>>();
    /** marked attempted but not yet handed to the API: safe to release on a graceful stop */
    const notLaunched = new Set<number>();
    const flush = async () => {
      if (outcomes.length === 0) return;
      const batch = outcomes.splice(0, outcomes.length);
      try {
        await d.recordOutcomes(kind, day, owner, batch);
      } catch (err) {
        outcomes.unshift(...batch);
        throw err;
      }
      for (const b of batch) {
        res[b.status]++;
        if (b.status === 'sent' && b.variant) res.variants[b.variant] = (res.variants[b.variant] ?? 0) + 1;
        metrics.notification.inc({ kind: metricKind(kind), result: b.status });
      }
    };

    /** Reserve up to n recipients: first untried rows of dead senders, then new ones. */
    let cursor: { activeAt: string | null; id: number } | null = null;
    const reserve = async (n: number): Promise<Recipient[]> => {
      const taken = await d.takeOverUntried(kind, day, owner, nowIso(), staleBefore(), n);
      if (taken.length) {
        log.info({ kind, day, count: taken.length }, 'broadcast: resuming rows reserved by a stopped sender');
        return recipientsByIds(database, job.segment, taken);
      }
      for (let sweep = 0; sweep < 2; sweep++) {
        for (;;) {
          const candidates = await selectAudience(database, job.segment, { kind, day, limit: n, after: cursor });
          if (candidates.length === 0) break;
          const last = candidates[candidates.length - 1]!;
          cursor = { activeAt: last.activeAt ?? null, id: last.id };
          const mine = await d.reserve(kind, day, owner, nowIso(), candidates.map((c) => c.id));
          const out = candidates.filter((c) => mine.has(c.id));
          if (out.length) return out;
          // another sender took this page; move on
        }
        // players who became active after we passed them moved above the cursor: one fresh sweep
        if (cursor === null) break;
        cursor = null;
      }
      return [];
    };

    const deliver = async (r: Recipient, paid: boolean) => {
      const msg = job.render(r);
      const other = { parse_mode: 'HTML' as const, reply_markup: msg.reply_markup, link_preview_options: { is_disabled: true }, ...(paid ? { allow_paid_broadcast: true } : {}) };
      const variant = msg.variant ?? null;
      let errors = 0;
      for (;;) {
        try {
          await this.o.api.sendMessage(r.id, msg.text, other);
          if (paid) res.paid++;
          outcomes.push({ id: r.id, status: 'sent', error: null, at: nowIso(), variant });
          return;
        } catch (err) {
          if (err instanceof GrammyError && err.error_code === 403) {
            outcomes.push({ id: r.id, status: 'blocked', error: err.description.slice(0, 200), at: nowIso(), variant });
            return;
          }
          // 400 (chat not found, bad request) will not get better by retrying; 429s were retried by the budget
          if (++errors >= this.maxAttempts || (err instanceof GrammyError && err.error_code === 400)) {
            const text = err instanceof GrammyError ? `${err.error_code} ${err.description}` : err instanceof HttpError ? `network: ${err.message}` : String(err);
            outcomes.push({ id: r.id, status: 'failed', error: text.slice(0, 300), at: nowIso(), variant });
            return;
          }
          await sleep(250 * 2 ** errors);
        }
      }
    };

    // Fewer, larger statements: on a busy box each statement costs tens of ms whatever its size.
    // The price is crash exposure: up to ~0.5 s of marked-but-unsent rows (deliveries.ts).
    const paidRate = job.paid && job.paid.quota > 0 ? (this.o.paidRate ?? 1000) : 0;
    // about a quarter second of sends waiting in the budget per lane, half a second marked and
    // ready: the crash exposure (rows marked attempted but not sent) stays under a second of sends
    const lookahead = (rate: number) => Math.ceil(rate * 0.25) + 2;
    const freeWindow = lookahead(this.o.rate);
    const paidWindow = paidRate ? lookahead(paidRate) : 0;
    const aheadSize = Math.max(2, Math.ceil((this.o.rate + paidRate) * 0.5));
    const chunkSize = Math.max(1, Math.ceil(aheadSize / 2));
    const batchSize = Math.min(1000, Math.max(aheadSize, (this.o.rate + paidRate) * 2));
    // logged beside the first sends, not before them: a count over the audience must not delay the start
    const t0 = clock.nowMs();
    void this.countRemaining(job)
      .then((plan) => {
        const eta = expectedFinish(plan, this.o.rate, t0);
        log.info({ kind, day, owner, recipients: plan, rate: this.o.rate, paidQuota: job.paid?.quota ?? 0, expectedSeconds: eta.seconds, expectedFinishAt: eta.finishAt.toISOString() }, 'broadcast starting');
      })
      .catch(() => {});

    // Database work runs beside the send loop, so a slow query never stalls the pace: the
    // producer reserves and marks a little ahead, outcomes are written about twice a second.
    const ready: Recipient[] = [];
    const wake = new Wakeup();
    let stop: BroadcastResult['stoppedBy'] | null = null;
    let failure: unknown = null;
    const stopping = () => {
      if (stop) return true;
      if (job.signal?.aborted) stop = 'abort';
      else if (job.deadlineMs !== undefined && clock.nowMs() >= job.deadlineMs) stop = 'deadline';
      return stop !== null;
    };
    let producing = true;
    const producer = (async () => {
      let buffer: Recipient[] = [];
      try {
        while (!stopping()) {
          const want = aheadSize - ready.length;
          if (want < chunkSize) {
            await wake.wait();
            continue;
          }
          if (buffer.length === 0) buffer = await reserve(batchSize);
          if (buffer.length === 0) break;
          const chunk = buffer.splice(0, want);
          const ours = await d.markAttempted(kind, day, owner, nowIso(), chunk.map((c) => c.id));
          for (const c of chunk) {
            if (!ours.has(c.id)) continue;
            notLaunched.add(c.id);
            ready.push(c);
          }
          wake.notify();
        }
      } catch (err) {
        failure = err;
      } finally {
        producing = false;
        wake.notify();
      }
    })();

    let writes: Promise<void> = Promise.resolve();
    let lastRefresh = clock.nowMs();
    let writeQueued = false;
    const writeBehind = () => {
      // at most one write waiting: it takes every outcome gathered until it runs
      if (writeQueued) return;
      writeQueued = true;
      writes = writes.then(async () => {
        writeQueued = false;
        try {
          await flush();
          if (clock.nowMs() - lastRefresh > this.leaseMs / 3) {
            lastRefresh = clock.nowMs();
            await d.refreshClaims(kind, day, owner, nowIso());
          }
        } catch (err) {
          log.warn({ err, kind, day }, 'broadcast: writing outcomes failed; will retry');
        }
      });
    };

    const budget = this.o.budget;
    const maxInflight = this.o.maxInflight ?? 256;
    let freeIn = 0;
    let paidIn = 0;
    let paidLeft = job.paid?.quota ?? 0;
    const paidOpen = () => paidWindow > 0 && paidLeft > 0 && clock.nowMs() >= job.paid!.fromMs;
    try {
      let lastWrite = performance.now();
      for (;;) {
        if (failure) throw failure;
        if (stopping()) break;
        // room in a lane: the free one first, the paid one when the free one is full
        let paid: boolean | null = null;
        while (paid === null) {
          const room = inflight.size < maxInflight;
          if (room && (budget ? budget.depth('bulk') : freeIn) < freeWindow) paid = false;
          else if (room && paidOpen() && (budget ? budget.depth('paid') : paidIn) < paidWindow) paid = true;
          else await Promise.race(inflight);
        }
        if (job.notBeforeMs !== undefined && clock.nowMs() < job.notBeforeMs) {
          await sleep(Math.min(50, job.notBeforeMs - clock.nowMs()));
          continue;
        }
        const r = ready.shift();
        if (!r) {
          if (!producing) break;
          await wake.wait();
          continue;
        }
        wake.notify();
        if (stopping()) {
          ready.unshift(r);
          break;
        }
        notLaunched.delete(r.id);
        if (paid) {
          paidIn++;
          paidLeft--;
        } else freeIn++;
        const p: Promise<void> = deliver(r, paid).finally(() => {
          inflight.delete(p);
          if (paid) paidIn--;
          else freeIn--;
        });
        inflight.add(p);
        if (performance.now() - lastWrite >= 500) {
          lastWrite = performance.now();
          writeBehind();
        }
      }
      if (failure) throw failure;
    } finally {
      res.stoppedBy = stop ?? 'done';
      // make the producer notice and finish (its untried rows are released below)
      stop ??= 'done';
      wake.notify();
      await producer;
      await Promise.allSettled([...inflight]);
      await writes;
      await flush();
      // untried reservations go back at once, so a restart (or another sender) resumes without waiting for the lease
      res.released = await d.releaseUntried(kind, day, owner, [...notLaunched]);
      res.durationMs = clock.nowMs() - started;
    }
    log.info({ ...res }, 'broadcast finished');
    return res;
  }

  /** Recipients still to reach for this job (new ones plus untried rows of stopped senders). */
  async countRemaining(job: Pick<BroadcastJob, 'kind' | 'day' | 'segment'>): Promise<number> {
    return (await countAudience(this.o.database, job.segment, job.kind, job.day)) + (await this.deliveries.countUntried(job.kind, job.day));
  }
}

/** Recipients for taken-over rows: their language, and their progress for a reminder. */
async function recipientsByIds(database: Database, seg: Segment, ids: number[]): Promise<Recipient[]> {
  const list = `{${ids.join(',')}}`;
  const langs = await database.query<{ id: string; language_code: string | null }>(
    sql`select x.id::text as id, u.language_code from unnest(${list}::bigint[]) as x(id) left join users u on u.id = x.id`,
  );
  let progress: Map<number, number> | null = null;
  if (seg.type === 'reminder') {
    const rows = await database.query<{ id: string; progress: number }>(
      sql`select user_id::text as id, progress from user_mission_progress
          where mission_id = ${seg.missionId} and period_key = ${seg.periodKey} and user_id = any(${list}::bigint[])`,
    );
    progress = new Map(rows.map((r) => [Number(r.id), Number(r.progress)]));
  }
  return langs.map((l) => ({ id: Number(l.id), languageCode: l.language_code, ...(progress ? { progress: progress.get(Number(l.id)) ?? 0 } : {}) }));
}
