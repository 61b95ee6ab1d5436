/**
 * GET /openapi.json: served without credentials on both builds, it lists every route of the
 * app with its method, it is a valid OpenAPI 3.1 document (@readme/openapi-parser), and its
 * request schemas accept and refuse what the handlers accept and refuse (checked with a JSON
 * Schema 2020-12 validator against the real handlers).
 */
import { InProcessBus } from "@switchyard/shared/bus/in-process-bus";
import { silentLogger } from "@switchyard/shared/log";
import { compileErrors, validate } from "@readme/openapi-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { gatewayConfigFromEnv } from "../edge/src/config.ts";
import { createGateway, type Gateway } from "../edge/src/gateway.ts";
import { openApiDocument } from "../edge/src/handlers/openapi.ts";
import { openStore } from "../edge/src/store/open-store.ts";
import type { Store } from "../edge/src/store/store.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/databases.ts";
import { startWorkersEdge, type WorkersEdge } from "./helpers/workers-edge.ts";

const ADMIN = "admin-token-for-tests";
type Document = Parameters<typeof validate>[0] & { paths: Record<string, Record<string, unknown>> };

/** Hono's `/v1/conversations/:id` and `/v1/models/:model{.+}` in OpenAPI's form. */
const openApiPath = (honoPath: string) => honoPath.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");

