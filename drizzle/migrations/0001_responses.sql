CREATE TABLE "responses" (
	"id" text PRIMARY KEY NOT NULL,
	"key_id" text,
	"previous_response_id" text,
	"model" text NOT NULL,
	"status" text NOT NULL,
	"body" jsonb NOT NULL,
	"input" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "responses_key_created_idx" ON "responses" USING btree ("key_id","created_at");