import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { GrammyError, HttpError } from 'grammy';
import type { Database } from '../../db/connection.js';
import { expectedFinish, selectAudience, type Recipient, type Segment } from './audience.js';
import type { Deliveries, Outcome } from './deliveries.js';
import type { BroadcasterOptions, BroadcastJob, BroadcastResult } from './sendLoop.js';

/**
 * One run of a broadcast job for the send loop (core/delivery/sendLoop.ts `Broadcaster.run`,
 * docs/broadcast.md): reserve, mark attempted, send, record the outcome, release what was not tried.
 */

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

/** How far a run reaches ahead (docs/broadcast.md): sizes from the lanes' rates, none of them pacing. */
interface RunSizes {
  /** sends waiting in the budget per lane: about a quarter second of each */
  freeWindow: number;
  paidWindow: number;
  /** recipients marked and ready: about half a second of sends */
  aheadSize: number;
  /** the producer tops `ready` up in chunks of this many */
  chunkSize: number;
  /** recipients reserved per statement */
  batchSize: number;
}

function runSizes(rate: number, paidRate: number): RunSizes {
  // Fewer, larger statements: on a busy box each statement costs tens of ms whatever its size.
  // The price is crash exposure: rows marked attempted but not sent stay under a second of sends
  // (deliveries.ts).
  const lookahead = (r: number) => Math.ceil(r * 0.25) + 2;
  const aheadSize = Math.max(2, Math.ceil((rate + paidRate) * 0.5));
  return {
    freeWindow: lookahead(rate),
    paidWindow: paidRate ? lookahead(paidRate) : 0,
    aheadSize,
    chunkSize: Math.max(1, Math.ceil(aheadSize / 2)),
    batchSize: Math.min(1000, Math.max(aheadSize, (rate + paidRate) * 2)),
  };
}

export type RunOptions = BroadcasterOptions & { leaseMs: number; maxAttempts: number };

/**
 * One run of a broadcast job. Database work runs beside the send loop, so a slow query never
 * stalls the pace: the producer reserves and marks a little ahead (`ready`), the send loop hands
 * each ready recipient to the sender in a lane with room, and outcomes are written behind it about
 * twice a second. On any stop the producer finishes, in-flight sends settle, outcomes are written
 * and untried reservations are released.
 */
export class BroadcastRun {
  private readonly res: BroadcastResult;
  private readonly sizes: RunSizes;
  private readonly outcomes: Outcome[] = [];
  private readonly inflight = new Set<Promise<void>>();
  /** marked attempted but not yet handed to the API: safe to release on a graceful stop */
  private readonly notLaunched = new Set<number>();
  /** marked and waiting for a lane */
  private readonly ready: Recipient[] = [];
  private readonly wake = new Wakeup();
  /** keyset position in the audience while reserving */
  private cursor: { activeAt: string | null; id: number } | null = null;
  private stop: BroadcastResult['stoppedBy'] | null = null;
  private failure: unknown = null;
  private producing = true;
  private writes: Promise<void> = Promise.resolve();
  private writeQueued = false;
  private lastRefresh = 0;
  private freeIn = 0;
  private paidIn = 0;
  private paidLeft: number;

  constructor(
    private readonly o: RunOptions,
    private readonly d: Deliveries,
    private readonly job: BroadcastJob,
    private readonly owner: string,
    private readonly countRemaining: () => Promise<number>,
  ) {
    this.res = { kind: job.kind, day: job.day, owner, sent: 0, blocked: 0, failed: 0, unknown: 0, released: 0, paid: 0, variants: {}, stoppedBy: 'done', durationMs: 0 };
    const paidRate = job.paid && job.paid.quota > 0 ? (o.paidRate ?? 1000) : 0;
    this.sizes = runSizes(o.rate, paidRate);
    this.paidLeft = job.paid?.quota ?? 0;
  }

  private nowIso = () => this.o.clock.now().toISOString();
  private staleBefore = () => new Date(this.o.clock.nowMs() - this.o.leaseMs).toISOString();

  async execute(): Promise<BroadcastResult> {
    const { clock, log } = this.o;
    const started = clock.nowMs();
    await this.markLostRows();
    this.logStart();
    const producer = this.produce();
    this.lastRefresh = clock.nowMs();
    try {
      await this.sendReady();
      if (this.failure) throw this.failure;
    } finally {
      await this.finish(producer, started);
    }
    log.info({ ...this.res }, 'broadcast finished');
    return this.res;
  }