describe("GET /openapi.json", () => {
  let store: Store;
  let gateway: Gateway;
  let key = "";
  let doc: Document;
  const request = (path: string, init: RequestInit = {}) => gateway.app.request(path, init);

  beforeAll(async () => {
    store = await openStore({ pgliteDir: "memory" });
    const env = { ADMIN_TOKEN: ADMIN };
    const config = gatewayConfigFromEnv({ PORT: "0", ACCEPT_TIMEOUT_MS: "500", ...env });
    gateway = createGateway({ config, bus: new InProcessBus(), store, secret: "test-secret-0123456789", log: silentLogger, env });
    // With a key in the database, every /v1 route needs one; the document still does not.
    const created = await request("/admin/keys", { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name: "docs" }) });
    key = ((await created.json()) as { key: string }).key;
    doc = (await (await request("/openapi.json")).json()) as Document;
  });
  afterAll(async () => {
    await gateway?.stop();
    await store?.close();
  });

  it("is served without credentials while the API needs them, the same document every time", async () => {
    expect((await request("/v1/models")).status).toBe(401);
    const res = await request("/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ openapi: "3.1.0", info: { title: "Switchyard" } });
    expect(await (await request("/openapi.json")).text()).toBe(text);
  });

  it("lists every route of the app with its method, and none that the app lacks", () => {
    const routes = new Set(gateway.app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${openApiPath(r.path)}`));
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)));
    expect(routes.size).toBeGreaterThan(25);
    expect([...routes].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !routes.has(r))).toEqual([]);
  });

  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await validate(structuredClone(doc));
    expect(result.valid ? "" : compileErrors(result)).toBe("");
    expect(result.warnings).toEqual([]);
  });

  it("asks for the API key on /v1, the admin token on /admin, nothing on /health", () => {
    const security = (path: string, method: string) => (doc.paths[path]?.[method] as { security?: unknown }).security;
    expect(security("/v1/chat/completions", "post")).toEqual([{ apiKey: [] }]);
    expect(security("/v1/conversations/{id}", "get")).toEqual([{ apiKey: [] }]);
    expect(security("/admin/keys", "post")).toEqual([{ adminToken: [] }]);
    expect(security("/health", "get")).toBeUndefined();
    expect(security("/openapi.json", "get")).toBeUndefined();
  });

  /** The document's verdict on a body (JSON Schema 2020-12, $refs resolved in the document) against the handler's. */
  const cases: Array<{ path: string; schema: string; bodies: Array<[string, unknown]> }> = [
    {
      path: "/v1/chat/completions",
      schema: "ChatCompletionRequest",
      bodies: [
        ["minimal", { model: "nobody-serves-this", messages: [{ role: "user", content: "hi" }] }],
        ["every common field", { model: "nobody-serves-this", messages: [{ role: "system", content: "x" }, { role: "user", content: [{ type: "text", text: "hi" }] }], temperature: 0.5, top_p: 1, max_tokens: 5, stop: ["a"], seed: 3, stream: false, conversation_id: null }],
        ["no model", { messages: [{ role: "user", content: "hi" }] }],
        ["no messages", { model: "nobody-serves-this" }],
        ["empty messages", { model: "nobody-serves-this", messages: [] }],
        ["unknown role", { model: "nobody-serves-this", messages: [{ role: "robot", content: "hi" }] }],
        ["temperature above 2", { model: "nobody-serves-this", messages: [{ role: "user", content: "hi" }], temperature: 3 }],
        ["max_tokens 0", { model: "nobody-serves-this", messages: [{ role: "user", content: "hi" }], max_tokens: 0 }],
        ["five stop strings", { model: "nobody-serves-this", messages: [{ role: "user", content: "hi" }], stop: ["a", "b", "c", "d", "e"] }],
        ["n = 2", { model: "nobody-serves-this", messages: [{ role: "user", content: "hi" }], n: 2 }],
        ["bad conversation id", { model: "nobody-serves-this", messages: [{ role: "user", content: "hi" }], conversation_id: "not an id!" }],
      ],
    },
    {
      path: "/v1/messages",
      schema: "MessagesRequest",
      bodies: [
        ["minimal", { model: "nobody-serves-this", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }],
        ["no max_tokens", { model: "nobody-serves-this", messages: [{ role: "user", content: "hi" }] }],
        ["system role in messages", { model: "nobody-serves-this", max_tokens: 5, messages: [{ role: "system", content: "hi" }] }],
      ],
    },
    {
      path: "/v1/embeddings",
      schema: "EmbeddingsRequest",
      bodies: [
        ["a string", { model: "nobody-serves-this", input: "hi" }],
        ["token arrays", { model: "nobody-serves-this", input: [[1, 2], [3]], encoding_format: "base64" }],
        ["no input", { model: "nobody-serves-this" }],
        ["a bad encoding", { model: "nobody-serves-this", input: "hi", encoding_format: "hex" }],
      ],
    },
    {
      path: "/v1/responses",
      schema: "ResponseCreateRequest",
      bodies: [
        ["a string", { model: "nobody-serves-this", input: "hi" }],
        ["items", { model: "nobody-serves-this", input: [{ role: "user", content: [{ type: "input_text", text: "hi" }] }, { type: "function_call", call_id: "c", name: "f", arguments: "{}" }, { type: "function_call_output", call_id: "c", output: "1" }] }],
        ["no input", { model: "nobody-serves-this" }],
        ["a bad temperature", { model: "nobody-serves-this", input: "hi", temperature: 5 }],
      ],
    },
    {
      path: "/v1/conversations",
      schema: "CreateConversationRequest",
      bodies: [
        ["a title", { title: "Plans" }],
        ["a title too long", { title: "x".repeat(501) }],
      ],
    },
  ];

  it.each(cases)("describes the body of $path as its handler parses it", async ({ path, schema, bodies }) => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema(doc, "doc");
    const check = ajv.getSchema(`doc#/components/schemas/${schema}`);
    if (!check) throw new Error(`no schema ${schema}`);
    const verdicts = [];
    for (const [name, body] of bodies) {
      const res = await request(path, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
      const error = res.status === 400 ? ((await res.json()) as { error?: { type: string }; type?: string }) : undefined;
      // OpenAI's shape, or Anthropic's on /v1/messages.
      const refused = error !== undefined && (error.error?.type === "invalid_request_error" || error.type === "error");
      verdicts.push({ name, document: check(body) ? "accepts" : "refuses", handler: refused ? "refuses" : "accepts" });
    }
    for (const v of verdicts) expect(v, v.name).toEqual({ name: v.name, document: v.handler, handler: v.handler });
    expect(verdicts.some((v) => v.handler === "accepts") && verdicts.some((v) => v.handler === "refuses")).toBe(true);
  });

  it("requires model and messages in the chat completion request", () => {
    const schemas = (doc as { components: { schemas: Record<string, { required?: string[] }> } }).components.schemas;
    expect(schemas.ChatCompletionRequest?.required).toEqual(["model", "messages"]);
    expect(schemas.MessagesRequest?.required).toEqual(["model", "max_tokens", "messages"]);
  });
});

/** The Workers build needs a Postgres server (it has no PGlite): with TEST_DATABASE_URL, as in CI. */
describe.each(process.env.TEST_DATABASE_URL ? ["workers"] : [])("GET /openapi.json on the %s build", () => {
  let db: TestDatabase;
  let edge: WorkersEdge;
  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    await (await db.open()).close();
    edge = await startWorkersEdge({ bundleDir: inject("edgeBundleDir"), natsWsUrl: inject("natsWsUrl"), databaseUrl: db.url!, prefix: `o${Math.random().toString(36).slice(2, 8)}` });
  });
  afterAll(async () => {
    await edge?.stop();
    await db?.drop();
  });

  it("serves the same document as the Node build", async () => {
    const res = await fetch(`${edge.url}/openapi.json`);
    expect(res.status).toBe(200);
    const served = (await res.json()) as Document;
    expect(Object.keys(served.paths)).toContain("/v1/chat/completions");
    expect(served).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });
});
