import { sql, type SQL } from 'drizzle-orm';
import { pgArray, type Database } from '../../db/connection.js';
import type { DeliveryStatus } from '../../db/schema.js';

/**
 * The one module for notification_deliveries (docs/broadcast.md, "Exactly once"): one row per
 * (user, kind, local day), taken before anything is sent, so a crash, a retry or a second sender
 * never sends twice. Its writers: the send loop (announcement, reminder, /broadcast_test), the
 * daily report to admins, and the in-app toast.
 *
 * The row's life (statuses are DELIVERY_STATUSES in db/schema.ts, checked by the database):
 *   1. reserve  — insert as 'claimed', attempts 0, claimed_by = this sender (on conflict do nothing:
 *                 two senders never get the same user);
 *   2. attempt  — right before the request, a fenced update bumps attempts (only if the row is still
 *                 ours), so "reserved but never tried" and "a request may be in flight" differ;
 *   3. outcome  — 'sent' | 'blocked' (403: users.blocked_at set) | 'failed', with the variant sent.
 * A 'claimed' row older than the lease belongs to a dead sender: attempts = 0 → taken over and
 * sent; attempts > 0 → 'unknown', never resent (Telegram has no idempotency key; a duplicate is
 * seen by the player, a miss is at most the few messages in flight at the crash).
 */
export interface Outcome {
  id: number;
  status: Extract<DeliveryStatus, 'sent' | 'blocked' | 'failed'>;
  error: string | null;
  at: string;
  variant?: string | null;
}

const idArray = (ids: readonly number[]) => pgArray(ids.map((i) => Math.trunc(i)));

/**
 * Users with a row for (kind, day), whatever its state: the audience leaves them out.
 * NOT IN over one (kind, day) becomes a hashed subplan: one index scan per query. A correlated
 * NOT EXISTS can be planned as a nested loop over the whole (kind, day) range per user when the
 * table has no statistics yet (fresh database, PGlite), which is quadratic.
 */
export const notDelivered = (kind: string, day: string): SQL =>
  sql`u.id not in (select d.user_id from notification_deliveries d where d.kind = ${kind} and d.day = ${day}::date)`;

export class Deliveries {
  constructor(private readonly database: Database) {}

  /** Rows of a dead sender that were mid-request become 'unknown' (never resent). */
  async markLost(kind: string, day: string, staleBefore: string): Promise<number> {
    const rows = await this.database.query<{ id: string }>(
      sql`update notification_deliveries set status = 'unknown', error = 'outcome unknown: sender stopped during the request'
          where kind = ${kind} and day = ${day}::date and status = 'claimed' and attempts > 0 and claimed_at < ${staleBefore}::timestamptz
          returning user_id::text as id`,
    );
    return rows.length;
  }

  /** Take over up to n untried rows of a stopped sender. */
  async takeOverUntried(kind: string, day: string, owner: string, nowIso: string, staleBefore: string, n: number): Promise<number[]> {
    const rows = await this.database.query<{ id: string }>(
      sql`update notification_deliveries set claimed_by = ${owner}, claimed_at = ${nowIso}::timestamptz
          where (user_id, kind, day) in (
            select user_id, kind, day from notification_deliveries
            where kind = ${kind} and day = ${day}::date and status = 'claimed' and attempts = 0 and claimed_at < ${staleBefore}::timestamptz
            limit ${n} for update skip locked)
          and status = 'claimed' and attempts = 0
          returning user_id::text as id`,
    );
    return rows.map((r) => Number(r.id));
  }

  /** Reserve these users for (kind, day); returns the ones this sender won. */
  async reserve(kind: string, day: string, owner: string, nowIso: string, ids: readonly number[]): Promise<Set<number>> {
    const rows = await this.database.query<{ id: string }>(
      sql`insert into notification_deliveries (user_id, kind, day, status, attempts, claimed_by, claimed_at)
          select x.u, ${kind}, ${day}::date, 'claimed', 0, ${owner}, ${nowIso}::timestamptz
          from unnest(${idArray(ids)}::bigint[]) as x(u)
          on conflict do nothing
          returning user_id::text as id`,
    );
    return new Set(rows.map((r) => Number(r.id)));
  }

  /** Step 2: bump attempts on rows still ours, right before their requests; returns those. */
  async markAttempted(kind: string, day: string, owner: string, nowIso: string, ids: readonly number[]): Promise<Set<number>> {
    // = any(array), not in (select jsonb_array_elements…): on a day's fresh rows (no statistics yet)
    // the latter is planned as a nested loop, 1000 × 250 — 300 ms per chunk (docs/performance.md)
    const rows = await this.database.query<{ id: string }>(
      sql`update notification_deliveries set attempts = attempts + 1, claimed_at = ${nowIso}::timestamptz
          where kind = ${kind} and day = ${day}::date and status = 'claimed' and claimed_by = ${owner}
            and user_id = any(${idArray(ids)}::bigint[])
          returning user_id::text as id`,
    );
    return new Set(rows.map((r) => Number(r.id)));
  }

