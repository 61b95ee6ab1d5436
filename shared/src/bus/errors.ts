/** @module Transport-neutral bus errors, so callers never depend on nats.js error classes. */

export class BusNoRespondersError extends Error {
  constructor(readonly subject: string) {
    super(`no responders on ${subject}`);
    this.name = "BusNoRespondersError";
  }
}

export class BusTimeoutError extends Error {
  constructor(readonly subject: string) {
    super(`request on ${subject} timed out`);
    this.name = "BusTimeoutError";
  }
}

export class BusUnavailableError extends Error {
  constructor(reason = "bus is not connected") {
    super(reason);
    this.name = "BusUnavailableError";
  }
}

export class BusPayloadTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`message of ${size} bytes exceeds the bus limit of ${limit} bytes`);
    this.name = "BusPayloadTooLargeError";
  }
}
