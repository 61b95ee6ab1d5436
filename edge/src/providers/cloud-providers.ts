/**
 * @module Builds the cloud providers from environment variables (secrets only from env) and
 * the config file's provider settings. A provider without its API key still exists: its
 * routes answer 503 naming the missing variable, and the other routes keep working.
 */
import type { ProviderName, RouteConfig } from "../routing/route-config.ts";
import { AnthropicProvider } from "./anthropic/index.ts";
import { OpenAICompatibleProvider } from "./openai-compatible/index.ts";
import type { ModelCard, Provider } from "./provider.ts";

export interface CloudDefaults {
  timeoutMs: number;
  maxRetries: number;
  /** The fetch the SDKs use (a node:http one on Node; the runtime's own elsewhere). */
  fetch?: typeof fetch | undefined;
}

export type CloudProviders = Record<Exclude<ProviderName, "local">, Provider>;

export function createCloudProviders(
  env: Record<string, string | undefined>,
  routeConfig: RouteConfig,
  defaults: CloudDefaults,
  modelsOf: (provider: string) => ModelCard[],
): CloudProviders {
  const settings = (name: string) => {
    const s = routeConfig.providers[name] ?? {};
    return { timeoutMs: s.timeoutMs ?? defaults.timeoutMs, maxRetries: s.maxRetries ?? defaults.maxRetries, baseURL: s.baseURL, fetch: defaults.fetch };
  };
  const pick = (name: string) => (env[name] ? env[name] : undefined);
  const openai = settings("openai");
  const groq = settings("groq");
  const anthropic = settings("anthropic");
  return {
    openai: new OpenAICompatibleProvider({
      name: "openai",
      apiKey: pick("OPENAI_API_KEY"),
      apiKeyEnv: "OPENAI_API_KEY",
      baseURL: pick("OPENAI_BASE_URL") ?? openai.baseURL,
      timeoutMs: openai.timeoutMs,
      maxRetries: openai.maxRetries,
      fetch: openai.fetch,
      models: () => modelsOf("openai"),
    }),
    groq: new OpenAICompatibleProvider({
      name: "groq",
      apiKey: pick("GROQ_API_KEY"),
      apiKeyEnv: "GROQ_API_KEY",
      baseURL: pick("GROQ_BASE_URL") ?? groq.baseURL ?? "https://api.groq.com/openai/v1",
      timeoutMs: groq.timeoutMs,
      maxRetries: groq.maxRetries,
      fetch: groq.fetch,
      models: () => modelsOf("groq"),
    }),
    anthropic: new AnthropicProvider({
      apiKey: pick("ANTHROPIC_API_KEY"),
      baseURL: pick("ANTHROPIC_BASE_URL") ?? anthropic.baseURL,
      timeoutMs: anthropic.timeoutMs,
      maxRetries: anthropic.maxRetries,
      fetch: anthropic.fetch,
      models: () => modelsOf("anthropic"),
    }),
  };
}
