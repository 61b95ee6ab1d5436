/**
 * @module The Hono environment: what middleware puts on the context for handlers. Read them
 * with `c.get("name")`: hono's `c.var` copies every variable into a new object on each access
 * (~14 µs per request in bench:proxy).
 */
import type { Logger } from "@switchyard/shared/log";
import type { Caller } from "./auth/access.ts";
import type { GatewayDeps } from "./deps.ts";

export interface AppEnv {
  Variables: {
    requestId: string;
    /** performance.now() when the request arrived. */
    startedAt: number;
    log: Logger;
    deps: GatewayDeps;
    /** Set by the auth middleware on /v1 routes. */
    caller: Caller;
  };
}
