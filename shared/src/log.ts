/** @module A small line logger; every line can carry the request id it belongs to. */

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A logger whose lines carry these fields, e.g. { rid: requestId }. */
  with(fields: Record<string, string>): Logger;
}

export function createLogger(name: string, sink: (line: string) => void = (l) => console.log(l), fields: Record<string, string> = {}): Logger {
  const tag = Object.entries(fields)
    .map(([k, v]) => ` ${k}=${v}`)
    .join("");
  const write = (level: string, message: string) => sink(`${new Date().toISOString()} ${level} [${name}]${tag} ${message}`);
  return {
    info: (m) => write("INFO", m),
    warn: (m) => write("WARN", m),
    error: (m) => write("ERROR", m),
    with: (more) => createLogger(name, sink, { ...fields, ...more }),
  };
}

/** For tests and benchmarks that want quiet. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {}, with: () => silentLogger };
