/**
 * @module The NATS Bus over WebSocket (nats-core's wsconnect), against a nats-server
 * `websocket` listener: what Workers and browsers can open. The runtime's own WebSocket is
 * used unless a factory is given (Node 20 has none: pass one built on the `ws` package).
 */
import { type WsConnectionOptions, wsconnect } from "@nats-io/nats-core";
import { NatsBus, type NatsBusOptions } from "./nats-bus.ts";

export type WsFactory = NonNullable<WsConnectionOptions["wsFactory"]>;

export const startNatsWsBus = (options: Omit<NatsBusOptions, "connect">, wsFactory?: WsFactory): NatsBus =>
  NatsBus.start({ ...options, connect: (o) => wsconnect(wsFactory ? { ...o, wsFactory } : o) }, "nats-ws");
