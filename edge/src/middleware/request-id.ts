/** @module Accepts a sane `x-request-id` or makes one; returns it and puts it on every log line. */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestId = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const given = c.req.header("x-request-id");
    const id = given && VALID.test(given) ? given : crypto.randomUUID();
    c.set("requestId", id);
    c.set("startedAt", performance.now());
    c.set("log", c.get("deps").log.with({ rid: id }));
    c.header("x-request-id", id);
    await next();
  });
