/** @module Starts the embedded stack (gateway + in-process gpu-node) for a test, on a free port. */
import { createLogger, silentLogger } from "@switchyard/shared/log";
import OpenAI from "openai";
import { inject } from "vitest";
import { gatewayConfigFromEnv } from "../../edge/src/config.ts";
import { type EmbeddedStack, startEmbedded } from "../../edge/src/embedded.ts";

export interface TestStack extends EmbeddedStack {
  client: OpenAI;
}

export async function startTestStack(opts: { natsUrl?: string; modelsDir: string; voicesDir?: string; env?: Record<string, string> }): Promise<TestStack> {
  const env: Record<string, string> = {
    PORT: "0",
    SWITCHYARD_DATA_DIR: "memory",
    MODELS_DIR: opts.modelsDir,
    VOICES_DIR: opts.voicesDir ?? inject("voicesDir"),
    LLAMA_THREADS: "1",
    LLAMA_SLOTS: "2",
    LLAMA_CONTEXT_SIZE: "2048",
    LLAMA_GPU: "false",
    SY_HEARTBEAT_MS: "250",
    SY_STATUS_INTERVAL_MS: "500",
    SY_STATUS_TTL_MS: "2000",
    WORKER_IDLE_TIMEOUT_MS: "1500",
    // A bucket and subjects of our own, so suites sharing one nats-server never see each other.
    SY_SUBJECT_PREFIX: `t${Math.random().toString(36).slice(2, 8)}`,
    ...(opts.natsUrl ? { NATS_URL: opts.natsUrl } : {}),
    ...opts.env,
  };
  const config = gatewayConfigFromEnv(env);
  const stack = await startEmbedded(config, env, process.env.SY_TEST_LOG ? createLogger("test") : silentLogger);
  await stack.gateway.registry.synced();
  const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: "unused", maxRetries: 0 });
  return { ...stack, client };
}

/** Raw POST helper for bodies the SDK would refuse to send (to chat completions, or `path`). */
export async function postRaw(url: string, body: string, headers: Record<string, string> = {}, path = "/v1/chat/completions") {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as { error?: { message: string; type: string; param: string | null; code: string | null } } };
}

export async function waitFor(check: () => boolean, timeoutMs: number, stepMs = 10): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return Date.now() - start;
}
