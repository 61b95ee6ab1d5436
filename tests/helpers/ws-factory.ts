/**
 * @module A W3C WebSocket for nats-core's wsconnect on Node 20, which has no global one
 * (Workers and browsers do). The `ws` package's WebSocket implements the same interface.
 */
import type { WsFactory } from "@switchyard/shared/bus/nats-ws";
import { WebSocket as NodeWebSocket } from "ws";

export const nodeWsFactory: WsFactory = async (url) => ({
  socket: new NodeWebSocket(url) as unknown as WebSocket,
  encrypted: url.startsWith("wss:"),
});