  /** Rows a crashed sender marked attempted: their outcome cannot be known, so they are never resent. */
  private async markLostRows(): Promise<void> {
    const { kind, day } = this.job;
    const lost = await this.d.markLost(kind, day, this.staleBefore());
    if (!lost) return;
    this.res.unknown += lost;
    this.o.metrics.notification.inc({ kind: metricKind(kind), result: 'unknown' }, lost);
    this.o.log.warn({ kind, day, count: lost }, 'broadcast: rows of a crashed sender left as unknown (not resent)');
  }

  /** Logged beside the first sends, not before them: a count over the audience must not delay the start. */
  private logStart(): void {
    const { kind, day, paid } = this.job;
    const t0 = this.o.clock.nowMs();
    void this.countRemaining()
      .then((plan) => {
        const eta = expectedFinish(plan, this.o.rate, t0);
        this.o.log.info({ kind, day, owner: this.owner, recipients: plan, rate: this.o.rate, paidQuota: paid?.quota ?? 0, expectedSeconds: eta.seconds, expectedFinishAt: eta.finishAt.toISOString() }, 'broadcast starting');
      })
      .catch(() => {});
  }

  private stopping(): boolean {
    if (this.stop) return true;
    if (this.job.signal?.aborted) this.stop = 'abort';
    else if (this.job.deadlineMs !== undefined && this.o.clock.nowMs() >= this.job.deadlineMs) this.stop = 'deadline';
    return this.stop !== null;
  }

  /** Writes the gathered outcomes; on failure they stay to be written with the next batch. */
  private async flush(): Promise<void> {
    if (this.outcomes.length === 0) return;
    const { kind, day } = this.job;
    const batch = this.outcomes.splice(0, this.outcomes.length);
    try {
      await this.d.recordOutcomes(kind, day, this.owner, batch);
    } catch (err) {
      this.outcomes.unshift(...batch);
      throw err;
    }
    for (const b of batch) {
      this.res[b.status]++;
      if (b.status === 'sent' && b.variant) this.res.variants[b.variant] = (this.res.variants[b.variant] ?? 0) + 1;
      this.o.metrics.notification.inc({ kind: metricKind(kind), result: b.status });
    }
  }

  /** Reserve up to n recipients: first untried rows of dead senders, then new ones. */
  private async reserve(n: number): Promise<Recipient[]> {
    const { kind, day, segment } = this.job;
    const { database, log } = this.o;
    const taken = await this.d.takeOverUntried(kind, day, this.owner, this.nowIso(), this.staleBefore(), n);
    if (taken.length) {
      log.info({ kind, day, count: taken.length }, 'broadcast: resuming rows reserved by a stopped sender');
      return recipientsByIds(database, segment, taken);
    }
    for (let sweep = 0; sweep < 2; sweep++) {
      for (;;) {
        const candidates = await selectAudience(database, segment, { kind, day, limit: n, after: this.cursor });
        if (candidates.length === 0) break;
        const last = candidates[candidates.length - 1]!;
        this.cursor = { activeAt: last.activeAt ?? null, id: last.id };
        const mine = await this.d.reserve(kind, day, this.owner, this.nowIso(), candidates.map((c) => c.id));
        const out = candidates.filter((c) => mine.has(c.id));
        if (out.length) return out;
        // another sender took this page; move on
      }
      // players who became active after we passed them moved above the cursor: one fresh sweep
      if (this.cursor === null) break;
      this.cursor = null;
    }
    return [];
  }

  /** Keeps `ready` about aheadSize long: reserves in batches, marks attempted in chunks. */
  private async produce(): Promise<void> {
    const { kind, day } = this.job;
    const { aheadSize, chunkSize, batchSize } = this.sizes;
    let buffer: Recipient[] = [];
    try {
      while (!this.stopping()) {
        const want = aheadSize - this.ready.length;
        if (want < chunkSize) {
          await this.wake.wait();
          continue;
        }
        if (buffer.length === 0) buffer = await this.reserve(batchSize);
        if (buffer.length === 0) break;
        const chunk = buffer.splice(0, want);
        const ours = await this.d.markAttempted(kind, day, this.owner, this.nowIso(), chunk.map((c) => c.id));
        for (const c of chunk) {
          if (!ours.has(c.id)) continue;
          this.notLaunched.add(c.id);
          this.ready.push(c);
        }
        this.wake.notify();
      }
    } catch (err) {
      this.failure = err;
    } finally {
      this.producing = false;
      this.wake.notify();
    }
  }

  /** At most one write waiting: it takes every outcome gathered until it runs (and keeps the claims fresh). */
  private writeBehind(): void {
    if (this.writeQueued) return;
    this.writeQueued = true;
    const { kind, day } = this.job;
    this.writes = this.writes.then(async () => {
      this.writeQueued = false;
      try {
        await this.flush();
        if (this.o.clock.nowMs() - this.lastRefresh > this.o.leaseMs / 3) {
          this.lastRefresh = this.o.clock.nowMs();
          await this.d.refreshClaims(kind, day, this.owner, this.nowIso());
        }
      } catch (err) {
        this.o.log.warn({ err, kind, day }, 'broadcast: writing outcomes failed; will retry');
      }
    });
  }

