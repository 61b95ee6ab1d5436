/**
 * The browser chat page in Debian's chromium (playwright-core) against the embedded stack: a
 * real gpu-node and tts-node in process, cloud replies from the fake OpenAI server. Streaming,
 * Stop freeing the worker's slot, conversations across a reload, model switching, inline errors
 * with Retry, inert HTML in replies, speech, phone width and axe-core. Stacks of their own (no
 * worker, auth on, the Workers build) are in tests/browser-chat-stacks.test.ts.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import { writeTinyLlamaGguf } from "@switchyard/gpu-node/demo-model/tiny-llama";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openaiError, openaiStream, openaiStreamEvents } from "./fakes/openai-wire.ts";
import { DESKTOP, launchChromium, openPage, PHONE, screenshot } from "./helpers/browser.ts";
import { CLOUD, chooseModel, conversationOf, FAKE_REPLY, type Globals, LOCAL, replies, routesFile, send, settled, streamingFallback } from "./helpers/chat-page.ts";
import { type CloudFakes, startCloudFakes } from "./helpers/cloud-gateway.ts";
import { startTestStack, type TestStack, waitFor } from "./helpers/stack.ts";

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/**
 * A model whose replies outlast the page: the shared tiny model fills its 2,048-token context in
 * under a second here, and chromium on a busy CI machine can show a reply's first 40 characters
 * later than that (CI saw the worker idle before Stop was pressed). The same weights with a
 * 32,768-token context keep generating for many seconds unless stopped.
 */
const STORY = "tiny-story";

async function storyModels(dir: string): Promise<string> {
  const models = join(dir, "models");
  await mkdir(models);
  await writeTinyLlamaGguf(join(models, `${STORY}.gguf`), { seed: 7, contextLength: 32_768 });
  const entries = [
    { id: LOCAL, path: join(inject("modelsDir"), `${LOCAL}.gguf`) },
    { id: STORY, path: `${STORY}.gguf`, context_window: 32_768 },
  ];
  await writeFile(join(models, "models.json"), JSON.stringify(entries));
  return models;
}

