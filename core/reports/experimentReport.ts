import { sql } from 'drizzle-orm';
import type { Database } from '../../db/connection.js';
import type { Mission } from '../missions/catalog.js';
import type { ExperimentTimeline } from '../missions/experiments.js';
import { HOLDOUT_ARM, armNames, assignArm } from '../domain/experiment.js';
import { addDays, instantOf } from '../domain/time.js';
import { compareArms, type ArmComparison } from './lift.js';
import { evidenceDay } from '../missions/evidence.js';
import { ACTION_TYPE_CODES } from '../../db/schema.js';

/**
 * The experiment section of the daily report (docs/operations.md, "Reading the experiment").
 * Every arm is measured on the same footing, whatever it was shown:
 * - players: distinct players active on the local day (app or bot: activity_minutes; game: the evidence);
 * - participants: of those, who played during the golden-hour window (the whole day without one);
 * - completions, claims: golden-mission progress of the period (zero for the holdout by design);
 * - depositCr2h: who deposited within 2 h of the window opening;
 * - returnedNextDay: who was active again on the next local day.
 * Arms come from the assignment function (a hash, no per-player row), so a player who never
 * played is still counted in their arm. Each variant is compared with the holdout.
 */
export interface ExperimentArmStats {
  name: string;
  players: number;
  participants: number;
  completions: number;
  claims: number;
  depositCr2h: number;
  returnedNextDay: number;
}

export interface ExperimentComparison {
  variant: string;
  participation: ArmComparison;
  depositCr2h: ArmComparison;
  returnedNextDay: ArmComparison;
}

export interface ExperimentReport {
  id: string;
  holdoutPct: number;
  arms: ExperimentArmStats[];
  /** each variant against the holdout (none when holdoutPct is 0) */
  comparisons: ExperimentComparison[];
}

export const EXPERIMENT_DEPOSIT_WINDOW_MS = 2 * 3_600_000;
export const COMPARED_METRICS = ['participation', 'depositCr2h', 'returnedNextDay'] as const;

const num = (v: unknown) => Number(v ?? 0);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * null when no experiment ran in the period `date`. `window` is the golden-hour occurrence that
 * started on `date` (opens, inclusive last second), or null.
 */
