import { afterEach } from 'vitest';
import { sql } from 'drizzle-orm';
import { Api } from 'grammy';
import type { Services } from '../../core/services.js';
import { BOT_TOKEN } from '../support/harness.js';
import { OutboundBudget } from '../../core/delivery/budget.js';
import { createSender } from '../../core/delivery/sender.js';

/**
 * The notify tests' one setup rule: whatever a test opens (harness, fake Bot API, fake NTP) is
 * closed after it, last opened first — `const opened = closeAfterEach(); … h = opened(await createHarness());`.
 * Each is closed once: a test that closes one itself (to open another) is not closed again.
 */
export function closeAfterEach(): <T extends { close(): unknown }>(x: T) => T {
  const open: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await x.close();
  });
  return (x) => {
    const close = x.close.bind(x);
    let closing: unknown = null;
    x.close = () => (closing ??= close());
    open.push(x);
    return x;
  };
}

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

/** A Bot API client without the outbound budget (a stand-in with no limit needs none). */
export const fakeApi = (apiRoot: string) => new Api(BOT_TOKEN, { apiRoot });

let budgets = 0;
/**
 * A worker's sender as core/services.ts builds it, on an outbound budget of its own (memory, or
 * the harness's Redis under its own key), at `rate`/s of which `bulkRate` for broadcasts.
 */
export function budgetedSender(s: Services, apiRoot: string, rate: number, bulkRate = rate) {
  const budget = new OutboundBudget({ ratePerS: rate, bulkRatePerS: bulkRate, botId: `test${process.pid}-${++budgets}-${Date.now()}`, redis: s.stores.redis, metrics: s.metrics, log: s.log });
  return { budget, api: createSender({ token: BOT_TOKEN, apiRoot, budget }) };
}

export async function waitFor(cond: () => boolean, timeoutMs = 30_000, what = 'condition') {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
