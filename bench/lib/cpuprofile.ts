/** @module Reads V8 .cpuprofile data: self and inclusive time per function and per package, within a time window. */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalUs: number;
  busyUs: number;
  selfByCategory: Array<[string, number]>;
  /**
   * Self time charged to the nearest package or project file on the stack (the sample's own frame
   * first), so node internals and natives (socket writes, web streams, JSON.parse) count for
   * whoever called them; samples with none above them keep their own category.
   */
  selfByOwner: Array<[string, number]>;
  selfByFunction: Array<[string, number]>;
  inclusiveByFunction: Array<[string, number]>;
}

/**
 * Package buckets, checked in order: the first whose pattern matches the frame's key wins. A key
 * is "name url:line", with everything up to the last node_modules/ cut from the url, so a package
 * is matched as the start of the url ("hono/dist/...") or as a path segment.
 */
const CATEGORIES: Array<[string, RegExp]> = [
  ["(idle)", /^\(idle\)/],
  ["(garbage collector)", /^\(garbage collector\)/],
  ["(program): native, outside JS", /^\(program\)/],
  ["node-llama-cpp", /node-llama-cpp/],
  ["@nats-io", /@nats-io/],
  ["@bufbuild/protobuf", /@bufbuild/],
  ["@hono/node-server", /@hono\/node-server/],
  ["hono", /[ /]hono\/dist\//],
  ["zod", /[ /]zod\/(v\d|dist|lib|index)/],
  ["openai SDK", /[ /]openai\/(internal|resources|core|client|lib|index|streaming|uploads|error|api-promise|_vendor|version)/],
  ["@anthropic-ai/sdk", /@anthropic-ai\/sdk/],
  ["PGlite (store)", /@electric-sql\/pglite/],
  ["drizzle-orm (store)", /[ /]drizzle-orm\//],
  ["pg (store)", /[ /]pg(-pool|-protocol|-types)?\/(lib|dist|esm)\//],
  ["undici (fetch client)", /undici/],
  ["node web streams", /internal\/webstreams/],
  ["node streams/net/http", /node:(internal\/)?(streams?|net|_http|http|stream_base|events)/],
  ["node other", /node:/],
  ["project: shared", /\/shared\/src\//],
  ["project: edge", /\/edge\/src\//],
  ["project: gpu-node", /\/workers\/gpu-node\/src\//],
  ["project: proto", /\/proto\/gen\//],
  // The gateway compiled ahead (bench:proxy --built): one bundle of the project's code.
  ["project: built bundle", /\/dist\/(bench|node)\/[^/]+\.mjs/],
  ["bench client", /\/bench\//],
  ["tsx", /[ /]tsx\/dist\//],
  // WebAssembly: PGlite's Postgres, undici's llhttp parser, autocannon's hdr-histogram.
  ["wasm", /wasm:\/\//],
  // No url at all: V8 builtins and natives called from JS (writev, JSON.parse, runMicrotasks...).
  ["native/builtin, called from JS", /^[^ ]+$/],
];

export function categoryOf(key: string): string {
  for (const [name, re] of CATEGORIES) if (re.test(key)) return name;
  return "other";
}

/** Categories that own their time and that of the node internals and natives they call. */
const OWNERS = new Set([
  "node-llama-cpp",
  "@nats-io",
  "@bufbuild/protobuf",
  "@hono/node-server",
  "hono",
  "zod",
  "openai SDK",
  "@anthropic-ai/sdk",
  "PGlite (store)",
  "drizzle-orm (store)",
  "pg (store)",
  "undici (fetch client)",
  "project: shared",
  "project: edge",
  "project: gpu-node",
  "project: proto",
  "project: built bundle",
  "bench client",
  "tsx",
  "other",
]);

/** A project frame's owner is its file, e.g. "edge/src/handlers/read-json.ts"; a package's, the package. */
function ownerLabel(key: string, category: string): string {
  if (!category.startsWith("project: ")) return category;
  return /\/((?:edge|shared|workers\/gpu-node|proto)\/(?:src|gen)\/[^:]+)/.exec(key)?.[1] ?? category;
}

function keyOf(frame: CallFrame): string {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return name;
  const url = frame.url.replace(/^file:\/\//, "").replace(/^.*node_modules\//, "");
  return `${name} ${url}:${frame.lineNumber + 1}`;
}

const sorted = (m: Map<string, number>): Array<[string, number]> => [...m.entries()].sort((a, b) => b[1] - a[1]);

export function summarizeProfile(profile: CpuProfile, window: { startUs: number; endUs: number }): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const categories = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const owners = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    // A sample stands for the interval up to the next one.
    const span = profile.timeDeltas[i + 1] ?? 0;
    if (t < window.startUs || t > window.endUs) continue;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const key = keyOf(node.callFrame);
    totalUs += span;
    if (key === "(idle)") idleUs += span;
    self.set(key, (self.get(key) ?? 0) + span);
    const cat = categoryOf(key);
    categories.set(cat, (categories.get(cat) ?? 0) + span);
    let owner: string | undefined;
    for (let id: number | undefined = node.id; id !== undefined && owner === undefined; id = parent.get(id)) {
      const k = keyOf(byId.get(id)!.callFrame);
      const c = categoryOf(k);
      if (OWNERS.has(c)) owner = ownerLabel(k, c);
    }
    owner ??= cat;
    owners.set(owner, (owners.get(owner) ?? 0) + span);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const k = keyOf(byId.get(id)!.callFrame);
      if (seen.has(k) || k === "(root)") continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + span);
    }
  }
  return {
    totalUs,
    busyUs: totalUs - idleUs,
    selfByCategory: sorted(categories),
    selfByOwner: sorted(owners),
    selfByFunction: sorted(self),
    inclusiveByFunction: sorted(inclusive),
  };
}
