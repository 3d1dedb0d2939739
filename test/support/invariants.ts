import { sql } from 'drizzle-orm';
import type { Database } from '../../db/connection.js';

/**
 * The money-and-progress invariants, checked against the database after every
 * reliability scenario (and usable from any test):
 *
 * 1. balances: each user's diamonds, XP and tickets equal the sum of their ledger rows per kind
 *    (and vault points the sum of their vault earn events);
 * 2. a ledger reference (user, mission, period, kind) appears at most once;
 * 3. every claimed progress row has exactly one ledger row per non-zero reward kind of its
 *    mission, and every ledger row belongs to a claimed progress row;
 * 4. each (user, mission, action) is counted at most once: progress equals the number of counted
 *    mission actions, capped at the target, and completed/claimed rows reached the target;
 * 5. every accepted event (202) is recorded as an action, with a verdict for each mission of its
 *    type — pass the accepted events to check this.
 *
 * Read-only; returns every violation found (an empty list means all hold).
 */
export interface AcceptedEvent {
  userId: number;
  type: string;
  actionId: string;
  /** missions this event must have a verdict for (default: see InvariantOptions.verdictMissionIds) */
  missionIds?: number[];
}

export interface InvariantOptions {
  /** events the API answered 202 for; each must have been applied */
  accepted?: AcceptedEvent[];
  /**
   * missions each accepted event must have a verdict for (default: every active mission of the
   * event's type). Pass a list when a test creates missions after its events were applied.
   */
  verdictMissionIds?: number[];
  /** skip the vault-points sum (for a scenario that changes vault accrual rules mid-run) */
  skipVault?: boolean;
}

export interface InvariantReport {
  ok: boolean;
  violations: string[];
  stats: { users: number; ledgerRows: number; claimed: number; progressRows: number; actions: number; accepted: number };
}

const n = (v: unknown) => Number(v ?? 0);
const MAX_LISTED = 5;

