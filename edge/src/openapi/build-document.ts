/**
 * @module Builds the OpenAPI 3.1 document from the operation registry. Schemas come from zod 4's
 * own JSON Schema output (draft 2020-12, which is OpenAPI 3.1's dialect): request bodies and
 * parameters as the handler parses its input, responses as the handler writes them. Named
 * schemas become components/schemas and are referenced by $ref.
 */
import { z } from "zod";
import type { Auth, Content, NamedSchema, Operation, ResponseSpec } from "./operation.ts";

type JsonSchema = z.core.JSONSchema.BaseSchema;
type SecurityRequirement = Record<string, string[]>;

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, SecurityScheme> };
}

interface SecurityScheme {
  type: "http" | "apiKey";
  scheme?: string;
  in?: "header";
  name?: string;
  description: string;
}

interface ParameterObject {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: JsonSchema;
  description?: string;
}

interface MediaTypeObject {
  schema?: JsonSchema;
}

interface ResponseObject {
  description: string;
  content?: Record<string, MediaTypeObject>;
}

export interface OperationObject {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  parameters?: ParameterObject[];
  requestBody?: { required: boolean; content: Record<string, MediaTypeObject> };
  responses: Record<string, ResponseObject>;
  security?: SecurityRequirement[];
}

const SECURITY_SCHEMES: Record<string, SecurityScheme> = {
  apiKey: {
    type: "http",
    scheme: "bearer",
    description: "An API key (sk-sy-…). Not needed while the gateway binds loopback only and no key exists (open mode).",
  },
  xApiKey: { type: "apiKey", in: "header", name: "x-api-key", description: "The same API key as Anthropic's SDK sends it." },
  adminToken: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN; while it is unset the admin API answers 403." },
  metricsToken: {
    type: "http",
    scheme: "bearer",
    description: "METRICS_TOKEN or ADMIN_TOKEN; needed only on a gateway that binds beyond loopback.",
  },
};

const SECURITY: Record<Auth, SecurityRequirement[] | undefined> = {
  key: [{ apiKey: [] }],
  "key-or-x-api-key": [{ apiKey: [] }, { xApiKey: [] }],
  admin: [{ adminToken: [] }],
  // {}: anonymous is allowed too (a gateway that binds loopback only).
  metrics: [{}, { metricsToken: [] }],
  none: undefined,
};

const ERRORS: Record<number, string> = {
  400: "The request is invalid; `param` names the field at fault.",
  401: "Missing or invalid credentials.",
  403: "Not allowed: the key's model globs leave this model out, or the admin API is disabled.",
  404: "Not found.",
  409: "In conflict with what is running now.",
  413: "The body is larger than MAX_BODY_BYTES (or, for local models, than a bus message may carry).",
  429: "Over a limit (RPM, TPM, token budget) or the model's queue is full; `retry-after` says when to come back.",
  500: "The gateway or a worker failed.",
  502: "The upstream provider failed, or refused the gateway's provider key.",
  503: "No worker can take it now (none serves the model, queue timeout, draining), or the database is unreachable; see `retry-after`.",
  504: "The upstream or the worker passed its deadline.",
  507: "The model does not fit the worker's memory budget.",
};

const defaultAuth = (path: string): Auth => (path.startsWith("/v1/") ? "key" : path.startsWith("/admin/") ? "admin" : "none");

export function buildDocument(operations: readonly Operation[], info: OpenApiDocument["info"], errorSchema: NamedSchema): OpenApiDocument {
  const components = new Components();
  const paths: OpenApiDocument["paths"] = {};
  for (const op of operations) {
    const item = paths[op.path] ?? {};
    paths[op.path] = item;
    if (item[op.method]) throw new Error(`OpenAPI registry: ${op.method.toUpperCase()} ${op.path} is listed twice`);
    item[op.method] = operationObject(op, components, op.errorSchema ?? errorSchema);
  }
  return { openapi: "3.1.0", info, paths, components: { schemas: components.schemas(), securitySchemes: SECURITY_SCHEMES } };
}

