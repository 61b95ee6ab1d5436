/**
 * @module A model's reply as HTML: marked for the markdown, then DOMPurify. Raw HTML in the
 * reply is shown as text (never parsed), images become links (a reply must not make the
 * browser fetch a URL a prompt injection chose), and DOMPurify removes anything else active.
 * The page's Content-Security-Policy (no inline script) is the third layer.
 */
import DOMPurify from "dompurify";
import { Marked } from "marked";

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
    image: ({ href, text }) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
    code: ({ text, lang }) =>
      `<div class="code"><div class="code-bar"><span>${escapeHtml(lang ?? "")}</span><button type="button" class="copy" data-copy="">Copy</button></div><pre><code>${escapeHtml(text)}</code></pre></div>`,
  },
});

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

const FORBID_TAGS = ["img", "style", "form", "input", "textarea", "select", "iframe", "object", "embed", "svg", "math", "video", "audio", "link", "meta"];

export function renderMarkdown(text: string): string {
  const html = marked.parse(text, { async: false });
  return DOMPurify.sanitize(html, { FORBID_TAGS, FORBID_ATTR: ["style"] });
}

/** The reply as plain words, for speech. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/```[\s\S]*?(```|$)/g, " ")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*_#>~|]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}
