import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/connection.js';
import { holdoutSql, type HoldoutExclusion } from '../missions/experiments.js';
import { notDelivered } from './deliveries.js';

/**
 * Who hears a broadcast (docs/design.md, The rules in words: Notifications — players active in the last ACTIVE_DAYS days):
 * never a blocked user (users.blocked_at), never one already delivered for (kind, day).
 *
 * - `active`: players whose last activity (bot update, Mini App call, game event — see
 *   core/missions/activity.ts) is at or after `since`, most recently active first, so a long send
 *   reaches the likeliest players earliest.
 * - `reminder`: players who started the golden mission in this period but have not finished it.
 * - `ids`: a fixed list (the /broadcast_test segment), whether or not they are in `users` yet.
 * `holdout`: the golden-hour experiment's holdout, who get no announcement or reminder
 * (docs/operations.md, Experiments).
 */
export type Segment =
  | { type: 'active'; since: Date; onlyIds?: readonly number[] | null; holdout?: HoldoutExclusion | null }
  | { type: 'reminder'; missionId: number; periodKey: string; target: number; holdout?: HoldoutExclusion | null }
  | { type: 'ids'; ids: readonly number[]; holdout?: HoldoutExclusion | null };

export interface Recipient {
  id: number;
  languageCode: string | null;
  /** golden-mission progress (reminder segment) */
  progress?: number;
  /** keyset cursor: last_active_at as text (full precision) */
  activeAt?: string | null;
}

export interface AudienceQuery {
  kind: string;
  day: string;
  limit: number;
  /** continue after this recipient (keyset on last_active_at desc, id desc) */
  after?: { activeAt: string | null; id: number } | null;
}

function where(seg: Segment, kind: string, day: string): SQL {
  const base = whereBase(seg, kind, day);
  return seg.holdout ? sql`${base} and not ${holdoutSql(sql`u.id`, seg.holdout)}` : base;
}

function whereBase(seg: Segment, kind: string, day: string): SQL {
  switch (seg.type) {
    case 'active': {
      const only = seg.onlyIds ? sql` and u.id in (select (jsonb_array_elements_text(${JSON.stringify(seg.onlyIds)}::jsonb))::bigint)` : sql``;
      return sql`u.blocked_at is null and u.last_active_at >= ${seg.since.toISOString()}::timestamptz and ${notDelivered(kind, day)}${only}`;
    }
    case 'reminder':
      return sql`u.blocked_at is null and ${notDelivered(kind, day)} and exists (
        select 1 from user_mission_progress p where p.user_id = u.id and p.mission_id = ${seg.missionId}
          and p.period_key = ${seg.periodKey} and p.status = 'active' and p.progress > 0 and p.progress < ${seg.target})`;
    case 'ids':
      return sql`u.blocked_at is null and ${notDelivered(kind, day)}`;
  }
}

function from(seg: Segment): SQL {
  // the test segment may name admins who never used the app: take the ids, join what we know
  if (seg.type === 'ids') {
    return sql`(select x.id, u0.language_code, u0.last_active_at, u0.blocked_at
                  from (select distinct (jsonb_array_elements_text(${JSON.stringify(seg.ids)}::jsonb))::bigint as id) x
                  left join users u0 on u0.id = x.id) u`;
  }
  return sql`users u`;
}

/** The next `limit` recipients, most recently active first. */
export async function selectAudience(database: Database, seg: Segment, q: AudienceQuery): Promise<Recipient[]> {
  const after = q.after
    ? q.after.activeAt === null
      ? sql` and u.last_active_at is null and u.id < ${q.after.id}`
      : sql` and (u.last_active_at is null or (u.last_active_at, u.id) < (${q.after.activeAt}::timestamptz, ${q.after.id}::bigint))`
    : sql``;
  const progress = seg.type === 'reminder'
    ? sql`(select p.progress from user_mission_progress p where p.user_id = u.id and p.mission_id = ${seg.missionId} and p.period_key = ${seg.periodKey})`
    : sql`null::int`;
  const rows = await database.query<{ id: string; language_code: string | null; active_at: string | null; progress: number | null }>(
    sql`select u.id::text as id, u.language_code, u.last_active_at::text as active_at, ${progress} as progress
        from ${from(seg)}
        where ${where(seg, q.kind, q.day)}${after}
        order by u.last_active_at desc nulls last, u.id desc
        limit ${q.limit}`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    languageCode: r.language_code,
    activeAt: r.active_at,
    ...(r.progress === null || r.progress === undefined ? {} : { progress: Number(r.progress) }),
  }));
}

/** How many would still receive it (for the expected finish time). */
export async function countAudience(database: Database, seg: Segment, kind: string, day: string): Promise<number> {
  const rows = await database.query<{ n: string | number }>(sql`select count(*)::int as n from ${from(seg)} where ${where(seg, kind, day)}`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Expected finish (docs/design.md: "100k users at 30/s take 56 minutes"): a send of N messages at
 * R messages/s, started at T, ends at T + ⌈N / R⌉ seconds — a lower bound, since every 429 adds
 * its retry_after to everyone's wait.
 */
export function expectedFinish(count: number, ratePerS: number, startMs: number): { seconds: number; finishAt: Date } {
  const seconds = count <= 0 ? 0 : Math.ceil(count / ratePerS);
  return { seconds, finishAt: new Date(startMs + seconds * 1000) };
}
