import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import { ACTION_TYPES, ACTION_TYPE_CODES, VERDICTS, type ActionType, type Verdict } from '../../db/schema.js';
import { addDays } from '../domain/time.js';

/**
 * The evidence of plays (docs/design.md, Evidence): one `play_evidence` row per received action,
 * in one partition per UTC receive day, with every matching mission's verdict encoded in one short
 * text column. This module owns the encoding, the partitions and the retention.
 */

/** One letter per verdict; the views of migrations/0005 decode the same letters. */
export const VERDICT_CODES: Record<Verdict, string> = {
  counted: 'c',
  outside_window: 'o',
  flag_off: 'f',
  clock_unhealthy: 'u',
  holdout: 'h',
};
const VERDICT_OF = new Map<string, Verdict>(VERDICTS.map((v) => [VERDICT_CODES[v], v]));

/** The UTC day of an ISO timestamp (`…Z`): the evidence's partition key. */
export const evidenceDayOfIso = (iso: string) => iso.slice(0, 10);
/** The UTC day an instant falls on: the evidence's partition key. */
export const evidenceDay = (ms: number) => evidenceDayOfIso(new Date(ms).toISOString());

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DAY = 86_400_000;
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY;

/**
 * `,<mission><code>` for one mission's verdict, with `@<period>` appended when the period key is
 * not the row's UTC day: a day offset (`@+1`, the usual case of a zone east of UTC) when the
 * period is a date, the key itself otherwise (`@2026-W48`).
 */
export function verdictEntry(missionId: number, verdict: Verdict, periodKey: string, day: string): string {
  const head = `,${missionId}${VERDICT_CODES[verdict]}`;
  if (periodKey === day) return head;
  if (DATE_RE.test(periodKey)) {
    const d = dayNumber(periodKey) - dayNumber(day);
    return `${head}@${d > 0 ? '+' : ''}${d}`;
  }
  return `${head}@${periodKey}`;
}

/** The entries of a `verdicts` column back as (mission, verdict, period). */
export function decodeVerdicts(text: string | null, day: string): { missionId: number; verdict: Verdict; periodKey: string }[] {
  if (!text) return [];
  const out: { missionId: number; verdict: Verdict; periodKey: string }[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)([a-z])(?:@(.+))?$/.exec(part);
    if (!m) continue;
    const verdict = VERDICT_OF.get(m[2]!);
    if (!verdict) continue;
    const suffix = m[3];
    const periodKey = suffix === undefined ? day : /^[+-]\d+$/.test(suffix) ? addDays(day, Number(suffix)) : suffix;
    out.push({ missionId: Number(m[1]), verdict, periodKey });
  }
  return out;
}

/** The action type of an evidence row's `type_code` (ACTION_TYPE_CODES). */
const TYPE_OF = new Map<number, ActionType>(ACTION_TYPES.map((t) => [ACTION_TYPE_CODES[t], t]));
export const actionTypeOf = (code: number): ActionType | undefined => TYPE_OF.get(code);
export const actionTypeCode = (type: ActionType | string): number => {
  const c = ACTION_TYPE_CODES[type as ActionType];
  if (c === undefined) throw new Error(`unknown action type ${type}`);
  return c;
};

/** How long a day whose partition could not be created waits before the next attempt. */
export const PARTITION_RETRY_MS = 30_000;

/** Tables partitioned by UTC day (play_evidence by `day`, activity_minutes by `minute`). */
export const DAY_PARTITIONED = ['play_evidence', 'activity_minutes'] as const;

/**
 * Makes sure both day-partitioned tables have a partition for each UTC day (rows that reached the
 * default partition first are moved in by `evidence_day_partition`, migrations/0004). Remembered
 * per process, so the ingest path pays one Set lookup per batch after the first.
 */
export class DayPartitions {
  private readonly known = new Set<string>();
  private readonly pending = new Map<string, Promise<void>>();
  /** a day whose partition could not be created is tried again only after this (performance.now(): elapsed time, not the event clock) */
  private readonly retryAt = new Map<string, number>();

  constructor(
    private readonly database: Database,
    private readonly log?: Logger,
  ) {}

