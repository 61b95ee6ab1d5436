import { GatewayError } from "@switchyard/shared/errors";
import { describe, expect, it } from "vitest";
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
    expect(r.messages[0]?.content).toBe("ab");
    expect(r.stop).toEqual(["x"]);
    expect(r.maxTokens).toBe(7);
    expect(r.seed).toBe(4294967295);
    expect(r.includeUsage).toBe(true);
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

  it("refuses image parts for models that take only text", () => {
    const e = errorOf({ ...base, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:," } }] }] });
    expect(e.code).toBe("unsupported_content");
    expect(e.param).toBe("messages[0].content[0]");
  });
});