describe("the chat page on the embedded stack", () => {
  let stack: TestStack;
  let fakes: CloudFakes;
  let dir: string;

  beforeAll(async () => {
    fakes = await startCloudFakes();
    streamingFallback(fakes);
    dir = await mkdtemp(join(tmpdir(), "sy-browser-"));
    stack = await startTestStack({ modelsDir: await storyModels(dir), env: { ...fakes.env, WORKER_ID: "w-page", UPSTREAM_MAX_RETRIES: "0", SWITCHYARD_CONFIG: await routesFile(dir) } });
  });
  afterAll(async () => {
    await stack?.stop();
    await fakes?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("streams a reply token by token, over many frames, with who answered and how fast", async () => {
    const { page, errors } = await openPage(browser, stack.url);
    await chooseModel(page, LOCAL);
    // Shift+Enter adds a line and sends nothing.
    await page.fill("#message", "line one");
    await page.press("#message", "Shift+Enter");
    await page.locator("#message").pressSequentially("line two");
    expect(await page.inputValue("#message")).toBe("line one\nline two");
    expect(await page.locator(".turn").count()).toBe(0);
    // The reply's length, sampled at every animation frame until it settles; and how many times
    // the page changed it, seen by a MutationObserver.
    await page.evaluate(() => {
      const w = window as unknown as Globals;
      const lengths: number[] = [];
      w.lengths = lengths;
      w.textChanges = 0;
      const length = () => document.querySelector(".turn.assistant .md")?.textContent?.length ?? 0;
      let seen = 0;
      new MutationObserver(() => {
        if (length() !== seen) {
          seen = length();
          w.textChanges = (w.textChanges as number) + 1;
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
      const tick = () => {
        lengths.push(length());
        if (!document.querySelector('.turn.assistant[aria-busy="false"]')) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.press("#message", "Enter");
    expect(await page.inputValue("#message")).toBe("");
    const reply = await settled(page);
    const lengths = (await page.evaluate(() => (window as unknown as Globals).lengths)) as number[];
    const grown = [...new Set(lengths.filter((n) => n > 0))];
    expect(grown.length).toBeGreaterThanOrEqual(5);
    expect(grown).toEqual([...grown].sort((a, b) => a - b));
    // The tiny model sends ~2,000 tokens a second: the text is rendered at most once a frame
    // (plus the last piece), not once a token, or a long reply starves the page.
    const changes = (await page.evaluate(() => (window as unknown as Globals).textChanges)) as number;
    expect(changes).toBeGreaterThanOrEqual(grown.length);
    expect(changes).toBeLessThanOrEqual(lengths.length + 1);
    expect(await page.locator(".turn.user").first().textContent()).toBe("line one\nline two");
    const meta = (await reply.locator(".stats").textContent()) ?? "";
    expect(meta).toContain(`${LOCAL} · worker w-page`);
    expect(meta).toMatch(/first token \d+ ms · [\d.]+ tokens\/s · \d+ in, \d+ out/);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("stops mid-stream: the text stops growing and the worker's slot is free again", async () => {
    const { page } = await openPage(browser, stack.url);
    await chooseModel(page, STORY);
    await send(page, "Tell me a long story");
    await page.waitForFunction(() => (document.querySelector(".turn.assistant .md")?.textContent?.length ?? 0) > 40);
    expect(stack.gpuNode.worker.activeRequests).toBe(1);
    await page.getByRole("button", { name: "Stop" }).click();
    const reply = await settled(page, 5_000);
    expect(await reply.getByText("Stopped: the reply is incomplete.").count()).toBe(1);
    await waitFor(() => stack.gpuNode.worker.activeRequests === 0 && (stack.gpuNode.catalog.get(LOCAL)?.reserved ?? 0) === 0, 5_000);
    const length = (await reply.locator(".md").textContent())?.trim()?.length ?? 0;
    await page.waitForTimeout(300);
    expect((await reply.locator(".md").textContent())?.trim()?.length).toBe(length);
    await expect(page.getByRole("button", { name: "Send" }).isVisible()).resolves.toBe(true);
    await page.context().close();
  });

  it("keeps the conversation across a reload, titles it, opens it from the sidebar and deletes it", async () => {
    const { page } = await openPage(browser, stack.url);
    await chooseModel(page, CLOUD);
    await send(page, "Remember me");
    await settled(page);
    const id = conversationOf(page);
    expect(id).toMatch(/^conv_/);
    const item = page.locator(`li[data-conversation="${id}"]`);
    await item.locator("button.conv", { hasText: FAKE_REPLY }).waitFor();

    await page.reload();
    await page.locator(".turn.user", { hasText: "Remember me" }).waitFor();
    expect((await replies(page).last().locator(".md").textContent())?.trim()).toBe(FAKE_REPLY);
    expect(await item.getAttribute("class")).toBe("active");

    await page.getByRole("button", { name: "New chat" }).click();
    expect(await page.locator(".turn").count()).toBe(0);
    expect(conversationOf(page)).toBe("");
    await item.locator("button.conv").click();
    await page.locator(".turn.user", { hasText: "Remember me" }).waitFor();
    expect(conversationOf(page)).toBe(id);

    await item.getByRole("button", { name: /^Delete / }).click();
    await item.getByRole("button", { name: /^Confirm delete/ }).click();
    await item.waitFor({ state: "detached" });
    expect(await page.locator(".turn").count()).toBe(0);
    expect((await fetch(`${stack.url}/v1/conversations/${id}`)).status).toBe(404);
    await page.context().close();
  });

  it("switches model, and keeps the choice across a reload", async () => {
    const { page } = await openPage(browser, stack.url);
    await chooseModel(page, CLOUD);
    fakes.openai.requests.length = 0;
    await send(page, "Which model?");
    let reply = await settled(page);
    expect((await reply.locator(".md").textContent())?.trim()).toBe(FAKE_REPLY);
    expect(await reply.locator(".stats").textContent()).toMatch(new RegExp(`^${CLOUD} · via openai`));
    expect(fakes.openai.requests[0]?.body.model).toBe(CLOUD);

    await chooseModel(page, LOCAL);
    await send(page, "And now?");
    reply = await settled(page);
    expect(await reply.locator(".stats").textContent()).toContain(`${LOCAL} · worker w-page`);
    await page.reload();
    await page.locator(`#model option[value="${LOCAL}"]`).waitFor({ state: "attached" });
    expect(await page.inputValue("#model")).toBe(LOCAL);
    await page.context().close();
  });

  it("shows a 429 inline with its retry-after, and an error event mid-stream, each with a Retry that works", async () => {
    const { page } = await openPage(browser, stack.url);
    await chooseModel(page, CLOUD);
    fakes.openai.enqueue(openaiError(429, "Rate limit reached for requests", "requests", "rate_limit_exceeded", { "retry-after": "2" }));
    await send(page, "Busy?");
    let reply = await settled(page);
    const notice = reply.getByRole("alert");
    expect(await notice.textContent()).toContain("Too many requests.");
    const retry = notice.getByRole("button");
    expect(await retry.textContent()).toMatch(/^Retry in [12] s$/);
    expect(await retry.isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Retry", exact: true }).waitFor({ timeout: 4_000 });
    await page.getByRole("button", { name: "Retry", exact: true }).click();
    reply = await settled(page);
    expect((await reply.locator(".md").textContent())?.trim()).toBe(FAKE_REPLY);
    // The failed try was not stored, and is gone from the page: one question, one answer.
    expect(await page.locator(".turn").count()).toBe(2);
    await stack.gateway.deps.writes.drain(2_000);
    const stored = (await (await fetch(`${stack.url}/v1/conversations/${conversationOf(page)}`)).json()) as { messages: unknown[] };
    expect(stored.messages).toHaveLength(2);
    // The page titles the conversation after its first answer, through the same fake: that call
    // must be over (the title shown) before the broken stream is queued, or it takes it.
    await page.locator(`li[data-conversation="${conversationOf(page)}"] button.conv`, { hasText: FAKE_REPLY }).waitFor();

    fakes.openai.enqueue({ kind: "sse", events: openaiStreamEvents(CLOUD, ["Half ", "a ", "reply"]).slice(0, 3), endAbruptly: true });
    await send(page, "Break please");
    reply = await settled(page);
    expect((await reply.locator(".md").textContent())?.trim()).toBe("Half a");
    expect(await reply.getByRole("alert").textContent()).toContain("The reply broke off.");
    await reply.getByRole("button", { name: "Retry" }).click();
    reply = await settled(page);
    expect((await reply.locator(".md").textContent())?.trim()).toBe(FAKE_REPLY);
    expect(await replies(page).count()).toBe(3);
    await page.context().close();
  });

  it("keeps HTML and scripts in a reply inert, renders markdown, and copies code", async () => {
    const { page, context, errors } = await openPage(browser, stack.url);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.url });
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await chooseModel(page, CLOUD);
    fakes.openai.enqueue(
      openaiStream(CLOUD, [
        `Look <img src=x onerror="window.pwned='img';alert('img')"> here `,
        "<script>window.pwned='script';alert('script')</script> and ",
        "[a link](javascript:window.pwned='link') and **bold**\n\n",
        "<iframe src=\"javascript:alert('frame')\"></iframe>\n\n",
        "```js\nconsole.log('copy me')\n```\n",
      ]),
    );
    await send(page, "Be nasty");
    const reply = await settled(page);
    const md = reply.locator(".md");
    expect(await md.locator("img, script, iframe").count()).toBe(0);
    expect(await md.textContent()).toContain(`<img src=x onerror="window.pwned='img';alert('img')">`);
    expect(await md.textContent()).toContain("<script>window.pwned='script'");
    expect(await md.locator("strong").textContent()).toBe("bold");
    const link = md.getByText("a link");
    expect(await link.getAttribute("href")).toBeNull();
    await link.click();
    expect(await md.locator("pre code").textContent()).toBe("console.log('copy me')");
    await md.getByRole("button", { name: "Copy" }).click();
    await md.getByRole("button", { name: "Copied" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("console.log('copy me')");
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as Globals).pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("speaks a reply through /v1/audio/speech", async () => {
    const { page, errors } = await openPage(browser, stack.url);
    await chooseModel(page, CLOUD);
    await send(page, "Say something");
    const reply = await settled(page);
    const speech = page.waitForResponse((r) => r.url().endsWith("/v1/audio/speech"));
    await reply.getByRole("button", { name: "Speak" }).click();
    const res = await speech;
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toBe("audio/wav");
    await res.finished();
    expect((await res.request().sizes()).responseBodySize).toBeGreaterThan(44);
    expect(JSON.parse(res.request().postData() ?? "{}")).toMatchObject({ input: FAKE_REPLY, voice: "demo", response_format: "wav" });
    expect(await page.locator(".error").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("fits a phone: nothing overflows sideways, and the sidebar is a drawer", async () => {
    const long = `${"x".repeat(300)}`;
    fakes.openai.enqueue(openaiStream(CLOUD, [`A very long word: ${"superlong".repeat(30)}\n\n`, `\`\`\`\n${long}\n\`\`\`\n`]));
    const { page } = await openPage(browser, stack.url, { viewport: PHONE });
    await chooseModel(page, CLOUD);
    await send(page, "Wide things");
    await settled(page);
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, thread: document.querySelector(".thread")?.scrollWidth ?? 0 }));
    expect(widths.page).toBeLessThanOrEqual(PHONE.width);
    expect(widths.thread).toBeLessThanOrEqual(PHONE.width);
    const id = conversationOf(page);
    expect(await page.locator("#sidebar").isVisible()).toBe(false);
    await page.getByRole("button", { name: "Conversations" }).click();
    await page.locator("#sidebar").waitFor({ state: "visible" });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.locator(`li[data-conversation="${id}"] button.conv`).click();
    await page.locator("#sidebar").waitFor({ state: "hidden" });
    expect(conversationOf(page)).toBe(id);
    await page.context().close();
  });

  it("passes axe-core (no serious or critical violations) at desktop and phone width, light and dark, and stays under 100 KB", async () => {
    fakes.openai.enqueue(openaiStream(CLOUD, ["# Heading\n\nSome *text*, a [link](https://example.com) and `code`.\n\n", "```ts\nconst x = 1;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"]));
    const { page } = await openPage(browser, stack.url);
    await chooseModel(page, CLOUD);
    await send(page, "Show me formatting");
    await settled(page);
    const url = page.url();
    await page.context().close();

    for (const [name, viewport] of [
      ["desktop", DESKTOP],
      ["phone", PHONE],
    ] as const) {
      for (const colorScheme of ["light", "dark"] as const) {
        const { page: p, context } = await browser.newContext({ viewport, colorScheme }).then(async (ctx) => ({ page: await ctx.newPage(), context: ctx }));
        const sizes: Promise<number>[] = [];
        p.on("requestfinished", (r) => {
          if (["document", "script", "stylesheet"].includes(r.resourceType())) sizes.push(r.sizes().then((s) => s.responseBodySize));
        });
        await p.goto(url);
        await p.locator(".turn.assistant .md h1").waitFor();
        await chooseModel(p, CLOUD);
        // An inline error is on the page too, so its colours are checked.
        fakes.openai.enqueue(openaiError(429, "Rate limit reached for requests", "requests", "rate_limit_exceeded", { "retry-after": "1" }));
        await send(p, "And an error");
        await settled(p);
        await p.getByRole("alert").waitFor();
        const results = await new AxeBuilder({ page: p }).analyze();
        const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
        expect(bad, `${name} ${colorScheme}`).toEqual([]);
        await screenshot(p, `${name}-${colorScheme}`);
        const transferred = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
        expect(sizes.length).toBe(3);
        expect(transferred).toBeGreaterThan(10_000);
        expect(transferred).toBeLessThanOrEqual(100 * 1024);
        await context.close();
      }
    }
  });
});
