import { sql } from 'drizzle-orm';
import { pgArray, type Database, type Executor } from '../../db/connection.js';
import { coalesced, perOwner } from '../platform/coalesce.js';
import type { Rewards } from './catalog.js';

export type PaySource = 'claim' | 'auto_claim' | 'payout';
import { REWARD_KINDS, type RewardKind } from '../../db/schema.js';

export { REWARD_KINDS, type RewardKind };

export interface PayItem {
  userId: number;
  missionId: number;
  periodKey: string;
  rewards: Rewards;
}

export interface BalanceRow {
  userId: number;
  diamonds: number;
  xp: number;
  tickets: number;
  vaultPoints: number;
}

export { XP_PER_STAMP } from '../domain/rewards.js';

/**
 * Appends ledger rows and moves balances, inside the caller's transaction. The ledger is unique
 * per (user, mission, period, kind): a row that already exists is skipped and its amount is not
 * added again, so even a buggy caller cannot pay twice (docs/design.md, Claim).
 * The balances returned carry the player's vault points (users.vault_points, moved by plays only).
 */
export async function payRewards(
  database: Database,
  exec: Executor,
  items: PayItem[],
  source: PaySource,
  at: Date,
  opts: { payoutId?: number } = {},
): Promise<Map<number, BalanceRow>> {
  const ledgerRows: { u: number; m: number; p: string; k: RewardKind; a: number }[] = [];
  for (const it of items) {
    for (const k of REWARD_KINDS) {
      const a = it.rewards[k];
      if (a > 0) ledgerRows.push({ u: it.userId, m: it.missionId, p: it.periodKey, k, a });
    }
  }
  // claimed with all-zero rewards still needs a trace: nothing to insert, balances unchanged
  ledgerRows.sort((x, y) => x.u - y.u || x.m - y.m || (x.p < y.p ? -1 : x.p > y.p ? 1 : 0) || (x.k < y.k ? -1 : 1));
  const deltas = new Map<number, { d: number; x: number; t: number }>();
  const bump = (u: number) => {
    let d = deltas.get(u);
    if (!d) deltas.set(u, (d = { d: 0, x: 0, t: 0 }));
    return d;
  };
  if (ledgerRows.length) {
    const inserted = await database.query<{ user_id: string | number; kind: RewardKind; amount: string | number }>(
      sql`insert into reward_ledger (user_id, mission_id, period_key, kind, amount, source, payout_id, created_at)
          select x.u, x.m, x.p, x.k, x.a, ${source}, ${opts.payoutId ?? null}::int, ${at.toISOString()}::timestamptz
          from jsonb_to_recordset(${JSON.stringify(ledgerRows)}::jsonb) as x(u bigint, m int, p text, k text, a bigint)
          on conflict (user_id, mission_id, period_key, kind) do nothing
          returning user_id, kind, amount`,
      exec,
    );
    for (const r of inserted) {
      const d = bump(Number(r.user_id));
      const a = Number(r.amount);
      if (r.kind === 'diamonds') d.d += a;
      else if (r.kind === 'xp') d.x += a;
      else d.t += a;
    }
  }
  for (const it of items) bump(it.userId); // return balances for every paid user, even if nothing moved
  if (deltas.size === 0) return new Map();
  const rows = [...deltas.entries()].sort((a, b) => a[0] - b[0]).map(([u, d]) => ({ u, ...d }));
  const out = await database.query<{ user_id: string | number; diamonds: string | number; xp: string | number; tickets: string | number; vault_points: string | number }>(
    sql`insert into balances as b (user_id, diamonds, xp, tickets, updated_at)
        select x.u, x.d, x.x, x.t, ${at.toISOString()}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(u bigint, d bigint, x bigint, t bigint)
        on conflict (user_id) do update set
          diamonds = b.diamonds + excluded.diamonds,
          xp = b.xp + excluded.xp,
          tickets = b.tickets + excluded.tickets,
          updated_at = excluded.updated_at
        returning user_id, diamonds, xp, tickets, ${sql.raw(VAULT_OF_B)} as vault_points`,
    exec,
  );
  const map = new Map<number, BalanceRow>();
  for (const r of out) {
    map.set(Number(r.user_id), {
      userId: Number(r.user_id),
      diamonds: Number(r.diamonds),
      xp: Number(r.xp),
      tickets: Number(r.tickets),
      vaultPoints: Number(r.vault_points),
    });
  }
  return map;
}

