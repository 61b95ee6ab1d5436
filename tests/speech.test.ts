/**
 * /v1/audio/speech on real sherpa-onnx with the generated demo voice: valid WAV, speed,
 * PCM and SSE streaming, guarded bad input, cancellation (on the embedded stack and on the
 * Workers build, both NATS designs, in front of a tts-node process), and a tts-node dying
 * mid-stream.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startGateway, type TestGateway } from "./helpers/gateway.ts";
import { stopChild } from "./helpers/nats-server.ts";
import { type LocalTarget, localKinds, startLocalTarget, waitUntil } from "./helpers/local-target.ts";
import { waitFor } from "./helpers/stack.ts";
import { spawnTtsNode, type WorkerProcess } from "./helpers/processes.ts";

/** Parses a streamed WAV: format fields and the sample count after the 44-byte header. */
function parseWav(bytes: Uint8Array) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  return {
    riff: text(0),
    wave: text(8),
    format: v.getUint16(20, true),
    channels: v.getUint16(22, true),
    sampleRate: v.getUint32(24, true),
    bits: v.getUint16(34, true),
    data: text(36),
    samples: (bytes.byteLength - 44) / 2,
  };
}

const post = (url: string, body: Record<string, unknown>, signal?: AbortSignal) =>
  fetch(`${url}/v1/audio/speech`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "tts-1", voice: "alloy", ...body }), signal });