  /** Waits for room in a lane: the free one first, the paid one when the free one is full. Returns whether it is the paid lane. */
  private async laneWithRoom(): Promise<boolean> {
    const budget = this.o.budget;
    const maxInflight = this.o.maxInflight ?? 256;
    const { freeWindow, paidWindow } = this.sizes;
    const paidOpen = () => paidWindow > 0 && this.paidLeft > 0 && this.o.clock.nowMs() >= this.job.paid!.fromMs;
    for (;;) {
      const room = this.inflight.size < maxInflight;
      if (room && (budget ? budget.depth('bulk') : this.freeIn) < freeWindow) return false;
      if (room && paidOpen() && (budget ? budget.depth('paid') : this.paidIn) < paidWindow) return true;
      await Promise.race(this.inflight);
    }
  }

  /** The send loop: each ready recipient to a lane with room, until the audience is done or a stop. */
  private async sendReady(): Promise<void> {
    const { clock } = this.o;
    const job = this.job;
    let lastWrite = performance.now();
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.stopping()) break;
      const paid = await this.laneWithRoom();
      if (job.notBeforeMs !== undefined && clock.nowMs() < job.notBeforeMs) {
        await sleep(Math.min(50, job.notBeforeMs - clock.nowMs()));
        continue;
      }
      const r = this.ready.shift();
      if (!r) {
        if (!this.producing) break;
        await this.wake.wait();
        continue;
      }
      this.wake.notify();
      if (this.stopping()) {
        this.ready.unshift(r);
        break;
      }
      this.launch(r, paid);
      if (performance.now() - lastWrite >= 500) {
        lastWrite = performance.now();
        this.writeBehind();
      }
    }
  }

  private launch(r: Recipient, paid: boolean): void {
    this.notLaunched.delete(r.id);
    if (paid) {
      this.paidIn++;
      this.paidLeft--;
    } else this.freeIn++;
    const p: Promise<void> = this.deliver(r, paid).finally(() => {
      this.inflight.delete(p);
      if (paid) this.paidIn--;
      else this.freeIn--;
    });
    this.inflight.add(p);
  }

  /** One message: 403 is blocked, 400 failed at once, other errors retried with backoff up to maxAttempts. */
  private async deliver(r: Recipient, paid: boolean): Promise<void> {
    const msg = this.job.render(r);
    const other = { parse_mode: 'HTML' as const, reply_markup: msg.reply_markup, link_preview_options: { is_disabled: true }, ...(paid ? { allow_paid_broadcast: true } : {}) };
    const variant = msg.variant ?? null;
    let errors = 0;
    for (;;) {
      try {
        await this.o.api.sendMessage(r.id, msg.text, other);
        if (paid) this.res.paid++;
        this.outcomes.push({ id: r.id, status: 'sent', error: null, at: this.nowIso(), variant });
        return;
      } catch (err) {
        if (err instanceof GrammyError && err.error_code === 403) {
          this.outcomes.push({ id: r.id, status: 'blocked', error: err.description.slice(0, 200), at: this.nowIso(), variant });
          return;
        }
        // 400 (chat not found, bad request) will not get better by retrying; 429s were retried by the budget
        if (++errors >= this.o.maxAttempts || (err instanceof GrammyError && err.error_code === 400)) {
          const text = err instanceof GrammyError ? `${err.error_code} ${err.description}` : err instanceof HttpError ? `network: ${err.message}` : String(err);
          this.outcomes.push({ id: r.id, status: 'failed', error: text.slice(0, 300), at: this.nowIso(), variant });
          return;
        }
        await sleep(250 * 2 ** errors);
      }
    }
  }

  /** After any stop: the producer finishes, in-flight sends settle, outcomes are written, untried rows go back. */
  private async finish(producer: Promise<void>, started: number): Promise<void> {
    this.res.stoppedBy = this.stop ?? 'done';
    // make the producer notice and finish (its untried rows are released below)
    this.stop ??= 'done';
    this.wake.notify();
    await producer;
    await Promise.allSettled([...this.inflight]);
    await this.writes;
    await this.flush();
    // untried reservations go back at once, so a restart (or another sender) resumes without waiting for the lease
    this.res.released = await this.d.releaseUntried(this.job.kind, this.job.day, this.owner, [...this.notLaunched]);
    this.res.durationMs = this.o.clock.nowMs() - started;
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
