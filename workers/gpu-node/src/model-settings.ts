/**
 * @module The models a gpu-node serves and their settings: every .gguf in its folder under its
 * file name, and what `models.json` beside them says (ids, context, max output, slots,
 * keep-alive). A bad file or entry never stops the worker: it is reported, naming the entry and
 * the field, and left out; a GGUF that no valid entry claims is served with the defaults.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseKeepAlive } from "@switchyard/shared/units";
import { z } from "zod";
import { modelIdFromPath } from "./model-id.ts";

export const SETTINGS_FILE = "models.json";

const ModelEntrySchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._:/-]{1,200}$/, "must be 1-200 letters, digits, '.', '_', ':', '/' or '-'").optional(),
    path: z.string().min(1),
    context_window: z.number().int().positive().optional(),
    max_output_tokens: z.number().int().positive().optional(),
    slots: z.number().int().min(1).max(64).optional(),
    keep_alive: z
      .union([z.number(), z.string()])
      .refine((v) => parseKeepAlive(v) !== undefined, "must be a duration such as 30s, 5m, 0 or -1")
      .optional(),
  })
  .strict();

/** One model to serve: its file, and the settings that override the worker's for it. */
export interface ModelSpec {
  id: string;
  /** Absolute path of the GGUF. */
  path: string;
  /** Context to load with (still at most the model's own); undefined: the worker's --context-size. */
  contextWindow?: number;
  /** Longest reply; undefined: up to the room left in the context. */
  maxOutputTokens?: number;
  slots?: number;
  keepAliveMs?: number;
}

export interface ModelPlan {
  specs: ModelSpec[];
  /** What was wrong, one line each, naming the entry and the field. */
  problems: string[];
}

/** A well-formed entry of models.json, with the name its problems are reported under. */
interface ListedModel {
  name: string;
  spec: ModelSpec;
}

/** The entries of a models.json text that are well-formed; the others as problems. */
export function parseModelsJson(text: string, dir: string): { listed: ListedModel[]; problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { listed: [], problems: [`${SETTINGS_FILE} is not valid JSON (${(err as Error).message}); every model gets the defaults`] };
  }
  if (!Array.isArray(json)) return { listed: [], problems: [`${SETTINGS_FILE} must be an array of model entries; every model gets the defaults`] };
  const listed: ListedModel[] = [];
  const problems: string[] = [];
  json.forEach((raw: unknown, index) => {
    const parsed = ModelEntrySchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(`${entryName(raw, index)}: ${parsed.error.issues.map(describeIssue).join("; ")}; entry ignored`);
      return;
    }
    const e = parsed.data;
    const path = resolve(dir, e.path);
    const id = e.id ?? modelIdFromPath(path);
    const spec: ModelSpec = {
      id,
      path,
      ...(e.context_window === undefined ? {} : { contextWindow: e.context_window }),
      ...(e.max_output_tokens === undefined ? {} : { maxOutputTokens: e.max_output_tokens }),
      ...(e.slots === undefined ? {} : { slots: e.slots }),
      ...(e.keep_alive === undefined ? {} : { keepAliveMs: parseKeepAlive(e.keep_alive) }),
    };
    listed.push({ name: `${SETTINGS_FILE} entry ${index + 1} ('${id}')`, spec });
  });
  return { listed, problems };
}

/**
 * Everything the folder serves now: models.json's valid entries whose file exists (the first
 * of two with the same id wins), then every .gguf that no entry claims, under its file name.
 */
export async function planModels(dir: string): Promise<ModelPlan> {
  const text = await readFile(join(dir, SETTINGS_FILE), "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  const { listed, problems } = text === undefined ? { listed: [], problems: [] } : parseModelsJson(text, dir);
  const specs: ModelSpec[] = [];
  const ids = new Set<string>();
  const claimed = new Set<string>();
  for (const { name, spec } of listed) {
    if (ids.has(spec.id)) problems.push(`${name}: id: '${spec.id}' is already taken by an earlier entry; entry ignored`);
    else if (!(await isFile(spec.path))) problems.push(`${name}: path: no file at ${spec.path}; entry ignored`);
    else {
      specs.push(spec);
      ids.add(spec.id);
      claimed.add(spec.path);
    }
  }
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.toLowerCase().endsWith(".gguf")).sort();
  for (const file of files) {
    const path = resolve(dir, file);
    if (claimed.has(path)) continue;
    const id = modelIdFromPath(path);
    if (ids.has(id)) problems.push(`${file} is not served as '${id}': ${SETTINGS_FILE} gives that id to another file`);
    else {
      specs.push({ id, path });
      ids.add(id);
    }
  }
  return { specs, problems };
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

function entryName(raw: unknown, index: number): string {
  const id = typeof raw === "object" && raw !== null && "id" in raw && typeof raw.id === "string" ? ` ('${raw.id}')` : "";
  return `${SETTINGS_FILE} entry ${index + 1}${id}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
  const field = issue.path.map(String).join(".");
  return field ? `${field}: ${issue.message}` : issue.message;
}
