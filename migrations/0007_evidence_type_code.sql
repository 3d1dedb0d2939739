-- The action type is only its code now; the views decode it, and a period suffix may be a day
-- offset (`@+1`: the period is the day after the row's UTC day). Hand-edited after drizzle-kit generate.
DROP VIEW "actions";
--> statement-breakpoint
DROP VIEW "mission_actions";
--> statement-breakpoint
DROP VIEW "vault_earn_events";
--> statement-breakpoint
DROP INDEX "play_evidence_once_uq";
--> statement-breakpoint
ALTER TABLE "play_evidence" ALTER COLUMN "type_code" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "play_evidence" DROP COLUMN "type";
--> statement-breakpoint
ALTER TABLE "play_evidence" ADD CONSTRAINT "play_evidence_type_code" CHECK ("type_code" in (1,2));
--> statement-breakpoint
CREATE VIEW "actions" AS
SELECT user_id, CASE type_code WHEN 1 THEN 'PLAY_GAME' WHEN 2 THEN 'DEPOSIT' END AS type, action_id, amount, received_at, replays::int AS replays, day
FROM play_evidence;
--> statement-breakpoint
CREATE VIEW "mission_actions" AS
SELECT e.user_id, v[1]::int AS mission_id, e.action_id,
  CASE WHEN v[3] IS NULL THEN e.day::text WHEN v[3] ~ '^[+-][0-9]+$' THEN (e.day + v[3]::int)::text ELSE v[3] END AS period_key,
  CASE v[2] WHEN 'c' THEN 'counted' WHEN 'o' THEN 'outside_window' WHEN 'f' THEN 'flag_off' WHEN 'u' THEN 'clock_unhealthy' WHEN 'h' THEN 'holdout' END AS verdict,
  e.received_at, CASE WHEN m.is_golden_hour THEN e.arm END AS arm, e.day
FROM play_evidence e CROSS JOIN LATERAL regexp_matches(e.verdicts, ',(\d+)([a-z])(?:@([^,]+))?', 'g') AS v
LEFT JOIN missions m ON m.id = v[1]::int;
--> statement-breakpoint
CREATE VIEW "vault_earn_events" AS
SELECT user_id, action_id, vault_base::int AS base_points, round(vault_x::numeric, 2) AS multiplier, vault_points AS points,
  vault_mission IS NOT NULL AS golden_hour, vault_mission AS mission_id, received_at, day
FROM play_evidence WHERE vault_points IS NOT NULL;
