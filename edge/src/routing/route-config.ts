/**
 * @module The routing config file (`SWITCHYARD_CONFIG`, JSON): model names, aliases, globs,
 * per-route parameter defaults and fallback chains. Parsed with zod; a bad entry stops the
 * start with a message naming it.
 */
import { z } from "zod";
import { DISPATCH_MODES, type DispatchMode } from "../pool/pick-worker.ts";
import { globToRegExp, isGlob } from "./glob.ts";

export const PROVIDER_NAMES = ["openai", "anthropic", "groq", "local"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Parameter defaults, in OpenAI's names; the request's own values win. */
export const ParamDefaultsSchema = z
  .object({
    temperature: z.number().min(0).max(2),
    top_p: z.number().min(0).max(1),
    max_tokens: z.number().int().positive(),
    stop: z.array(z.string()).max(4),
    seed: z.number().int(),
  })
  .partial()
  .strict();
export type ParamDefaults = z.infer<typeof ParamDefaultsSchema>;

/**
 * The exact response cache of a route. On a model entry its fields override the top-level
 * default's; `false` turns a default off for that entry. ttlSeconds must be set on one of them.
 */
export const CacheSettingsSchema = z
  .object({
    /** How long an answer is served from the cache. */
    ttlSeconds: z.number().positive().max(30 * 86_400),
    /** One entry for every API key (default: each key, and open mode, has its own). */
    shared: z.boolean(),
  })
  .partial()
  .strict();
export type CacheSettings = z.infer<typeof CacheSettingsSchema>;

const ModelEntrySchema = z
  .object({
    /** Exact name, or a glob where `*` matches any run of characters. */
    name: z.string().min(1),
    provider: z.string().optional(),
    /** The upstream's model name; defaults to the requested name. */
    model: z.string().min(1).optional(),
    /** Another model name this one stands for (resolved again). */
    alias: z.string().min(1).optional(),
    params: ParamDefaultsSchema.optional(),
    /** Model names tried in order when this one answers 404/429/5xx/timeout before streaming. */
    fallbacks: z.array(z.string().min(1)).optional(),
    /** Local models: how a request picks its worker (default: the gateway's SY_DISPATCH). */
    dispatch: z.enum(DISPATCH_MODES).optional(),
    /** Local models: resume a stream on another worker when its worker dies (false: never; a number: that many times). */
    resume: z.union([z.boolean(), z.number().int().min(0).max(5)]).optional(),
    /**
     * Local models: the model was trained for shortened embeddings (Matryoshka), so `dimensions`
     * below its size truncates and renormalizes. A GGUF does not say so; without this, only the
     * model's own size is accepted.
     */
    matryoshka: z.boolean().optional(),
    /** The response cache of this route (see CacheSettingsSchema); false: none, whatever the default. */
    cache: z.union([CacheSettingsSchema, z.literal(false)]).optional(),
  })
  .strict();
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

const ProviderSettingsSchema = z
  .object({
    baseURL: z.string().url().optional(),
    timeoutMs: z.number().int().positive().optional(),
    maxRetries: z.number().int().min(0).max(10).optional(),
  })
  .strict();

export const RouteConfigSchema = z
  .object({
    providers: z.record(z.string(), ProviderSettingsSchema).default({}),
    models: z.array(ModelEntrySchema).default([]),
    /** The response cache of every route whose entry says nothing else; unset: no cache. */
    cache: CacheSettingsSchema.optional(),
  })
  .strict();
export type RouteConfig = z.infer<typeof RouteConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Validates parsed JSON; errors name the entry, e.g. `models[2] ("fast"): unknown provider "foo"`. */
export function parseRouteConfig(json: unknown, source = "config"): RouteConfig {
  const parsed = RouteConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${source}: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  const config = parsed.data;
  for (const name of Object.keys(config.providers)) {
    if (!isProviderName(name)) throw new ConfigError(`${source}: providers.${name}: unknown provider "${name}" (known: ${PROVIDER_NAMES.join(", ")})`);
  }
  if (config.cache && config.cache.ttlSeconds === undefined) throw new ConfigError(`${source}: cache.ttlSeconds: needed in the top-level cache`);
  config.models.forEach((entry, i) => {
    const where = `${source}: models[${i}] ("${entry.name}")`;
    if (entry.alias && entry.provider) throw new ConfigError(`${where}: give either alias or provider, not both`);
    if (!entry.alias && !entry.provider) throw new ConfigError(`${where}: needs a provider or an alias`);
    if (entry.provider && !isProviderName(entry.provider))
      throw new ConfigError(`${where}: unknown provider "${entry.provider}" (known: ${PROVIDER_NAMES.join(", ")})`);
    if (entry.cache && entry.cache.ttlSeconds === undefined && config.cache?.ttlSeconds === undefined)
      throw new ConfigError(`${where}: cache.ttlSeconds is needed here or in the top-level cache`);
  });
  return config;
}

export const isProviderName = (name: string): name is ProviderName => (PROVIDER_NAMES as readonly string[]).includes(name);

export const emptyRouteConfig = (): RouteConfig => ({ providers: {}, models: [] });

/** The dispatch mode of a local model: the first entry naming it (exact, then globs), else the default. */
export function dispatchModes(config: RouteConfig, fallback: DispatchMode): (model: string) => DispatchMode {
  const entries = config.models.filter((e) => e.dispatch !== undefined && e.provider === "local");
  const exact = new Map(entries.filter((e) => !isGlob(e.name)).map((e) => [e.model ?? e.name, e.dispatch as DispatchMode]));
  const globs = entries.filter((e) => isGlob(e.name)).map((e) => ({ re: globToRegExp(e.name), mode: e.dispatch as DispatchMode }));
  return (model) => exact.get(model) ?? globs.find((g) => g.re.test(model))?.mode ?? fallback;
}

/** How many times a local model's stream may resume on another worker: the first entry naming it, else the default. */
export function resumeAttempts(config: RouteConfig, fallback: number): (model: string) => number {
  const entries = config.models.filter((e) => e.resume !== undefined && e.provider === "local");
  const attempts = (r: boolean | number | undefined) => (r === true ? Math.max(1, fallback) : r === false ? 0 : (r ?? fallback));
  const exact = new Map(entries.filter((e) => !isGlob(e.name)).map((e) => [e.model ?? e.name, attempts(e.resume)]));
  const globs = entries.filter((e) => isGlob(e.name)).map((e) => ({ re: globToRegExp(e.name), n: attempts(e.resume) }));
  return (model) => exact.get(model) ?? globs.find((g) => g.re.test(model))?.n ?? fallback;
}

/** Whether a local model takes `dimensions` below its size (Matryoshka): the first entry naming it, else no. */
export function matryoshkaModels(config: RouteConfig): (model: string) => boolean {
  const entries = config.models.filter((e) => e.matryoshka !== undefined && e.provider === "local");
  const exact = new Map(entries.filter((e) => !isGlob(e.name)).map((e) => [e.model ?? e.name, e.matryoshka === true]));
  const globs = entries.filter((e) => isGlob(e.name)).map((e) => ({ re: globToRegExp(e.name), on: e.matryoshka === true }));
  return (model) => exact.get(model) ?? globs.find((g) => g.re.test(model))?.on ?? false;
}