export async function experimentReport(
  deps: { database: Database; tz: string; experiment: ExperimentTimeline },
  golden: Mission[],
  date: string,
  window: { opens: number; lastSecond: number } | null,
): Promise<ExperimentReport | null> {
  const v = deps.experiment.version(date);
  if (!v) return null;
  const tz = deps.tz;
  const dayStart = instantOf(date, 0, tz).getTime();
  const dayEnd = instantOf(addDays(date, 1), 0, tz).getTime();
  const nextEnd = instantOf(addDays(date, 2), 0, tz).getTime();
  const playFrom = window ? window.opens : dayStart;
  const playTo = window ? window.lastSecond + 1000 : dayEnd;
  const depositFrom = window ? window.opens : dayStart;
  const ids = golden.length ? sql.join(golden.map((m) => sql`${m.id}`), sql`, `) : sql`null`;
  const rows = await deps.database.query<{ user_id: string | number; played: boolean; deposited: boolean; returned: boolean; completed: boolean; claimed: boolean }>(
    sql`with players as (
          select user_id from activity_minutes where minute >= ${iso(dayStart)}::timestamptz and minute < ${iso(dayEnd)}::timestamptz
          union
          select user_id from play_evidence where day between ${evidenceDay(dayStart)}::date and ${evidenceDay(dayEnd - 1)}::date
            and received_at >= ${iso(dayStart)}::timestamptz and received_at < ${iso(dayEnd)}::timestamptz
        )
        select p.user_id,
          exists (select 1 from play_evidence a where a.user_id = p.user_id and a.type_code = ${ACTION_TYPE_CODES.PLAY_GAME}
                    and a.day between ${evidenceDay(playFrom)}::date and ${evidenceDay(playTo - 1)}::date
                    and a.received_at >= ${iso(playFrom)}::timestamptz and a.received_at < ${iso(playTo)}::timestamptz) as played,
          exists (select 1 from play_evidence a where a.user_id = p.user_id and a.type_code = ${ACTION_TYPE_CODES.DEPOSIT}
                    and a.day between ${evidenceDay(depositFrom)}::date and ${evidenceDay(depositFrom + EXPERIMENT_DEPOSIT_WINDOW_MS)}::date
                    and a.received_at >= ${iso(depositFrom)}::timestamptz and a.received_at <= ${iso(depositFrom + EXPERIMENT_DEPOSIT_WINDOW_MS)}::timestamptz) as deposited,
          (exists (select 1 from activity_minutes m where m.user_id = p.user_id
                    and m.minute >= ${iso(dayEnd)}::timestamptz and m.minute < ${iso(nextEnd)}::timestamptz)
           or exists (select 1 from play_evidence a where a.user_id = p.user_id
                    and a.day between ${evidenceDay(dayEnd)}::date and ${evidenceDay(nextEnd - 1)}::date
                    and a.received_at >= ${iso(dayEnd)}::timestamptz and a.received_at < ${iso(nextEnd)}::timestamptz)) as returned,
          exists (select 1 from user_mission_progress u where u.user_id = p.user_id and u.mission_id in (${ids})
                    and u.period_key = ${date} and u.completed_at is not null and u.claim_mode is distinct from 'payout') as completed,
          exists (select 1 from user_mission_progress u where u.user_id = p.user_id and u.mission_id in (${ids})
                    and u.period_key = ${date} and u.status = 'claimed') as claimed
        from players p`,
  );
  const arms = new Map<string, ExperimentArmStats>(armNames(v).map((name) => [name, { name, players: 0, participants: 0, completions: 0, claims: 0, depositCr2h: 0, returnedNextDay: 0 }]));
  for (const r of rows) {
    const arm = assignArm(num(r.user_id), v.experimentId, v);
    const a = arm ? arms.get(arm) : undefined;
    if (!a) continue;
    a.players++;
    if (r.played) a.participants++;
    if (r.completed) a.completions++;
    if (r.claimed) a.claims++;
    if (r.deposited) a.depositCr2h++;
    if (r.returned) a.returnedNextDay++;
  }
  const hold = arms.get(HOLDOUT_ARM);
  const comparisons: ExperimentComparison[] = hold
    ? v.variants.map((x) => {
        const a = arms.get(x.name)!;
        return {
          variant: x.name,
          participation: compareArms(a.participants, a.players, hold.participants, hold.players),
          depositCr2h: compareArms(a.depositCr2h, a.players, hold.depositCr2h, hold.players),
          returnedNextDay: compareArms(a.returnedNextDay, a.players, hold.returnedNextDay, hold.players),
        };
      })
    : [];
  return { id: v.experimentId, holdoutPct: v.holdoutPct, arms: [...arms.values()], comparisons };
}

const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** CSV rows (section, metric, value) for reportCsv: one section per arm, one per comparison. */
export function experimentCsvRows(e: ExperimentReport | null): unknown[][] {
  if (!e) return [];
  const rows: unknown[][] = [['experiment', 'id', e.id], ['experiment', 'holdout_pct', e.holdoutPct]];
  for (const a of e.arms) {
    const sec = `arm:${a.name}`;
    rows.push([sec, 'players', a.players], [sec, 'participants', a.participants], [sec, 'completions', a.completions], [sec, 'claims', a.claims]);
    rows.push([sec, 'deposit_cr_2h', a.depositCr2h], [sec, 'returned_next_day', a.returnedNextDay]);
  }
  for (const c of e.comparisons) {
    const sec = `lift:${c.variant}`;
    for (const k of COMPARED_METRICS) {
      const d = c[k];
      rows.push([sec, `${k}_diff`, r4(d.difference)], [sec, `${k}_lower95`, r4(d.lower)], [sec, `${k}_upper95`, r4(d.upper)], [sec, `${k}_verdict`, d.verdict]);
    }
  }
  return rows;
}
