/**
 * @module `npm run bench:conversation` (#9): a 20-turn conversation whose history grows to
 * about 1,500 tokens, with unrelated single requests streaming beside it, on three gpu-node
 * processes behind one gateway (each the project's real entry point, on one nats-server).
 * Three setups, one after another in the same run: KV reuse with prefix routing, KV reuse
 * with least-loaded routing, and neither (every prompt evaluated from scratch). Prints time
 * to first token and prompt tokens evaluated per turn, aggregate tokens/s, and the goals.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { writeTinyLlamaGguf } from "@switchyard/gpu-node/demo-model/tiny-llama";
import { startNatsServer } from "../tests/helpers/nats-server.ts";
import { type Cleanups, runBench } from "./lib/cleanups.ts";
import { type Dispatch, startGatewayProcess, startGpuNodeProcess, type Wiring, waitForWorkers } from "./lib/scale-stack.ts";
import { readChatSse } from "./lib/sse.ts";
import { percentileOf } from "./lib/stats.ts";

const MODEL = "conv";
const TURNS = 20;
const REPLY_TOKENS = 24;
const BACKGROUND_STREAMS = Number(process.env.BENCH_BACKGROUND ?? 2);
const BACKGROUND_TOKENS = 48;
const WORKERS = 3;
/** Each setup runs this many times, interleaved (A B C A B C): a 2-core machine drifts between runs. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

interface Setup {
  name: string;
  reuse: boolean;
  dispatch: Dispatch;
}
const SETUPS: Setup[] = [
  { name: "reuse + prefix routing", reuse: true, dispatch: "prefix" },
  { name: "reuse + least-loaded", reuse: true, dispatch: "least-loaded" },
  { name: "no reuse, least-loaded", reuse: false, dispatch: "least-loaded" },
];

interface Message {
  role: string;
  content: string;
}

interface Turn {
  ttftMs: number;
  promptTokens: number;
  evaluated: number;
  worker: string;
}

interface SetupResult {
  turns: Turn[];
  tokensPerSecond: number;
  background: number;
}

/** One streamed request as a client sees it. */
async function stream(url: string, messages: Message[], maxTokens: number, seed: number) {
  const started = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, messages, max_tokens: maxTokens, temperature: 0.7, seed, stream: true, stream_options: { include_usage: true } }),
  });
  if (!res.ok || !res.body) throw new Error(`chat answered ${res.status}: ${await res.text()}`);
  const r = await readChatSse(res.body);
  return { ...r, ttftMs: r.firstContentAt - started, worker: res.headers.get("x-switchyard-worker") ?? "?" };
}

/** A different ~55-character question each turn. */
const question = (turn: number) => `Turn ${turn}: which track does train ${100 + turn * 7} take after the bridge?`;
const unrelated = (n: number) => `${randomBytes(6).toString("hex")} ${n}: describe the colour of the signal lamps along the old freight line at night.`;

async function runSetup(setup: Setup, tmp: string, natsUrl: string, cleanups: Cleanups): Promise<SetupResult> {
  const wiring: Wiring = { natsUrl, prefix: `benchconv${randomBytes(3).toString("hex")}`, adminToken: randomBytes(16).toString("hex") };
  const modelsDir = join(tmp, "models");
  const env = { LLAMA_KV_REUSE: String(setup.reuse) };
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, (_, i) => startGpuNodeProcess(wiring, { id: `conv-${i + 1}`, modelsDir, threads: 1, slots: 2, contextSize: 4096, env })),
  );
  const stopWorkers = async () => {
    await Promise.all(workers.map((w) => w.stop()));
  };
  cleanups.add(`${setup.name} workers`, stopWorkers);
  const gateway = await startGatewayProcess(wiring, setup.dispatch, join(tmp, `gateway-${setup.dispatch}-${setup.reuse}.log`));
  const stopGateway = () => gateway.stop();
  cleanups.add(`${setup.name} gateway`, stopGateway);
  await waitForWorkers(gateway.url, wiring.adminToken, `${WORKERS} workers`, (ws) => ws.length === WORKERS);
  for (const w of workers) {
    const res = await fetch(`${gateway.url}/admin/models/${MODEL}/load`, { method: "POST", headers: { authorization: `Bearer ${wiring.adminToken}` }, body: JSON.stringify({ worker: w.id }) });
    if (!res.ok) throw new Error(`loading on ${w.id}: ${res.status} ${await res.text()}`);
  }

  let running = true;
  let backgroundTokens = 0;
  let backgroundRequests = 0;
  const background = Array.from({ length: BACKGROUND_STREAMS }, async (_, k) => {
    for (let n = 0; running; n++) {
      const r = await stream(gateway.url, [{ role: "user", content: unrelated(n * 10 + k) }], BACKGROUND_TOKENS, n);
      backgroundTokens += r.completionTokens ?? 0;
      backgroundRequests += 1;
    }
  });
  const started = performance.now();
  const history: Message[] = [{ role: "system", content: "You are the night clerk of a busy switchyard. Answer in two short sentences." }];
  const turns: Turn[] = [];
  let conversationTokens = 0;
  for (let t = 1; t <= TURNS; t++) {
    history.push({ role: "user", content: question(t) });
    const r = await stream(gateway.url, history, REPLY_TOKENS, t);
    const prompt = r.promptTokens ?? 0;
    turns.push({ ttftMs: r.ttftMs, promptTokens: prompt, evaluated: prompt - (r.cachedTokens ?? 0), worker: r.worker });
    conversationTokens += r.completionTokens ?? 0;
    history.push({ role: "assistant", content: r.text });
  }
  running = false;
  await Promise.all(background);
  const seconds = (performance.now() - started) / 1000;
  await stopGateway();
  await stopWorkers();
  return { turns, tokensPerSecond: (conversationTokens + backgroundTokens) / seconds, background: backgroundRequests };
}

