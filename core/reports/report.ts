import { eq, sql, type SQL } from 'drizzle-orm';
import { ACTION_TYPE_CODES, dailyReports } from '../../db/schema.js';
import { csvCell } from './csv.js';
import type { Services } from '../missions/services.js';
import type { Mission } from '../missions/catalog.js';
import { addDays, formatLocal, instantOf, localIso, localParts, parseDate } from '../domain/time.js';
import { occurrenceOn, periodKey } from '../domain/window.js';
import { langOf, type Lang } from '../domain/language.js';
import { evidenceDay } from '../missions/evidence.js';
import { Deliveries, type Outcome } from '../delivery/deliveries.js';
import { experimentCsvRows, experimentReport, type ExperimentReport } from './experimentReport.js';

/**
 * The daily report (docs/design.md, The daily report): the day's impact figures —
 * golden-hour missions apart from the rest, vault inflation against the cap, CCU during the
 * window against the same hours on the previous 7 days, and the deposit conversion of claimers.
 * Read-only; safe to run on any instance at any time.
 */

export interface GroupStats {
  missions: { id: number; logicKey: string; title: string }[];
  /** distinct users with a counted mission action in the period */
  participants: number;
  /** (user, mission) pairs that reached the target in the period */
  completions: number;
  claims: { auto: number; manual: number; payout: number };
  paid: { diamonds: number; xp: number; tickets: number };
}

export interface CcuDay {
  date: string;
  avg: number;
  peak: number;
}

export interface DailyReport {
  date: string;
  tz: string;
  /** the golden-hour occurrence that started on `date` (local ISO; both ends inclusive), or null */
  window: { start: string; end: string } | null;
  golden: GroupStats;
  other: GroupStats;
  vault: { issued: number; goldenIssued: number; cap: number; exceeded: boolean };
  ccu: { window: { avg: number; peak: number }; previous7: CcuDay[]; ratio: number | null };
  depositCr: { claimers: number; depositors: number; share: number };
  perMinute: { minute: string; participants: number; plays: number; claims: number }[];
  /** the golden-hour experiment of the period, arm by arm, variants against the holdout (core/reports/experimentReport.ts) */
  experiment: ExperimentReport | null;
}

/** Deposit CR looks this far after each golden-hour claim (docs/design.md, The daily report). */
export const DEPOSIT_WINDOW_MS = 2 * 3_600_000;
/** The report's date argument: core/domain/time.ts parseDate (one date rule for API and bot). */
export const parseReportDate = parseDate;

/** The local date of an instant in the event zone. */
export const reportDateFor = (nowMs: number, tz: string) => localParts(nowMs, tz).date;

/**
 * The date a report covers when none is given: the latest golden-hour occurrence that has
 * started (before today's window opens, that is yesterday's), or today without a window.
 */
