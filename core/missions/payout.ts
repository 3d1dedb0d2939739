import { createHash } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/connection.js';
import type { Clock } from '../platform/clock.js';
import { DomainError } from '../domain/errors.js';
import { goldenMissionOf, type Mission, type MissionCatalog } from './catalog.js';
import type { Metrics } from '../platform/metrics.js';
import { payRewards } from './ledger.js';
import { writeAudit } from './audit.js';
import { addDays, isoWeekKey, localParts, parseDate } from '../domain/time.js';
import { periodKey } from '../domain/window.js';
import type { ExperimentTimeline } from './experiments.js';

/**
 * Manual payout (docs/design.md, Manual payout — the remedy when the window or the clock failed): a CSV
 * of user ids for one mission and period, previewed, then paid through the same ledger as claims.
 * The ledger is unique per (user, mission, period, kind), so the same file twice pays nobody twice.
 */
export const PAYOUT_MAX_BYTES = 1_048_576;
export const PAYOUT_MAX_ROWS = 100_000;

export interface CsvLine {
  line: number;
  value: string;
}

export interface ParsedPayoutCsv {
  /** data rows (blank lines and the header not counted) */
  rows: number;
  /** valid, distinct user ids in file order */
  userIds: number[];
  invalid: CsvLine[];
  /** lines repeating an id already seen (paid once) */
  duplicates: CsvLine[];
  fileSha256: string;
}

const HEADER_RE = /^[A-Za-z_][A-Za-z0-9_ .-]*$/;
/** header names of the id column in an export with many columns */
const ID_HEADER_RE = /^(user[ _]?id|telegram[ _]?(user[ _]?)?id|tg[ _]?id|uid)$/i;

/**
 * A CSV of Telegram user ids, parsed by csv-parse: quoted fields, BOM, CRLF, `,` `;` or tab as the
 * separator, blank lines. In an export with many columns the id column is found by its header
 * (`user_id`, `telegram_id`, `uid`…); without such a header the first column counts, and a first
 * row that is a word (not an id) is taken as the header. Refuses > 1 MB or > 100k rows.
 */
