/**
 * @module Model name → the ordered targets to try. Order: the config's exact names, then its
 * globs (in file order), then models a local worker serves, then the built-in prefixes
 * (gpt-*, chatgpt-*, o1*, o3*, o4*, text-embedding-* → OpenAI; claude-* → Anthropic; groq/<m> → Groq), and
 * finally the local pool, which answers 404 for a model no worker ever served.
 */
import { invalidRequest } from "@switchyard/shared/errors";
import type { ModelCard, Provider } from "../providers/provider.ts";
import { globToRegExp, isGlob } from "./glob.ts";
import type { CacheSettings, ModelEntry, ParamDefaults, ProviderName, RouteConfig } from "./route-config.ts";

export interface Target {
  provider: Provider;
  /** The name the provider is asked for. */
  upstreamModel: string;
  params: ParamDefaults;
}

/** A route's response cache, its settings merged with the config's default. */
export interface RouteCache {
  ttlSeconds: number;
  shared: boolean;
}

interface Resolved {
  target: Target;
  fallbacks: string[];
}

const MAX_ALIAS_DEPTH = 8;

export class ModelRouter {
  readonly #exact = new Map<string, ModelEntry>();
  readonly #globs: Array<{ re: RegExp; entry: ModelEntry }> = [];
  readonly #defaultCache: CacheSettings | undefined;

  constructor(
    config: RouteConfig,
    private readonly providers: Record<ProviderName, Provider>,
  ) {
    this.#defaultCache = config.cache;
    for (const entry of config.models) {
      if (isGlob(entry.name)) this.#globs.push({ re: globToRegExp(entry.name), entry });
      else if (!this.#exact.has(entry.name)) this.#exact.set(entry.name, entry);
    }
  }

  /** The primary target, then its fallbacks. */
  resolve(model: string): Target[] {
    const primary = this.#resolveOne(model, 0);
    return [primary.target, ...primary.fallbacks.map((f) => this.#resolveOne(f, 0).target)];
  }

  /**
   * The response cache of a model name: the first entry on its alias chain that says anything
   * about caching, merged over the config's default; undefined when it has none.
   */
  cacheFor(model: string): RouteCache | undefined {
    let settings: CacheSettings | false | undefined;
    for (let name = model, depth = 0; depth <= MAX_ALIAS_DEPTH && settings === undefined; depth++) {
      const entry = this.#entry(name);
      if (entry?.cache !== undefined) settings = entry.cache === false ? false : { ...this.#defaultCache, ...entry.cache };
      else if (entry?.alias) name = entry.alias;
      else settings = this.#defaultCache;
    }
    if (!settings || settings.ttlSeconds === undefined) return undefined;
    return { ttlSeconds: settings.ttlSeconds, shared: settings.shared === true };
  }

  /** Exact names from the config that a cloud provider serves, for /v1/models. */
  configuredModels(): ModelCard[] {
    const cards: ModelCard[] = [];
    for (const [name] of this.#exact) {
      const { target } = this.#resolveOne(name, 0);
      if (target.provider.name !== "local") cards.push({ id: name, ownedBy: target.provider.name, createdUnixMs: 0, contextWindow: undefined, maxOutputTokens: undefined });
    }
    return cards;
  }

  #resolveOne(name: string, depth: number): Resolved {
    if (depth > MAX_ALIAS_DEPTH) throw invalidRequest(`Alias chain for '${name}' is too deep (a loop in the config?)`, "model", "alias_loop");
    const entry = this.#entry(name);
    if (entry?.alias) {
      const inner = this.#resolveOne(entry.alias, depth + 1);
      return {
        target: { ...inner.target, params: { ...inner.target.params, ...entry.params } },
        fallbacks: entry.fallbacks ?? inner.fallbacks,
      };
    }
    if (entry?.provider) {
      const providerName = entry.provider as ProviderName;
      return {
        target: { provider: this.providers[providerName], upstreamModel: entry.model ?? defaultUpstreamName(providerName, name), params: entry.params ?? {} },
        fallbacks: entry.fallbacks ?? [],
      };
    }
    return { target: this.#builtIn(name), fallbacks: [] };
  }

  #entry(name: string): ModelEntry | undefined {
    return this.#exact.get(name) ?? this.#globs.find((g) => g.re.test(name))?.entry;
  }

  #builtIn(name: string): Target {
    const local = this.providers.local;
    if (local.listModels().some((m) => m.id === name)) return { provider: local, upstreamModel: name, params: {} };
    if (/^(gpt-|chatgpt-|o1|o3|o4|text-embedding-)/.test(name)) return { provider: this.providers.openai, upstreamModel: name, params: {} };
    if (name.startsWith("claude-")) return { provider: this.providers.anthropic, upstreamModel: name, params: {} };
    if (name.startsWith("groq/")) return { provider: this.providers.groq, upstreamModel: name.slice("groq/".length), params: {} };
    return { provider: local, upstreamModel: name, params: {} };
  }
}

function defaultUpstreamName(provider: ProviderName, name: string): string {
  return provider === "groq" && name.startsWith("groq/") ? name.slice("groq/".length) : name;
}
