-- Smaller evidence and per-player rows (docs/performance.md): the action type as a two-byte code
-- (ACTION_TYPE_CODES), a BRIN index for the report's time ranges, HOT updates for the rows every
-- play updates (fillfactor; no index on users.last_active_at). Hand-edited after drizzle-kit generate.
DROP INDEX "users_last_active_idx";
--> statement-breakpoint
ALTER TABLE "users" SET (fillfactor = 50);
--> statement-breakpoint
ALTER TABLE "balances" SET (fillfactor = 50);
--> statement-breakpoint
ALTER TABLE "user_mission_progress" SET (fillfactor = 50);
--> statement-breakpoint
ALTER TABLE "play_evidence" ADD COLUMN "type_code" smallint;
--> statement-breakpoint
UPDATE "play_evidence" SET "type_code" = CASE "type" WHEN 'PLAY_GAME' THEN 1 WHEN 'DEPOSIT' THEN 2 END;
--> statement-breakpoint
CREATE UNIQUE INDEX "play_evidence_once2_uq" ON "play_evidence" USING btree ("user_id","type_code","action_id","day");
--> statement-breakpoint
CREATE INDEX "play_evidence_received_brin" ON "play_evidence" USING brin ("received_at");
--> statement-breakpoint
-- partitions now copy the parent's CHECK constraints too (ATTACH requires them)
CREATE OR REPLACE FUNCTION evidence_day_partition(parent text, d date) RETURNS void LANGUAGE plpgsql AS $fn$
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
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, parent);
  EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= %s AND %I < %s RETURNING *) INSERT INTO %I SELECT * FROM moved',
    base || '_default', keycol, lo, keycol, hi, part);
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)', parent, part, lo, hi);
END
$fn$;
