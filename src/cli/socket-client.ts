/**
 * The CLI's client for the daemon's Unix socket; errors come back typed.
 * Not got (DESIGN's choice for outbound HTTP): importing got costs ~95 ms on a 2-core VPS, which alone breaks the
 * CLI's 150 ms budget (`tradectl status` from cron). got stays for every outbound call of the daemon.
 */
import { unixHttp } from "./unix-http.js";
import { errorFromAnswer } from "../domain/error-envelope.js";
import { TradectlError } from "../domain/errors.js";
import { daemonUnreachable } from "./errors.js";

export interface SocketClient {
  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

const UNREACHABLE = new Set(["ENOENT", "ECONNREFUSED", "ENOTSOCK", "EACCES"]);

/** Whether a socket error means "no daemon listens there" (exit code 3), not a failed request. */
export const isUnreachable = (code: string | undefined): boolean => code !== undefined && UNREACHABLE.has(code);

interface Envelope {
  status?: string;
  data?: unknown;
  error_code?: string;
  message?: string;
  details?: unknown;
  errors?: unknown;
}

export function socketClient(socketPath: string, timeoutMs = 30_000): SocketClient {
  const call = async <T>(method: "GET" | "POST" | "DELETE", path: string, query?: Record<string, string | number | undefined>, body?: unknown): Promise<T> => {
    const qs = new URLSearchParams(Object.entries(query ?? {}).filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]): [string, string] => [k, String(v)])).toString();
    let res;
    try {
      res = await unixHttp(socketPath, method, qs ? `${path}?${qs}` : path, body === undefined ? undefined : JSON.stringify(body), timeoutMs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (isUnreachable(code)) throw daemonUnreachable(socketPath, code!);
      if (code === "ETIMEDOUT") throw new TradectlError("DAEMON_TIMEOUT", `no answer from the daemon on ${socketPath} within ${timeoutMs} ms`);
      throw err;
    }
    let parsed: Envelope;
    try {
      parsed = JSON.parse(res.body) as Envelope;
    } catch {
      throw new TradectlError("BAD_RESPONSE", `daemon answered ${res.status} with a body that is not JSON`);
    }
    if (res.status >= 400 || parsed.status === "error") {
      throw errorFromAnswer(res.status, parsed, "the daemon");
    }
    return parsed.data as T;
  };
  return {
    get: (path, query) => call("GET", path, query),
    post: (path, body) => call("POST", path, undefined, body ?? {}),
    delete: (path) => call("DELETE", path),
  };
}