export function parsePayoutCsv(input: string | Uint8Array): ParsedPayoutCsv {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.byteLength > PAYOUT_MAX_BYTES) throw new DomainError('PAYLOAD_TOO_LARGE', `the file is over ${PAYOUT_MAX_BYTES} bytes`);
  const fileSha256 = createHash('sha256').update(bytes).digest('hex');
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parseCsv(bytes, {
      bom: true,
      delimiter: [',', ';', '\t'],
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      trim: true,
      info: true,
      max_record_size: 64 * 1024,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (err) {
    throw new DomainError('VALIDATION_FAILED', `the CSV cannot be read: ${String((err as Error).message).slice(0, 120)}`, { field: 'file' });
  }
  const userIds: number[] = [];
  const seen = new Set<number>();
  const invalid: CsvLine[] = [];
  const duplicates: CsvLine[] = [];
  let column = 0;
  let first = 0;
  const head = records[0]?.record ?? [];
  const byName = head.findIndex((cell) => ID_HEADER_RE.test(cell));
  if (byName >= 0) {
    column = byName;
    first = 1;
  } else if (head.length && HEADER_RE.test(head[0]!)) {
    first = 1; // a one-word header over the first column
  }
  let rows = 0;
  for (let i = first; i < records.length; i++) {
    const { record, info } = records[i]!;
    if (++rows > PAYOUT_MAX_ROWS) throw new DomainError('PAYLOAD_TOO_LARGE', `more than ${PAYOUT_MAX_ROWS} rows`);
    const line = info.lines;
    const cell = (record[column] ?? '').trim();
    const n = /^\d{1,16}$/.test(cell) ? Number(cell) : NaN;
    if (!Number.isSafeInteger(n) || n <= 0) {
      invalid.push({ line, value: (cell || record.join(',')).slice(0, 40) });
      continue;
    }
    if (seen.has(n)) {
      duplicates.push({ line, value: cell });
      continue;
    }
    seen.add(n);
    userIds.push(n);
  }
  return { rows, userIds, invalid, duplicates, fileSha256 };
}

export interface PayoutTarget {
  mission: Mission;
  periodKey: string;
}

/**
 * The period a payout is for: the given local date's period, or the current one. A date in the
 * future, or more than `maxAgeDays` (PAYOUT_MAX_AGE_DAYS) before today, is refused: a manual
 * payout is a remedy for a recent failure, not a way to pay for a day that has not happened.
 */
export function payoutPeriod(m: Mission, opts: { date?: string; nowMs: number; tz: string; maxAgeDays?: number }): string {
  if (!opts.date) return periodKey(m, opts.nowMs, opts.tz);
  const date = parseDate(opts.date);
  const today = localParts(opts.nowMs, opts.tz).date;
  if (date > today) throw new DomainError('VALIDATION_FAILED', `${date} is in the future (today is ${today})`, { field: 'date' });
  const maxAge = opts.maxAgeDays ?? 7;
  if (date < addDays(today, -maxAge)) throw new DomainError('VALIDATION_FAILED', `${date} is more than ${maxAge} days ago (PAYOUT_MAX_AGE_DAYS)`, { field: 'date' });
  if (m.period === 'once') return 'once';
  return m.period === 'weekly' ? isoWeekKey(date) : date;
}

/** Resolves a mission by numeric id or logic key (default: the golden-hour mission). */
export async function resolvePayoutMission(catalog: MissionCatalog, ref?: string | null): Promise<Mission> {
  const all = await catalog.all();
  const m = !ref
    ? goldenMissionOf(all)
    : /^\d+$/.test(ref)
      ? all.find((x) => x.id === Number(ref))
      : all.find((x) => x.logicKey === ref);
  if (!m) throw new DomainError('MISSION_NOT_FOUND', ref ? `no mission "${ref}"` : 'no golden-hour mission');
  return m;
}

export interface PayoutPreview {
  missionId: number;
  logicKey: string;
  title: string;
  periodKey: string;
  fileSha256: string;
  rows: number;
  valid: number;
  toPay: number[];
  alreadyPaid: number[];
  /** ids that are no known player (never played, never opened the app or the bot): paid only with includeUnknown */
  unknown: number[];
  /** holdout players of the golden-hour experiment in that period: paid only with includeHoldout */
  holdout: number[];
  invalid: CsvLine[];
  duplicates: CsvLine[];
}

export interface PayoutOverrides {
  /** also pay ids that are no known player */
  includeUnknown?: boolean;
  /** also pay holdout players of the golden-hour experiment */
  includeHoldout?: boolean;
}

/**
 * Confirming pays only the file that was previewed: `confirm` must be the preview's `fileSha256`
 * (64 hex digits). Anything else (`1`, another file's hash) is PAYOUT_NOT_CONFIRMED and pays nothing.
 */
export function assertPayoutConfirmed(confirm: string, csv: Pick<ParsedPayoutCsv, 'fileSha256'>): void {
  if (!/^[0-9a-fA-F]{64}$/.test(confirm)) {
    throw new DomainError('PAYOUT_NOT_CONFIRMED', 'confirm takes the fileSha256 of the preview (64 hex digits), not a flag', { field: 'confirm' });
  }
  if (confirm.toLowerCase() !== csv.fileSha256) {
    throw new DomainError('PAYOUT_NOT_CONFIRMED', 'confirm is the hash of another file: preview this file and confirm with its fileSha256', { field: 'confirm' });
  }
}

async function paidAmong(database: Database, exec: Parameters<Database['query']>[1], missionId: number, period: string, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const json = JSON.stringify(ids);
  const rows = await database.query<{ user_id: string | number }>(
    sql`with ids as (select (x)::bigint as u from jsonb_array_elements_text(${json}::jsonb) as x)
        select distinct l.user_id from reward_ledger l join ids on ids.u = l.user_id
          where l.mission_id = ${missionId} and l.period_key = ${period}
        union
        select p.user_id from user_mission_progress p join ids on ids.u = p.user_id
          where p.mission_id = ${missionId} and p.period_key = ${period} and p.status = 'claimed'`,
    exec,
  );
  return new Set(rows.map((r) => Number(r.user_id)));
}

/**
 * Known players among `ids`: a users row with `last_active_at`, which every game event (ingest),
 * bot update and Mini App call writes (core/missions/progress.ts, core/missions/activity.ts). A
 * row with only `blocked_at` (an announcement segment naming someone the app never saw) does not count.
 */
async function knownAmong(database: Database, exec: Parameters<Database['query']>[1], ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await database.query<{ id: string | number }>(
    sql`select u.id from users u join (select (x)::bigint as u from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) as x) ids on ids.u = u.id
        where u.last_active_at is not null`,
    exec,
  );
  return new Set(rows.map((r) => Number(r.id)));
}

interface Sorted {
  toPay: number[];
  alreadyPaid: number[];
  unknown: number[];
  holdout: number[];
  unknownSkipped: number;
  holdoutSkipped: number;
}

/**
 * Who in the file is paid (one rule for preview and payout): not paid yet, a known player or
 * includeUnknown, not a holdout player or includeHoldout. `unknown` lists every unpaid id that is
 * no known player; `holdout` the holdout players among the rest (with includeUnknown, unknown ids
 * go through the holdout rule like everyone else).
 */
function sortOut(ids: number[], paid: Set<number>, known: Set<number>, isHoldout: (u: number) => boolean, o: PayoutOverrides): Sorted {
  const r: Sorted = { toPay: [], alreadyPaid: [], unknown: [], holdout: [], unknownSkipped: 0, holdoutSkipped: 0 };
  for (const u of ids) {
    if (paid.has(u)) {
      r.alreadyPaid.push(u);
      continue;
    }
    if (!known.has(u)) {
      r.unknown.push(u);
      if (!o.includeUnknown) {
        r.unknownSkipped++;
        continue;
      }
    }
    if (isHoldout(u)) {
      r.holdout.push(u);
      if (!o.includeHoldout) {
        r.holdoutSkipped++;
        continue;
      }
    }
    r.toPay.push(u);
  }
  return r;
}

export async function previewPayout(
  database: Database,
  target: PayoutTarget,
  csv: ParsedPayoutCsv,
  opts: PayoutOverrides & { experiment?: ExperimentTimeline } = {},
): Promise<PayoutPreview> {
  const { mission: m, periodKey: period } = target;
  const paid = await paidAmong(database, undefined, m.id, period, csv.userIds);
  const known = await knownAmong(database, undefined, csv.userIds);
  const sorted = sortOut(csv.userIds, paid, known, (u) => Boolean(opts.experiment?.isHoldout(m, u, period)), opts);
  return {
    missionId: m.id,
    logicKey: m.logicKey,
    title: m.title,
    periodKey: period,
    fileSha256: csv.fileSha256,
    rows: csv.rows,
    valid: csv.userIds.length,
    toPay: sorted.toPay,
    alreadyPaid: sorted.alreadyPaid,
    unknown: sorted.unknown,
    holdout: sorted.holdout,
    invalid: csv.invalid,
    duplicates: csv.duplicates,
  };
}

export interface PayoutResult {
  batchId: number;
  missionId: number;
  periodKey: string;
  fileSha256: string;
  requested: number;
  paid: number;
  alreadyPaid: number;
  invalid: number;
  duplicates: number;
  /** holdout players left unpaid (no includeHoldout override) */
  holdoutSkipped: number;
  /** ids that are no known player, left unpaid (no includeUnknown override) */
  unknownSkipped: number;
}

/**
 * Pays everyone in the file who is not paid yet, in one transaction (ids that are no known player
 * only with the explicit `includeUnknown` override, holdout players of the golden-hour experiment
 * only with `includeHoldout`; variant players get their variant's rewards): a payout_batches row, ledger
 * rows through payRewards (source 'payout'), progress rows set to claimed with claim_mode
 * 'payout' (progress itself keeps what plays earned), and an audit row 'payout.execute'.
 * Payouts of the same mission and period are serialized so the counts are exact.
 */
export async function executePayout(
  deps: { database: Database; clock: Clock; metrics?: Metrics; experiments?: { timeline(): Promise<ExperimentTimeline> } },
  actorId: number,
  target: PayoutTarget,
  csv: ParsedPayoutCsv,
  opts: PayoutOverrides = {},
): Promise<PayoutResult> {
  const { database } = deps;
  const { mission: m, periodKey: period } = target;
  const experiment = await deps.experiments?.timeline();
  const at = deps.clock.now();
  const atIso = at.toISOString();
  const result = await database.db.transaction(async (tx) => {
    await database.query(sql`select pg_advisory_xact_lock(hashtext(${`payout:${m.id}:${period}`}))`, tx);
    const already = await paidAmong(database, tx, m.id, period, csv.userIds);
    const known = await knownAmong(database, tx, csv.userIds);
    const { toPay, holdoutSkipped, unknownSkipped } = sortOut(csv.userIds, already, known, (u) => Boolean(experiment?.isHoldout(m, u, period)), opts);
    const [batch] = await database.query<{ id: number }>(
      sql`insert into payout_batches (mission_id, period_key, actor_id, file_sha256, requested, invalid, created_at)
          values (${m.id}, ${period}, ${actorId}, ${csv.fileSha256}, ${csv.userIds.length}, ${csv.invalid.length}, ${atIso}::timestamptz)
          returning id`,
      tx,
    );
    const batchId = Number(batch!.id);
    let paid = 0;
    if (toPay.length) {
      await payRewards(database, tx, toPay.map((userId) => ({ userId, missionId: m.id, periodKey: period, rewards: experiment?.rewardsFor(m, userId, period) ?? m.rewards })), 'payout', at, { payoutId: batchId });
      const moved = await database.query<{ user_id: string | number }>(
        sql`insert into user_mission_progress as p (user_id, mission_id, period_key, progress, status, claimed_at, claim_mode, updated_at)
            select (x)::bigint, ${m.id}, ${period}, 0, 'claimed', ${atIso}::timestamptz, 'payout', ${atIso}::timestamptz
            from jsonb_array_elements_text(${JSON.stringify(toPay)}::jsonb) as x
            on conflict (user_id, mission_id, period_key) do update
              set status = 'claimed', claimed_at = excluded.claimed_at, claim_mode = 'payout', updated_at = excluded.updated_at
              where p.status <> 'claimed'
            returning user_id`,
        tx,
      );
      paid = moved.length;
    }
    const alreadyPaid = csv.userIds.length - paid - holdoutSkipped - unknownSkipped;
    await database.query(
      sql`update payout_batches set paid = ${paid}, already_paid = ${alreadyPaid}, finished_at = ${atIso}::timestamptz where id = ${batchId}`,
      tx,
    );
    const r: PayoutResult = {
      batchId,
      missionId: m.id,
      periodKey: period,
      fileSha256: csv.fileSha256,
      requested: csv.userIds.length,
      paid,
      alreadyPaid,
      invalid: csv.invalid.length,
      duplicates: csv.duplicates.length,
      holdoutSkipped,
      unknownSkipped,
    };
    await writeAudit(tx, { actorId, action: 'payout.execute', missionId: m.id, before: null, after: r, requestedAt: at });
    return r;
  });
  if (result.paid) deps.metrics?.missionClaim.inc({ result: 'payout' }, result.paid);
  return result;
}
