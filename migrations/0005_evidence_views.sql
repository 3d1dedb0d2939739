-- The old evidence tables are now views over play_evidence (docs/design.md, Evidence), for ad-hoc
-- queries and support. Verdict codes: core/missions/evidence.ts (VERDICT_CODES).
DROP TABLE "actions" CASCADE;
--> statement-breakpoint
DROP TABLE "mission_actions" CASCADE;
--> statement-breakpoint
DROP TABLE "vault_earn_events" CASCADE;
--> statement-breakpoint
CREATE VIEW "actions" AS
SELECT user_id, type, action_id, amount, received_at, replays::int AS replays, day
FROM play_evidence;
--> statement-breakpoint
CREATE VIEW "mission_actions" AS
SELECT e.user_id, v[1]::int AS mission_id, e.action_id, coalesce(v[3], e.day::text) AS period_key,
  CASE v[2] WHEN 'c' THEN 'counted' WHEN 'o' THEN 'outside_window' WHEN 'f' THEN 'flag_off' WHEN 'u' THEN 'clock_unhealthy' WHEN 'h' THEN 'holdout' END AS verdict,
  e.received_at, CASE WHEN m.is_golden_hour THEN e.arm END AS arm, e.day
FROM play_evidence e CROSS JOIN LATERAL regexp_matches(e.verdicts, ',(\d+)([a-z])(?:@([^,]+))?', 'g') AS v
LEFT JOIN missions m ON m.id = v[1]::int;
--> statement-breakpoint
CREATE VIEW "vault_earn_events" AS
SELECT user_id, action_id, vault_base::int AS base_points, round(vault_x::numeric, 2) AS multiplier, vault_points AS points,
  vault_mission IS NOT NULL AS golden_hour, vault_mission AS mission_id, received_at, day
FROM play_evidence WHERE vault_points IS NOT NULL;