function operationObject(op: Operation, components: Components, errorSchema: NamedSchema): OperationObject {
  const auth = op.auth ?? defaultAuth(op.path);
  const parameters = [...pathParameters(op), ...objectParameters(op.query, "query"), ...objectParameters(op.headers, "header")];
  const statuses = new Set(op.errors);
  if (op.body || op.query) statuses.add(400);
  if (op.body) statuses.add(413);
  if (auth === "key" || auth === "key-or-x-api-key" || auth === "admin") statuses.add(401);
  if (auth === "admin") statuses.add(403);
  const responses: Record<string, ResponseObject> = {};
  for (const [status, spec] of Object.entries(op.responses)) responses[status] = responseObject(spec, components);
  const error = (description: string) => responseObject({ description, content: { "application/json": errorSchema } }, components);
  for (const status of [...statuses].sort((a, b) => a - b)) {
    const description = ERRORS[status];
    if (description === undefined) throw new Error(`OpenAPI registry: ${op.id} lists status ${status}, which has no description`);
    responses[String(status)] ??= error(description);
  }
  responses.default = error("Any other error, in the same shape.");
  const security = SECURITY[auth];
  return {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: op.body.required ?? true, content: content(op.body.content, components, "input") } } : {}),
    responses,
    ...(security ? { security } : {}),
  };
}

function responseObject(spec: ResponseSpec, components: Components): ResponseObject {
  return { description: spec.description, ...(spec.content ? { content: content(spec.content, components, "output") } : {}) };
}

function content(c: Content, components: Components, io: "input" | "output"): Record<string, MediaTypeObject> {
  const out: Record<string, MediaTypeObject> = {};
  for (const [mediaType, named] of Object.entries(c)) out[mediaType] = named ? { schema: components.ref(named, io) } : {};
  return out;
}

/** `{name}` in the template: each one a required string parameter. */
function pathParameters(op: Operation): ParameterObject[] {
  return [...op.path.matchAll(/\{([^}]+)\}/g)].map(([, name = ""]) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string" },
    ...(op.pathParams?.[name] ? { description: op.pathParams[name] } : {}),
  }));
}

/** One parameter per property of a zod object, as the handler parses it (input). */
function objectParameters(schema: z.ZodObject | undefined, where: "query" | "header"): ParameterObject[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: "input" });
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = typeof property === "boolean" ? {} : property;
    return { name, in: where, required: required.has(name), schema: rest, ...(description ? { description } : {}) };
  });
}

/**
 * components/schemas: request schemas rendered as their input (defaults optional), response
 * schemas as their output; one name, one schema.
 */
class Components {
  readonly #registries = { input: z.registry<{ id: string }>(), output: z.registry<{ id: string }>() };
  readonly #byName = new Map<string, { schema: z.ZodType; io: "input" | "output" }>();

  ref(named: NamedSchema, io: "input" | "output"): JsonSchema {
    const known = this.#byName.get(named.name);
    if (known && (known.schema !== named.schema || known.io !== io))
      throw new Error(`OpenAPI registry: the name ${named.name} stands for two different schemas (or for a request and a response)`);
    if (!known) {
      this.#byName.set(named.name, { schema: named.schema, io });
      this.#registries[io].add(named.schema, { id: named.name });
    }
    return { $ref: `#/components/schemas/${named.name}` };
  }

  schemas(): Record<string, JsonSchema> {
    const out: Record<string, JsonSchema> = {};
    for (const io of ["input", "output"] as const) {
      const { schemas } = z.toJSONSchema(this.#registries[io], { io, uri: (id) => `#/components/schemas/${id}` });
      // $schema and $id belong to standalone documents; in components they would only mislead.
      for (const [name, { $schema: _, $id: __, ...schema }] of Object.entries(schemas)) out[name] = schema;
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  }
}
