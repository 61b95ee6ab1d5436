/** @module The Hono environment: what middleware puts on the context for handlers. */
import type { Logger } from "@switchyard/shared/log";
import type { GatewayDeps } from "./deps.ts";

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    deps: GatewayDeps;
  };
}
