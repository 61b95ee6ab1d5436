/**
 * @module The page's one way to call the gateway: same origin, the stored key as a bearer
 * token, and every non-2xx answer turned into an ApiError from OpenAI's error JSON.
 */
import * as z from "zod/mini";

const ErrorBody = z.object({ error: z.object({ message: z.string(), code: z.optional(z.nullable(z.string())) }) });

export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the stream broke after it started, or the gateway was unreachable. */
    readonly status: number,
    readonly code: string | null,
    /** Seconds, from the retry-after header. */
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The error of a failed response, from its JSON body when it has one. */
export async function apiErrorOf(res: Response): Promise<ApiError> {
  const retryAfter = Number(res.headers.get("retry-after"));
  const retryAfterS = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : null;
  const text = await res.text().catch(() => "");
  let body: z.infer<typeof ErrorBody> | undefined;
  try {
    body = ErrorBody.parse(JSON.parse(text));
  } catch {
    body = undefined;
  }
  return new ApiError(body?.error.message ?? `The gateway answered ${res.status}.`, res.status, body?.error.code ?? null, retryAfterS);
}

/** An error event inside an SSE stream (`data: {"error": …}`), or null when the value is not one. */
export function streamError(value: unknown): ApiError | null {
  const parsed = ErrorBody.safeParse(value);
  return parsed.success ? new ApiError(parsed.data.error.message, 0, parsed.data.error.code ?? null) : null;
}

export const isAbort = (err: unknown): boolean => err instanceof DOMException && err.name === "AbortError";

export class Api {
  constructor(
    private readonly key: () => string | null,
    /** Called on every 401, so the page can ask for the key again. */
    private readonly onUnauthorized: (err: ApiError) => void,
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const key = this.key();
    if (key) headers.set("authorization", `Bearer ${key}`);
    if (init.body !== undefined) headers.set("content-type", "application/json");
    let res: Response;
    try {
      res = await fetch(path, { ...init, headers });
    } catch (err) {
      if (isAbort(err)) throw err;
      throw new ApiError("The gateway could not be reached.", 0, "network_error");
    }
    if (res.ok) return res;
    const error = await apiErrorOf(res);
    if (res.status === 401) this.onUnauthorized(error);
    throw error;
  }

  async json<T>(schema: z.ZodMiniType<T>, path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.request(path, init);
    return schema.parse(await res.json());
  }
}
