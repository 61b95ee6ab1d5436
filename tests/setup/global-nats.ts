/** @module Vitest global setup: one nats-server and one generated model for the integration suites. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTinyLlamaGguf } from "@switchyard/gpu-node/demo-model/tiny-llama";
import { writeDemoVoice } from "@switchyard/tts-node/demo-voice/write-demo-voice";
import type { TestProject } from "vitest/node";
import { startNatsServer } from "../helpers/nats-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    natsUrl: string;
    natsWsUrl: string;
    modelsDir: string;
    voicesDir: string;
  }
}

export default async function setup(project: TestProject) {
  const nats = await startNatsServer();
  const modelsDir = await mkdtemp(join(tmpdir(), "sy-models-"));
  await writeTinyLlamaGguf(join(modelsDir, "tiny.gguf"), { seed: 7 });
  const voicesDir = await mkdtemp(join(tmpdir(), "sy-voices-"));
  await writeDemoVoice(join(voicesDir, "demo"));
  project.provide("voicesDir", voicesDir);
  project.provide("natsUrl", nats.url);
  project.provide("natsWsUrl", nats.wsUrl);
  project.provide("modelsDir", modelsDir);
  return async () => {
    await nats.stop();
    await rm(modelsDir, { recursive: true, force: true });
    await rm(voicesDir, { recursive: true, force: true });
  };
}
