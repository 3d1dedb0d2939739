-- The vault points move from balances to the player's row (docs/performance.md § 19): plays are
-- their only source, and the ingest already writes the player's row for its activity, so a new
-- player's play now writes one row there instead of two. Existing points move with them; a
-- balance without a player row (none is written so, but a hand-made one) gets one.
ALTER TABLE "users" ADD COLUMN "vault_points" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
INSERT INTO "users" ("id") SELECT b."user_id" FROM "balances" b
  WHERE b."vault_points" <> 0 AND NOT EXISTS (SELECT 1 FROM "users" u WHERE u."id" = b."user_id");--> statement-breakpoint
UPDATE "users" u SET "vault_points" = b."vault_points" FROM "balances" b WHERE b."user_id" = u."id" AND b."vault_points" <> 0;--> statement-breakpoint
ALTER TABLE "balances" DROP COLUMN "vault_points";
