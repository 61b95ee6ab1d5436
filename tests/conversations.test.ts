/**
 * Conversations kept by the gateway: history goes upstream, both sides of each turn are
 * stored (a cancelled stream's reply as partial), pages, titles, and strict ownership.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openaiError, openaiStream } from "./fakes/openai-wire.ts";
import { type CloudTarget, startCloudTarget, targetKinds } from "./helpers/cloud-target.ts";

const ADMIN = "admin-token-for-tests";

interface ConversationView {
  id: string;
  title: string | null;
  messages?: Array<{ role: string; content: string; status: string }>;
}

describe.each(targetKinds())("conversations on %s", (kind) => {
  let gw: CloudTarget;
  let alice = "";
  let bob = "";

  const call = (path: string, key: string, init: RequestInit = {}) =>
    fetch(`${gw.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...init.headers } });
  const json = async <T>(res: Response | Promise<Response>): Promise<T> => (await (await res).json()) as T;
  const newConversation = (key: string, title?: string) => json<ConversationView>(call("/v1/conversations", key, { method: "POST", body: JSON.stringify(title ? { title } : {}) }));
  const chat = (key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    call("/v1/chat/completions", key, { method: "POST", body: JSON.stringify({ model: "gpt-4o-mini", ...body }), headers });
  const read = (key: string, id: string) => json<ConversationView>(call(`/v1/conversations/${id}`, key));

  beforeAll(async () => {
    gw = await startCloudTarget(kind, { ADMIN_TOKEN: ADMIN });
    const mk = async (name: string) =>
      ((await json<{ key: string }>(fetch(`${gw.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name }) }))).key);
    alice = await mk("alice");
    bob = await mk("bob");
  });
  afterAll(async () => {
    await gw?.stop();
  });
  beforeEach(() => {
    gw.openai.requests.length = 0;
  });

  it("sends the stored history upstream and stores both sides of each turn", async () => {
    const conv = await newConversation(alice);
    expect(conv.id).toMatch(/^conv_/);
    expect((await chat(alice, { conversation_id: conv.id, messages: [{ role: "user", content: "First question" }] })).status).toBe(200);
    await gw.settle();
    // The header works as well as the body field.
    expect((await chat(alice, { messages: [{ role: "user", content: "Second question" }] }, { "x-conversation-id": conv.id })).status).toBe(200);
    await gw.settle();
    expect(gw.openai.requests[1]?.body.messages).toEqual([
      { role: "user", content: "First question" },
      { role: "assistant", content: "Hello from the fake OpenAI." },
      { role: "user", content: "Second question" },
    ]);
    const stored = await read(alice, conv.id);
    expect(stored.messages?.map((m) => [m.role, m.content, m.status])).toEqual([
      ["user", "First question", "complete"],
      ["assistant", "Hello from the fake OpenAI.", "complete"],
      ["user", "Second question", "complete"],
      ["assistant", "Hello from the fake OpenAI.", "complete"],
    ]);
  });

  it("stores a streamed reply, and a cancelled stream's reply as partial", async () => {
    const conv = await newConversation(alice);
    gw.openai.enqueue(openaiStream("gpt-4o-mini", ["Stre", "amed"]));
    const res = await chat(alice, { conversation_id: conv.id, stream: true, messages: [{ role: "user", content: "stream please" }] });
    await res.text();
    gw.openai.enqueue(openaiStream("gpt-4o-mini", Array.from({ length: 200 }, (_, i) => `w${i} `), { delayMs: 10 }));
    const controller = new AbortController();
    const cut = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", conversation_id: conv.id, stream: true, messages: [{ role: "user", content: "long one" }] }),
      signal: controller.signal,
    });
    const reader = cut.body!.getReader();
    for (let i = 0; i < 4; i++) await reader.read();
    controller.abort();
    await new Promise((r) => setTimeout(r, 100));
    await gw.settle();
    const stored = await read(alice, conv.id);
    expect(stored.messages?.slice(0, 2).map((m) => [m.role, m.content, m.status])).toEqual([
      ["user", "stream please", "complete"],
      ["assistant", "Streamed", "complete"],
    ]);
    const partial = stored.messages?.[3];
    expect(partial).toMatchObject({ role: "assistant", status: "partial" });
    expect(partial?.content).toMatch(/^w0 /);
    expect(partial?.content.length).toBeLessThan(200 * 4);
  });

  it("leaves the conversation as it was when a turn fails before any reply, so a retry does not ask twice", async () => {
    const conv = await newConversation(alice);
    gw.openai.enqueue(openaiError(400, "Bad thing.", "invalid_request_error", "bad"));
    expect((await chat(alice, { conversation_id: conv.id, messages: [{ role: "user", content: "Try me" }] })).status).toBe(400);
    await gw.settle();
    expect((await chat(alice, { conversation_id: conv.id, messages: [{ role: "user", content: "Try me" }] })).status).toBe(200);
    await gw.settle();
    const stored = await read(alice, conv.id);
    expect(stored.messages?.map((m) => [m.role, m.content])).toEqual([
      ["user", "Try me"],
      ["assistant", "Hello from the fake OpenAI."],
    ]);
  });

  it("keeps conversations private: another key's is a 404, never a hint", async () => {
    const conv = await newConversation(alice, "alice only");
    for (const res of [
      await call(`/v1/conversations/${conv.id}`, bob),
      await call(`/v1/conversations/${conv.id}`, bob, { method: "DELETE" }),
      await call(`/v1/conversations/${conv.id}/title`, bob, { method: "POST", body: "{}" }),
      await chat(bob, { conversation_id: conv.id, messages: [{ role: "user", content: "peek" }] }),
    ]) {
      expect(res.status).toBe(404);
    }
    const missing = await call("/v1/conversations/conv_doesnotexist", bob);
    expect(await missing.json()).toEqual(await (await call(`/v1/conversations/${conv.id}`, bob)).json());
    const bobs = await json<{ data: ConversationView[] }>(call("/v1/conversations", bob));
    expect(bobs.data.map((c) => c.id)).not.toContain(conv.id);
  });

  it("pages with cursors and refuses invalid cursors and ids", async () => {
    const owner = ((await json<{ key: string }>(fetch(`${gw.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name: "pager" }) }))).key);
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await newConversation(owner, `c${i}`)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const res: { data: ConversationView[]; has_more: boolean; next_cursor: string | null } = await json(
        call(`/v1/conversations?limit=2${cursor ? `&after=${cursor}` : ""}`, owner),
      );
      seen.push(...res.data.map((c) => c.id));
      cursor = res.next_cursor;
      if (!res.has_more) break;
    }
    expect(seen.sort()).toEqual([...made].sort());
    for (const bad of ["garbage", "%27%3B--", "AAAA"]) expect((await call(`/v1/conversations?after=${bad}`, owner)).status).toBe(400);
    expect((await call("/v1/conversations?limit=0", owner)).status).toBe(400);
    expect((await call("/v1/conversations/%27%20OR%201%3D1--", owner)).status).toBe(404);
  });

  it("keeps quotes, SQL fragments and unicode verbatim", async () => {
    const title = `'); DROP TABLE conversations; -- 会話 🚀 "q"`;
    const conv = await newConversation(alice, title);
    const content = "Robert'); DELETE FROM messages; -- ñ 😀 \\ \u0001";
    expect((await chat(alice, { conversation_id: conv.id, messages: [{ role: "user", content }] })).status).toBe(200);
    await gw.settle();
    const stored = await read(alice, conv.id);
    expect(stored.title).toBe(title);
    expect(stored.messages?.[0]?.content).toBe(content);
  });

  it("writes a title with a model", async () => {
    const conv = await newConversation(alice);
    await chat(alice, { conversation_id: conv.id, messages: [{ role: "user", content: "Plan a trip to Lisbon" }] });
    await gw.settle();
    const titled = await json<ConversationView>(call(`/v1/conversations/${conv.id}/title`, alice, { method: "POST", body: JSON.stringify({ model: "gpt-4o-mini" }) }));
    expect(titled.title).toBe("Hello from the fake OpenAI.");
    const prompt = gw.openai.requests.at(-1)?.body.messages as Array<{ content: string }>;
    expect(prompt[1]?.content).toContain("Plan a trip to Lisbon");
  });

  it("survives a conversation deleted while its stream runs", async () => {
    const conv = await newConversation(alice);
    gw.openai.enqueue(openaiStream("gpt-4o-mini", Array.from({ length: 30 }, (_, i) => `t${i} `), { delayMs: 10 }));
    const res = await chat(alice, { conversation_id: conv.id, stream: true, messages: [{ role: "user", content: "go" }] });
    const deleted = await call(`/v1/conversations/${conv.id}`, alice, { method: "DELETE" });
    expect(await deleted.json()).toEqual({ id: conv.id, object: "conversation.deleted", deleted: true });
    const body = await res.text();
    expect(body).toContain("t29");
    expect(body.trim().endsWith("data: [DONE]")).toBe(true);
    await gw.settle();
    expect((await call(`/v1/conversations/${conv.id}`, alice)).status).toBe(404);
    expect(gw.backlog()).toBe(0);
  });
});
