/** @module What the gateway app is built from: chosen at the program's edge, passed in. */
import type { Bus } from "@switchyard/shared/bus/bus";
import type { Logger } from "@switchyard/shared/log";
import type { GatewayConfig } from "./config.ts";
import type { Provider } from "./providers/provider.ts";

export interface GatewayDeps {
  config: GatewayConfig;
  bus: Bus;
  providers: Provider[];
  /** Picks the provider for a model name (throws model_not_found when none fits). */
  resolveProvider(model: string): Provider;
  log: Logger;
}
