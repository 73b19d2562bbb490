/**
 * One JSON POST through got, no retries of its own (the sender retries), bounded in time. A network failure becomes a
 * temporary DeliveryError naming only its error code: got's own errors can quote the URL, and some URLs are secrets.
 */
import got from "got";
import { DeliveryError } from "../delivery-error.js";
import { parseRetryAfter } from "../../feeds/backoff.js";

export interface PostResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export const REQUEST_TIMEOUT_MS = 10_000;

export async function postJson(url: string, body: string, signal: AbortSignal, opts: { timeoutMs?: number | undefined; headers?: Record<string, string> } = {}): Promise<PostResult> {
  const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
  try {
    const res = await got.post(url, {
      body,
      headers: { "content-type": "application/json", ...opts.headers },
      throwHttpErrors: false,
      retry: { limit: 0 },
      followRedirect: false,
      timeout: { request: timeoutMs },
      signal,
    });
    return { status: res.statusCode, headers: res.headers, text: res.body };
  } catch (err) {
    const e = err as { code?: unknown; name?: unknown };
    const code = typeof e.code === "string" ? e.code : typeof e.name === "string" ? e.name : "ERROR";
    const what = code === "ETIMEDOUT" ? `no answer within ${timeoutMs} ms` : `request failed (${code})`;
    throw new DeliveryError("temporary", code === "ETIMEDOUT" ? "TIMEOUT" : code, what);
  }
}

/** Retry-After (seconds or an HTTP date) as ms, from a header that may be absent. */
export function retryAfterHeader(r: PostResult, now = Date.now()): number | null {
  return parseRetryAfter(r.headers["retry-after"], now);
}

/** The first bit of a service's text answer, safe to show: one line, short. */
export function shortText(s: string, max = 160): string {
  return s.replace(/\s+/g, " ").trim().slice(0, max);
}
