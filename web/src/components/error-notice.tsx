/** @module An error shown where it happened, with what the gateway said and a Retry (after retry-after). */
import { useEffect, useState } from "preact/hooks";
import type { ApiError } from "../api.ts";

function headline(e: ApiError): string {
  if (e.status === 401) return "The API key was refused.";
  if (e.status === 429) return "Too many requests.";
  if (e.status === 503 || e.status === 502 || e.status === 504) return "No worker could answer.";
  if (e.code === "network_error") return "The gateway cannot be reached.";
  if (e.status === 0) return "The reply broke off.";
  return `The gateway answered ${e.status}.`;
}

export function ErrorNotice({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const [wait, setWait] = useState(error.retryAfterS ?? 0);
  useEffect(() => {
    setWait(error.retryAfterS ?? 0);
    if (!error.retryAfterS) return;
    const timer = setInterval(() => setWait((w) => Math.max(0, w - 1)), 1000);
    return () => clearInterval(timer);
  }, [error]);
  return (
    <div class="error" role="alert">
      <p>
        <strong>{headline(error)}</strong> {error.message}
        {error.code ? <span class="muted"> ({error.code})</span> : null}
      </p>
      {onRetry ? (
        <button type="button" onClick={onRetry} disabled={wait > 0}>
          {wait > 0 ? `Retry in ${wait} s` : "Retry"}
        </button>
      ) : null}
    </div>
  );
}
