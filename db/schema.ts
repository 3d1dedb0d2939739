import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  real,
  serial,
  smallint,
  text,
  time,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * The single source of truth for tables and their enums (docs/design.md, Schema). Migrations are
 * generated from this file. Each enum is one tuple here, used by the table's check constraint,
 * by zod at the edges and as the TypeScript union (`(typeof X)[number]`).
 */

/** golden_hour_enabled (docs/design.md, Rules): off, dry_run (admins and testers), on. */
export const FLAG_STATES = ['off', 'dry_run', 'on'] as const;
export type FlagState = (typeof FLAG_STATES)[number];

/** What a game server may report. */
export const ACTION_TYPES = ['PLAY_GAME', 'DEPOSIT'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];
/**
 * How play_evidence stores an action type (two bytes instead of the name, in the row and its
 * unique index). Fixed numbers, never reordered: the views of migrations/0007 decode them.
 */
export const ACTION_TYPE_CODES: Record<ActionType, number> = { PLAY_GAME: 1, DEPOSIT: 2 };

/** Mission categories (the Mini App's tabs group them). */
export const CATEGORIES = ['DAILY', 'WEEKLY', 'SPECIAL', 'NEW'] as const;
export type Category = (typeof CATEGORIES)[number];

/** How often a mission's progress starts again (docs/design.md, Rules: the period key). */
export const PERIODS = ['daily', 'weekly', 'once'] as const;
export type Period = (typeof PERIODS)[number];

/** A progress row's life: active, completed (target reached), claimed (paid). */
export const PROGRESS_STATUSES = ['active', 'completed', 'claimed'] as const;
export type ProgressStatus = (typeof PROGRESS_STATUSES)[number];

/** Who moved a progress row to claimed: the player, auto_claim, or an admin's manual payout. */
export const CLAIM_MODES = ['manual', 'auto', 'payout'] as const;
export type ClaimMode = (typeof CLAIM_MODES)[number];

/** What a mission pays, one ledger row per kind. */
export const REWARD_KINDS = ['diamonds', 'xp', 'tickets'] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];

/** `col in ('a','b',…)` for a check constraint, from one of the tuples above. */
const oneOf = (col: unknown, values: readonly string[]) => sql`${col} in (${sql.raw(values.map((v) => `'${v}'`).join(','))})`;

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const userId = (name = 'user_id') => bigint(name, { mode: 'number' });

/** Players and admins as Telegram knows them; activity is kept cheap (see core/missions/activity.ts). */
export const users = pgTable(
  'users',
  {
    id: userId('id').primaryKey(),
    firstName: text('first_name'),
    username: text('username'),
    languageCode: text('language_code'),
    lastActiveAt: ts('last_active_at'),
    /**
     * The vault points the player's plays accrued (docs/design.md, Vault). Kept on the player's
     * row, which the ingest writes anyway: one row per new player per batch instead of two
     * (migrations/0011, docs/performance.md § 19). Plays are its only source.
     */
    vaultPoints: bigint('vault_points', { mode: 'number' }).notNull().default(0),
    blockedAt: ts('blocked_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  // no index on last_active_at: every play moves it, and an index on it would make each of those
  // updates a new row version plus new index entries (no HOT update); the audience reads it in a scan
);

export const missions = pgTable(
  'missions',
  {
    id: serial('id').primaryKey(),
    logicKey: text('logic_key').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    category: text('category', { enum: CATEGORIES }).notNull().default('DAILY'),
    actionType: text('action_type').notNull(),
    targetValue: integer('target_value').notNull(),
    rewardDiamonds: integer('reward_diamonds').notNull().default(0),
    rewardXp: integer('reward_xp').notNull().default(0),
    rewardTickets: integer('reward_tickets').notNull().default(0),
    startTime: time('start_time'),
    endTime: time('end_time'),
    autoClaim: boolean('auto_claim').notNull().default(false),
    period: text('period', { enum: PERIODS }).notNull().default('daily'),
    isGoldenHour: boolean('is_golden_hour').notNull().default(false),
    vaultAccrualMultiplier: numeric('vault_accrual_multiplier', { precision: 6, scale: 2, mode: 'number' }).notNull().default(1),
    active: boolean('active').notNull().default(true),
    sortOrder: integer('sort_order').notNull().default(100),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('missions_logic_key_uq').on(t.logicKey),
    check('missions_target_positive', sql`${t.targetValue} >= 1`),
    check('missions_rewards_nonneg', sql`${t.rewardDiamonds} >= 0 and ${t.rewardXp} >= 0 and ${t.rewardTickets} >= 0`),
    check('missions_window_pair', sql`(${t.startTime} is null) = (${t.endTime} is null) and (${t.startTime} is null or ${t.startTime} <> ${t.endTime})`),
    check('missions_period', oneOf(t.period, PERIODS)),
    check('missions_category', oneOf(t.category, CATEGORIES)),
  ],
);

export const userMissionProgress = pgTable(
  'user_mission_progress',
  {
    userId: userId().notNull(),
    // no foreign key: its check per row was a sixth of the ingest statement (docs/performance.md § 17);
    // a mission with progress cannot be deleted instead (migration 0010, missions_keep_progress)
    missionId: integer('mission_id').notNull(),
    periodKey: text('period_key').notNull(),
    progress: integer('progress').notNull().default(0),
    status: text('status', { enum: PROGRESS_STATUSES }).notNull().default('active'),
    completedAt: ts('completed_at'),
    claimedAt: ts('claimed_at'),
    claimMode: text('claim_mode', { enum: CLAIM_MODES }),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.missionId, t.periodKey] }),
    // who is at which step of one mission's period (/golden, the daily report): a BRIN bloom
    // index, not a b-tree. A period's rows are written in its own days, so they sit in few page
    // ranges, and the ingest pays a summary bit per row instead of a b-tree insert (a tenth of its
    // statement: docs/performance.md § 17); status stays out of it, so a claim can be a HOT update
    index('ump_mission_period_bloom')
      .using('brin', t.missionId.op('int4_bloom_ops'), t.periodKey.op('text_bloom_ops'))
      .with({ pages_per_range: 32, autosummarize: true }),
    check('ump_status', oneOf(t.status, PROGRESS_STATUSES)),
    check('ump_claim_mode', sql`${t.claimMode} is null or ${oneOf(t.claimMode, CLAIM_MODES)}`),
  ],
);