export async function defaultReportDate(s: Pick<Services, 'clock' | 'config' | 'catalog'>): Promise<string> {
  const now = s.clock.nowMs();
  const today = reportDateFor(now, s.config.tz);
  const w = windowOn(await s.catalog.goldenMission(), today, s.config.tz);
  return w && now < w.opens ? addDays(today, -1) : today;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const num = (v: unknown) => Number(v ?? 0);
const iso = (d: Date | number) => new Date(d).toISOString();

interface DayRange {
  start: string;
  end: string;
  /** the UTC days (evidence partitions) the local day touches */
  firstUtcDay: string;
  lastUtcDay: string;
}

function dayRange(date: string, tz: string): DayRange {
  const start = instantOf(date, 0, tz).getTime();
  const end = instantOf(addDays(date, 1), 0, tz).getTime();
  return { start: iso(start), end: iso(end), firstUtcDay: evidenceDay(start), lastUtcDay: evidenceDay(end - 1) };
}

/**
 * Rows of `ms` missions that belong to `date`: daily missions by their period key (which for a
 * windowed mission is the date its occurrence started), others by `timeCol` inside the local day.
 * The coarse time bound on daily rows only helps the planner use (mission_id, time) indexes.
 */
function scope(ms: Mission[], date: string, day: DayRange, timeCol?: string): SQL {
  if (ms.length === 0) return sql`false`;
  const col = timeCol ? sql.raw(timeCol) : null;
  const slackStart = iso(Date.parse(day.start) - 86_400_000);
  const slackEnd = iso(Date.parse(day.end) + 86_400_000);
  return sql`(${sql.join(
    ms.map((m) => {
      if (m.period === 'daily') {
        const coarse = col ? sql` and ${col} >= ${slackStart}::timestamptz and ${col} < ${slackEnd}::timestamptz` : sql``;
        return sql`(mission_id = ${m.id} and period_key = ${date}${coarse})`;
      }
      if (!col) return sql`false`;
      return sql`(mission_id = ${m.id} and ${col} >= ${day.start}::timestamptz and ${col} < ${day.end}::timestamptz)`;
    }),
    sql` or `,
  )})`;
}

async function groupStats(s: Services, ms: Mission[], date: string, day: DayRange): Promise<GroupStats> {
  const base: GroupStats = {
    missions: ms.map((m) => ({ id: m.id, logicKey: m.logicKey, title: m.title })),
    participants: 0,
    completions: 0,
    claims: { auto: 0, manual: 0, payout: 0 },
    paid: { diamonds: 0, xp: 0, tickets: 0 },
  };
  if (ms.length === 0) return base;
  const db = s.database;
  // participants: progress > 0 for daily missions (only a counted play moves it); the evidence
  // of the local day for weekly and once missions
  const daily = ms.filter((m) => m.period === 'daily');
  const rest = ms.filter((m) => m.period !== 'daily');
  // four independent reads at once; completions and claims come from one scan of the progress rows
  const completed = scope(ms, date, day, 'completed_at');
  const claimed = scope(ms, date, day, 'claimed_at');
  const [[p], [ck], paid, [po]] = await Promise.all([
    db.query<{ n: string | number }>(
      sql`select count(distinct user_id) as n from (
            select user_id from user_mission_progress where progress > 0 and ${scope(daily, date, day)}
            union all
            select user_id from mission_actions where verdict = 'counted' and day between ${day.firstUtcDay}::date and ${day.lastUtcDay}::date
              and ${scope(rest, date, day, 'received_at')}
          ) x`,
    ),
    db.query<{ completed: string | number; auto: string | number; manual: string | number }>(
      sql`select count(*) filter (where completed_at is not null and ${completed}) as completed,
                 count(*) filter (where status = 'claimed' and claim_mode = 'auto' and ${claimed}) as auto,
                 count(*) filter (where status = 'claimed' and claim_mode = 'manual' and ${claimed}) as manual
          from user_mission_progress
          where (completed_at is not null and ${completed}) or (status = 'claimed' and ${claimed})`,
    ),
    db.query<{ kind: string; total: string | number }>(
      sql`select kind, sum(amount) as total
          from reward_ledger where ${scope(ms, date, day, 'created_at')} group by kind`,
    ),
    db.query<{ n: string | number }>(
      sql`select count(*) as n from (select distinct user_id, mission_id, period_key from reward_ledger
          where source = 'payout' and ${scope(ms, date, day, 'created_at')}) x`,
    ),
  ]);
  base.participants = num(p?.n);
  base.completions = num(ck?.completed);
  base.claims = { auto: num(ck?.auto), manual: num(ck?.manual), payout: num(po?.n) };
  for (const r of paid) if (r.kind === 'diamonds' || r.kind === 'xp' || r.kind === 'tickets') base.paid[r.kind] = num(r.total);
  return base;
}

/**
 * Vault points issued on a local date: the ingest statements' tallies (evidence_tallies, a few
 * rows per batch, so the cost does not grow with the day's plays); a date from before the tallies
 * existed is summed from its evidence.
 */
async function vaultIssued(s: Services, date: string, day: DayRange): Promise<{ issued: number; golden: number }> {
  const [t] = await s.database.query<{ n: string | number; issued: string | number; golden: string | number }>(
    sql`select count(*) as n, coalesce(sum(vault_points), 0) as issued, coalesce(sum(golden_vault_points), 0) as golden from evidence_tallies where date = ${date}`,
  );
  if (num(t?.n) > 0) return { issued: num(t?.issued), golden: num(t?.golden) };
  const [v] = await s.database.query<{ issued: string | number; golden: string | number }>(
    sql`select coalesce(sum(vault_points), 0) as issued, coalesce(sum(vault_points) filter (where vault_mission is not null), 0) as golden
        from play_evidence where day between ${day.firstUtcDay}::date and ${day.lastUtcDay}::date
          and received_at >= ${day.start}::timestamptz and received_at < ${day.end}::timestamptz`,
  );
  return { issued: num(v?.issued), golden: num(v?.golden) };
}

/** Start and inclusive end second of the golden-hour mission's occurrence that starts on `date`. */
function windowOn(golden: Pick<Mission, 'window'> | undefined, date: string, tz: string): { opens: number; lastSecond: number } | null {
  if (!golden?.window) return null;
  const occ = occurrenceOn(golden.window, date, tz);
  return { opens: occ.opensAt.getTime(), lastSecond: occ.lastSecondAt.getTime() };
}

const minuteOf = (ms: number) => Math.floor(ms / 60_000);

/**
 * Distinct active users per minute for each [first, last] minute span: app and bot activity
 * (activity_minutes) and plays (the evidence's receive times, read through its BRIN index).
 */
async function ccuSpans(s: Services, spans: { first: number; last: number }[]): Promise<Map<number, number>> {
  if (spans.length === 0) return new Map();
  const inSpans = (col: string) =>
    sql.join(
      spans.map((sp) => sql`(${sql.raw(col)} >= ${iso(sp.first * 60_000)}::timestamptz and ${sql.raw(col)} < ${iso((sp.last + 1) * 60_000)}::timestamptz)`),
      sql` or `,
    );
  const days = [...new Set(spans.flatMap((sp) => [evidenceDay(sp.first * 60_000), evidenceDay((sp.last + 1) * 60_000 - 1)]))];
  const rows = await s.database.query<{ m: string | number; n: string | number }>(
    sql`select m, count(distinct u) as n from (
          select floor(extract(epoch from minute) / 60)::bigint as m, user_id as u from activity_minutes where ${inSpans('minute')}
          union all
          select floor(extract(epoch from received_at) / 60)::bigint, user_id from play_evidence
            where day in (${sql.join(days.map((d) => sql`${d}::date`), sql`, `)}) and (${inSpans('received_at')})
        ) x group by m`,
  );
  return new Map(rows.map((r) => [num(r.m), num(r.n)]));
}

function ccuOf(counts: Map<number, number>, first: number, last: number): { avg: number; peak: number; avgRaw: number } {
  let total = 0;
  let peak = 0;
  for (let m = first; m <= last; m++) {
    const n = counts.get(m) ?? 0;
    total += n;
    if (n > peak) peak = n;
  }
  const avgRaw = total / (last - first + 1);
  return { avg: round2(avgRaw), peak, avgRaw };
}

/**
 * The instant from which the report of `date` can no longer change: the next local day is over
 * (the experiment's returnedNextDay) and manual payouts for `date` are refused
 * (PAYOUT_MAX_AGE_DAYS). From then on it is computed once and stored (daily_reports).
 */
export function reportFinalAt(date: string, tz: string, payoutMaxAgeDays: number): number {
  return instantOf(addDays(date, Math.max(2, payoutMaxAgeDays + 1)), 0, tz).getTime();
}

/**
 * The daily report of a local date: the stored one when it exists (it outlives the evidence),
 * otherwise computed, and stored when final (reportFinalAt).
 */
export async function dailyReport(s: Services, date: string): Promise<DailyReport> {
  parseReportDate(date);
  const stored = await storedReport(s, date);
  if (stored) return stored;
  const r = await computeDailyReport(s, date);
  if (s.clock.nowMs() >= reportFinalAt(date, s.config.tz, s.config.payoutMaxAgeDays)) await storeReport(s, r);
  return r;
}

/**
 * Computes and stores the report of `date` now, even before it is final: retention calls it for
 * the dates whose evidence is about to be dropped. Keeps an existing stored report; true when
 * this call stored it.
 */
export async function keepDailyReport(s: Services, date: string): Promise<boolean> {
  if (await storedReport(s, date)) return false;
  await storeReport(s, await computeDailyReport(s, date));
  return true;
}

async function storedReport(s: Services, date: string): Promise<DailyReport | null> {
  const [row] = await s.database.db.select({ report: dailyReports.report }).from(dailyReports).where(eq(dailyReports.date, date));
  return row ? (row.report as DailyReport) : null;
}

async function storeReport(s: Services, r: DailyReport): Promise<void> {
  await s.database.db.insert(dailyReports).values({ date: r.date, report: r, computedAt: s.clock.now() }).onConflictDoNothing();
}

/** The report computed from the evidence, progress and ledger (no stored figures). */
export async function computeDailyReport(s: Services, date: string): Promise<DailyReport> {
  parseReportDate(date);
  const tz = s.config.tz;
  const day = dayRange(date, tz);
  const all = await s.catalog.all();
  const goldenMissions = all.filter((m) => m.isGoldenHour);
  const otherMissions = all.filter((m) => !m.isGoldenHour);
  const theGolden = await s.catalog.goldenMission();
  const w = windowOn(theGolden, date, tz);
  // the parts read different rows and wait on nothing of each other: all at once
  const [golden, other, v, experiment, depositCr, inWindow] = await Promise.all([
    groupStats(s, goldenMissions, date, day),
    groupStats(s, otherMissions, date, day),
    vaultIssued(s, date, day),
    experimentReport({ database: s.database, tz, experiment: await s.experiments.timeline() }, goldenMissions, date, w),
    depositConversion(s, goldenMissions, date, day),
    w && theGolden ? windowFigures(s, theGolden, goldenMissions, date) : null,
  ]);
  // vault inflation watch: points issued on the local day against the cap
  const cap = s.config.vaultDailyCap;
  return {
    date,
    tz,
    window: w ? { start: localIso(w.opens, tz), end: localIso(w.lastSecond, tz) } : null,
    golden,
    other,
    vault: { issued: v.issued, goldenIssued: v.golden, cap, exceeded: v.issued > cap },
    ccu: inWindow?.ccu ?? { window: { avg: 0, peak: 0 }, previous7: [], ratio: null },
    depositCr,
    perMinute: inWindow?.perMinute ?? [],
    experiment,
  };
}

/** Deposit CR: golden claimers (players' own claims, not admin payouts) with a DEPOSIT within 2 h after a claim. */
async function depositConversion(s: Services, goldenMissions: Mission[], date: string, day: DayRange): Promise<DailyReport['depositCr']> {
  if (goldenMissions.length === 0) return { claimers: 0, depositors: 0, share: 0 };
  const [d] = await s.database.query<{ claimers: string | number; depositors: string | number }>(
    sql`with c as (
          select user_id, claimed_at from user_mission_progress
          where status = 'claimed' and claim_mode in ('auto', 'manual') and claimed_at is not null and ${scope(goldenMissions, date, day, 'claimed_at')}
        )
        select count(distinct c.user_id) as claimers,
               count(distinct c.user_id) filter (where exists (
                 select 1 from play_evidence a where a.user_id = c.user_id and a.type_code = ${ACTION_TYPE_CODES.DEPOSIT}
                   and a.day between (c.claimed_at at time zone 'UTC')::date and ((c.claimed_at + ${`${DEPOSIT_WINDOW_MS / 1000} seconds`}::interval) at time zone 'UTC')::date
                   and a.received_at >= c.claimed_at and a.received_at <= c.claimed_at + ${`${DEPOSIT_WINDOW_MS / 1000} seconds`}::interval
               )) as depositors
        from c`,
  );
  const claimers = num(d?.claimers);
  const depositors = num(d?.depositors);
  return { claimers, depositors, share: claimers ? Math.round((depositors / claimers) * 10_000) / 10_000 : 0 };
}

/**
 * The window's figures: CCU against the same local hours on the 7 days before, and minute by
 * minute inside the window (for the admin page's chart). The window's own evidence is read once,
 * for its CCU, participants and plays together.
 */
async function windowFigures(s: Services, theGolden: Mission, goldenMissions: Mission[], date: string): Promise<Pick<DailyReport, 'ccu' | 'perMinute'>> {
  const tz = s.config.tz;
  const span = (d: string) => {
    const o = windowOn(theGolden, d, tz)!;
    return { date: d, first: minuteOf(o.opens), last: minuteOf(o.lastSecond) };
  };
  const today = span(date);
  const prev = Array.from({ length: 7 }, (_, i) => span(addDays(date, i - 7)));
  const from = iso(today.first * 60_000);
  const to = iso((today.last + 1) * 60_000);
  const fromDay = evidenceDay(today.first * 60_000);
  const toDay = evidenceDay((today.last + 1) * 60_000 - 1);
  // a claim is for its mission's period at the claim (claim.ts; an auto-claim, at the play just
  // before): within the hour each mission's key changes at most once, so its keys at both ends
  // name every claim there, and the (mission, period) index finds them without reading every row
  const claimed = sql.join(
    goldenMissions.map((m) => sql`(mission_id = ${m.id} and period_key in (${periodKey(m, today.first * 60_000, tz)}, ${periodKey(m, (today.last + 1) * 60_000 - 1, tz)}))`),
    sql` or `,
  );
  const [prevCounts, minutes, claims] = await Promise.all([
    ccuSpans(s, prev),
    // per minute: distinct active users (app and bot activity, and plays), distinct golden participants, plays
    s.database.query<{ m: string | number; ccu: string | number; participants: string | number; plays: string | number }>(
      sql`select m, count(distinct u) as ccu, count(distinct u) filter (where g) as participants, count(*) filter (where p) as plays from (
            select floor(extract(epoch from minute) / 60)::bigint as m, user_id as u, false as g, false as p from activity_minutes
              where minute >= ${from}::timestamptz and minute < ${to}::timestamptz
            union all
            select floor(extract(epoch from received_at) / 60)::bigint, user_id,
                   coalesce(verdicts ~ ${`,(${goldenMissions.map((m) => m.id).join('|')})c`}, false), type_code = ${ACTION_TYPE_CODES.PLAY_GAME}
              from play_evidence
              where day between ${fromDay}::date and ${toDay}::date and received_at >= ${from}::timestamptz and received_at < ${to}::timestamptz
          ) x group by m`,
    ),
    s.database.query<{ m: string | number; n: string | number }>(
      sql`select floor(extract(epoch from claimed_at) / 60)::bigint as m, count(*) as n from user_mission_progress
          where status = 'claimed' and claim_mode in ('auto', 'manual') and (${claimed}) and claimed_at >= ${from}::timestamptz and claimed_at < ${to}::timestamptz group by 1`,
    ),
  ]);
  const ccuNow = new Map(minutes.map((r) => [num(r.m), num(r.ccu)]));
  const cur = ccuOf(ccuNow, today.first, today.last);
  const prevStats = prev.map((p) => ({ date: p.date, ...ccuOf(prevCounts, p.first, p.last) }));
  const baseline = prevStats.reduce((a, p) => a + p.avgRaw, 0) / prevStats.length;
  const byMinute = new Map(minutes.map((r) => [num(r.m), r]));
  const cl = new Map(claims.map((r) => [num(r.m), num(r.n)]));
  const perMinute: DailyReport['perMinute'] = [];
  for (let m = today.first; m <= today.last; m++) {
    const r = byMinute.get(m);
    perMinute.push({ minute: formatLocal(m * 60_000, tz, 'HH:mm'), participants: num(r?.participants), plays: num(r?.plays), claims: cl.get(m) ?? 0 });
  }
  return {
    ccu: {
      window: { avg: cur.avg, peak: cur.peak },
      previous7: prevStats.map((p) => ({ date: p.date, avg: p.avg, peak: p.peak })),
      ratio: baseline > 0 ? round2(cur.avgRaw / baseline) : null,
    },
    perMinute,
  };
}

// ---------------------------------------------------------------- rendering

/**
 * The report's Telegram text, worded in the bot's locales (bot/notifications.ts `formatReportText`)
 * and handed to core by whoever builds the services (docs/design.md, Layers).
 */
export interface ReportTexts {
  dailyReport(lang: Lang, r: DailyReport): string;
}

/**
 * CSV export: a `section,metric,value` table, a blank line, then the per-minute table.
 * Cells that a spreadsheet would run as a formula are neutralised (csv.ts).
 */
export function reportCsv(r: DailyReport): string {
  const rows: unknown[][] = [['section', 'metric', 'value']];
  rows.push(['report', 'date', r.date], ['report', 'tz', r.tz], ['report', 'window_start', r.window?.start ?? ''], ['report', 'window_end', r.window?.end ?? '']);
  for (const [name, g] of [['golden', r.golden], ['other', r.other]] as const) {
    rows.push([name, 'missions', g.missions.map((m) => m.logicKey).join(' ')]);
    rows.push([name, 'participants', g.participants], [name, 'completions', g.completions]);
    rows.push([name, 'claims_auto', g.claims.auto], [name, 'claims_manual', g.claims.manual], [name, 'claims_payout', g.claims.payout]);
    rows.push([name, 'paid_diamonds', g.paid.diamonds], [name, 'paid_xp', g.paid.xp], [name, 'paid_tickets', g.paid.tickets]);
  }
  rows.push(['vault', 'issued', r.vault.issued], ['vault', 'golden_issued', r.vault.goldenIssued], ['vault', 'cap', r.vault.cap], ['vault', 'exceeded', r.vault.exceeded]);
  rows.push(['ccu', 'window_avg', r.ccu.window.avg], ['ccu', 'window_peak', r.ccu.window.peak], ['ccu', 'ratio', r.ccu.ratio ?? '']);
  for (const p of r.ccu.previous7) rows.push(['ccu', `avg_${p.date}`, p.avg], ['ccu', `peak_${p.date}`, p.peak]);
  rows.push(['deposit_cr', 'claimers', r.depositCr.claimers], ['deposit_cr', 'depositors', r.depositCr.depositors], ['deposit_cr', 'share', r.depositCr.share]);
  rows.push(...experimentCsvRows(r.experiment));
  rows.push([], ['minute', 'participants', 'plays', 'claims']);
  for (const m of r.perMinute) rows.push([m.minute, m.participants, m.plays, m.claims]);
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

// ---------------------------------------------------------------- delivery

/** The part of grammY's `Api` the report needs (kept narrow so tests can pass a recorder). */
export interface MessageSender {
  sendMessage(chatId: number, text: string, other?: Record<string, unknown>): Promise<unknown>;
}

/** notification_deliveries kind of the automatic post (one row per admin and report date). */
export const REPORT_DELIVERY_KIND = 'daily_report';

/**
 * Sends the day's report to every ADMIN_IDS chat (posted automatically after the window closes),
 * through the worker's sender (the outbound budget's bulk lane: it never delays a player's answer).
 * The scheduler calls it under its lease; each (admin, date) is also reserved in
 * notification_deliveries before sending (core/delivery/deliveries.ts), so a retried job or a
 * second scheduler never posts twice, and only failed deliveries are tried again.
 * One admin's failure (blocked bot, no chat yet) does not stop the others.
 */
export async function postDailyReport(
  s: Services & { texts: ReportTexts },
  api: MessageSender,
  date: string,
): Promise<{ sent: number; failed: number; skipped: number; report: DailyReport }> {
  const report = await dailyReport(s, date);
  const admins = [...new Set(s.config.adminIds)];
  if (admins.length === 0) return { sent: 0, failed: 0, skipped: 0, report };
  const now = () => new Date(s.clock.nowMs()).toISOString();
  const deliveries = new Deliveries(s.database);
  // reserve: new rows, or earlier failures; anything else was delivered (or is being delivered)
  const targets = await deliveries.reserveRetryingFailed(REPORT_DELIVERY_KIND, date, 'daily-report', now(), admins);
  const langs = new Map<number, string | null>();
  const rows = await s.database.query<{ id: string | number; language_code: string | null }>(sql`select id, language_code from users where id in (${sql.join(admins.map((a) => sql`${a}`), sql`, `)})`);
  for (const r of rows) langs.set(num(r.id), r.language_code);
  let sent = 0;
  let failed = 0;
  for (const id of admins) {
    if (!targets.has(id)) continue;
    let status: Outcome['status'] = 'sent';
    let error: string | null = null;
    try {
      await api.sendMessage(id, s.texts.dailyReport(langOf(langs.get(id) ?? 'ko'), report));
      sent++;
    } catch (err) {
      failed++;
      status = 'failed';
      error = String(err).slice(0, 500);
      s.log.warn({ adminId: id, err: error, date }, 'daily report not delivered');
    }
    s.metrics.notification.inc({ kind: REPORT_DELIVERY_KIND, result: status });
    await deliveries.recordOutcomes(REPORT_DELIVERY_KIND, date, null, [{ id, status, error, at: now() }]);
  }
  const skipped = admins.length - targets.size;
  s.log.info({ date, sent, failed, skipped }, 'daily report posted');
  return { sent, failed, skipped, report };
}
