/** @module The NATS Bus over TCP, for Node processes (@nats-io/transport-node). */
import { connect } from "@nats-io/transport-node";
import { NatsBus, type NatsBusOptions } from "./nats-bus.ts";

export const startNatsBus = (options: Omit<NatsBusOptions, "connect">): NatsBus => NatsBus.start({ ...options, connect });
