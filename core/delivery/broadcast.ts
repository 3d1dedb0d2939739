import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { Api, GrammyError, HttpError } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import type { Clock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import type { Metrics } from '../platform/metrics.js';
import type { Mission, MissionCatalog } from '../missions/catalog.js';
import { countAudience, expectedFinish, selectAudience, type Recipient, type Segment } from './audience.js';
import { formatLocal, localParts, zoneLabel } from '../domain/time.js';
import { isKorean } from '../domain/language.js';
import { XP_PER_STAMP } from '../domain/rewards.js';
import { currentOrNextOccurrence, occurrenceOn, parseTimeOfDay, type TimeWindow } from '../domain/window.js';

/**
 * Broadcast delivery (DESIGN.md §3, Notifications; plan §6.2, §8.2, §11).
 *
 * Exactly-once bookkeeping, per (user, kind, day) in notification_deliveries:
 *   1. reserve  — insert the row as status 'claimed', attempts 0, claimed_by = this sender
 *                 (insert … on conflict do nothing: two senders never get the same user);
 *   2. attempt  — right before the HTTP call, a fenced update bumps attempts (only if the row is
 *                 still ours), so "reserved but never tried" and "a request may be in flight" differ;
 *   3. outcome  — 'sent' | 'blocked' (403: users.blocked_at set, skipped from then on) | 'failed'.
 *
 * Recovery after a crash (a 'claimed' row whose claimed_at is older than the lease):
 *   - attempts = 0 → never tried: another sender takes it over and sends it (no gap);
 *   - attempts > 0 → a request was in flight when the sender died; Telegram has no idempotency
 *     key, so it may have been delivered. We choose at-most-once: the row becomes 'unknown' and
 *     is NOT resent ("once, never twice" — a duplicate is visible to every affected player, a
 *     miss affects at most the few messages in flight at the crash, and both are counted in
 *     notification_total{result="unknown"}). A graceful stop (SIGTERM, abort) waits for its
 *     in-flight requests and releases its untried reservations, so it leaves no unknown rows.
 *
 * Pace: one limiter per process shared by every broadcast; a 429 sets ONE shared pause
 * (retry_after) that every sender waits out, instead of each request retrying on its own.
 */

export interface OutgoingMessage {
  text: string;
  reply_markup?: InlineKeyboardMarkup;
}

/** The part of grammY's Api we use (so a fake Bot API or a stub works). */
export type SendApi = Pick<Api, 'sendMessage'>;

export interface BroadcastJob {
  kind: string;
  /** local date (YYYY-MM-DD) the delivery belongs to */
  day: string;
  segment: Segment;
  render: (r: Recipient) => OutgoingMessage;
  /** stop reserving new recipients at this instant (injected clock), e.g. the window's close */
  deadlineMs?: number;
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
  /** rows of crashed senders whose outcome cannot be known (see top comment) */
  unknown: number;
  released: number;
  stoppedBy: 'done' | 'abort' | 'deadline';
  durationMs: number;
}

export interface BroadcasterOptions {
  database: Database;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  api: SendApi;
  /** messages per second, all broadcasts of this process together */
  rate: number;
  /** Telegram paid broadcasts (allow_paid_broadcast; up to 1000/s, billed in Stars) */
  paid?: boolean;
  /** a 'claimed' row older than this belongs to a dead sender; default 60 s */
  leaseMs?: number;
  /** tries for errors other than 429/403 (5xx, network); default 3 */
  maxAttempts?: number;
  /** most requests in flight at once; default 256 */
  maxInflight?: number;
}

/**
 * Paces sends at `rate`/s. A slot schedule (not a bucket) so the long-run rate never exceeds the
 * limit; a late timer may catch up for at most `catchUpMs` of missed slots. Uses the monotonic
 * clock: pacing is not a domain decision and must not jump with the dev clock.
 */
export class SendLimiter {
  private next = 0;
  private pausedUntil = 0;
  pauses = 0;

  constructor(
    readonly rate: number,
    private readonly catchUpMs = 50,
    private readonly now = () => performance.now(),
  ) {}

  async acquire(): Promise<void> {
    for (;;) {
      const now = this.now();
      const slot = Math.max(this.next, now - this.catchUpMs, this.pausedUntil);
      this.next = slot + 1000 / this.rate;
      if (slot > now) await sleep(slot - now);
      // a 429 pause announced while we waited: queue again behind it
      if (this.now() >= this.pausedUntil) return;
    }
  }

  /** The one shared pause after a 429. */
  pause(ms: number): void {
    const until = this.now() + ms;
    if (until > this.pausedUntil) {
      this.pausedUntil = until;
      this.pauses++;
    }
  }
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

const STATUS_METRIC = { sent: 'sent', blocked: 'blocked', failed: 'failed', unknown: 'unknown' } as const;
type Outcome = { id: number; status: 'sent' | 'blocked' | 'failed'; error: string | null; at: string };

export class Broadcaster {
  readonly limiter: SendLimiter;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly maxInflight: number;

  constructor(private readonly o: BroadcasterOptions) {
    this.limiter = new SendLimiter(o.rate);
    this.leaseMs = o.leaseMs ?? 60_000;
    this.maxAttempts = o.maxAttempts ?? 3;
    this.maxInflight = o.maxInflight ?? 256;
  }

  get rate() {
    return this.o.rate;
  }

  get api(): SendApi {
    return this.o.api;
  }

  async run(job: BroadcastJob): Promise<BroadcastResult> {
    const { database, clock, log, metrics } = this.o;
    const owner = job.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const { kind, day } = job;
    const started = clock.nowMs();
    const res: BroadcastResult = { kind, day, owner, sent: 0, blocked: 0, failed: 0, unknown: 0, released: 0, stoppedBy: 'done', durationMs: 0 };
    const nowIso = () => clock.now().toISOString();
    const staleBefore = () => new Date(clock.nowMs() - this.leaseMs).toISOString();

    // rows of a dead sender that were mid-request: at-most-once, never resent (see top comment)
    const lost = await database.query<{ id: string }>(
      sql`update notification_deliveries set status = 'unknown', error = 'outcome unknown: sender stopped during the request'
          where kind = ${kind} and day = ${day}::date and status = 'claimed' and attempts > 0 and claimed_at < ${staleBefore()}::timestamptz
          returning user_id::text as id`,
    );
    if (lost.length) {
      res.unknown += lost.length;
      metrics.notification.inc({ kind: metricKind(kind), result: STATUS_METRIC.unknown }, lost.length);
      log.warn({ kind, day, count: lost.length }, 'broadcast: rows of a crashed sender left as unknown (not resent)');
    }

    const outcomes: Outcome[] = [];
    const inflight = new Set<Promise<void>>();
    /** marked attempted but not yet handed to the API: safe to release on a graceful stop */
    const notLaunched = new Set<number>();
    const flush = async () => {
      if (outcomes.length === 0) return;
      const batch = outcomes.splice(0, outcomes.length);
      try {
        const rows = batch.map((b) => ({ u: b.id, s: b.status, e: b.error, t: b.at }));
        await database.query(
          sql`update notification_deliveries d set status = x.s, error = x.e, sent_at = case when x.s = 'sent' then x.t else d.sent_at end
              from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(u bigint, s text, e text, t timestamptz)
              where d.user_id = x.u and d.kind = ${kind} and d.day = ${day}::date and d.claimed_by = ${owner}`,
        );
        const blocked = batch.filter((b) => b.status === 'blocked').map((b) => b.id);
        if (blocked.length) {
          await database.query(
            sql`update users set blocked_at = ${nowIso()}::timestamptz
                where id in (select (jsonb_array_elements_text(${JSON.stringify(blocked)}::jsonb))::bigint) and blocked_at is null`,
          );
          // the test segment may name users the app has not seen yet: remember the block anyway
          await database.query(
            sql`insert into users (id, blocked_at) select (jsonb_array_elements_text(${JSON.stringify(blocked)}::jsonb))::bigint, ${nowIso()}::timestamptz
                on conflict (id) do nothing`,
          );
        }
      } catch (err) {
        outcomes.unshift(...batch);
        throw err;
      }
      for (const b of batch) {
        res[b.status]++;
        metrics.notification.inc({ kind: metricKind(kind), result: STATUS_METRIC[b.status] });
      }
    };

    /** Reserve up to n recipients: first untried rows of dead senders, then new ones. */
    let cursor: { activeAt: string | null; id: number } | null = null;
    const reserve = async (n: number): Promise<Recipient[]> => {
      const taken = await database.query<{ id: string }>(
        sql`update notification_deliveries set claimed_by = ${owner}, claimed_at = ${nowIso()}::timestamptz
            where (user_id, kind, day) in (
              select user_id, kind, day from notification_deliveries
              where kind = ${kind} and day = ${day}::date and status = 'claimed' and attempts = 0 and claimed_at < ${staleBefore()}::timestamptz
              limit ${n} for update skip locked)
            and status = 'claimed' and attempts = 0
            returning user_id::text as id`,
      );
      if (taken.length) {
        const ids = taken.map((t) => Number(t.id));
        log.info({ kind, day, count: ids.length }, 'broadcast: resuming rows reserved by a stopped sender');
        const langs = await database.query<{ id: string; language_code: string | null; progress: number | null }>(
          sql`select x.id::text as id, u.language_code from (select (jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))::bigint as id) x left join users u on u.id = x.id`,
        );
        const progress = job.segment.type === 'reminder' ? await reminderProgress(database, job.segment, ids) : null;
        return langs.map((l) => ({ id: Number(l.id), languageCode: l.language_code, ...(progress ? { progress: progress.get(Number(l.id)) ?? 0 } : {}) }));
      }
      for (let sweep = 0; sweep < 2; sweep++) {
        for (;;) {
          const candidates = await selectAudience(database, job.segment, { kind, day, limit: n, after: cursor });
          if (candidates.length === 0) break;
          const last = candidates[candidates.length - 1]!;
          cursor = { activeAt: last.activeAt ?? null, id: last.id };
          const won = await database.query<{ id: string }>(
            sql`insert into notification_deliveries (user_id, kind, day, status, attempts, claimed_by, claimed_at)
                select x.u, ${kind}, ${day}::date, 'claimed', 0, ${owner}, ${nowIso()}::timestamptz
                from jsonb_to_recordset(${JSON.stringify(candidates.map((c) => ({ u: c.id })))}::jsonb) as x(u bigint)
                on conflict do nothing
                returning user_id::text as id`,
          );
          const mine = new Set(won.map((w) => Number(w.id)));
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

    const deliver = async (r: Recipient) => {
      const msg = job.render(r);
      const other = { parse_mode: 'HTML' as const, reply_markup: msg.reply_markup, link_preview_options: { is_disabled: true }, ...(this.o.paid ? { allow_paid_broadcast: true } : {}) };
      let errors = 0;
      let throttled = 0;
      for (;;) {
        try {
          await this.o.api.sendMessage(r.id, msg.text, other);
          outcomes.push({ id: r.id, status: 'sent', error: null, at: nowIso() });
          return;
        } catch (err) {
          if (err instanceof GrammyError && err.error_code === 429 && throttled < 20) {
            throttled++;
            this.limiter.pause(Math.max(1, err.parameters.retry_after ?? 1) * 1000);
          } else if (err instanceof GrammyError && err.error_code === 403) {
            outcomes.push({ id: r.id, status: 'blocked', error: err.description.slice(0, 200), at: nowIso() });
            return;
          } else if (++errors >= this.maxAttempts || (err instanceof GrammyError && err.error_code === 400)) {
            // 400 (chat not found, bad request) will not get better by retrying
            const text = err instanceof GrammyError ? `${err.error_code} ${err.description}` : err instanceof HttpError ? `network: ${err.message}` : String(err);
            outcomes.push({ id: r.id, status: 'failed', error: text.slice(0, 300), at: nowIso() });
            return;
          } else {
            await sleep(250 * 2 ** errors);
          }
          await this.limiter.acquire();
        }
      }
    };

    // Fewer, larger statements: on a busy box each statement costs tens of ms whatever its size.
    // The price is crash exposure: up to ~0.5 s of marked-but-unsent rows (see top comment).
    const aheadSize = Math.max(1, Math.ceil(this.o.rate * 0.5));
    const chunkSize = Math.max(1, Math.ceil(this.o.rate * 0.25));
    const batchSize = Math.min(1000, Math.max(aheadSize, this.o.rate * 2));
    const plan = await this.countRemaining(job);
    const eta = expectedFinish(plan, this.o.rate, clock.nowMs());
    log.info({ kind, day, owner, recipients: plan, rate: this.o.rate, paid: Boolean(this.o.paid), expectedSeconds: eta.seconds, expectedFinishAt: eta.finishAt.toISOString() }, 'broadcast starting');

    // Database work runs beside the send loop, so a slow query never stalls the pace:
    // the producer reserves and marks a little ahead (≤ 0.5 s of sends), outcomes are
    // written in the background about twice a second.
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
          // keep about `aheadSize` marked and ready; a slow database makes the next mark larger,
          // not the sending slower
          const want = aheadSize - ready.length;
          if (want < chunkSize) {
            await wake.wait();
            continue;
          }
          if (buffer.length === 0) buffer = await reserve(batchSize);
          if (buffer.length === 0) break;
          const chunk = buffer.splice(0, want);
          // = any(array), not in (select jsonb_array_elements…): on a day's fresh rows (no statistics
          // yet) the latter is planned as a nested loop, 1000 × 250 — 300 ms per chunk (docs/performance.md)
          const marked = await database.query<{ id: string }>(
            sql`update notification_deliveries set attempts = attempts + 1, claimed_at = ${nowIso()}::timestamptz
                where kind = ${kind} and day = ${day}::date and status = 'claimed' and claimed_by = ${owner}
                  and user_id = any(${`{${chunk.map((c) => c.id).join(',')}}`}::bigint[])
                returning user_id::text as id`,
          );
          const ours = new Set(marked.map((m) => Number(m.id)));
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
            // keep our reservations fresh: a live sender is never "stale"
            await database.query(
              sql`update notification_deliveries set claimed_at = ${nowIso()}::timestamptz
                  where kind = ${kind} and day = ${day}::date and status = 'claimed' and claimed_by = ${owner}`,
            );
          }
        } catch (err) {
          log.warn({ err, kind, day }, 'broadcast: writing outcomes failed; will retry');
        }
      });
    };

    try {
      let lastWrite = performance.now();
      for (;;) {
        if (failure) throw failure;
        if (stopping()) break;
        const r = ready.shift();
        if (!r) {
          if (!producing) break;
          await wake.wait();
          continue;
        }
        wake.notify();
        await this.limiter.acquire();
        if (stopping()) {
          ready.unshift(r);
          break;
        }
        notLaunched.delete(r.id);
        const p: Promise<void> = deliver(r).finally(() => inflight.delete(p));
        inflight.add(p);
        if (performance.now() - lastWrite >= 500) {
          lastWrite = performance.now();
          writeBehind();
        }
        if (inflight.size >= this.maxInflight) await Promise.race(inflight);
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
      const released = await database.query<{ id: string }>(
        sql`delete from notification_deliveries
            where kind = ${kind} and day = ${day}::date and status = 'claimed' and claimed_by = ${owner}
              and (attempts = 0 or user_id in (select (jsonb_array_elements_text(${JSON.stringify([...notLaunched])}::jsonb))::bigint))
            returning user_id::text as id`,
      );
      res.released = released.length;
      res.durationMs = clock.nowMs() - started;
    }
    log.info({ ...res, pauses: this.limiter.pauses }, 'broadcast finished');
    return res;
  }

  /** Recipients still to reach for this job (new ones plus untried rows of stopped senders). */
  async countRemaining(job: Pick<BroadcastJob, 'kind' | 'day' | 'segment'>): Promise<number> {
    const pending = await this.o.database.query<{ n: number | string }>(
      sql`select count(*)::int as n from notification_deliveries where kind = ${job.kind} and day = ${job.day}::date and status = 'claimed' and attempts = 0`,
    );
    return (await countAudience(this.o.database, job.segment, job.kind, job.day)) + Number(pending[0]?.n ?? 0);
  }
}

async function reminderProgress(database: Database, seg: Extract<Segment, { type: 'reminder' }>, ids: number[]): Promise<Map<number, number>> {
  const rows = await database.query<{ id: string; progress: number }>(
    sql`select user_id::text as id, progress from user_mission_progress
        where mission_id = ${seg.missionId} and period_key = ${seg.periodKey}
          and user_id in (select (jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))::bigint)`,
  );
  return new Map(rows.map((r) => [Number(r.id), Number(r.progress)]));
}

/** kind label without per-run suffixes (test:<id> → test), so metric cardinality stays fixed */
const metricKind = (kind: string) => kind.split(':')[0]!;

// ---------------------------------------------------------------------------------------------
// Messages (plan §6.2): read from the mission, never hard-coded times or rewards.

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const hhmm = (t: string) => t.slice(0, 5);

/** The Mini App URL that opens on the golden-hour card. */
export function goldenCardUrl(webappUrl: string, m: Pick<Mission, 'id'>): string {
  const u = new URL(webappUrl);
  u.searchParams.set('card', 'golden');
  u.searchParams.set('mission', String(m.id));
  return u.toString();
}

function windowMinutes(w: TimeWindow): number {
  const s = parseTimeOfDay(w.start);
  const e = parseTimeOfDay(w.end);
  return Math.round(((e - s + 86_400) % 86_400) / 60);
}

function durationText(min: number, ko: boolean): string {
  if (min % 60 === 0) return ko ? `${min / 60}시간` : `${min / 60} hour${min === 60 ? '' : 's'}`;
  return ko ? `${min}분` : `${min} minutes`;
}

function rewardText(r: Mission['rewards'], ko: boolean): string {
  const parts: string[] = [];
  if (r.diamonds) parts.push(ko ? `💎 ${r.diamonds}개` : `💎 ${r.diamonds}`);
  if (r.xp) {
    if (r.xp % XP_PER_STAMP === 0) parts.push(ko ? `시즌패스 스탬프 ${r.xp / XP_PER_STAMP}개` : `${r.xp / XP_PER_STAMP} season-pass stamp${r.xp === XP_PER_STAMP ? '' : 's'}`);
    else parts.push(ko ? `시즌패스 XP ${r.xp}` : `${r.xp} season-pass XP`);
  }
  if (r.tickets) parts.push(ko ? `티켓 ${r.tickets}장` : `${r.tickets} ticket${r.tickets === 1 ? '' : 's'}`);
  return parts.join(' + ');
}

const openButton = (ko: boolean, url: string): InlineKeyboardMarkup => ({
  inline_keyboard: [[{ text: ko ? '🎮 앱 열기' : '🎮 Open app', web_app: { url } }]],
});

export interface MessageContext {
  tz: string;
  webappUrl: string;
}

/** The 6.2 announcement, Korean unless the player's language is something else. */
export function announcementMessage(m: Mission, languageCode: string | null | undefined, c: MessageContext): OutgoingMessage {
  const ko = isKorean(languageCode);
  const w = m.window!;
  const dur = durationText(windowMinutes(w), ko);
  const time = `${hhmm(w.start)} ~ ${hhmm(w.end)} (${zoneLabel(c.tz)})`;
  const text = ko
    ? [
        `🚀 <b>[CCJM] 골든아워 미션 시작!</b>`,
        ``,
        `지금부터 ${dur} 동안만 열리는 특별 미션!`,
        `🎮 게임 ${m.target}판만 해도 다이아와 스탬프가 쏟아집니다.`,
        ``,
        `⏰ 시간: ${esc(time)}`,
        `🎁 보상: ${esc(rewardText(m.rewards, true))}`,
        ``,
        `지금 바로 접속하세요!`,
      ]
    : [
        `🚀 <b>[CCJM] Golden Hour mission is live!</b>`,
        ``,
        `A special mission, open for ${dur} only!`,
        `🎮 Play just ${m.target} game${m.target === 1 ? '' : 's'} for a shower of diamonds and stamps.`,
        ``,
        `⏰ Time: ${esc(time)}`,
        `🎁 Rewards: ${esc(rewardText(m.rewards, false))}`,
        ``,
        `Jump in now!`,
      ];
  return { text: text.join('\n'), reply_markup: openButton(ko, goldenCardUrl(c.webappUrl, m)) };
}

/** The reminder nudge ("30 minutes left, 2/3 played") for players who started but have not finished. */
export function reminderMessage(m: Mission, r: Recipient, minutesLeft: number, c: MessageContext): OutgoingMessage {
  const ko = isKorean(r.languageCode);
  const done = r.progress ?? 0;
  const left = Math.max(1, m.target - done);
  const text = ko
    ? `⏳ <b>골든아워 종료 ${minutesLeft}분 전!</b>\n\n지금 ${done}/${m.target}판 — ${left}판만 더 하면 🎁 ${esc(rewardText(m.rewards, true))}!\n⏰ ${esc(hhmm(m.window!.end))} (${zoneLabel(c.tz)})까지`
    : `⏳ <b>${minutesLeft} minutes left in the Golden Hour!</b>\n\nYou've played ${done}/${m.target} — ${left} more for 🎁 ${esc(rewardText(m.rewards, false))}!\n⏰ Until ${esc(hhmm(m.window!.end))} (${zoneLabel(c.tz)})`;
  return { text, reply_markup: openButton(ko, goldenCardUrl(c.webappUrl, m)) };
}

// ---------------------------------------------------------------------------------------------
// Wiring helpers shared by the scheduler, /broadcast_test and /golden.

export interface BroadcastServices {
  config: Config;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  database: Database;
  catalog: Pick<MissionCatalog, 'active' | 'goldenMission'>;
}

const broadcasters = new WeakMap<object, Broadcaster>();

/** The process's Broadcaster (one limiter for all senders); null without BOT_TOKEN. */
export function broadcasterFor(s: BroadcastServices, api?: SendApi): Broadcaster | null {
  let b = broadcasters.get(s);
  if (!b) {
    const a = api ?? (s.config.botToken ? new Api(s.config.botToken, s.config.telegramApiRoot ? { apiRoot: s.config.telegramApiRoot } : undefined) : null);
    if (!a) return null;
    b = new Broadcaster({ database: s.database, clock: s.clock, log: s.log, metrics: s.metrics, api: a, rate: s.config.broadcastRate, paid: s.config.broadcastPaid });
    broadcasters.set(s, b);
  }
  return b;
}

/** The mission announcements are about: the golden-hour mission (MissionCatalog.goldenMission, one rule). */
export async function announcedMission(s: Pick<BroadcastServices, 'catalog'>): Promise<Mission | undefined> {
  return s.catalog.goldenMission();
}

/** The announcement audience for a day: active in the last ACTIVE_DAYS days, as of `atMs`. */
export function announcementSegment(s: Pick<BroadcastServices, 'config'>, atMs: number, onlyIds?: readonly number[] | null): Segment {
  return { type: 'active', since: new Date(atMs - s.config.activeDays * 86_400_000), onlyIds: onlyIds ?? null };
}

export interface AnnouncementEstimate {
  day: string;
  /** recipients still to reach */
  recipients: number;
  ratePerS: number;
  paid: boolean;
  /** when the send starts (window open, or now if already open) */
  startsAt: string;
  expectedSeconds: number;
  expectedFinishAt: string;
  /** local "HH:mm" of the expected finish, for /golden */
  expectedFinishLocal: string;
  /** does the send outlast the window? */
  outlastsWindow: boolean;
}

/**
 * Expected finish time of a day's announcement, for /golden and the log before sending:
 * finish = start + ⌈N / R⌉ s, N = active, unblocked, not-yet-notified players, R = BROADCAST_RATE.
 * `day` defaults to the date of the current or next window occurrence.
 */
export async function estimateAnnouncement(s: BroadcastServices, day?: string): Promise<AnnouncementEstimate | null> {
  const m = await announcedMission(s);
  if (!m?.window) return null;
  const now = s.clock.nowMs();
  const tz = s.config.tz;
  const d = day ?? currentOrNextOccurrence(m.window, now, tz).date;
  const occ = occurrenceOn(m.window, d, tz);
  const opens = occ.opensAt.getTime();
  const closes = occ.closesAt.getTime();
  const start = Math.max(opens, now);
  const rate = s.config.broadcastRate;
  const recipients = await countAudience(s.database, announcementSegment(s, opens), 'announce', d);
  const eta = expectedFinish(recipients, rate, start);
  return {
    day: d,
    recipients,
    ratePerS: rate,
    paid: s.config.broadcastPaid,
    startsAt: new Date(start).toISOString(),
    expectedSeconds: eta.seconds,
    expectedFinishAt: eta.finishAt.toISOString(),
    expectedFinishLocal: formatLocal(eta.finishAt, tz, 'HH:mm:ss'),
    outlastsWindow: eta.finishAt.getTime() > closes,
  };
}

/** Today's local date in the event zone. */
export const localDate = (s: Pick<BroadcastServices, 'clock' | 'config'>) => localParts(s.clock.nowMs(), s.config.tz).date;
