/**
 * @module The chat's state: the conversation list, the open conversation's turns, and the
 * one reply that may be streaming. The gateway keeps the history (conversation_id), so a turn
 * sends only the new user message; what the page shows is what the gateway stored.
 */
import { useCallback, useRef, useState } from "preact/hooks";
import { type Api, ApiError, isAbort } from "./api.ts";
import { type ReplyStats, streamChat } from "./chat-stream.ts";
import { frameBatched } from "./frame-batched.ts";
import { Conversation, ConversationDetail, ConversationList } from "./schemas.ts";
import { setHashConversation } from "./storage.ts";

export type TurnState = "streaming" | "complete" | "partial" | "stopped" | "failed";

export interface Turn {
  id: string;
  role: "user" | "assistant";
  text: string;
  state: TurnState;
  stats?: ReplyStats;
  error?: ApiError;
  /** On a reply: the question it answers, for Retry. */
  ask?: string;
}

let turnSeq = 0;
const turnId = () => `t${++turnSeq}`;
const asApiError = (err: unknown) => (err instanceof ApiError ? err : new ApiError(err instanceof Error ? err.message : String(err), 0, null));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function useChat(api: Api) {
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [notice, setNotice] = useState<ApiError | null>(null);
  const [streaming, setStreaming] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const openRef = useRef<string | null>(null);
  const listRef = useRef<Conversation[]>([]);

  const showList = (list: Conversation[]) => {
    listRef.current = list;
    setConversations(list);
  };
  const select = (id: string | null) => {
    openRef.current = id;
    setOpenId(id);
    setHashConversation(id);
  };

  const refreshList = useCallback(async () => {
    try {
      const page = await api.json(ConversationList, "/v1/conversations?limit=50");
      showList(page.data);
      setNextCursor(page.has_more ? page.next_cursor : null);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setNotice(asApiError(err));
    }
  }, [api]);

  const loadMore = useCallback(async () => {
    if (!nextCursor) return;
    const page = await api.json(ConversationList, `/v1/conversations?limit=50&after=${encodeURIComponent(nextCursor)}`).catch((err: unknown) => {
      setNotice(asApiError(err));
      return null;
    });
    if (!page) return;
    showList([...listRef.current, ...page.data.filter((c) => !listRef.current.some((o) => o.id === c.id))]);
    setNextCursor(page.has_more ? page.next_cursor : null);
  }, [api, nextCursor]);

  const open = useCallback(
    async (id: string) => {
      if (abort.current) return;
      select(id);
      setTurns([]);
      setNotice(null);
      try {
        const detail = await api.json(ConversationDetail, `/v1/conversations/${encodeURIComponent(id)}`);
        if (openRef.current !== id) return;
        setTurns(
          detail.messages
            .filter((m) => m.role === "user" || m.role === "assistant")
            .map((m) => ({ id: turnId(), role: m.role as Turn["role"], text: m.content, state: m.status === "partial" ? "partial" : "complete" })),
        );
      } catch (err) {
        if (openRef.current !== id) return;
        if (err instanceof ApiError && err.status === 404) select(null);
        setNotice(asApiError(err));
      }
    },
    [api],
  );

  const newChat = useCallback(() => {
    if (abort.current) return;
    select(null);
    setTurns([]);
    setNotice(null);
  }, []);

  const remove = useCallback(
    async (id: string) => {
      try {
        await api.request(`/v1/conversations/${encodeURIComponent(id)}`, { method: "DELETE" });
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) {
          setNotice(asApiError(err));
          return;
        }
      }
      showList(listRef.current.filter((c) => c.id !== id));
      if (openRef.current === id) newChat();
    },
    [api, newChat],
  );

  /** The title is written once the first turn is stored; the gateway stores it just after the stream ends. */
  const nameConversation = useCallback(
    async (id: string, model: string) => {
      for (let attempt = 1; attempt <= 6; attempt++) {
        try {
          const named = await api.json(Conversation, `/v1/conversations/${encodeURIComponent(id)}/title`, { method: "POST", body: JSON.stringify({ model }) });
          showList(listRef.current.map((c) => (c.id === id ? named : c)));
          return;
        } catch (err) {
          if (!(err instanceof ApiError && err.code === "empty_conversation")) return;
          await sleep(250 * attempt);
        }
      }
    },
    [api],
  );

  const send = useCallback(
    async (content: string, model: string) => {
      if (abort.current) return;
      const reply: Turn = { id: turnId(), role: "assistant", text: "", state: "streaming", ask: content };
      setTurns((ts) => [...ts, { id: turnId(), role: "user", text: content, state: "complete" }, reply]);
      setNotice(null);
      const update = (patch: Partial<Turn>) => setTurns((ts) => ts.map((t) => (t.id === reply.id ? { ...t, ...patch } : t)));
      const shown = frameBatched((text: string) => update({ text }));
      const controller = new AbortController();
      abort.current = controller;
      let toName: string | null = null;
      setStreaming(true);
      try {
        let id = openRef.current;
        if (!id) {
          const created = await api.json(Conversation, "/v1/conversations", { method: "POST", body: "{}", signal: controller.signal });
          id = created.id;
          select(id);
          showList([created, ...listRef.current]);
        }
        const untitled = listRef.current.find((c) => c.id === id)?.title == null;
        const stats = await streamChat(api, { model, conversationId: id, content }, controller.signal, shown.push);
        shown.flush();
        update({ state: "complete", stats });
        if (untitled) toName = id;
      } catch (err) {
        shown.flush();
        update(isAbort(err) ? { state: "stopped" } : { state: "failed", error: asApiError(err) });
      } finally {
        abort.current = null;
        setStreaming(false);
      }
      // The list first, then the title: a list read before the title was written must not undo it.
      await refreshList();
      if (toName) await nameConversation(toName, model);
    },
    [api, nameConversation, refreshList],
  );

  const stop = useCallback(() => abort.current?.abort(), []);

  /** A reply that failed with no text was not stored: the turn is taken back and asked again. */
  const retry = useCallback(
    (reply: Turn, model: string) => {
      if (abort.current || reply.ask === undefined) return;
      const ask = reply.ask;
      if (reply.text === "") {
        setTurns((ts) => {
          const i = ts.findIndex((t) => t.id === reply.id);
          return i < 1 ? ts : [...ts.slice(0, i - 1), ...ts.slice(i + 1)];
        });
      }
      void send(ask, model);
    },
    [send],
  );

  return { conversations, hasMore: nextCursor !== null, loadMore, openId, turns, notice, setNotice, streaming, refreshList, open, newChat, remove, send, stop, retry };
}
