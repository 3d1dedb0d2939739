-- One evidence row per received action, partitioned by UTC receive day (docs/design.md, Evidence).
-- Hand-edited after drizzle-kit generate: PARTITION BY, the default partitions, the partition
-- function, the copy of the old evidence tables and activity_minutes becoming partitioned.
CREATE TABLE "daily_reports" (
	"date" text PRIMARY KEY NOT NULL,
	"report" jsonb NOT NULL,
	"computed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "play_evidence" (
	"user_id" bigint NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"day" date NOT NULL,
	"type" text NOT NULL,
	"action_id" text NOT NULL,
	"amount" bigint,
	"replays" smallint DEFAULT 0 NOT NULL,
	"verdicts" text,
	"vault_base" integer,
	"vault_x" real,
	"vault_points" integer,
	"vault_mission" integer,
	"arm" text
) PARTITION BY RANGE ("day");
--> statement-breakpoint
CREATE UNIQUE INDEX "play_evidence_once_uq" ON "play_evidence" USING btree ("user_id","type","action_id","day");
--> statement-breakpoint
CREATE TABLE "play_evidence_default" PARTITION OF "play_evidence" DEFAULT;
--> statement-breakpoint
CREATE TABLE "activity_minutes_new" (
	"minute" timestamp with time zone NOT NULL,
	"user_id" bigint NOT NULL,
	CONSTRAINT "activity_minutes_new_pk" PRIMARY KEY("minute","user_id")
) PARTITION BY RANGE ("minute");
--> statement-breakpoint
CREATE TABLE "activity_minutes_default" PARTITION OF "activity_minutes_new" DEFAULT;
--> statement-breakpoint
-- The partition of UTC day d of play_evidence (by day) or activity_minutes (by minute), created
-- if missing; rows of that day already in the default partition are moved into it first.
-- Serialized per partition, so concurrent callers are safe. Used here and by
-- core/missions/evidence.ts (ensureDayPartitions).
CREATE FUNCTION evidence_day_partition(parent text, d date) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  base text := regexp_replace(parent, '_new$', '');
  part text := base || '_' || to_char(d, 'YYYYMMDD');
  keycol text := CASE WHEN parent LIKE 'activity_minutes%' THEN 'minute' ELSE 'day' END;
  lo text;
  hi text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('partition:' || part));
  IF to_regclass(part) IS NOT NULL THEN RETURN; END IF;
  IF keycol = 'minute' THEN
    lo := quote_literal(to_char(d, 'YYYY-MM-DD') || ' 00:00:00+00');
    hi := quote_literal(to_char(d + 1, 'YYYY-MM-DD') || ' 00:00:00+00');
  ELSE
    lo := quote_literal(d::text);
    hi := quote_literal((d + 1)::text);
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS)', part, parent);
  EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= %s AND %I < %s RETURNING *) INSERT INTO %I SELECT * FROM moved',
    base || '_default', keycol, lo, keycol, hi, part);
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)', parent, part, lo, hi);
END
$fn$;
--> statement-breakpoint
DO $do$
DECLARE d date;
BEGIN
  FOR d IN SELECT DISTINCT (received_at AT TIME ZONE 'UTC')::date FROM actions LOOP
    PERFORM evidence_day_partition('play_evidence', d);
  END LOOP;
  FOR d IN SELECT DISTINCT (minute AT TIME ZONE 'UTC')::date FROM activity_minutes LOOP
    PERFORM evidence_day_partition('activity_minutes_new', d);
  END LOOP;
END
$do$;
--> statement-breakpoint
-- the old evidence, one row per action: each mission's verdict as ,<mission><code>[@<period>]
INSERT INTO "play_evidence" ("user_id", "received_at", "day", "type", "action_id", "amount", "replays", "verdicts", "vault_base", "vault_x", "vault_points", "vault_mission", "arm")
SELECT a.user_id, a.received_at, (a.received_at AT TIME ZONE 'UTC')::date, a.type, a.action_id, a.amount, least(a.replays, 32767),
  ma.verdicts, v.base_points, v.multiplier, v.points, CASE WHEN v.golden_hour THEN v.mission_id END, ma.arm
FROM actions a
LEFT JOIN LATERAL (
  SELECT string_agg(',' || x.mission_id || CASE x.verdict WHEN 'counted' THEN 'c' WHEN 'outside_window' THEN 'o' WHEN 'flag_off' THEN 'f' WHEN 'clock_unhealthy' THEN 'u' WHEN 'holdout' THEN 'h' END
           || CASE WHEN x.period_key = ((a.received_at AT TIME ZONE 'UTC')::date)::text THEN '' ELSE '@' || x.period_key END, '' ORDER BY x.mission_id) AS verdicts,
         max(x.arm) AS arm
  FROM mission_actions x JOIN missions m ON m.id = x.mission_id AND m.action_type = a.type
  WHERE x.user_id = a.user_id AND x.action_id = a.action_id
) ma ON true
LEFT JOIN vault_earn_events v ON a.type = 'PLAY_GAME' AND v.user_id = a.user_id AND v.action_id = a.action_id;
--> statement-breakpoint
INSERT INTO "activity_minutes_new" SELECT "minute", "user_id" FROM "activity_minutes";
--> statement-breakpoint
DROP TABLE "activity_minutes";
--> statement-breakpoint
ALTER TABLE "activity_minutes_new" RENAME TO "activity_minutes";
--> statement-breakpoint
ALTER TABLE "activity_minutes" RENAME CONSTRAINT "activity_minutes_new_pk" TO "activity_minutes_minute_user_id_pk";
