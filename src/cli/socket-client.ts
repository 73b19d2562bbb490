/** The CLI's client for the daemon's Unix socket (got over `unix:`); errors come back typed. */
import got, { RequestError } from "got";
import { DaemonError, DaemonUnreachableError } from "./errors.js";

export interface SocketClient {
  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

const UNREACHABLE = new Set(["ENOENT", "ECONNREFUSED", "ENOTSOCK", "EACCES"]);

export function socketClient(socketPath: string, timeoutMs = 30_000): SocketClient {
  const call = async <T>(method: "GET" | "POST" | "DELETE", path: string, opts: { query?: Record<string, string | number | undefined>; body?: unknown }): Promise<T> => {
    const searchParams = Object.fromEntries(Object.entries(opts.query ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string | number>;
    try {
      const res = await got(`unix:${socketPath}:${path}`, {
        method,
        enableUnixSockets: true,
        searchParams,
        ...(opts.body !== undefined ? { json: opts.body } : {}),
        throwHttpErrors: false,
        retry: { limit: 0 },
        timeout: { request: timeoutMs },
        responseType: "json",
      });
      const body = res.body as { status?: string; data?: unknown; error_code?: string; message?: string; details?: unknown; errors?: unknown };
      if (res.statusCode >= 400 || body?.status === "error") {
        throw new DaemonError(res.statusCode, body?.error_code ?? `HTTP_${res.statusCode}`, body?.message ?? `daemon answered ${res.statusCode}`, body?.details ?? body?.errors);
      }
      return body.data as T;
    } catch (err) {
      if (err instanceof RequestError && UNREACHABLE.has(err.code)) throw new DaemonUnreachableError(socketPath, err.code);
      throw err;
    }
  };
  return {
    get: (path, query) => call("GET", path, { ...(query ? { query } : {}) }),
    post: (path, body) => call("POST", path, { body: body ?? {} }),
    delete: (path) => call("DELETE", path, {}),
  };
}
