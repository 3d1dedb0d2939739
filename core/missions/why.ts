import { sql } from 'drizzle-orm';
import type { Database } from '../../db/connection.js';
import type { Mission } from './catalog.js';
import { instantOf, localParts, parseDate } from '../domain/time.js';
import { occurrenceOn, type TimeWindow } from '../domain/window.js';
import { actionTypeOf, decodeVerdicts, evidenceDay } from './evidence.js';
import type { Verdict } from '../../db/schema.js';
import type { ExperimentTimeline } from './experiments.js';

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
  verdict: Verdict | null;
  periodKey: string | null;
  /** the player's golden-hour experiment arm recorded with this action, null without an experiment */
  arm: string | null;
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
  /**
   * The player's golden-hour experiment arm for the date's period (holdout or a variant): as
   * recorded with their plays of that period, else as the experiment assigns it; null without one.
   */
  arm: string | null;
}

/** Kept for importers; the rule is core/domain/time.ts parseDate. */
export { parseDate };

/**
 * "Why was my play not counted?" (docs/design.md, Data flow: an event): the user's stored actions around the
 * mission's window on `date` (local, default today), each with the verdict recorded when it was
 * applied — counted, outside_window, flag_off, clock_unhealthy, holdout — and its ignored replays
 * (the evidence of core/missions/evidence.ts, kept EVIDENCE_RETENTION_DAYS).
 */
export async function explainUser(
  database: Database,
  m: Mission,
  userId: number,
  opts: { date?: string; nowMs: number; tz: string; experiment?: Pick<ExperimentTimeline, 'armOf'> },
): Promise<WhyReport> {
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
  // the user's evidence rows in [from, to): their partitions (UTC days) bound the scan
  const rows = await database.raw<{ action_id: string; type_code: number; received_at: string | Date; replays: number; verdicts: string | null; day: string; arm: string | null }>(
    `select action_id, type_code, received_at, replays, verdicts, day::text as day, arm from play_evidence
     where user_id = $1 and received_at >= $2::timestamptz and received_at < $3::timestamptz and day between $4::date and $5::date
     order by received_at, action_id
     limit $6`,
    [userId, new Date(fromMs).toISOString(), new Date(toMs).toISOString(), evidenceDay(fromMs), evidenceDay(toMs), MAX_ROWS + 1],
  );
  const truncated = rows.length > MAX_ROWS;
  const actions = rows.slice(0, MAX_ROWS).map((r) => {
    const mine = decodeVerdicts(r.verdicts, r.day).find((x) => x.missionId === m.id);
    return {
      actionId: r.action_id,
      type: actionTypeOf(Number(r.type_code)) ?? String(r.type_code),
      receivedAt: new Date(r.received_at).toISOString(),
      replays: Number(r.replays),
      verdict: mine?.verdict ?? null,
      periodKey: mine?.periodKey ?? null,
      arm: r.arm ?? null,
    };
  });
  const arm = actions.find((a) => a.periodKey === date && a.arm !== null)?.arm ?? opts.experiment?.armOf(m, userId, date) ?? null;
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
    arm,
  };
}
