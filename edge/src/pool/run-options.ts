/**
 * @module The pool's shapes: what a run takes beyond the model (where the prefix is cached,
 * how a dead worker's stream resumes), the dispatcher's options, and a queued request's claim.
 */
import type { GatewayError } from "@switchyard/shared/errors";
import type { DispatchMode } from "./pick-worker.ts";
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

export interface PoolOptions {
  /** Requests that may wait per model. */
  queueMax: number;
  /** Longest a request waits for a slot. */
  queueTimeoutMs: number;
  log?: (message: string) => void;
  /** How long each granted request waited, and whether it got a slot ("granted", "timeout", "full", "cancelled"). */
  onQueueWait?: (model: string, seconds: number, outcome: string) => void;
  /** A stream whose worker died mid-generation: "resumed" on another worker, or "exhausted". */
  onResume?: (model: string, outcome: "resumed" | "exhausted") => void;
}


export interface Claim {
  /** Undefined on the queue-group path (no worker known to the registry). */
  workerId: string | undefined;
  subject: string;
  grantedAt: number;
}

export interface Waiter {
  work: Work;
  mode: DispatchMode;
  exclude: ReadonlySet<string>;
  lastError: GatewayError | undefined;
  prefix: RequestPrefix | undefined;
  grant(claim: Claim): void;
  fail(err: GatewayError): void;
}
