CREATE TABLE "experiment_configs" (
	"id" serial PRIMARY KEY NOT NULL,
	"experiment_key" text NOT NULL,
	"experiment_id" text NOT NULL,
	"effective_from" text NOT NULL,
	"holdout_pct" integer NOT NULL,
	"variants" jsonb NOT NULL,
	"updated_by" bigint NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "experiment_configs_holdout" CHECK ("experiment_configs"."holdout_pct" between 0 and 50)
);
--> statement-breakpoint
CREATE UNIQUE INDEX "experiment_configs_key_from_uq" ON "experiment_configs" USING btree ("experiment_key","effective_from");