  /** Step 3 for a batch; 403s also mark the user blocked (skipped by every later audience). */
  async recordOutcomes(kind: string, day: string, owner: string | null, batch: readonly Outcome[]): Promise<void> {
    if (batch.length === 0) return;
    const rows = batch.map((b) => ({ u: b.id, s: b.status, e: b.error, t: b.at, v: b.variant ?? null }));
    const fence = owner === null ? sql`` : sql` and d.claimed_by = ${owner}`;
    await this.database.query(
      sql`update notification_deliveries d set status = x.s, error = x.e, variant = coalesce(x.v, d.variant),
            sent_at = case when x.s = 'sent' then x.t else d.sent_at end
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(u bigint, s text, e text, t timestamptz, v text)
          where d.user_id = x.u and d.kind = ${kind} and d.day = ${day}::date${fence}`,
    );
    const blocked = batch.filter((b) => b.status === 'blocked').map((b) => b.id);
    if (blocked.length) {
      const at = batch.find((b) => b.status === 'blocked')!.at;
      await this.database.query(sql`update users set blocked_at = ${at}::timestamptz where id = any(${idArray(blocked)}::bigint[]) and blocked_at is null`);
      // a fixed segment may name users the app has not seen yet: remember the block anyway
      await this.database.query(
        sql`insert into users (id, blocked_at) select x.u, ${at}::timestamptz from unnest(${idArray(blocked)}::bigint[]) as x(u) on conflict (id) do nothing`,
      );
    }
  }

  /** Keep a live sender's reservations fresh, so they never look stale. */
  async refreshClaims(kind: string, day: string, owner: string, nowIso: string): Promise<void> {
    await this.database.query(
      sql`update notification_deliveries set claimed_at = ${nowIso}::timestamptz
          where kind = ${kind} and day = ${day}::date and status = 'claimed' and claimed_by = ${owner}`,
    );
  }

  /** A graceful stop gives back untried rows (and those marked but never handed to the API). */
  async releaseUntried(kind: string, day: string, owner: string, notLaunched: readonly number[]): Promise<number> {
    const rows = await this.database.query<{ id: string }>(
      sql`delete from notification_deliveries
          where kind = ${kind} and day = ${day}::date and status = 'claimed' and claimed_by = ${owner}
            and (attempts = 0 or user_id = any(${idArray(notLaunched)}::bigint[]))
          returning user_id::text as id`,
    );
    return rows.length;
  }

  /** Untried rows of stopped senders (still to send). */
  async countUntried(kind: string, day: string): Promise<number> {
    const rows = await this.database.query<{ n: number | string }>(
      sql`select count(*)::int as n from notification_deliveries where kind = ${kind} and day = ${day}::date and status = 'claimed' and attempts = 0`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Per status and variant, for the plan shown by /golden and the admin page. */
  async tally(kind: string, day: string): Promise<Array<{ status: DeliveryStatus; variant: string | null; n: number }>> {
    const rows = await this.database.query<{ status: DeliveryStatus; variant: string | null; n: number | string }>(
      sql`select status, variant, count(*)::int as n from notification_deliveries where kind = ${kind} and day = ${day}::date group by status, variant`,
    );
    return rows.map((r) => ({ status: r.status, variant: r.variant, n: Number(r.n) }));
  }

  /**
   * Reserve a small fixed list that is sent one by one (the daily report to admins): new rows, or
   * earlier failures tried again; anything else was delivered or is being delivered.
   */
  async reserveRetryingFailed(kind: string, day: string, owner: string, nowIso: string, ids: readonly number[]): Promise<Set<number>> {
    const rows = await this.database.query<{ id: string }>(
      sql`insert into notification_deliveries as d (user_id, kind, day, status, attempts, claimed_by, claimed_at)
          select x.u, ${kind}, ${day}::date, 'claimed', 1, ${owner}, ${nowIso}::timestamptz from unnest(${idArray(ids)}::bigint[]) as x(u)
          on conflict (user_id, kind, day) do update set status = 'claimed', attempts = d.attempts + 1, claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at
            where d.status = 'failed'
          returning user_id::text as id`,
    );
    return new Set(rows.map((r) => Number(r.id)));
  }

  /** Has this user a row for (kind, day)? (the toast: shown once per day) */
  async exists(userId: number, kind: string, day: string): Promise<boolean> {
    const rows = await this.database.query(sql`select 1 as n from notification_deliveries where user_id = ${userId} and kind = ${kind} and day = ${day}::date limit 1`);
    return rows.length > 0;
  }

  /** Record something delivered by other means (the toast the app showed); true if this call recorded it. */
  async recordDelivered(userId: number, kind: string, day: string, nowIso: string): Promise<boolean> {
    const rows = await this.database.query(
      sql`insert into notification_deliveries (user_id, kind, day, status, attempts, claimed_at, sent_at)
          values (${userId}, ${kind}, ${day}::date, 'sent', 1, ${nowIso}::timestamptz, ${nowIso}::timestamptz)
          on conflict (user_id, kind, day) do nothing
          returning user_id`,
    );
    return rows.length === 1;
  }
}
