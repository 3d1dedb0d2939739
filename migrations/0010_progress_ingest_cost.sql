-- What the ingest paid per progress row beyond the row itself (docs/performance.md § 17).
-- 1. The foreign key to missions, checked for every row written. Missions are never deleted by
--    the service (they are deactivated), so all the key still guarded was a hand-run DELETE: the
--    trigger below refuses that instead.
ALTER TABLE "user_mission_progress" DROP CONSTRAINT "user_mission_progress_mission_id_missions_id_fk";
--> statement-breakpoint
CREATE FUNCTION "missions_keep_progress"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_OP = 'DELETE' OR NEW.id <> OLD.id)
     AND EXISTS (SELECT 1 FROM "user_mission_progress" WHERE "mission_id" = OLD.id) THEN
    RAISE EXCEPTION 'mission % has player progress: deactivate it instead', OLD.id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
--> statement-breakpoint
CREATE TRIGGER "missions_keep_progress" BEFORE DELETE OR UPDATE OF "id" ON "missions"
  FOR EACH ROW EXECUTE FUNCTION "missions_keep_progress"();
--> statement-breakpoint
-- 2. The b-tree on (mission, period, status), one more index insert per row. A period's rows are
--    written during its own days, so a BRIN bloom index finds them in few page ranges, for a
--    summary bit per row; status left out of it lets a claim be a HOT update.
CREATE INDEX "ump_mission_period_bloom" ON "user_mission_progress" USING brin ("mission_id" int4_bloom_ops,"period_key" text_bloom_ops) WITH (pages_per_range=32,autosummarize=true);
--> statement-breakpoint
DROP INDEX "ump_mission_period_status_idx";
