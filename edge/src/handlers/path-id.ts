/** @module Ids from the path: anything that is not one of ours is simply not found (and never reaches SQL). */
import { notFound } from "@switchyard/shared/errors";
import type { Context } from "hono";

const ID = /^[A-Za-z0-9_-]{1,128}$/;

export function pathId(c: Context, what: string): string {
  const id = c.req.param("id") ?? "";
  if (!ID.test(id)) throw notFound(`No ${what} with that id.`);
  return id;
}
