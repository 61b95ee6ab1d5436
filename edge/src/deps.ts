/** @module What the gateway app is built from: chosen at the program's edge, passed in. */
import type { Bus } from "@switchyard/shared/bus/bus";
import type { Logger } from "@switchyard/shared/log";
import type { GatewayConfig } from "./config.ts";
import type { Provider } from "./providers/provider.ts";
import type { ModelRouter } from "./routing/resolve-target.ts";

export interface GatewayDeps {
  config: GatewayConfig;
  bus: Bus;
  providers: Provider[];
  /** Model name → the targets to try, in order. */
  router: ModelRouter;
  log: Logger;
}
