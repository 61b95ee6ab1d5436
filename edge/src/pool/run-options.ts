/** @module What a pool run takes beyond the model: where the prefix is cached, and how a dead worker's stream resumes. */
import type { RequestPrefix } from "./prefix-match.ts";

/** What a request asks of a worker: a chat stream, or embeddings (their own subject, only workers whose model embeds). */
export type Work = "chat" | "embed";

/** Where a resumed stream picks up: the text and tokens the client already has. */
export interface ResumePoint {
  text: string;
  tokens: number;
}

export interface RunOptions {
  /** The request's messages as prefix hashes and weights, for the prefix mode. */
  prefix?: RequestPrefix;
  /** Times the stream may go on on another worker when its worker dies mid-generation. */
  resumes?: number;
}