  async ensure(days: Iterable<string>): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const d of days) {
      if (this.known.has(d) || (this.retryAt.get(d) ?? 0) > performance.now()) continue;
      let p = this.pending.get(d);
      if (!p) {
        p = this.create(d).finally(() => this.pending.delete(d));
        this.pending.set(d, p);
      }
      waits.push(p);
    }
    if (waits.length) await Promise.all(waits);
  }

  private async create(day: string) {
    try {
      for (const t of DAY_PARTITIONED) await this.database.raw(`select evidence_day_partition($1, $2::date)`, [t, day]);
      this.known.add(day);
      this.retryAt.delete(day);
    } catch (err) {
      // never fatal: rows of that day land in the default partition and are moved on a later call;
      // not retried on every batch of the hot path, only after PARTITION_RETRY_MS
      this.retryAt.set(day, performance.now() + PARTITION_RETRY_MS);
      this.log?.warn({ err, day }, 'evidence partition not created');
    }
  }

  /** Forget a day (its partition was dropped). */
  forget(day: string) {
    this.known.delete(day);
  }
}

const byDatabase = new WeakMap<Database, DayPartitions>();

/** The partitions cache of one database handle (shared by ingest, activity and retention). */
export function partitionsOf(database: Database, log?: Logger): DayPartitions {
  let p = byDatabase.get(database);
  if (!p) byDatabase.set(database, (p = new DayPartitions(database, log)));
  return p;
}

/** The UTC days with a day partition older than `retentionDays` before `nowMs` (oldest first). */
export async function expiredEvidenceDays(database: Database, nowMs: number, retentionDays: number): Promise<string[]> {
  const cutoff = oldestKeptDay(nowMs, retentionDays);
  const days = new Set<string>();
  for (const t of DAY_PARTITIONED) {
    for (const { name } of await partitionNames(database, t)) {
      const day = dayOfPartition(name);
      if (day < cutoff) days.add(day);
    }
  }
  // rows of old days in the default partitions (written while a partition could not be created)
  const [d] = await database.raw<{ n: string | number }>(`select count(*) as n from play_evidence_default where day < $1::date`, [cutoff]);
  if (Number(d?.n ?? 0) > 0) {
    for (const r of await database.raw<{ day: string }>(`select distinct day::text as day from play_evidence_default where day < $1::date`, [cutoff])) days.add(r.day);
  }
  return [...days].sort();
}

/**
 * Retention: drops every day partition older than `retentionDays` UTC days whole (no DELETE, no
 * vacuum debt), and deletes the same days from the default partitions, which only hold rows
 * written while a day's partition could not be created. Progress, ledger, balances and stored
 * daily reports are other tables and stay. Returns the days dropped.
 */
export async function dropExpiredEvidence(database: Database, nowMs: number, retentionDays: number, parts?: DayPartitions): Promise<string[]> {
  const cutoff = oldestKeptDay(nowMs, retentionDays);
  const dropped = new Set<string>();
  for (const t of DAY_PARTITIONED) {
    for (const { name } of await partitionNames(database, t)) {
      const day = dayOfPartition(name);
      if (day >= cutoff) continue;
      await database.raw(`drop table if exists "${name}"`, []);
      dropped.add(day);
      parts?.forget(day);
    }
  }
  const gone = await database.raw<{ day: string }>(`with d as (delete from play_evidence_default where day < $1::date returning day) select distinct day::text as day from d`, [cutoff]);
  for (const r of gone) dropped.add(r.day);
  await database.raw(`delete from activity_minutes_default where minute < $1::timestamptz`, [`${cutoff}T00:00:00Z`]);
  return [...dropped].sort();
}

function partitionNames(database: Database, parent: string) {
  return database.raw<{ name: string }>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = $1::regclass and c.relname ~ '_[0-9]{8}$'`,
    [parent],
  );
}

const dayOfPartition = (name: string) => {
  const ymd = name.slice(-8);
  return `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`;
};

/** The oldest UTC day still kept by retention on `nowMs`. */
export const oldestKeptDay = (nowMs: number, retentionDays: number) => addDays(evidenceDay(nowMs), -retentionDays);
