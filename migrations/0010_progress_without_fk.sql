ALTER TABLE "user_mission_progress" DROP CONSTRAINT "user_mission_progress_mission_id_missions_id_fk";
--> statement-breakpoint
-- The foreign key above was checked for every progress row the ingest writes (a sixth of its
-- statement: docs/performance.md § 17). Missions are never deleted by the service (they are
-- deactivated), so the one thing the key still guarded is a hand-run DELETE: this refuses it.
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
