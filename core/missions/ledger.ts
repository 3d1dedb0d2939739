import { sql } from 'drizzle-orm';
import type { Database, Executor } from '../../db/connection.js';
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
 * Extra per-user vault points (from plays) ride along so balances move in one statement.
 */
export async function payRewards(
  database: Database,
  exec: Executor,
  items: PayItem[],
  source: PaySource,
  at: Date,
  opts: { vaultPoints?: Map<number, number>; payoutId?: number } = {},
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
  const deltas = new Map<number, { d: number; x: number; t: number; v: number }>();
  const bump = (u: number) => {
    let d = deltas.get(u);
    if (!d) deltas.set(u, (d = { d: 0, x: 0, t: 0, v: 0 }));
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
  for (const [u, v] of opts.vaultPoints ?? []) if (v) bump(u).v += v;
  for (const it of items) bump(it.userId); // return balances for every paid user, even if nothing moved
  if (deltas.size === 0) return new Map();
  const rows = [...deltas.entries()].sort((a, b) => a[0] - b[0]).map(([u, d]) => ({ u, ...d }));
  const out = await database.query<{ user_id: string | number; diamonds: string | number; xp: string | number; tickets: string | number; vault_points: string | number }>(
    sql`insert into balances as b (user_id, diamonds, xp, tickets, vault_points, updated_at)
        select x.u, x.d, x.x, x.t, x.v, ${at.toISOString()}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(u bigint, d bigint, x bigint, t bigint, v bigint)
        on conflict (user_id) do update set
          diamonds = b.diamonds + excluded.diamonds,
          xp = b.xp + excluded.xp,
          tickets = b.tickets + excluded.tickets,
          vault_points = b.vault_points + excluded.vault_points,
          updated_at = excluded.updated_at
        returning user_id, diamonds, xp, tickets, vault_points`,
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

/**
 * One manual claim as one statement (the claim hot path, docs/performance.md): completed →
 * claimed, the ledger rows and the balance move together or not at all, the same rule as
 * payRewards (a ledger row that exists is skipped and not added again). `moved` false means the
 * row was not completed; `status` is then what it was (claimed, active, or null for no row).
 */
export async function claimAndPay(
  database: Database,
  item: PayItem,
  at: Date,
): Promise<{ moved: boolean; status: string | null; balances: BalanceRow | null }> {
  const kinds: RewardKind[] = [];
  const amounts: number[] = [];
  for (const k of REWARD_KINDS) {
    if (item.rewards[k] > 0) {
      kinds.push(k);
      amounts.push(item.rewards[k]);
    }
  }
  const [r] = await database.raw<{ moved: string | number; status: string | null; diamonds: string | number | null; xp: string | number | null; tickets: string | number | null; vault_points: string | number | null }>(
    `with moved as (
       update user_mission_progress set status = 'claimed', claimed_at = $4::timestamptz, claim_mode = 'manual', updated_at = $4::timestamptz
       where user_id = $1 and mission_id = $2 and period_key = $3 and status = 'completed'
       returning user_id
     ),
     led as (
       insert into reward_ledger (user_id, mission_id, period_key, kind, amount, source, created_at)
       select $1, $2, $3, k.kind, k.amount, 'claim', $4::timestamptz from moved, unnest($5::text[], $6::bigint[]) as k(kind, amount)
       on conflict (user_id, mission_id, period_key, kind) do nothing
       returning kind, amount
     ),
     bal as (
       insert into balances as b (user_id, diamonds, xp, tickets, vault_points, updated_at)
       select moved.user_id,
              (select coalesce(sum(amount) filter (where kind = 'diamonds'), 0) from led),
              (select coalesce(sum(amount) filter (where kind = 'xp'), 0) from led),
              (select coalesce(sum(amount) filter (where kind = 'tickets'), 0) from led),
              0, $4::timestamptz
       from moved
       on conflict (user_id) do update set
         diamonds = b.diamonds + excluded.diamonds, xp = b.xp + excluded.xp, tickets = b.tickets + excluded.tickets, updated_at = excluded.updated_at
       returning diamonds, xp, tickets, vault_points
     )
     select (select count(*) from moved) as moved, bal.diamonds, bal.xp, bal.tickets, bal.vault_points,
            (select status from user_mission_progress where user_id = $1 and mission_id = $2 and period_key = $3) as status
     from (select 1) one left join bal on true`,
    [item.userId, item.missionId, item.periodKey, at.toISOString(), kinds, amounts],
  );
  const moved = Number(r?.moved ?? 0) > 0;
  return {
    moved,
    status: r?.status ?? null,
    balances: moved ? { userId: item.userId, diamonds: Number(r!.diamonds), xp: Number(r!.xp), tickets: Number(r!.tickets), vaultPoints: Number(r!.vault_points) } : null,
  };
}

export async function getBalance(database: Database, userId: number): Promise<BalanceRow> {
  const rows = await database.query<{ diamonds: string; xp: string; tickets: string; vault_points: string }>(
    sql`select diamonds, xp, tickets, vault_points from balances where user_id = ${userId}`,
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
