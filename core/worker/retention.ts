import type { Services } from '../missions/services.js';
import { addDays, localParts } from '../domain/time.js';
import { dropExpiredEvidence, evidenceDay, expiredEvidenceDays, partitionsOf } from '../missions/evidence.js';
import { keepDailyReport, reportFinalAt } from '../reports/report.js';

/** How often the worker keeps the evidence (partitions ahead, final reports, retention). */
export const RETENTION_INTERVAL_MS = 15 * 60_000;
/** Stored reports are looked for this many local days back (final ones not stored yet). */
const REPORT_LOOKBACK_DAYS = 14;

export interface KeepResult {
  /** the UTC days whose partitions were dropped */
  dropped: string[];
  /** local dates whose report was stored in this pass */
  stored: string[];
}

/**
 * One pass of evidence keeping (docs/design.md, Evidence), safe on any number of workers at once
 * (every step is idempotent):
 * 1. the partitions of today and tomorrow (UTC) exist before the first play of the day needs them;
 * 2. every final daily report of the last two weeks with evidence is stored (daily_reports);
 * 3. the local dates touching a UTC day about to be dropped get their report stored, even if not
 *    final (however long the worker was down), then every day partition older than
 *    EVIDENCE_RETENTION_DAYS is dropped whole.
 */
export async function keepEvidence(s: Services): Promise<KeepResult> {
  const now = s.clock.nowMs();
  const tz = s.config.tz;
  const today = evidenceDay(now);
  await partitionsOf(s.database, s.log).ensure([today, addDays(today, 1)]);

  const stored: string[] = [];
  const localToday = localParts(now, tz).date;
  for (let i = REPORT_LOOKBACK_DAYS; i >= 1; i--) {
    const date = addDays(localToday, -i);
    if (now < reportFinalAt(date, tz, s.config.payoutMaxAgeDays)) continue;
    // a date without evidence has nothing to outlive: its report stays computable from progress and ledger
    if (!(await hasEvidence(s, date))) continue;
    if (await keepDailyReport(s, date)) stored.push(date); // final: computed once and stored
  }

  // before a UTC day is dropped, every local date it touches (a local date spans at most two UTC
  // days) gets its report stored, final or not
  const expiring = await expiredEvidenceDays(s.database, now, s.config.evidenceRetentionDays);
  const dates = new Set(expiring.flatMap((d) => [addDays(d, -1), d, addDays(d, 1)]));
  for (const date of [...dates].sort()) {
    if (!(await hasEvidence(s, date))) continue;
    if (await keepDailyReport(s, date)) stored.push(date);
  }
  const dropped = await dropExpiredEvidence(s.database, now, s.config.evidenceRetentionDays, partitionsOf(s.database));
  if (dropped.length || stored.length) s.log.info({ dropped, stored, retentionDays: s.config.evidenceRetentionDays }, 'evidence kept');
  return { dropped, stored: [...new Set(stored)] };
}

/** Evidence rows in the UTC days around a local date (its partitions or the default one). */
async function hasEvidence(s: Pick<Services, 'database'>, date: string): Promise<boolean> {
  const rows = await s.database.raw(`select 1 from play_evidence where day between $1::date and $2::date limit 1`, [addDays(date, -1), addDays(date, 1)]);
  return rows.length > 0;
}

/** The worker's timer around keepEvidence; failures are logged and retried on the next pass. */
export class EvidenceKeeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly s: Services,
    private readonly intervalMs = RETENTION_INTERVAL_MS,
  ) {}

  start() {
    const pass = () => {
      if (this.running) return;
      this.running = keepEvidence(this.s)
        .catch((err) => this.s.log.error({ err }, 'evidence keeping failed'))
        .finally(() => (this.running = null));
    };
    pass();
    this.timer = setInterval(pass, this.intervalMs);
    this.timer.unref();
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