/** A balance row's vault points, in a RETURNING of `balances as b`: they are on the player's row (migrations/0011). */
const VAULT_OF_B = `coalesce((select u.vault_points from users u where u.id = b.user_id), 0)`;

type ClaimOutcome = { moved: boolean; status: string | null; balances: BalanceRow | null };
type ClaimKey = { item: PayItem; at: Date };
type ClaimRow = { i: number; moved: boolean; status: string | null; diamonds: string | number | null; xp: string | number | null; tickets: string | number | null; vault_points: string | number | null };

/**
 * Manual claims as one statement per event-loop turn (the claim hot path, docs/performance.md):
 * for each claim, completed → claimed, its ledger rows and the balance move together or not at
 * all, with the same rule as payRewards (a ledger row that exists is skipped and not added again).
 * The statement is its own transaction, so a batch commits or fails whole; the claims in it are
 * independent rows. Rows are taken in (user, mission, period) order, as everywhere, so batches
 * on two servers wait for each other rather than deadlock; a balance is moved once per player by
 * the sum of that player's claims in the batch. The status comes from the statement's snapshot,
 * from before its own update.
 */
const CLAIM_SQL = `with
  x as (select * from unnest($1::bigint[], $2::int[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::timestamptz[]) with ordinality as x(u, m, p, d, xp, t, at, i)),
  moved as (
    update user_mission_progress as p set status = 'claimed', claimed_at = x.at, claim_mode = 'manual', updated_at = x.at
    from x where p.user_id = x.u and p.mission_id = x.m and p.period_key = x.p and p.status = 'completed'
    returning p.user_id, p.mission_id, p.period_key
  ),
  led as (
    insert into reward_ledger (user_id, mission_id, period_key, kind, amount, source, created_at)
    select x.u, x.m, x.p, k.kind, k.amount, 'claim', x.at
    from moved join x on x.u = moved.user_id and x.m = moved.mission_id and x.p = moved.period_key
    cross join lateral (values ('diamonds', x.d), ('xp', x.xp), ('tickets', x.t)) as k(kind, amount)
    where k.amount > 0
    order by x.u, x.m, x.p, k.kind
    on conflict (user_id, mission_id, period_key, kind) do nothing
    returning user_id, kind, amount
  ),
  paid as (
    select user_id,
           coalesce(sum(amount) filter (where kind = 'diamonds'), 0) as d,
           coalesce(sum(amount) filter (where kind = 'xp'), 0) as xp,
           coalesce(sum(amount) filter (where kind = 'tickets'), 0) as t
    from led group by user_id
  ),
  bal as (
    insert into balances as b (user_id, diamonds, xp, tickets, updated_at)
    select w.user_id, coalesce(paid.d, 0), coalesce(paid.xp, 0), coalesce(paid.t, 0), w.at
    from (select x.u as user_id, max(x.at) as at from moved join x on x.u = moved.user_id and x.m = moved.mission_id and x.p = moved.period_key group by x.u) w
    left join paid on paid.user_id = w.user_id
    order by w.user_id
    on conflict (user_id) do update set
      diamonds = b.diamonds + excluded.diamonds, xp = b.xp + excluded.xp, tickets = b.tickets + excluded.tickets, updated_at = excluded.updated_at
    returning user_id, diamonds, xp, tickets, ${VAULT_OF_B} as vault_points
  )
  select x.i::int as i, (moved.user_id is not null) as moved, cur.status, bal.diamonds, bal.xp, bal.tickets, bal.vault_points
  from x
  left join moved on moved.user_id = x.u and moved.mission_id = x.m and moved.period_key = x.p
  left join bal on bal.user_id = x.u and moved.user_id is not null
  left join user_mission_progress cur on cur.user_id = x.u and cur.mission_id = x.m and cur.period_key = x.p`;

