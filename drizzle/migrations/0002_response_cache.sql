CREATE TABLE "response_cache" (
	"key" text PRIMARY KEY NOT NULL,
	"namespace" text NOT NULL,
	"target" text NOT NULL,
	"events" jsonb NOT NULL,
	"bytes" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "usage" ADD COLUMN "cached" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "response_cache_expires_idx" ON "response_cache" USING btree ("expires_at");