/** Append-only: at most one row per (user, mission, period, kind), so no path pays twice. */
export const rewardLedger = pgTable(
  'reward_ledger',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: userId().notNull(),
    missionId: integer('mission_id').notNull().references(() => missions.id),
    periodKey: text('period_key').notNull(),
    kind: text('kind', { enum: REWARD_KINDS }).notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    source: text('source').notNull(),
    payoutId: integer('payout_id'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('reward_ledger_once_uq').on(t.userId, t.missionId, t.periodKey, t.kind),
    index('reward_ledger_created_idx').on(t.createdAt),
    check('reward_ledger_kind', oneOf(t.kind, REWARD_KINDS)),
  ],
);

/** Wallet (diamonds), season pass (xp; 500 xp = 1 stamp), inventory (tickets): what rewards pay. The vault points are on `users`. */
export const balances = pgTable('balances', {
  userId: userId().primaryKey(),
  diamonds: bigint('diamonds', { mode: 'number' }).notNull().default(0),
  xp: bigint('xp', { mode: 'number' }).notNull().default(0),
  tickets: bigint('tickets', { mode: 'number' }).notNull().default(0),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** What a mission decided about a play: the verdict enum of progress, /why and the evidence view. */
export const VERDICTS = ['counted', 'outside_window', 'flag_off', 'clock_unhealthy', 'holdout'] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * The evidence of every received game event: one row per (user, type, action id, UTC receive
 * day), carrying the verdict of each mission it touched and its vault points (docs/design.md,
 * Evidence). Partitioned by `day` (migrations/0004), one partition per UTC day, dropped whole
 * after EVIDENCE_RETENTION_DAYS (core/missions/evidence.ts). `verdicts` is `,<mission><code>`
 * per mission (`@<period>` appended when the period key is not `day`), codes in
 * core/missions/evidence.ts; the views `actions`, `mission_actions` and `vault_earn_events`
 * read it back in the old shapes.
 */
export const playEvidence = pgTable(
  'play_evidence',
  {
    userId: userId().notNull(),
    receivedAt: ts('received_at').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    /** ACTION_TYPE_CODES */
    typeCode: smallint('type_code').notNull(),
    actionId: text('action_id').notNull(),
    amount: bigint('amount', { mode: 'number' }),
    replays: smallint('replays').notNull().default(0),
    verdicts: text('verdicts'),
    vaultBase: integer('vault_base'),
    vaultX: real('vault_x'),
    vaultPoints: integer('vault_points'),
    vaultMission: integer('vault_mission'),
    /** the golden-hour experiment arm of the player for the period (holdout or a variant), null without one */
    arm: text('arm'),
  },
  (t) => [
    // also /why's index (user first); the report reads whole day partitions, so no time index
    uniqueIndex('play_evidence_once2_uq').on(t.userId, t.typeCode, t.actionId, t.day),
    // rows arrive in receive order, so a BRIN index (a few pages per day) serves time-range scans
    index('play_evidence_received_brin').using('brin', t.receivedAt),
    check('play_evidence_type_code', sql`${t.typeCode} in (${sql.raw(Object.values(ACTION_TYPE_CODES).join(','))})`),
  ],
);

/**
 * The vault points each ingest statement issued on a local date (the report's vault figures
 * without reading the day's evidence). Append-only, one row per (statement, date), so
 * concurrent batches never wait on one counter row.
 */
export const evidenceTallies = pgTable(
  'evidence_tallies',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    date: text('date').notNull(),
    vaultPoints: bigint('vault_points', { mode: 'number' }).notNull(),
    goldenVaultPoints: bigint('golden_vault_points', { mode: 'number' }).notNull(),
  },
  (t) => [index('evidence_tallies_date_idx').on(t.date)],
);

/**
 * The daily report of a local date, stored once its figures can no longer change (core/reports/
 * report.ts), so it outlives the evidence it was computed from.
 */
export const dailyReports = pgTable('daily_reports', {
  date: text('date').primaryKey(),
  report: jsonb('report').notNull(),
  computedAt: ts('computed_at').notNull(),
});

export const featureFlags = pgTable('feature_flags', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedBy: userId('updated_by'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const adminAuditLog = pgTable(
  'admin_audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    actorId: userId('actor_id').notNull(),
    action: text('action').notNull(),
    missionId: integer('mission_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    requestedAt: ts('requested_at').notNull(),
  },
  (t) => [index('audit_requested_idx').on(t.requestedAt)],
);

/**
 * Delivery states (core/delivery/deliveries.ts): 'claimed' = reserved by a sender (attempts > 0: a
 * request may be in flight), then 'sent' | 'blocked' (403) | 'failed', or 'unknown' when a sender
 * died mid-request and the outcome cannot be known (never resent).
 */
export const DELIVERY_STATUSES = ['claimed', 'sent', 'blocked', 'failed', 'unknown'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * Notification deliveries, claimed before sending (docs/broadcast.md): one row per (user, kind, date),
 * so a crash or a second scheduler never sends twice. kind 'toast' is the in-app toast. `variant`
 * says which message of a kind went out (the announcement: 'pre' before the window, 'live' after).
 */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    userId: userId().notNull(),
    kind: text('kind').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull(),
    variant: text('variant'),
    attempts: integer('attempts').notNull().default(0),
    claimedBy: text('claimed_by'),
    claimedAt: ts('claimed_at').notNull().defaultNow(),
    sentAt: ts('sent_at'),
    error: text('error'),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.kind, t.day] }),
    index('deliveries_kind_day_status_idx').on(t.kind, t.day, t.status),
    check('deliveries_status', oneOf(t.status, DELIVERY_STATUSES)),
  ],
);

