/** @module One message: the user's text, or a reply rendered as sanitized markdown with its numbers. */
import { useMemo } from "preact/hooks";
import type { ReplyStats } from "../chat-stream.ts";
import { renderMarkdown } from "../markdown.ts";
import type { Turn } from "../use-chat.ts";
import { ErrorNotice } from "./error-notice.tsx";

export interface TurnActions {
  onRetry: (turn: Turn) => void;
  onSpeak?: ((turn: Turn) => void) | undefined;
  onStopSpeaking: () => void;
  speaking: boolean;
}

function Meta({ stats }: { stats: ReplyStats }) {
  const parts = [stats.model, stats.worker ? `worker ${stats.worker}` : stats.provider ? `via ${stats.provider}` : null];
  if (stats.ttftMs !== null) parts.push(`first token ${stats.ttftMs} ms`);
  if (stats.tokensPerS !== null) parts.push(`${stats.tokensPerS.toFixed(1)} tokens/s`);
  if (stats.promptTokens !== null && stats.completionTokens !== null) parts.push(`${stats.promptTokens} in, ${stats.completionTokens} out`);
  if (stats.cachedTokens) parts.push(`${stats.cachedTokens} cached`);
  return <span class="stats">{parts.filter((p) => p !== null).join(" · ")}</span>;
}

export function TurnView({ turn, actions }: { turn: Turn; actions: TurnActions }) {
  const html = useMemo(() => (turn.role === "assistant" ? renderMarkdown(turn.text) : ""), [turn.role, turn.text]);
  if (turn.role === "user") {
    return (
      <article class="turn user" aria-label="You">
        <p class="user-text">{turn.text}</p>
      </article>
    );
  }
  const settled = turn.state !== "streaming";
  return (
    <article class="turn assistant" aria-label="Assistant" aria-busy={turn.state === "streaming"}>
      {turn.text ? <div class="md" dangerouslySetInnerHTML={{ __html: html }} /> : null}
      {turn.state === "streaming" && !turn.text ? <p class="muted">Waiting for the first token…</p> : null}
      {turn.state === "stopped" || turn.state === "partial" ? <p class="muted">Stopped: the reply is incomplete.</p> : null}
      {settled && (turn.stats || (turn.text && actions.onSpeak)) ? (
        <div class="meta">
          {turn.stats ? <Meta stats={turn.stats} /> : null}
          {turn.text && actions.onSpeak ? (
            actions.speaking ? (
              <button type="button" class="small" onClick={actions.onStopSpeaking}>
                Stop speaking
              </button>
            ) : (
              <button type="button" class="small" onClick={() => actions.onSpeak?.(turn)}>
                Speak
              </button>
            )
          ) : null}
        </div>
      ) : null}
      {turn.error ? <ErrorNotice error={turn.error} onRetry={() => actions.onRetry(turn)} /> : null}
    </article>
  );
}
