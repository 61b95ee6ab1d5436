/** @module The conversations: new, list, open, delete (a second click confirms). A drawer at phone width. */
import { useEffect, useState } from "preact/hooks";
import type { Conversation } from "../schemas.ts";

function DeleteButton({ title, onDelete }: { title: string; onDelete: () => void }) {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (!armed) return;
    const timer = setTimeout(() => setArmed(false), 4000);
    return () => clearTimeout(timer);
  }, [armed]);
  return (
    <button type="button" class={armed ? "small danger" : "small"} aria-label={armed ? `Confirm delete of ${title}` : `Delete ${title}`} onClick={() => (armed ? onDelete() : setArmed(true))}>
      {armed ? "Delete?" : "Delete"}
    </button>
  );
}

export interface SidebarProps {
  open: boolean;
  conversations: Conversation[];
  openId: string | null;
  hasMore: boolean;
  onNew: () => void;
  onOpen: (id: string) => void;
  onDelete: (id: string) => void;
  onMore: () => void;
}

export function Sidebar(p: SidebarProps) {
  return (
    <nav id="sidebar" class={p.open ? "sidebar open" : "sidebar"} aria-label="Conversations">
      <button type="button" class="primary new-chat" onClick={p.onNew}>
        New chat
      </button>
      <h2>Conversations</h2>
      {p.conversations.length === 0 ? <p class="muted">None yet.</p> : null}
      <ul>
        {p.conversations.map((c) => {
          const title = c.title ?? "Untitled";
          return (
            <li key={c.id} class={c.id === p.openId ? "active" : undefined} data-conversation={c.id}>
              <button type="button" class="conv" aria-current={c.id === p.openId ? "page" : undefined} onClick={() => p.onOpen(c.id)}>
                {title}
              </button>
              <DeleteButton title={title} onDelete={() => p.onDelete(c.id)} />
            </li>
          );
        })}
      </ul>
      {p.hasMore ? (
        <button type="button" onClick={p.onMore}>
          Load more
        </button>
      ) : null}
    </nav>
  );
}
