/**
 * One streaming HTTP GET through got. Resolves once the response head arrives; the body is an
 * async iterable of chunks, read one at a time, so a slow consumer pauses the socket (bounded
 * memory). The bearer token goes only into the request header: errors carry status and a short
 * server message, never the request options.
 */
import got from "got";
import { TradectlError } from "../domain/errors.js";

export interface OpenStreamOptions {
  url: string;
  token?: string | undefined;
  signal: AbortSignal;
  accept?: string;
  /** Connect/response-head limit (the watchdog covers silence afterwards). */
  connectTimeoutMs?: number;
}

export interface OpenedStream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array>;
  /** Reads up to `max` bytes of the body as text (for error statuses) and closes the stream. */
  readText(max?: number): Promise<string>;
  destroy(): void;
}


export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A network-level failure before or during the response (no token, no request options in it). */
function safeError(err: unknown): TradectlError {
  const e = err as { code?: string; message?: string; name?: string };
  const code = typeof e?.code === "string" ? e.code : undefined;
  return new TradectlError("FEED_NETWORK", `stream request failed: ${code ?? e?.name ?? "error"}`, { details: code ? { code } : {} });
}

export function openHttpStream(opts: OpenStreamOptions): Promise<OpenedStream> {
  return new Promise((resolve, reject) => {
    const stream = got.stream(opts.url, {
      headers: { accept: opts.accept ?? "application/json", ...authHeaders(opts.token) },
      throwHttpErrors: false,
      retry: { limit: 0 },
      signal: opts.signal,
      timeout: { connect: opts.connectTimeoutMs ?? 10_000, response: opts.connectTimeoutMs ?? 10_000 },
    });
    let settled = false;
    const onError = (err: unknown): void => {
      if (settled) return;
      settled = true;
      stream.destroy();
      reject(safeError(err));
    };
    stream.once("error", onError);
    stream.once("response", (res: { statusCode: number; headers: Record<string, string | string[] | undefined> }) => {
      if (settled) return;
      settled = true;
      stream.off("error", onError);
      // Later errors surface through the body iterator; keep one listener so none goes unhandled.
      stream.on("error", () => {});
      resolve({
        status: res.statusCode,
        headers: res.headers,
        body: (async function* () {
          try {
            for await (const chunk of stream) yield chunk as Uint8Array;
          } catch (err) {
            if (opts.signal.aborted) throw opts.signal.reason ?? err;
            throw safeError(err);
          }
        })(),
        readText: async (max = 4096) => {
          const parts: Buffer[] = [];
          let n = 0;
          try {
            for await (const chunk of stream) {
              parts.push(chunk as Buffer);
              n += (chunk as Buffer).length;
              if (n >= max) break;
            }
          } catch {
            // the status is what matters
          } finally {
            stream.destroy();
          }
          return Buffer.concat(parts).subarray(0, max).toString("utf8");
        },
        destroy: () => stream.destroy(),
      });
    });
  });
}
