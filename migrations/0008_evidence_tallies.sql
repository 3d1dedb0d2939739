CREATE TABLE "evidence_tallies" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"date" text NOT NULL,
	"vault_points" bigint NOT NULL,
	"golden_vault_points" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "evidence_tallies_date_idx" ON "evidence_tallies" USING btree ("date");