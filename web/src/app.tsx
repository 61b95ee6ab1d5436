/** @module The chat page: header (model, key), conversations sidebar, the thread and the message box. */
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Api, ApiError } from "./api.ts";
import { Composer } from "./components/composer.tsx";
import { ErrorNotice } from "./components/error-notice.tsx";
import { KeyPrompt } from "./components/key-prompt.tsx";
import { Sidebar } from "./components/sidebar.tsx";
import { TurnView } from "./components/turn-view.tsx";
import { ModelList } from "./schemas.ts";
import { hashConversation, savedKey, savedModel, saveKey, saveModel } from "./storage.ts";
import { useChat } from "./use-chat.ts";
import { useSpeech } from "./use-speech.ts";

/** Copy buttons are in sanitized HTML, so one listener on the thread handles them all. */
function copyCode(e: MouseEvent) {
  const button = e.target instanceof Element ? e.target.closest("button[data-copy]") : null;
  const code = button?.closest(".code")?.querySelector("code")?.textContent;
  if (!button || code == null) return;
  navigator.clipboard.writeText(code).then(
    () => {
      button.textContent = "Copied";
      setTimeout(() => {
        button.textContent = "Copy";
      }, 1500);
    },
    () => {
      button.textContent = "Copy failed";
    },
  );
}

export function App() {
  const [keyReason, setKeyReason] = useState<string | null>(null);
  const [authEpoch, setAuthEpoch] = useState(0);
  const api = useMemo(() => new Api(savedKey, () => setKeyReason(savedKey() ? "The gateway refused this key. Enter another one." : "This gateway needs an API key.")), []);
  const chat = useChat(api);
  const [models, setModels] = useState<string[] | null>(null);
  const [model, setModel] = useState(savedModel() ?? "");
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [drawer, setDrawer] = useState(false);
  const speech = useSpeech(api, models !== null);
  const thread = useRef<HTMLElement>(null);
  const { refreshList, open, newChat } = chat;

  useEffect(() => {
    let live = true;
    setLoadError(null);
    api
      .json(ModelList, "/v1/models")
      .then((list) => {
        if (!live) return;
        const ids = list.data.map((m) => m.id);
        setModels(ids);
        setModel((m) => (ids.includes(m) ? m : (ids[0] ?? "")));
        void refreshList();
        const id = hashConversation();
        if (id) void open(id);
      })
      .catch((err: unknown) => {
        if (live && !(err instanceof ApiError && err.status === 401)) setLoadError(err instanceof ApiError ? err : new ApiError(String(err), 0, null));
      });
    return () => {
      live = false;
    };
  }, [api, authEpoch, refreshList, open]);

  // Back and forward move between conversations.
  useEffect(() => {
    const onPop = () => {
      const id = hashConversation();
      if (id) void open(id);
      else newChat();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setDrawer(false);
    };
    window.addEventListener("popstate", onPop);
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("popstate", onPop);
      window.removeEventListener("keydown", onKey);
    };
  }, [open, newChat]);

  // The copy buttons are real buttons (Enter and Space click them too); one listener serves all.
  useEffect(() => {
    const el = thread.current;
    el?.addEventListener("click", copyCode);
    return () => el?.removeEventListener("click", copyCode);
  }, []);

  // Follow a growing reply while the reader is at the bottom.
  useEffect(() => {
    const el = thread.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 120) el.scrollTop = el.scrollHeight;
  }, [chat.turns]);

  const choose = (m: string) => {
    setModel(m);
    saveModel(m);
  };
  const saveNewKey = useCallback((key: string) => {
    saveKey(key);
    setKeyReason(null);
    setAuthEpoch((e) => e + 1);
  }, []);

  return (
    <div class="app">
      <Sidebar
        open={drawer}
        conversations={chat.conversations}
        openId={chat.openId}
        hasMore={chat.hasMore}
        onNew={() => {
          setDrawer(false);
          newChat();
        }}
        onOpen={(id) => {
          setDrawer(false);
          void open(id);
        }}
        onDelete={(id) => void chat.remove(id)}
        onMore={() => void chat.loadMore()}
      />
      <main>
        <header class="top">
          <button type="button" class="menu" aria-expanded={drawer} aria-controls="sidebar" onClick={() => setDrawer((d) => !d)}>
            Conversations
          </button>
          <h1>Switchyard</h1>
          <div class="model-pick">
            <label for="model">Model</label>
            <select id="model" value={model} disabled={!models?.length} onChange={(e) => choose(e.currentTarget.value)}>
              {models?.length ? models.map((m) => <option key={m} value={m}>{m}</option>) : <option value="">{models ? "No models" : "Loading…"}</option>}
            </select>
          </div>
          {savedKey() && !keyReason ? (
            <button type="button" class="small" onClick={() => setKeyReason("Enter a new API key for this browser.")}>
              API key
            </button>
          ) : null}
        </header>
        {keyReason ? <KeyPrompt reason={keyReason} onSave={saveNewKey} onCancel={models && savedKey() ? () => setKeyReason(null) : undefined} /> : null}
        {loadError ? <ErrorNotice error={loadError} onRetry={() => setAuthEpoch((e) => e + 1)} /> : null}
        {chat.notice ? <ErrorNotice error={chat.notice} /> : null}
        <section class="thread" aria-label="Messages" ref={thread}>
          {chat.turns.length === 0 ? <p class="empty muted">Ask something to start a conversation.</p> : null}
          {chat.turns.map((t) => (
            <TurnView
              key={t.id}
              turn={t}
              actions={{
                onRetry: (turn) => chat.retry(turn, model),
                onSpeak: speech.canSpeak ? (turn) => void speech.speak(turn.id, turn.text) : undefined,
                onStopSpeaking: speech.stop,
                speaking: speech.speaking === t.id,
              }}
            />
          ))}
          {speech.failure ? <ErrorNotice error={speech.failure.error} /> : null}
        </section>
        <Composer streaming={chat.streaming} disabled={!model || keyReason !== null} onSend={(text) => void chat.send(text, model)} onStop={chat.stop} />
      </main>
    </div>
  );
}
