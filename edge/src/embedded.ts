/**
 * @module The embedded stack: gateway plus an in-process gpu-node on one Bus (in-process, or
 * NATS when NATS_URL is set), with the demo model generated on first start.
 */
import { natsAuthFromEnv } from "@switchyard/shared/bus/nats-auth";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gpuNodeConfig, type RunningGpuNode, startGpuNode } from "@switchyard/gpu-node";
import { buildTinyLlamaGguf, DEMO_MODEL_FILE, defaultModelsDir, writeTinyLlamaGguf } from "@switchyard/gpu-node/demo-model/tiny-llama";
import { type RunningTtsNode, startTtsNode, ttsNodeConfig } from "@switchyard/tts-node";
import { writeDemoVoice } from "@switchyard/tts-node/demo-voice/write-demo-voice";
import type { Bus } from "@switchyard/shared/bus/bus";
import { InProcessBus } from "@switchyard/shared/bus/in-process-bus";
import { startNatsBus } from "@switchyard/shared/bus/nats-node";
import type { Logger } from "@switchyard/shared/log";
import type { GatewayConfig } from "./config.ts";
import { createGateway, type Gateway } from "./gateway.ts";
import { openNodeStore } from "./node-store.ts";
import { nodeFetch } from "./providers/upstream/node-fetch.ts";
import { loadRouteConfig } from "./routing/load-route-config.ts";
import { type NodeServer, serveNode } from "./serve-node.ts";

export interface EmbeddedStack {
  url: string;
  bus: Bus;
  gateway: Gateway;
  gpuNode: RunningGpuNode;
  ttsNode: RunningTtsNode;
  server: NodeServer;
  stop(): Promise<void>;
}

/** Writes the demo voice when the voices folder has none yet. */
export async function ensureDemoVoice(voicesDir: string, log: Logger): Promise<void> {
  const existing = await readdir(voicesDir, { withFileTypes: true }).catch(() => []);
  if (existing.some((e) => e.isDirectory())) return;
  const files = await writeDemoVoice(join(voicesDir, "demo"));
  log.info(`generated demo voice ${files.dir}`);
}

/**
 * Writes the demo model when the models folder has no .gguf yet, and brings one written
 * before the demo model could embed (byte for byte that older file, never anyone else's) up
 * to date.
 */
export async function ensureDemoModel(modelsDir: string, log: Logger): Promise<void> {
  const existing = await readdir(modelsDir).catch(() => [] as string[]);
  if (existing.includes(DEMO_MODEL_FILE)) {
    const path = join(modelsDir, DEMO_MODEL_FILE);
    const before = Buffer.from(buildTinyLlamaGguf({ seed: 42, pooling: "none" }));
    if (before.equals(await readFile(path))) {
      await writeFile(path, buildTinyLlamaGguf({ seed: 42 }));
      log.info(`updated demo model ${path} (it now embeds too)`);
    }
  }
  if (existing.some((f) => f.toLowerCase().endsWith(".gguf"))) return;
  const path = await writeTinyLlamaGguf(join(modelsDir, DEMO_MODEL_FILE), { seed: 42 });
  log.info(`generated demo model ${path}`);
}

export async function startEmbedded(config: GatewayConfig, env: NodeJS.ProcessEnv, log: Logger): Promise<EmbeddedStack> {
  // Read first: a bad config file stops the start before anything is spawned.
  const routeConfig = loadRouteConfig(config.configPath);
  const dataDir = config.dataDir === "memory" ? "./.switchyard" : config.dataDir;
  const modelsDir = defaultModelsDir({ MODELS_DIR: config.modelsDir, SWITCHYARD_DATA_DIR: config.dataDir });
  const voicesDir = env.VOICES_DIR || join(dataDir, "voices");
  await ensureDemoModel(modelsDir, log);
  await ensureDemoVoice(voicesDir, log);
  const bus: Bus = config.natsUrl
    ? startNatsBus({ servers: config.natsUrl, name: "switchyard-embedded", authenticators: natsAuthFromEnv(env), log: (m) => log.info(m) })
    : new InProcessBus();
  const workerConfig = gpuNodeConfig([], { ...env, MODELS_DIR: modelsDir });
  const workerLog = log.with({ worker: workerConfig.workerId });
  const { store, secret } = await openNodeStore(config, env);
  const gateway = createGateway({ config, bus, store, secret, log, env, routeConfig, upstreamFetch: nodeFetch, compressPage: true });
  const gpuNodePromise = startGpuNode(bus, workerConfig, (m) => workerLog.info(m));
  const ttsConfig = ttsNodeConfig([], { ...env, VOICES_DIR: voicesDir });
  const ttsNodePromise = startTtsNode(bus, ttsConfig, (m) => log.with({ worker: ttsConfig.workerId }).info(m));
  const server = await serveNode(gateway.app, config.host, config.port);
  const gpuNode = await gpuNodePromise;
  const ttsNode = await ttsNodePromise;
  return {
    url: server.url,
    bus,
    gateway,
    gpuNode,
    ttsNode,
    server,
    async stop() {
      await server.close();
      await gpuNode.stop();
      await ttsNode.stop();
      await gateway.stop();
      await store.close();
      await bus.close();
    },
  };
}
