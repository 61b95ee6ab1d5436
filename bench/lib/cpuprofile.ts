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
  selfByFunction: Array<[string, number]>;
  inclusiveByFunction: Array<[string, number]>;
}

/** Package buckets, checked in order: the first whose pattern matches the frame's key wins. */
const CATEGORIES: Array<[string, RegExp]> = [
  ["(idle)", /^\(idle\)/],
  ["(garbage collector)", /^\(garbage collector\)/],
  ["(program): native, outside JS", /^\(program\)/],
  ["node-llama-cpp", /node-llama-cpp/],
  ["@nats-io", /@nats-io/],
  ["@bufbuild/protobuf", /@bufbuild/],
  ["@hono/node-server", /@hono\/node-server/],
  ["hono", /\/hono\//],
  ["zod", /\/zod\//],
  ["undici (fetch client)", /undici/],
  ["node web streams", /internal\/webstreams/],
  ["node streams/net/http", /node:(internal\/)?(streams?|net|_http|http|stream_base|events)/],
  ["node other", /node:/],
  ["project: shared", /\/shared\/src\//],
  ["project: edge", /\/edge\/src\//],
  ["project: gpu-node", /\/workers\/gpu-node\/src\//],
  ["project: proto", /\/proto\/gen\//],
  ["bench client", /\/bench\//],
  ["tsx", /\/tsx\//],
];

export function categoryOf(key: string): string {
  for (const [name, re] of CATEGORIES) if (re.test(key)) return name;
  return "other";
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
    selfByFunction: sorted(self),
    inclusiveByFunction: sorted(inclusive),
  };
}
