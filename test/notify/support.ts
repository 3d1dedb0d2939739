import { sql } from 'drizzle-orm';
import { Api } from 'grammy';
import type { Services } from '../../core/services.js';
import { BOT_TOKEN } from '../support/harness.js';

/** Players 1..n (offset by `from`), active `minutesAgo` minutes before now, most recent = lowest id. */
export async function seedPlayers(s: Services, n: number, o: { from?: number; minutesAgo?: number; language?: (id: number) => string | null } = {}) {
  const from = o.from ?? 1;
  const now = s.clock.nowMs();
  const rows = Array.from({ length: n }, (_, i) => ({
    id: from + i,
    l: o.language ? o.language(from + i) : i % 10 === 0 ? 'en' : 'ko',
    a: new Date(now - (o.minutesAgo ?? 10) * 60_000 - i * 1000).toISOString(),
  }));
  await s.database.query(
    sql`insert into users (id, language_code, last_active_at)
        select x.id, x.l, x.a from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(id bigint, l text, a timestamptz)
        on conflict (id) do update set last_active_at = excluded.last_active_at, language_code = excluded.language_code`,
  );
  return rows.map((r) => r.id);
}

export async function deliveryStatuses(s: Services, kind: string, day: string): Promise<Map<number, string>> {
  const rows = await s.database.query<{ id: string; status: string }>(
    sql`select user_id::text as id, status from notification_deliveries where kind = ${kind} and day = ${day}::date`,
  );
  return new Map(rows.map((r) => [Number(r.id), r.status]));
}

export async function blockedIds(s: Services): Promise<number[]> {
  const rows = await s.database.query<{ uid: string }>(sql`select id::text as uid from users where blocked_at is not null order by users.id`);
  return rows.map((r) => Number(r.uid));
}

export const fakeApi = (apiRoot: string) => new Api(BOT_TOKEN, { apiRoot });

export async function waitFor(cond: () => boolean, timeoutMs = 30_000, what = 'condition') {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
