/** @module Asks for an API key when the gateway wants one; the key stays in this browser (localStorage). */
import { useState } from "preact/hooks";

export function KeyPrompt({ reason, onSave, onCancel }: { reason: string; onSave: (key: string) => void; onCancel?: (() => void) | undefined }) {
  const [key, setKey] = useState("");
  return (
    <form
      class="key-prompt"
      onSubmit={(e) => {
        e.preventDefault();
        if (key.trim()) onSave(key.trim());
      }}
    >
      <h2>API key</h2>
      <p>{reason}</p>
      <label for="api-key">API key</label>
      <div class="row">
        <input id="api-key" type="password" autocomplete="off" spellcheck={false} value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <button type="submit" class="primary">
          Save key
        </button>
        {onCancel ? (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
