import { GatewayError } from "@switchyard/shared/errors";
import { describe, expect, it } from "vitest";
import { EmbeddingsRequestSchema, MAX_INPUTS, parseEmbeddingsRequest } from "./embeddings-request.ts";

const M = "m";

/** The parser's verdict: the normalized input, or the error's param and code. */
function verdict(body: unknown) {
  try {
    return { ok: parseEmbeddingsRequest(body).input };
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    expect(err.status).toBe(400);
    return { param: err.param, code: err.code };
  }
}

describe("parseEmbeddingsRequest", () => {
  it("takes each shape of input OpenAI takes", () => {
    expect(verdict({ model: M, input: "hi" })).toEqual({ ok: { kind: "text", texts: ["hi"] } });
    expect(verdict({ model: M, input: ["a", "b"] })).toEqual({ ok: { kind: "text", texts: ["a", "b"] } });
    expect(verdict({ model: M, input: [1, 2, 3] })).toEqual({ ok: { kind: "tokens", tokens: [[1, 2, 3]] } });
    expect(verdict({ model: M, input: [[1], [2, 3]] })).toEqual({ ok: { kind: "tokens", tokens: [[1], [2, 3]] } });
    // One token array is one input, however long: the model's context is its limit, not 2048.
    expect(verdict({ model: M, input: Array.from({ length: 3000 }, () => 7) })).toMatchObject({ ok: { kind: "tokens" } });
  });

  it("names the input at fault", () => {
    expect(verdict({ model: M })).toEqual({ param: "input", code: "missing_required_parameter" });
    expect(verdict({ model: M, input: "" })).toEqual({ param: "input", code: "invalid_value" });
    expect(verdict({ model: M, input: [] })).toEqual({ param: "input", code: "invalid_value" });
    expect(verdict({ model: M, input: ["a", ""] })).toEqual({ param: "input[1]", code: "invalid_value" });
    expect(verdict({ model: M, input: ["a", 3] })).toEqual({ param: "input[1]", code: "invalid_value" });
    expect(verdict({ model: M, input: [1, -2] })).toEqual({ param: "input[1]", code: "invalid_value" });
    expect(verdict({ model: M, input: [[1], [], [2]] })).toEqual({ param: "input[1]", code: "invalid_value" });
    expect(verdict({ model: M, input: [[1], [1.5]] })).toEqual({ param: "input[1]", code: "invalid_value" });
    expect(verdict({ model: M, input: Array.from({ length: MAX_INPUTS + 1 }, () => "x") })).toEqual({ param: "input", code: "invalid_value" });
    expect(verdict({ model: M, input: "x", dimensions: 0 })).toEqual({ param: "dimensions", code: "invalid_value" });
    expect(verdict({ model: M, input: "x", encoding_format: "int8" })).toEqual({ param: "encoding_format", code: "invalid_value" });
    expect(verdict({ input: "x" })).toEqual({ param: "model", code: "invalid_value" });
  });

  it("accepts exactly what its schema accepts (the schema is what the API document shows)", () => {
    const bodies: unknown[] = [
      { model: M, input: "x" },
      { model: M, input: "" },
      { model: M, input: [] },
      { model: M, input: [[]] },
      { model: M, input: [null] },
      { model: M, input: [{}] },
      { model: M, input: [true] },
      { model: M, input: [1, [2]] },
      { model: M, input: [[1], "x"] },
      { model: M, input: [2 ** 32] },
      { model: M, input: ["x"], encoding_format: "base64", dimensions: 8, user: "u", extra: 1 },
      { model: M, input: 5 },
      "just a string",
      null,
    ];
    for (const body of bodies) expect({ body, accepted: "ok" in verdict(body) }).toEqual({ body, accepted: EmbeddingsRequestSchema.safeParse(body).success });
  });
});