describe.each(localKinds().filter((k) => k === "in-process" || k.startsWith("workers")))("speech on %s", (kind) => {
  let stack: LocalTarget;
  beforeAll(async () => {
    // Workers: a chunk the client has not taken in 250 ms ends the stream (relay-body.ts), as
    // a disconnect workerd never reports would otherwise let the synthesis run on.
    stack = await startLocalTarget(kind, { SEND_TIMEOUT_MS: "250" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("returns a valid WAV through the OpenAI SDK", async () => {
    const res = await stack.client.audio.speech.create({ model: "tts-1", voice: "alloy", input: "hello world", response_format: "wav" });
    const wav = parseWav(new Uint8Array(await res.arrayBuffer()));
    expect(wav).toMatchObject({ riff: "RIFF", wave: "WAVE", format: 1, channels: 1, sampleRate: 16000, bits: 16, data: "data" });
    // 11 tokens at 1280 samples each, the demo voice's fixed length per token.
    expect(wav.samples).toBe(14080);
  });

  it("halves the duration at speed 2.0", async () => {
    const normal = parseWav(new Uint8Array(await (await post(stack.url, { input: "hello world", response_format: "wav" })).arrayBuffer()));
    const fast = parseWav(new Uint8Array(await (await post(stack.url, { input: "hello world", response_format: "wav", speed: 2 })).arrayBuffer()));
    expect(fast.samples).toBe(normal.samples / 2);
  });

  it("streams raw PCM, and SSE deltas that add up to the same audio", async () => {
    const pcm = new Uint8Array(await (await post(stack.url, { input: "Hello there. How are you? Fine.", response_format: "pcm" })).arrayBuffer());
    const sse = await (await post(stack.url, { input: "Hello there. How are you? Fine.", response_format: "pcm", stream_format: "sse" })).text();
    const deltas = [...sse.matchAll(/^data: (\{"type":"speech\.audio\.delta".*)$/gm)].map((m) => JSON.parse(m[1] ?? "{}") as { audio: string });
    // One delta per sentence at least: audio leaves as each sentence is synthesized.
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    const joined = Buffer.concat(deltas.map((d) => Buffer.from(d.audio, "base64")));
    expect(joined.equals(Buffer.from(pcm))).toBe(true);
    expect(sse).toMatch(/event: speech\.audio\.done\ndata: \{"type":"speech\.audio\.done","usage":\{"input_tokens":31,"output_tokens":\d+/);
  });

  it("records a usage row per speech request", async () => {
    await (await post(stack.url, { model: "tts-usage-probe", input: "hello there", response_format: "pcm" })).arrayBuffer();
    await stack.settle();
    type Row = { model: string; requests: number; prompt_tokens: number };
    let row: Row | undefined;
    // Through the NatsHub the write runs in the Durable Object, past what settle() waits for.
    await waitUntil(async () => {
      row = ((await (await fetch(`${stack.url}/v1/usage`)).json()) as { data: Row[] }).data.find((r) => r.model === "tts-usage-probe");
      return row !== undefined;
    }, 5_000);
    expect(row).toMatchObject({ requests: 1, prompt_tokens: "hello there".length });
  });

  it("lists the voices", async () => {
    const res = (await (await fetch(`${stack.url}/v1/audio/voices`)).json()) as { data: Array<{ id: string }> };
    expect(res.data.map((v) => v.id)).toEqual(["demo"]);
  });

  describe("bad input never reaches the native engine", () => {
    const expect400 = async (body: Record<string, unknown>, param: string) => {
      const res = await post(stack.url, body);
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: { param: string; message: string } };
      expect(json.error.param).toBe(param);
      return json.error.message;
    };
    it("empty, whitespace-only, emoji-only and 4,097-character input", async () => {
      await expect400({ input: "" }, "input");
      await expect400({ input: "   \n\t " }, "input");
      await expect400({ input: "😀🎉🚀" }, "input");
      await expect400({ input: "\u0000\u0000" }, "input");
      await expect400({ input: "a".repeat(4097) }, "input");
      // The worker is still there afterwards.
      expect((await post(stack.url, { input: "still alive", response_format: "pcm" })).status).toBe(200);
    });
    it("an unknown voice, an unsupported format, an out-of-range speed", async () => {
      expect(await expect400({ input: "hi", voice: "no-such-voice" }, "voice")).toContain("demo");
      expect(await expect400({ input: "hi", response_format: "mp3" }, "response_format")).toContain("wav, pcm");
      await expect400({ input: "hi", speed: 5 }, "speed");
    });
  });

  it("stops synthesis when the client disconnects", async () => {
    const controller = new AbortController();
    const input = "hello world. ".repeat(300);
    // At a quarter speed the synthesis takes four times as long: time enough for the cancel to
    // arrive through every layer (on Workers: Miniflare, the body, the bus) before it ends.
    const res = await post(stack.url, { input, response_format: "pcm", speed: 0.25 }, controller.signal);
    const reader = res.body!.getReader();
    await reader.read();
    const { cancelled: cancelledBefore } = await stack.speech();
    controller.abort();
    await waitUntil(async () => (await stack.speech()).active === 0, 2_000);
    expect((await stack.speech()).cancelled).toBe(cancelledBefore + 1);
  });

  // The send timeout is the Workers relay's, for the disconnects workerd does not report.
  if (kind.startsWith("workers")) {
    it("stops synthesis for a client that stays connected but stops reading (SEND_TIMEOUT_MS)", async () => {
      const { cancelled: cancelledBefore } = await stack.speech();
      const res = await post(stack.url, { input: "hello world. ".repeat(300), response_format: "pcm", speed: 0.25 });
      const reader = res.body!.getReader();
      await reader.read();
      // Nothing more is read and the connection stays open: the runtime's write blocks once the
      // socket buffers are full, and no chunk is taken for the send timeout.
      await waitUntil(async () => (await stack.speech()).active === 0, 2_000);
      expect((await stack.speech()).cancelled).toBe(cancelledBefore + 1);
      await reader.cancel();
    });
  }
});

describe("a tts-node dying mid-stream", () => {
  let gw: TestGateway;
  let workers: WorkerProcess[] = [];
  beforeAll(async () => {
    const prefix = `s${Math.random().toString(36).slice(2, 8)}`;
    gw = await startGateway(inject("natsUrl"), prefix);
    workers = await Promise.all(
      ["tts-a", "tts-b"].map((id) => spawnTtsNode({ natsUrl: inject("natsUrl"), voicesDir: inject("voicesDir"), workerId: id, env: { SY_SUBJECT_PREFIX: prefix } })),
    );
    await waitFor(() => gw.gateway.registry.workers().filter((w) => w.kind === "tts").length === 2, 10_000, 50);
  });
  afterAll(async () => {
    for (const w of workers) await stopChild(w.child);
    await gw?.stop();
  });

  it("ends that client's stream with an error; the other worker keeps serving", async () => {
    const res = await post(gw.url, { input: "hello world. ".repeat(300), response_format: "pcm" });
    expect(res.status).toBe(200);
    const victim = workers.find((w) => w.workerId === res.headers.get("x-switchyard-worker"));
    const reader = res.body!.getReader();
    await reader.read();
    // Frozen, then killed: from the gateway's side a worker that went silent mid-stream.
    victim?.child.kill("SIGSTOP");
    const started = Date.now();
    const failure = await (async () => {
      for (;;) if ((await reader.read()).done) return undefined;
    })().then(
      () => new Error("the stream ended cleanly"),
      (err: unknown) => err,
    );
    victim?.child.kill("SIGKILL");
    expect(victim).toBeDefined();
    expect(failure).toBeInstanceOf(TypeError);
    expect(Date.now() - started).toBeLessThan(8_000);
    const survivor = workers.find((w) => w !== victim)!;
    await waitFor(() => !gw.gateway.registry.workers().some((w) => w.workerId === victim?.workerId), 8_000, 50);
    const next = await post(gw.url, { input: "still here", response_format: "wav" });
    expect(next.status).toBe(200);
    expect(next.headers.get("x-switchyard-worker")).toBe(survivor.workerId);
    expect(parseWav(new Uint8Array(await next.arrayBuffer())).samples).toBeGreaterThan(0);
  });

  it("answers 503 in OpenAI's shape for an OpenAI voice name once every tts-node is gone", async () => {
    for (const w of workers) await stopChild(w.child);
    await waitFor(() => !gw.gateway.registry.workers().some((w) => w.kind === "tts"), 8_000, 50);
    const res = await post(gw.url, { input: "anyone there?", response_format: "wav" });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "no_worker_available", message: expect.stringContaining("alloy") });
  });
});
