-- rows written before the check existed keep their meaning; anything unexpected counts as failed
UPDATE "notification_deliveries" SET "status" = 'failed' WHERE "status" NOT IN ('claimed','sent','blocked','failed','unknown');--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD COLUMN "variant" text;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "deliveries_status" CHECK ("notification_deliveries"."status" in ('claimed','sent','blocked','failed','unknown'));