export async function checkInvariants(database: Database, o: InvariantOptions = {}): Promise<InvariantReport> {
  const violations: string[] = [];
  const report = (rule: string, rows: unknown[]) => {
    if (rows.length === 0) return;
    const shown = rows.slice(0, MAX_LISTED).map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    violations.push(`${rule}: ${rows.length} row(s), e.g. ${shown.join('; ')}`);
  };

  // 1. balances = ledger sums per kind (+ the player's vault points = vault earn events)
  const vaultCheck = o.skipVault ? sql`false` : sql`coalesce(p.vault_points, 0) <> coalesce(v.v, 0)`;
  report(
    'balance differs from the sum of its ledger rows',
    await database.query(sql`
      with l as (
        select user_id,
               sum(case when kind = 'diamonds' then amount else 0 end) as d,
               sum(case when kind = 'xp' then amount else 0 end) as x,
               sum(case when kind = 'tickets' then amount else 0 end) as t
        from reward_ledger group by user_id
      ), v as (
        select user_id, sum(points) as v from vault_earn_events group by user_id
      ), u as (
        select user_id from balances union select user_id from l union select user_id from v union select id from users where vault_points <> 0
      )
      select u.user_id, b.diamonds, l.d as ledger_diamonds, b.xp, l.x as ledger_xp, b.tickets, l.t as ledger_tickets, p.vault_points, v.v as vault_events
      from u left join balances b on b.user_id = u.user_id left join users p on p.id = u.user_id left join l on l.user_id = u.user_id left join v on v.user_id = u.user_id
      where coalesce(b.diamonds, 0) <> coalesce(l.d, 0) or coalesce(b.xp, 0) <> coalesce(l.x, 0)
         or coalesce(b.tickets, 0) <> coalesce(l.t, 0) or ${vaultCheck}
         or b.diamonds < 0 or b.xp < 0 or b.tickets < 0 or p.vault_points < 0
      order by u.user_id limit 50`),
  );

  // 2. a ledger reference at most once
  report(
    'ledger reference used more than once',
    await database.query(sql`
      select user_id, mission_id, period_key, kind, count(*)::int as n from reward_ledger
      group by user_id, mission_id, period_key, kind having count(*) > 1 limit 50`),
  );
  report('ledger row with a non-positive amount', await database.query(sql`select id, user_id, kind, amount from reward_ledger where amount <= 0 limit 50`));

  // 3. claimed progress ⇔ ledger rows, one per non-zero reward kind
  report(
    'claimed progress row without exactly one ledger row per reward kind',
    await database.query(sql`
      select p.user_id, p.mission_id, p.period_key, p.claim_mode,
             coalesce(l.d, 0)::int as diamonds_rows, coalesce(l.x, 0)::int as xp_rows, coalesce(l.t, 0)::int as tickets_rows,
             m.reward_diamonds, m.reward_xp, m.reward_tickets
      from user_mission_progress p
      join missions m on m.id = p.mission_id
      left join (
        select user_id, mission_id, period_key,
               count(*) filter (where kind = 'diamonds') as d,
               count(*) filter (where kind = 'xp') as x,
               count(*) filter (where kind = 'tickets') as t
        from reward_ledger group by user_id, mission_id, period_key
      ) l on l.user_id = p.user_id and l.mission_id = p.mission_id and l.period_key = p.period_key
      where p.status = 'claimed'
        and (coalesce(l.d, 0) <> (m.reward_diamonds > 0)::int
          or coalesce(l.x, 0) <> (m.reward_xp > 0)::int
          or coalesce(l.t, 0) <> (m.reward_tickets > 0)::int)
      limit 50`),
  );
  report(
    'ledger row without a claimed progress row',
    await database.query(sql`
      select l.id, l.user_id, l.mission_id, l.period_key, l.kind, l.source, p.status
      from reward_ledger l
      left join user_mission_progress p on p.user_id = l.user_id and p.mission_id = l.mission_id and p.period_key = l.period_key
      where p.status is distinct from 'claimed'
      limit 50`),
  );
  report(
    'claimed progress row without claimed_at',
    await database.query(sql`select user_id, mission_id, period_key from user_mission_progress where status = 'claimed' and claimed_at is null limit 50`),
  );

  // 4. each (user, mission, action) counted at most once
  report(
    'mission action recorded more than once',
    await database.query(sql`
      select user_id, mission_id, action_id, count(*)::int as n from mission_actions
      group by user_id, mission_id, action_id having count(*) > 1 limit 50`),
  );
  report(
    'action stored more than once',
    await database.query(sql`
      select user_id, type, action_id, count(*)::int as n from actions
      group by user_id, type, action_id having count(*) > 1 limit 50`),
  );
  // manual payouts may mark a row claimed without plays; they are exempt from the count rule
  report(
    'progress differs from its counted actions (capped at the target)',
    await database.query(sql`
      with c as (
        select user_id, mission_id, period_key, count(*) as n from mission_actions
        where verdict = 'counted' group by user_id, mission_id, period_key
      )
      select coalesce(p.user_id, c.user_id) as user_id, coalesce(p.mission_id, c.mission_id) as mission_id,
             coalesce(p.period_key, c.period_key) as period_key, p.progress, p.status, c.n as counted, m.target_value
      from user_mission_progress p
      full join c on c.user_id = p.user_id and c.mission_id = p.mission_id and c.period_key = p.period_key
      join missions m on m.id = coalesce(p.mission_id, c.mission_id)
      where p.claim_mode is distinct from 'payout'
        and (coalesce(p.progress, 0) <> least(coalesce(c.n, 0), m.target_value)
          or (p.status in ('completed', 'claimed') and p.progress < m.target_value)
          or (p.status = 'active' and p.progress >= m.target_value))
      limit 50`),
  );

  // 5. every accepted event recorded, with a verdict per mission of its type
  const accepted = dedupe(o.accepted ?? []);
  if (accepted.length) {
    const rows = JSON.stringify(accepted.map((e) => ({ u: e.userId, t: e.type, a: e.actionId, ms: e.missionIds ?? null })));
    report(
      'accepted event never recorded',
      await database.query(sql`
        select x.u as user_id, x.t as type, x.a as action_id
        from jsonb_to_recordset(${rows}::jsonb) as x(u bigint, t text, a text)
        left join actions a on a.user_id = x.u and a.type = x.t and a.action_id = x.a
        where a.user_id is null limit 50`),
    );
    const defaultFilter = o.verdictMissionIds ? sql`m.id = any(${`{${o.verdictMissionIds.join(',')}}`}::int[])` : sql`m.active`;
    const missionFilter = sql`case when x.ms is null then ${defaultFilter} else m.id in (select jsonb_array_elements_text(x.ms)::int) end`;
    report(
      'accepted event without a verdict for a mission of its type',
      await database.query(sql`
        select x.u as user_id, x.t as type, x.a as action_id, m.id as mission_id
        from jsonb_to_recordset(${rows}::jsonb) as x(u bigint, t text, a text, ms jsonb)
        join missions m on m.action_type = x.t and ${missionFilter}
        left join mission_actions ma on ma.user_id = x.u and ma.mission_id = m.id and ma.action_id = x.a
        where ma.user_id is null limit 50`),
    );
  }

  const [st] = await database.query<Record<string, unknown>>(sql`
    select (select count(*) from balances) as users, (select count(*) from reward_ledger) as ledger,
           (select count(*) from user_mission_progress where status = 'claimed') as claimed,
           (select count(*) from user_mission_progress) as progress, (select count(*) from actions) as actions`);
  return {
    ok: violations.length === 0,
    violations,
    stats: {
      users: n(st?.users),
      ledgerRows: n(st?.ledger),
      claimed: n(st?.claimed),
      progressRows: n(st?.progress),
      actions: n(st?.actions),
      accepted: accepted.length,
    },
  };
}