const keyOf = (i: PayItem) => `${i.userId}|${i.missionId}|${i.periodKey}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function claimBatch(database: Database, keys: readonly ClaimKey[]): Promise<(ClaimOutcome | Error)[]> {
  // the same claim twice in one batch (a double tap with two keys): the first goes to the
  // statement, the others get what a second claim right after it would get
  const first = new Set<string>();
  const sent: ClaimKey[] = [];
  for (const k of keys) {
    const key = keyOf(k.item);
    if (!first.has(key)) {
      first.add(key);
      sent.push(k);
    }
  }
  const order = sent.map((_, i) => i).sort((a, b) => {
    const x = sent[a]!.item;
    const y = sent[b]!.item;
    return x.userId - y.userId || x.missionId - y.missionId || cmp(x.periodKey, y.periodKey);
  });
  const items = order.map((i) => sent[i]!);
  const rows = await database.raw<ClaimRow>(CLAIM_SQL, [
    items.map((k) => k.item.userId),
    items.map((k) => k.item.missionId),
    items.map((k) => k.item.periodKey),
    items.map((k) => k.item.rewards.diamonds),
    items.map((k) => k.item.rewards.xp),
    items.map((k) => k.item.rewards.tickets),
    pgArray(items.map((k) => k.at.toISOString())),
  ]);
  const outcome = new Map<string, ClaimOutcome>();
  for (const r of rows) {
    const k = items[r.i - 1]!.item;
    const moved = r.moved === true || (r.moved as unknown) === 't';
    outcome.set(keyOf(k), {
      moved,
      status: r.status ?? null,
      balances: moved ? { userId: k.userId, diamonds: Number(r.diamonds), xp: Number(r.xp), tickets: Number(r.tickets), vaultPoints: Number(r.vault_points) } : null,
    });
  }
  const answered = new Set<string>();
  return keys.map((k) => {
    const key = keyOf(k.item);
    const o = outcome.get(key);
    if (!o) return new Error(`claim ${key} got no answer from its batch`);
    if (!answered.has(key)) {
      answered.add(key);
      return o;
    }
    // a repeat in the same batch: claimed by the first if it moved, else the same refusal
    return o.moved ? { moved: false, status: 'claimed', balances: null } : o;
  });
}

const claimsOf = perOwner((database: Database) => coalesced((keys: readonly ClaimKey[]) => claimBatch(database, keys), 128));

/**
 * One manual claim (see CLAIM_SQL): joins the other claims of this event-loop turn in one
 * statement. `moved` false means the row was not completed; `status` is then what it was
 * (claimed, completed when a concurrent claim took it first, active, or null for no row).
 */
export function claimAndPay(database: Database, item: PayItem, at: Date): Promise<ClaimOutcome> {
  return claimsOf(database)({ item, at });
}

export async function getBalance(database: Database, userId: number): Promise<BalanceRow> {
  const rows = await database.query<{ diamonds: string; xp: string; tickets: string; vault_points: string }>(
    sql`select b.diamonds, b.xp, b.tickets, u.vault_points
        from (select ${userId}::bigint as id) x left join balances b on b.user_id = x.id left join users u on u.id = x.id`,
  );
  const r = rows[0];
  return {
    userId,
    diamonds: Number(r?.diamonds ?? 0),
    xp: Number(r?.xp ?? 0),
    tickets: Number(r?.tickets ?? 0),
    vaultPoints: Number(r?.vault_points ?? 0),
  };
}