const fmt = (n: number, d = 1) => n.toFixed(d);
const median = (xs: number[]) => percentileOf(xs, 0.5);

await runBench(async (cleanups) => {
  const tmp = await mkdtemp(join(tmpdir(), "sy-bench-conv-"));
  cleanups.add("temp folder", () => rm(tmp, { recursive: true, force: true }));
  await writeTinyLlamaGguf(join(tmp, "models", `${MODEL}.gguf`), { seed: 42, contextLength: 4096 });
  const nats = await startNatsServer();
  cleanups.add("nats-server", () => nats.stop());
  console.log(`bench:conversation: ${TURNS} turns (+${REPLY_TOKENS}-token replies), ${BACKGROUND_STREAMS} unrelated streams beside it, ${WORKERS} gpu-node processes × 2 slots, demo model, CPU`);

  const runs = new Map<string, SetupResult[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const setup of SETUPS) {
      process.stdout.write(`  round ${round}: ${setup.name}…`);
      const r = await runSetup(setup, tmp, nats.url, cleanups);
      runs.set(setup.name, [...(runs.get(setup.name) ?? []), r]);
      console.log(` ${fmt(r.tokensPerSecond)} tokens/s, ${r.background} unrelated requests beside the conversation`);
    }
  }
  // Per turn and overall: the median over rounds.
  const merged = (rs: SetupResult[]): SetupResult => ({
    turns: rs[0]!.turns.map((t, i) => ({ ...t, ttftMs: median(rs.map((r) => r.turns[i]!.ttftMs)), evaluated: Math.max(...rs.map((r) => r.turns[i]!.evaluated)) })),
    tokensPerSecond: median(rs.map((r) => r.tokensPerSecond)),
    background: median(rs.map((r) => r.background)),
  });
  const [on, ll, off] = SETUPS.map((s) => merged(runs.get(s.name)!)) as [SetupResult, SetupResult, SetupResult];
  console.log(`\n medians over ${ROUNDS} rounds (evaluated: the most over rounds)`);
  console.log("\n turn  prompt |  TTFT ms: prefix  least-loaded  no-reuse | evaluated: prefix  least-loaded  no-reuse | worker (prefix)");
  for (let i = 0; i < TURNS; i++) {
    const [a, b, c] = [on.turns[i]!, ll.turns[i]!, off.turns[i]!];
    console.log(
      ` ${String(i + 1).padStart(4)}  ${String(a.promptTokens).padStart(6)} | ${fmt(a.ttftMs).padStart(15)} ${fmt(b.ttftMs).padStart(13)} ${fmt(c.ttftMs).padStart(9)} | ${String(a.evaluated).padStart(17)} ${String(b.evaluated).padStart(13)} ${String(c.evaluated).padStart(9)} | ${a.worker}`,
    );
  }
  const first = (r: SetupResult) => r.turns[0]!.ttftMs;
  const last = (r: SetupResult) => r.turns[TURNS - 1]!.ttftMs;
  const tail = (r: SetupResult) => median(r.turns.slice(-3).map((t) => t.ttftMs));
  const head = (r: SetupResult) => median(r.turns.slice(0, 3).map((t) => t.ttftMs));
  const growth = last(on) / first(on);
  const speedup = last(off) / last(on);
  const throughput = on.tokensPerSecond / ll.tokensPerSecond;
  console.log(`\n aggregate tokens/s: prefix ${fmt(on.tokensPerSecond)}, least-loaded ${fmt(ll.tokensPerSecond)}, no reuse ${fmt(off.tokensPerSecond)}`);
  console.log(` goal turn 20 TTFT ≤ 1.5 × turn 1 (reuse): ${fmt(growth, 2)}× (medians of 3: ${fmt(tail(on) / head(on), 2)}×)  ${growth <= 1.5 ? "met" : "MISSED"}`);
  console.log(` goal turn 20 TTFT ≥ 5× lower than without reuse: ${fmt(speedup, 2)}× (medians of 3: ${fmt(tail(off) / tail(on), 2)}×)  ${speedup >= 5 ? "met" : "MISSED"}`);
  console.log(` goal throughput ≥ least-loaded alone: ${fmt(throughput, 2)}×  ${throughput >= 1 ? "met" : "MISSED"}`);
  console.log(` (no reuse: turn 20 TTFT ${fmt(last(off) / first(off), 2)}× turn 1, as the history grows)`);
  return 0;
});
