/** @module A gateway (no local workers) whose cloud providers point at scripted fake upstreams. */
import { InProcessBus } from "@switchyard/shared/bus/in-process-bus";
import { type Logger, silentLogger } from "@switchyard/shared/log";
import OpenAI from "openai";
import { gatewayConfigFromEnv } from "../../edge/src/config.ts";
import { createGateway, type Gateway } from "../../edge/src/gateway.ts";
import { nodeFetch } from "../../edge/src/providers/upstream/node-fetch.ts";
import { parseRouteConfig } from "../../edge/src/routing/route-config.ts";
import { type NodeServer, serveNode } from "../../edge/src/serve-node.ts";
import { openStore } from "../../edge/src/store/open-store.ts";
import type { Store } from "../../edge/src/store/store.ts";
import { openaiCompletion, openaiEmbeddingsFor } from "../fakes/openai-wire.ts";
import { anthropicMessage } from "../fakes/anthropic-wire.ts";
import { type FakeUpstream, startFakeUpstream } from "../fakes/fake-upstream.ts";

export interface CloudGateway {
  url: string;
  client: OpenAI;
  openai: FakeUpstream;
  anthropic: FakeUpstream;
  groq: FakeUpstream;
  gateway: Gateway;
  store: Store;
  stop(): Promise<void>;
}

export interface CloudGatewayOptions {
  routes?: unknown;
  env?: Record<string, string>;
  omitKeys?: string[];
  /** A store to use (e.g. one database shared by two gateways); default a fresh in-memory PGlite. */
  store?: Store;
  log?: Logger;
}

export interface CloudFakes {
  openai: FakeUpstream;
  anthropic: FakeUpstream;
  groq: FakeUpstream;
  /** The provider keys and base URLs that point a gateway (Node or Workers) at the fakes. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startCloudFakes(): Promise<CloudFakes> {
  const openai = await startFakeUpstream((req) =>
    req.path.endsWith("/embeddings") ? openaiEmbeddingsFor(req) : openaiCompletion(String(req.body.model), "Hello from the fake OpenAI."),
  );
  const anthropic = await startFakeUpstream((req) => anthropicMessage(String(req.body.model), "Hello from the fake Anthropic."));
  const groq = await startFakeUpstream((req) => openaiCompletion(String(req.body.model), "Hello from the fake Groq."));
  return {
    openai,
    anthropic,
    groq,
    env: {
      OPENAI_API_KEY: "sk-test-openai",
      OPENAI_BASE_URL: `${openai.url}/v1`,
      ANTHROPIC_API_KEY: "sk-ant-test",
      ANTHROPIC_BASE_URL: anthropic.url,
      GROQ_API_KEY: "gsk-test",
      GROQ_BASE_URL: `${groq.url}/openai/v1`,
      UPSTREAM_MAX_RETRIES: "2",
      ACCEPT_TIMEOUT_MS: "500",
    },
    stop: async () => {
      await Promise.all([openai.stop(), anthropic.stop(), groq.stop()]);
    },
  };
}

export async function startCloudGateway(opts: CloudGatewayOptions = {}): Promise<CloudGateway> {
  const fakes = await startCloudFakes();
  const { openai, anthropic, groq } = fakes;
  const env: Record<string, string> = {
    PORT: "0",
    ...fakes.env,
    ...opts.env,
  };
  for (const k of opts.omitKeys ?? []) delete env[k];
  const config = gatewayConfigFromEnv(env);
  const bus = new InProcessBus();
  const ownStore = opts.store === undefined;
  const store = opts.store ?? (await openStore({ pgliteDir: "memory" }));
  const gateway = createGateway({ config, bus, store, secret: "test-secret-0123456789", log: opts.log ?? silentLogger, env, routeConfig: parseRouteConfig(opts.routes ?? {}), upstreamFetch: nodeFetch });
  const server: NodeServer = await serveNode(gateway.app, config.host, config.port);
  return {
    url: server.url,
    client: new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 }),
    openai,
    anthropic,
    groq,
    gateway,
    store,
    async stop() {
      await server.close();
      await gateway.stop();
      if (ownStore) await store.close();
      await bus.close();
      await fakes.stop();
    },
  };
}
