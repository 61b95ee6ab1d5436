/** @module Opaque pagination cursors: (updated_at, id) of the last item, base64url-encoded. */
import { invalidRequest } from "@switchyard/shared/errors";

export interface CursorPosition {
  at: Date;
  id: string;
}

export const encodeCursor = (p: CursorPosition): string => btoa(`${p.at.toISOString()}|${p.id}`).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const bar = text.indexOf("|");
    const at = new Date(text.slice(0, bar));
    const id = text.slice(bar + 1);
    if (bar < 0 || Number.isNaN(at.getTime()) || id.length === 0) throw new Error("bad cursor");
    return { at, id };
  } catch {
    throw invalidRequest("The cursor is not valid; use the next_cursor of a previous page.", "after", "invalid_cursor");
  }
}
