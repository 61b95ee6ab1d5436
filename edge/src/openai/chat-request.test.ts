import { GatewayError } from "@switchyard/shared/errors";
import { describe, expect, it } from "vitest";
import { textOnly } from "../chat/normalized.ts";
import { parseChatRequest } from "./chat-request.ts";

const base = { model: "m", messages: [{ role: "user", content: "hi" }] };
const errorOf = (body: unknown): GatewayError => {
  try {
    parseChatRequest(body);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return err;
  }
  throw new Error("expected a validation error");
};

describe("parseChatRequest", () => {
  it("normalises content parts, stop and max_completion_tokens", () => {
    const r = parseChatRequest({
      ...base,
      messages: [{ role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }],
      stop: "x",
      max_completion_tokens: 7,
      seed: -1,
      stream: true,
      stream_options: { include_usage: true },
      frequency_penalty: 0.5,
    });
    expect(textOnly(r.messages[0]?.content ?? "")).toBe("ab");
    expect(r.stop).toEqual(["x"]);
    expect(r.maxTokens).toBe(7);
    expect(r.seed).toBe(-1);
    expect(r.includeUsage).toBe(true);
    // Parameters we do not model travel on to OpenAI-compatible upstreams.
    expect(r.passthrough).toEqual({ frequency_penalty: 0.5 });
  });

  it("names the param in nested errors", () => {
    const e = errorOf({ ...base, messages: [{ role: "user", content: "ok" }, { role: "wizard", content: "x" }] });
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[1].role");
  });

  it("refuses more than four stop strings, n > 1, and out-of-range sampling", () => {
    expect(errorOf({ ...base, stop: ["a", "b", "c", "d", "e"] }).param).toBe("stop");
    expect(errorOf({ ...base, n: 2 }).param).toBe("n");
    expect(errorOf({ ...base, temperature: 3 }).param).toBe("temperature");
    expect(errorOf({ ...base, top_p: -0.1 }).param).toBe("top_p");
  });

  it("keeps image parts, tools and tool calls", () => {
    const r = parseChatRequest({
      ...base,
      messages: [
        { role: "user", content: [{ type: "image_url", image_url: { url: "https://x/img.png", detail: "low" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "42" },
      ],
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
      tool_choice: { type: "function", function: { name: "f" } },
    });
    expect(r.messages[0]?.content).toEqual([{ type: "image", url: "https://x/img.png", detail: "low" }]);
    expect(r.messages[1]?.toolCalls).toEqual([{ id: "c1", name: "f", arguments: "{}" }]);
    expect(r.messages[2]?.toolCallId).toBe("c1");
    expect(r.tools).toEqual([{ name: "f", description: undefined, parameters: { type: "object" } }]);
    expect(r.toolChoice).toEqual({ name: "f" });
  });

  it("names a bad tool name", () => {
    expect(errorOf({ ...base, tools: [{ type: "function", function: { name: "has space" } }] }).param).toBe("tools[0].function.name");
  });
});
