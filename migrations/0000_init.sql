CREATE TABLE "actions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"type" text NOT NULL,
	"action_id" text NOT NULL,
	"amount" bigint,
	"received_at" timestamp with time zone NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"replays" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "activity_minutes" (
	"minute" timestamp with time zone NOT NULL,
	"user_id" bigint NOT NULL,
	CONSTRAINT "activity_minutes_minute_user_id_pk" PRIMARY KEY("minute","user_id")
);
--> statement-breakpoint
CREATE TABLE "admin_audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"actor_id" bigint NOT NULL,
	"action" text NOT NULL,
	"mission_id" integer,
	"before" jsonb,
	"after" jsonb,
	"requested_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "balances" (
	"user_id" bigint PRIMARY KEY NOT NULL,
	"diamonds" bigint DEFAULT 0 NOT NULL,
	"xp" bigint DEFAULT 0 NOT NULL,
	"tickets" bigint DEFAULT 0 NOT NULL,
	"vault_points" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "feature_flags" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"updated_by" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mission_actions" (
	"user_id" bigint NOT NULL,
	"mission_id" integer NOT NULL,
	"action_id" text NOT NULL,
	"period_key" text NOT NULL,
	"verdict" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	CONSTRAINT "mission_actions_user_id_mission_id_action_id_pk" PRIMARY KEY("user_id","mission_id","action_id")
);
--> statement-breakpoint
CREATE TABLE "missions" (
	"id" serial PRIMARY KEY NOT NULL,
	"logic_key" text NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"category" text DEFAULT 'DAILY' NOT NULL,
	"action_type" text NOT NULL,
	"target_value" integer NOT NULL,
	"reward_diamonds" integer DEFAULT 0 NOT NULL,
	"reward_xp" integer DEFAULT 0 NOT NULL,
	"reward_tickets" integer DEFAULT 0 NOT NULL,
	"start_time" time,
	"end_time" time,
	"auto_claim" boolean DEFAULT false NOT NULL,
	"period" text DEFAULT 'daily' NOT NULL,
	"is_golden_hour" boolean DEFAULT false NOT NULL,
	"vault_accrual_multiplier" numeric(6, 2) DEFAULT 1 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"sort_order" integer DEFAULT 100 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "missions_target_positive" CHECK ("missions"."target_value" >= 1),
	CONSTRAINT "missions_rewards_nonneg" CHECK ("missions"."reward_diamonds" >= 0 and "missions"."reward_xp" >= 0 and "missions"."reward_tickets" >= 0),
	CONSTRAINT "missions_window_pair" CHECK (("missions"."start_time" is null) = ("missions"."end_time" is null) and ("missions"."start_time" is null or "missions"."start_time" <> "missions"."end_time")),
	CONSTRAINT "missions_period" CHECK ("missions"."period" in ('daily','weekly','once'))
);
--> statement-breakpoint
CREATE TABLE "notification_deliveries" (
	"user_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"day" date NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"claimed_by" text,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"error" text,
	CONSTRAINT "notification_deliveries_user_id_kind_day_pk" PRIMARY KEY("user_id","kind","day")
);
--> statement-breakpoint
CREATE TABLE "payout_batches" (
	"id" serial PRIMARY KEY NOT NULL,
	"mission_id" integer NOT NULL,
	"period_key" text NOT NULL,
	"actor_id" bigint NOT NULL,
	"file_sha256" text NOT NULL,
	"requested" integer NOT NULL,
	"paid" integer DEFAULT 0 NOT NULL,
	"already_paid" integer DEFAULT 0 NOT NULL,
	"invalid" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "reward_ledger" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"mission_id" integer NOT NULL,
	"period_key" text NOT NULL,
	"kind" text NOT NULL,
	"amount" bigint NOT NULL,
	"source" text NOT NULL,
	"payout_id" integer,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "reward_ledger_kind" CHECK ("reward_ledger"."kind" in ('diamonds','xp','tickets'))
);
--> statement-breakpoint
CREATE TABLE "scheduler_jobs" (
	"job_key" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"fired_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"detail" jsonb
);
--> statement-breakpoint
CREATE TABLE "user_mission_progress" (
	"user_id" bigint NOT NULL,
	"mission_id" integer NOT NULL,
	"period_key" text NOT NULL,
	"progress" integer DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"completed_at" timestamp with time zone,
	"claimed_at" timestamp with time zone,
	"claim_mode" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_mission_progress_user_id_mission_id_period_key_pk" PRIMARY KEY("user_id","mission_id","period_key"),
	CONSTRAINT "ump_status" CHECK ("user_mission_progress"."status" in ('active','completed','claimed'))
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" bigint PRIMARY KEY NOT NULL,
	"first_name" text,
	"username" text,
	"language_code" text,
	"last_active_at" timestamp with time zone,
	"blocked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vault_earn_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"action_id" text NOT NULL,
	"base_points" integer NOT NULL,
	"multiplier" numeric(6, 2) NOT NULL,
	"points" integer NOT NULL,
	"golden_hour" boolean NOT NULL,
	"mission_id" integer,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mission_actions" ADD CONSTRAINT "mission_actions_mission_id_missions_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."missions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD CONSTRAINT "payout_batches_mission_id_missions_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."missions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reward_ledger" ADD CONSTRAINT "reward_ledger_mission_id_missions_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."missions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_mission_progress" ADD CONSTRAINT "user_mission_progress_mission_id_missions_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."missions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "actions_user_type_action_uq" ON "actions" USING btree ("user_id","type","action_id");--> statement-breakpoint
CREATE INDEX "actions_user_received_idx" ON "actions" USING btree ("user_id","received_at");--> statement-breakpoint
CREATE INDEX "actions_type_received_idx" ON "actions" USING btree ("type","received_at");--> statement-breakpoint
CREATE INDEX "audit_requested_idx" ON "admin_audit_log" USING btree ("requested_at");--> statement-breakpoint
CREATE INDEX "mission_actions_mission_received_idx" ON "mission_actions" USING btree ("mission_id","received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "missions_logic_key_uq" ON "missions" USING btree ("logic_key");--> statement-breakpoint
CREATE INDEX "deliveries_kind_day_status_idx" ON "notification_deliveries" USING btree ("kind","day","status");--> statement-breakpoint
CREATE UNIQUE INDEX "reward_ledger_once_uq" ON "reward_ledger" USING btree ("user_id","mission_id","period_key","kind");--> statement-breakpoint
CREATE INDEX "reward_ledger_created_idx" ON "reward_ledger" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "ump_mission_period_status_idx" ON "user_mission_progress" USING btree ("mission_id","period_key","status");--> statement-breakpoint
CREATE INDEX "users_last_active_idx" ON "users" USING btree ("last_active_at");--> statement-breakpoint
CREATE UNIQUE INDEX "vault_earn_once_uq" ON "vault_earn_events" USING btree ("user_id","action_id");--> statement-breakpoint
CREATE INDEX "vault_earn_received_idx" ON "vault_earn_events" USING btree ("received_at");