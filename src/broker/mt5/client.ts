/**
 * HTTP+JSON client of the MT5 bridge (scripts/mt5-bridge/). Bearer token on every call, a request
 * timeout that aborts, no automatic retries (the gateway decides what may be retried). Errors are
 * rebuilt as BridgeError without the got error as cause, so the token (a request header) can never
 * reach a log through an error object.
 */
import got, { RequestError, type Got } from "got";
import { TradectlError } from "../../domain/errors.js";

type BridgeErrorCode = "BRIDGE_TIMEOUT" | "BRIDGE_UNREACHABLE" | "BRIDGE_AUTH_FAILED" | "BROKER_REFUSED" | "BROKER_UNAVAILABLE";

/**
 * Thrown for every failed bridge call; `unknownOutcome` says whether a send may have happened. An answer in the
 * bridge's own error shape is BROKER_REFUSED (4xx) or BROKER_UNAVAILABLE (5xx), its code in details.broker_code.
 */
export class BridgeError extends TradectlError<BridgeErrorCode> {
  /** The bridge's HTTP status, null when it did not answer. */
  readonly bridgeStatus: number | null;
  /** True when the call may have reached the terminal (timeout, reset, lost reply). */
  readonly unknownOutcome: boolean;

  constructor(code: BridgeErrorCode, message: string, opts: { bridgeStatus: number | null; unknownOutcome: boolean; details?: Record<string, unknown> }) {
    super(code, message, opts.details ? { details: opts.details } : {});
    this.name = "BridgeError";
    this.bridgeStatus = opts.bridgeStatus;
    this.unknownOutcome = opts.unknownOutcome;
  }
}

export interface BridgeClientOptions {
  url: string;
  token: string;
  timeoutMs: number;
}

export interface BridgeResponse<T> {
  status: number;
  body: T;
}

type Query = Record<string, string | number | undefined>;

export interface CallOptions {
  query?: Query;
  body?: unknown;
  /** This call's own limit, instead of the client's (a health check must answer sooner than an order). */
  timeoutMs?: number;
}

/** Connection never established: nothing was sent. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

export class BridgeClient {
  readonly #http: Got;
  readonly #timeoutMs: number;

  constructor(opts: BridgeClientOptions) {
    this.#timeoutMs = opts.timeoutMs;
    this.#http = got.extend({
      prefixUrl: opts.url.replace(/\/+$/, ""),
      headers: { authorization: `Bearer ${opts.token}`, accept: "application/json" },
      timeout: { request: opts.timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      responseType: "json",
    });
  }

  /** Any status; throws only for transport failures. */
  async request<T>(method: "GET" | "POST", path: string, opts: CallOptions = {}): Promise<BridgeResponse<T>> {
    const searchParams: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) searchParams[k] = v;
    try {
      const res = await this.#http<T>(path.replace(/^\/+/, ""), {
        method,
        searchParams,
        ...(opts.body === undefined ? {} : { json: opts.body }),
        ...(opts.timeoutMs === undefined ? {} : { timeout: { request: opts.timeoutMs } }),
      });
      return { status: res.statusCode, body: res.body };
    } catch (err) {
      throw this.#transportError(err, method, path, opts.timeoutMs ?? this.#timeoutMs);
    }
  }

  /** 2xx body, else a BridgeError built from the bridge's {error: {code, message}}. */
  async call<T>(method: "GET" | "POST", path: string, opts: CallOptions = {}): Promise<T> {
    const res = await this.request<unknown>(method, path, opts);
    if (res.status >= 200 && res.status < 300) return res.body as T;
    throw httpError(res.status, res.body, `${method} /${path.replace(/^\/+/, "")}`);
  }

  #transportError(err: unknown, method: string, path: string, timeoutMs: number): BridgeError {
    const code = err instanceof RequestError ? err.code : "EUNKNOWN";
    const where = `${method} /${path.replace(/^\/+/, "")}`;
    if (code === "ETIMEDOUT" || (err instanceof Error && err.name === "TimeoutError")) {
      return new BridgeError("BRIDGE_TIMEOUT", `MT5 bridge did not answer ${where} within ${timeoutMs} ms`, { bridgeStatus: null, unknownOutcome: true });
    }
    const notSent = NOT_SENT_CODES.has(code);
    const message = err instanceof Error ? err.message : String(err);
    return new BridgeError("BRIDGE_UNREACHABLE", `MT5 bridge ${where} failed: ${code} ${message}`, { bridgeStatus: null, unknownOutcome: !notSent, details: { transport: code } });
  }
}

function httpError(status: number, body: unknown, where: string): BridgeError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  const code = typeof error?.code === "string" ? error.code : `BRIDGE_HTTP_${status}`;
  const message = `${where}: ${typeof error?.message === "string" ? error.message : `HTTP ${status}`}`;
  const details = (error?.details ?? undefined) as Record<string, unknown> | undefined;
  if (status === 401) {
    return new BridgeError("BRIDGE_AUTH_FAILED", `${where}: the bridge refused MT5_BRIDGE_TOKEN`, { bridgeStatus: status, unknownOutcome: false });
  }
  if (status >= 400 && status < 500) return new BridgeError("BROKER_REFUSED", message, { bridgeStatus: status, unknownOutcome: false, details: { ...details, broker_code: code } });
  // 503 MT5_UNAVAILABLE: refused before anything reached the terminal; 502/504/500: may have been sent
  const unknownOutcome = !(status === 503 && code === "MT5_UNAVAILABLE");
  return new BridgeError("BROKER_UNAVAILABLE", message, { bridgeStatus: status, unknownOutcome, details: { ...details, broker_code: code } });
}
