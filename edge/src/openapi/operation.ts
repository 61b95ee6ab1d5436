/**
 * @module What one entry of the OpenAPI registry says about a route: method, path, the zod
 * schemas its handler validates and answers with, and what can go wrong. build-document.ts
 * turns the entries into the document.
 */
import type { z } from "zod";

export type Method = "get" | "post" | "put" | "patch" | "delete";

/** A zod schema under the name it has in components/schemas. */
export interface NamedSchema {
  readonly name: string;
  readonly schema: z.ZodType;
}

/** Media type → its schema; null where the body has no JSON shape to give (audio, HTML, SSE). */
export type Content = Record<string, NamedSchema | null>;

export interface ResponseSpec {
  description: string;
  content?: Content;
}

/**
 * Who may call: `key` (an API key as a bearer token), `key-or-x-api-key` (also Anthropic's
 * header), `admin` (ADMIN_TOKEN), `metrics` (METRICS_TOKEN on an exposed gateway), `none`.
 * Unset: `key` under /v1/, `admin` under /admin/, else `none`, as app.ts mounts the middleware.
 */
export type Auth = "key" | "key-or-x-api-key" | "admin" | "metrics" | "none";

export interface Operation {
  /** operationId: unique, camelCase. */
  id: string;
  method: Method;
  /** The OpenAPI path template: `/v1/conversations/{id}` for Hono's `/v1/conversations/:id`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Descriptions of the path template's parameters. */
  pathParams?: Record<string, string>;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: { content: Content; required?: boolean };
  responses: Record<number, ResponseSpec>;
  /** Error statuses beyond those every operation of its kind can answer (400, 401, 413: added from its body, query and auth). */
  errors?: number[];
  auth?: Auth;
  /** The error body's schema when it is not OpenAI's (the Anthropic-compatible endpoint). */
  errorSchema?: NamedSchema;
}

export const named = (name: string, schema: z.ZodType): NamedSchema => ({ name, schema });
export const json = (name: string, schema: z.ZodType): Content => ({ "application/json": named(name, schema) });
