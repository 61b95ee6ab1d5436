/**
 * The chat page on stacks of their own (tests/browser-chat.test.ts has the shared one): no
 * worker for the chosen model, auth on, and the Workers build.
 */
import { gpuNodeConfig, startGpuNode } from "@switchyard/gpu-node";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, openPage } from "./helpers/browser.ts";
import { chooseModel, conversationOf, LOCAL, send, settled } from "./helpers/chat-page.ts";
import { type LocalTarget, localKinds, startLocalTarget } from "./helpers/local-target.ts";
import { startTestStack, type TestStack } from "./helpers/stack.ts";

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe("the chat page when no worker serves the chosen model", () => {
  const prefix = `tb${Math.random().toString(36).slice(2, 8)}`;
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ modelsDir: inject("modelsDir"), env: { SY_SUBJECT_PREFIX: prefix, LLAMA_SLOTS: "1" } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("shows the 503 inline, and Retry works once a worker is back", async () => {
    const { page } = await openPage(browser, stack.url);
    await chooseModel(page, LOCAL);
    await stack.gpuNode.stop();
    await send(page, "Anyone there?");
    let reply = await settled(page);
    const notice = reply.getByRole("alert");
    expect(await notice.textContent()).toContain("No worker could answer.");
    expect(await notice.textContent()).toContain(LOCAL);
    const env = { MODELS_DIR: inject("modelsDir"), SY_SUBJECT_PREFIX: prefix, LLAMA_THREADS: "1", LLAMA_SLOTS: "1", LLAMA_GPU: "false", LLAMA_CONTEXT_SIZE: "2048", SY_HEARTBEAT_MS: "250", SY_STATUS_INTERVAL_MS: "500" };
    const again = await startGpuNode(stack.bus, gpuNodeConfig(["--worker-id", "w-back"], env), () => {});
    try {
      await notice.getByRole("button", { name: "Retry" }).click();
      reply = await settled(page);
      expect(await reply.locator(".stats").textContent()).toContain("worker w-back");
      expect(await page.locator(".turn").count()).toBe(2);
    } finally {
      await again.stop();
    }
    await page.context().close();
  });
});

describe("the chat page with auth on", () => {
  const ADMIN = "admin-token-for-browser";
  let stack: TestStack;
  let key = "";
  beforeAll(async () => {
    stack = await startTestStack({ modelsDir: inject("modelsDir"), env: { ADMIN_TOKEN: ADMIN, WORKER_ID: "w-page" } });
    const res = await fetch(`${stack.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name: "browser" }) });
    key = ((await res.json()) as { key: string }).key;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("asks for the key, refuses a wrong one, then chats, and keeps the key across a reload", async () => {
    const { page } = await openPage(browser, stack.url);
    const field = page.getByLabel("API key", { exact: true });
    await field.waitFor();
    expect(await page.getByText("This gateway needs an API key.").count()).toBe(1);
    await field.fill("sy-not-a-real-key");
    await page.getByRole("button", { name: "Save key" }).click();
    await page.getByText("The gateway refused this key. Enter another one.").waitFor();
    await field.fill(key);
    await page.getByRole("button", { name: "Save key" }).click();
    await field.waitFor({ state: "detached" });
    await chooseModel(page, LOCAL);
    await send(page, "Let me in");
    const reply = await settled(page);
    expect(await reply.locator(".stats").textContent()).toContain(`worker w-page`);
    expect(await page.evaluate(() => localStorage.getItem("switchyard.apiKey"))).toBe(key);
    await page.reload();
    await page.locator(".turn.user", { hasText: "Let me in" }).waitFor();
    expect(await page.getByLabel("API key", { exact: true }).count()).toBe(0);
    await page.context().close();
  });
});

// The Workers build needs a Postgres server (it has no PGlite): it runs with TEST_DATABASE_URL, as in CI.
describe.each(localKinds().filter((k) => k === "workers"))("the chat page on the %s build", (kind) => {
  let target: LocalTarget;
  beforeAll(async () => {
    target = await startLocalTarget(kind, {});
  });
  afterAll(async () => {
    await target?.stop();
  });

  it("is served by the Worker and chats through it", async () => {
    const res = await fetch(`${target.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    await res.text();
    const { page, errors } = await openPage(browser, target.url);
    await chooseModel(page, LOCAL);
    await send(page, "Hello Worker");
    const reply = await settled(page);
    expect(await reply.locator(".stats").textContent()).toContain(`${LOCAL} · worker w-api`);
    expect(conversationOf(page)).toMatch(/^conv_/);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
