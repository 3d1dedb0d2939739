import { sql } from 'drizzle-orm';
import type { Database } from '../../db/connection.js';
import type { Mission } from './catalog.js';
import { instantOf, localParts, parseDate } from '../domain/time.js';
import { occurrenceOn, type TimeWindow } from '../domain/window.js';

/** How far around the window /why looks (plays just before or after are the usual question). */
export const WHY_MARGIN_MS = 60 * 60_000;
const MAX_ROWS = 200;

export interface WhyAction {
  actionId: string;
  type: string;
  receivedAt: string;
  /** extra deliveries of the same action that were ignored (duplicates) */
  replays: number;
  /** the golden mission's verdict for this action, null when it was never decided for it */
  verdict: 'counted' | 'outside_window' | 'flag_off' | 'clock_unhealthy' | 'holdout' | null;
  periodKey: string | null;
}

export interface WhyReport {
  userId: number;
  date: string;
  mission: { id: number; title: string; window: TimeWindow | null; target: number };
  from: string;
  to: string;
  actions: WhyAction[];
  truncated: boolean;
  progress: { periodKey: string; progress: number; status: string } | null;
}

/** Kept for importers; the rule is core/domain/time.ts parseDate. */
export { parseDate };

/**
 * "Why was my play not counted?" (docs/design.md, Data flow: an event): the user's stored actions around the
 * mission's window on `date` (local, default today), each with the verdict recorded when it was
 * applied — counted, outside_window, flag_off, clock_unhealthy — and its ignored replays.
 */
export async function explainUser(database: Database, m: Mission, userId: number, opts: { date?: string; nowMs: number; tz: string }): Promise<WhyReport> {
  const date = opts.date ? parseDate(opts.date) : localParts(opts.nowMs, opts.tz).date;
  let fromMs: number;
  let toMs: number;
  if (m.window) {
    const occ = occurrenceOn(m.window, date, opts.tz);
    fromMs = occ.opensAt.getTime() - WHY_MARGIN_MS;
    toMs = occ.closesAt.getTime() + WHY_MARGIN_MS;
  } else {
    fromMs = instantOf(date, 0, opts.tz).getTime();
    toMs = fromMs + 86_400_000;
  }
  const rows = await database.query<{ action_id: string; type: string; received_at: string | Date; replays: number; verdict: string | null; period_key: string | null }>(
    sql`select a.action_id, a.type, a.received_at, a.replays, ma.verdict, ma.period_key
        from actions a
        left join mission_actions ma on ma.user_id = a.user_id and ma.action_id = a.action_id and ma.mission_id = ${m.id} and a.type = ${m.actionType}
        where a.user_id = ${userId}
          and a.received_at >= ${new Date(fromMs).toISOString()}::timestamptz
          and a.received_at < ${new Date(toMs).toISOString()}::timestamptz
        order by a.received_at, a.id
        limit ${MAX_ROWS + 1}`,
  );
  const truncated = rows.length > MAX_ROWS;
  const actions = rows.slice(0, MAX_ROWS).map((r) => ({
    actionId: r.action_id,
    type: r.type,
    receivedAt: new Date(r.received_at).toISOString(),
    replays: Number(r.replays),
    verdict: (r.verdict as WhyAction['verdict']) ?? null,
    periodKey: r.period_key,
  }));
  const progressRows = await database.query<{ period_key: string; progress: number; status: string }>(
    sql`select period_key, progress, status from user_mission_progress where user_id = ${userId} and mission_id = ${m.id} and period_key = ${date}`,
  );
  const pr = progressRows[0];
  return {
    userId,
    date,
    mission: { id: m.id, title: m.title, window: m.window, target: m.target },
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    actions,
    truncated,
    progress: pr ? { periodKey: pr.period_key, progress: Number(pr.progress), status: pr.status } : null,
  };
}