function dedupe(events: AcceptedEvent[]): AcceptedEvent[] {
  const seen = new Map<string, AcceptedEvent>();
  for (const e of events) seen.set(`${e.userId}\u0000${e.type}\u0000${e.actionId}`, e);
  return [...seen.values()];
}

/** Throws with every violation listed; returns the report's stats when all invariants hold. */
export async function assertInvariants(database: Database, o: InvariantOptions = {}): Promise<InvariantReport['stats']> {
  const r = await checkInvariants(database, o);
  if (!r.ok) throw new Error(`invariants violated:\n  ${r.violations.join('\n  ')}`);
  return r.stats;
}

/**
 * Polls until every invariant holds ("eventually counted": the queue may still be applying).
 * Throws the last report's violations when the deadline passes.
 */
export async function eventuallyInvariants(database: Database, o: InvariantOptions = {}, timeoutMs = 60_000): Promise<InvariantReport['stats']> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await checkInvariants(database, o).catch((err: unknown) => ({ ok: false, violations: [String(err)], stats: null }));
    if (r.ok && r.stats) return r.stats;
    if (Date.now() > until) throw new Error(`invariants still violated after ${timeoutMs} ms:\n  ${r.violations.join('\n  ')}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/**
 * A fingerprint of every table a hostile request could change, to prove "the database is
 * unchanged" (row counts plus a hash of the money and mission rows). Users are left out: an
 * authenticated request records its user's activity, which is not business state.
 */
export async function databaseFingerprint(database: Database): Promise<string> {
  const rows = await database.query<Record<string, unknown>>(sql`
    select
      (select count(*) from actions) as actions,
      (select count(*) from mission_actions) as mission_actions,
      (select count(*) from user_mission_progress) as progress,
      (select count(*) from reward_ledger) as ledger,
      (select count(*) from vault_earn_events) as vault,
      (select count(*) from admin_audit_log) as audit,
      (select count(*) from payout_batches) as payouts,
      (select md5(coalesce(string_agg(b::text, '|' order by b.user_id), '')) from (select coalesce(b.user_id, u.id) as user_id, b.diamonds, b.xp, b.tickets, u.vault_points from balances b full join (select id, vault_points from users where vault_points <> 0) u on u.id = b.user_id) b) as balances,
      (select md5(coalesce(string_agg(m::text, '|' order by m.id), '')) from (
         select id, logic_key, title, description, category, action_type, target_value, reward_diamonds, reward_xp, reward_tickets,
                start_time, end_time, auto_claim, period, is_golden_hour, vault_accrual_multiplier, active, sort_order from missions) m) as missions,
      (select md5(coalesce(string_agg(f::text, '|' order by f.key), '')) from (select key, value from feature_flags) f) as flags`);
  return JSON.stringify(rows[0], (_k, v) => (typeof v === 'bigint' ? String(v) : v));
}
