/**
 * @module JSON Schema → the subset that node-llama-cpp's JSON grammar enforces, for tools and
 * structured output on local models. node-llama-cpp ignores keywords it does not know (a
 * `pattern`, a `minimum`), so a reply could break them while looking valid: such a schema is
 * refused here, naming the part, instead. Metadata keywords are dropped; `anyOf` becomes
 * `oneOf` (a value generated from one branch satisfies both).
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A schema, or part of one, that the grammar cannot express; `path` names the part. */
export class GrammarSchemaError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = "GrammarSchemaError";
  }
}

/** Annotations only: they change nothing a grammar would enforce. */
const METADATA = new Set(["title", "examples", "default", "$schema", "$comment", "$id", "deprecated", "readOnly", "writeOnly"]);
const PRIMITIVE_TYPES = new Set(["string", "number", "integer", "boolean", "null"]);
const STRING_FORMATS = new Set(["date-time", "time", "date"]);
const COUNTS = ["minLength", "maxLength", "minProperties", "maxProperties", "minItems", "maxItems"];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isPrimitive = (v: unknown): v is string | number | boolean | null => v === null || ["string", "number", "boolean"].includes(typeof v);
const fail = (path: string, message: string): never => {
  throw new GrammarSchemaError(path, message);
};

/** The schema as the grammar takes it; throws GrammarSchemaError for anything it cannot enforce. */
export function toGrammarSchema(schema: unknown, path = "schema"): JsonObject {
  if (!isObject(schema)) return fail(path, `${path} must be a JSON Schema object.`);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    const at = `${path}.${key}`;
    if (METADATA.has(key)) continue;
    if (key === "description") {
      if (typeof value === "string") out.description = value;
    } else if (key === "type") out.type = typeKeyword(value, at);
    else if (key === "const") out.const = isPrimitive(value) ? value : fail(at, `${at}: only a string, number, boolean or null constant can be enforced.`);
    else if (key === "enum") out.enum = Array.isArray(value) && value.length > 0 && value.every(isPrimitive) ? value : fail(at, `${at} must be a non-empty list of strings, numbers, booleans or null.`);
    else if (key === "oneOf" || key === "anyOf") out.oneOf = branches(value, at);
    else if (key === "properties") out.properties = properties(value, at);
    else if (key === "required") out.required = Array.isArray(value) && value.every((k) => typeof k === "string") ? value : fail(at, `${at} must be a list of property names.`);
    else if (key === "additionalProperties") out.additionalProperties = typeof value === "boolean" ? value : toGrammarSchema(value, at);
    else if (key === "items") out.items = toGrammarSchema(value, at);
    else if (key === "prefixItems") out.prefixItems = branches(value, at);
    else if (COUNTS.includes(key)) out[key] = Number.isInteger(value) && (value as number) >= 0 ? (value as number) : fail(at, `${at} must be a non-negative integer.`);
    else if (key === "format") out.format = typeof value === "string" && STRING_FORMATS.has(value) ? value : fail(at, `${at}: only the formats date-time, time and date can be enforced.`);
    else if (key === "$ref") out.$ref = typeof value === "string" && value.startsWith("#/$defs/") ? value : fail(at, `${at}: only references into $defs ("#/$defs/name") can be enforced.`);
    else if (key === "$defs") out.$defs = properties(value, at);
    else fail(at, `${at}: '${key}' cannot be enforced by a local model's grammar.`);
  }
  if (Object.keys(out).every((k) => k === "description" || k === "$defs"))
    fail(path, `${path} allows any value, which a local model's grammar cannot express: give it a type, const, enum, oneOf or $ref.`);
  return out;
}

function typeKeyword(value: unknown, at: string): JsonValue {
  if (typeof value === "string" && (PRIMITIVE_TYPES.has(value) || value === "object" || value === "array")) return value;
  if (Array.isArray(value) && value.length > 0 && value.every((t) => typeof t === "string" && PRIMITIVE_TYPES.has(t))) return value as string[];
  return fail(at, `${at} must be one JSON type, or a list of string, number, integer, boolean and null.`);
}

function branches(value: unknown, at: string): JsonObject[] {
  if (!Array.isArray(value) || value.length === 0) return fail(at, `${at} must be a non-empty list of schemas.`);
  return value.map((branch, i) => toGrammarSchema(branch, `${at}[${i}]`));
}

function properties(value: unknown, at: string): JsonObject {
  if (!isObject(value)) return fail(at, `${at} must map names to schemas.`);
  const out: JsonObject = {};
  for (const [name, schema] of Object.entries(value)) out[name] = toGrammarSchema(schema, `${at}.${name}`);
  return out;
}