/** Scheduler jobs fired at most once per key (e.g. announce:2026-11-27), with a lease. */
export const schedulerJobs = pgTable('scheduler_jobs', {
  jobKey: text('job_key').primaryKey(),
  status: text('status').notNull(),
  leaseOwner: text('lease_owner'),
  leaseUntil: ts('lease_until'),
  firedAt: ts('fired_at'),
  finishedAt: ts('finished_at'),
  detail: jsonb('detail'),
});

/** Minute buckets of activity per user, for CCU in the daily report. */
export const activityMinutes = pgTable(
  'activity_minutes',
  {
    minute: ts('minute').notNull(),
    userId: userId().notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.userId] })],
);

export const payoutBatches = pgTable('payout_batches', {
  id: serial('id').primaryKey(),
  missionId: integer('mission_id').notNull().references(() => missions.id),
  periodKey: text('period_key').notNull(),
  actorId: userId('actor_id').notNull(),
  fileSha256: text('file_sha256').notNull(),
  requested: integer('requested').notNull(),
  paid: integer('paid').notNull().default(0),
  alreadyPaid: integer('already_paid').notNull().default(0),
  invalid: integer('invalid').notNull().default(0),
  createdAt: ts('created_at').notNull(),
  finishedAt: ts('finished_at'),
});

/**
 * Experiment splits, versioned by the period they take effect from (docs/operations.md,
 * "Experiments"): a change is a row effective from the next period, so a period never changes
 * split midway; the split of period P is the row with the latest effective_from <= P. Players
 * are assigned by a hash of (experiment_id, user id), so no row per player exists.
 */
export const experimentConfigs = pgTable(
  'experiment_configs',
  {
    id: serial('id').primaryKey(),
    experimentKey: text('experiment_key').notNull(),
    experimentId: text('experiment_id').notNull(),
    effectiveFrom: text('effective_from').notNull(),
    holdoutPct: integer('holdout_pct').notNull(),
    variants: jsonb('variants').notNull(),
    updatedBy: userId('updated_by').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('experiment_configs_key_from_uq').on(t.experimentKey, t.effectiveFrom),
    check('experiment_configs_holdout', sql`${t.holdoutPct} between 0 and 50`),
  ],
);
