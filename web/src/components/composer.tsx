/** @module The message box: Enter sends, Shift+Enter adds a line; Stop while a reply streams. */
import { useState } from "preact/hooks";

export function Composer({ streaming, disabled, onSend, onStop }: { streaming: boolean; disabled: boolean; onSend: (text: string) => void; onStop: () => void }) {
  const [text, setText] = useState("");
  const submit = () => {
    if (streaming || disabled || !text.trim()) return;
    onSend(text);
    setText("");
  };
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label for="message" class="sr-only">
        Message
      </label>
      <textarea
        id="message"
        rows={2}
        placeholder="Message (Enter sends, Shift+Enter adds a line)"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        }}
      />
      {streaming ? (
        <button type="button" class="stop" onClick={onStop}>
          Stop
        </button>
      ) : (
        <button type="submit" class="primary" disabled={disabled || !text.trim()}>
          Send
        </button>
      )}
    </form>
  );
}
