/** @module Driving the chat page in a test: pick a model, send, wait for the reply to settle. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { openaiCompletion, openaiStream } from "../fakes/openai-wire.ts";
import type { CloudFakes } from "./cloud-gateway.ts";

export const LOCAL = "tiny";
export const CLOUD = "gpt-4o-mini";
export const FAKE_REPLY = "Hello from the fake OpenAI.";

export type Globals = Record<string, unknown>;

export async function chooseModel(page: Page, model: string) {
  await page.locator(`#model option[value="${model}"]`).waitFor({ state: "attached" });
  await page.selectOption("#model", model);
}

export async function send(page: Page, text: string) {
  await page.fill("#message", text);
  await page.press("#message", "Enter");
}

export const replies = (page: Page) => page.locator(".turn.assistant");

/** Waits until the newest reply has settled (complete, stopped or failed). */
export async function settled(page: Page, timeout = 60_000) {
  await page.locator('.turn.assistant[aria-busy="true"]').waitFor({ state: "detached", timeout });
  return replies(page).last();
}

export const conversationOf = (page: Page) => decodeURIComponent(new URL(page.url()).hash.slice(1));

/** The fake answers streams as a stream and titles (not streamed) as JSON. */
export function streamingFallback(fakes: CloudFakes) {
  fakes.openai.setFallback((req) => (req.body.stream ? openaiStream(String(req.body.model), ["Hello ", "from the fake ", "OpenAI."], { usage: true }) : openaiCompletion(String(req.body.model), FAKE_REPLY)));
}

export async function routesFile(dir: string) {
  const path = join(dir, "routes.json");
  await writeFile(path, JSON.stringify({ models: [{ name: CLOUD, provider: "openai" }] }));
  return path;
}
