import { describe, expect, it } from "vitest";
import { GrammarSchemaError, toGrammarSchema } from "./grammar-schema.ts";

const refused = (schema: unknown, path = "schema"): GrammarSchemaError => {
  try {
    toGrammarSchema(schema, path);
  } catch (err) {
    if (err instanceof GrammarSchemaError) return err;
    throw err;
  }
  throw new Error("the schema was accepted");
};

describe("toGrammarSchema", () => {
  it("keeps what the grammar enforces and drops annotations", () => {
    const schema = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      title: "Weather",
      type: "object",
      description: "a city and days",
      properties: {
        city: { type: "string", maxLength: 20, examples: ["Paris"] },
        unit: { anyOf: [{ const: "c" }, { const: "f" }] },
        days: { type: ["integer", "null"] },
        tags: { type: "array", items: { enum: ["a", "b"] }, maxItems: 3 },
      },
      required: ["city"],
      additionalProperties: false,
    };
    expect(toGrammarSchema(schema)).toEqual({
      type: "object",
      description: "a city and days",
      properties: {
        city: { type: "string", maxLength: 20 },
        unit: { oneOf: [{ const: "c" }, { const: "f" }] },
        days: { type: ["integer", "null"] },
        tags: { type: "array", items: { enum: ["a", "b"] }, maxItems: 3 },
      },
      required: ["city"],
      additionalProperties: false,
    });
  });

  it("refuses what the grammar would not enforce, naming the part", () => {
    expect(refused({ type: "object", properties: { code: { type: "string", pattern: "^[A-Z]+$" } } }, "tools[0].function.parameters").path).toBe(
      "tools[0].function.parameters.properties.code.pattern",
    );
    expect(refused({ type: "number", minimum: 3 }).path).toBe("schema.minimum");
    expect(refused({ allOf: [{ type: "string" }] }).path).toBe("schema.allOf");
    expect(refused({ type: "string", format: "email" }).path).toBe("schema.format");
    expect(refused({ $ref: "#/definitions/x" }).path).toBe("schema.$ref");
    expect(refused({ type: "object", properties: { any: {} } }).path).toBe("schema.properties.any");
    expect(refused({ type: ["object", "null"] }).path).toBe("schema.type");
    expect(refused("a string").message).toMatch(/must be a JSON Schema object/);
  });
});
