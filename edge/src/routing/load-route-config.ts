/** @module Reads the routing config file named by SWITCHYARD_CONFIG (Node only). */
import { readFileSync } from "node:fs";
import { ConfigError, emptyRouteConfig, parseRouteConfig, type RouteConfig } from "./route-config.ts";

export function loadRouteConfig(path: string | undefined): RouteConfig {
  if (!path) return emptyRouteConfig();
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`${path}: cannot read the config file (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseRouteConfig(json, path);
}
