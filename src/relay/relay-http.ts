/**
 * Every outbound HTTP call of the relay, through got over keep-alive agents (one connection pool per receiver's
 * origin, reused from delivery to delivery). Answers of any status come back; only transport failures throw.
 * Errors are rebuilt without got's error as cause, so a signature header can never reach a log through one.
 */
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import got, { RequestError } from "got";
import { TradectlError } from "../domain/errors.js";
import { preciseNow } from "./relay-ids.js";

export interface RelayResponse {
  status: number;
  body: unknown;
  /** Wall-clock ms when the answer had fully arrived. */
  at: number;
}

/** One per daemon: its keep-alive pools live and end with it. */
export class RelayHttp {
  private readonly agent = { http: new HttpAgent({ keepAlive: true, maxSockets: 64 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) };
  private readonly http = got.extend({
    agent: this.agent,
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    headers: { "user-agent": "tradectl-relay/1", accept: "application/json" },
  });

  /** POSTs `body` (JSON text); `timeoutMs` bounds the whole exchange. */
  postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<RelayResponse> {
    return this.request(url, () => this.http.post(url, { body, headers: { "content-type": "application/json", ...headers }, timeout: { request: timeoutMs }, ...(signal ? { signal } : {}) }), timeoutMs);
  }

  getJson(url: string, timeoutMs: number): Promise<RelayResponse> {
    return this.request(url, () => this.http.get(url, { timeout: { request: timeoutMs } }), timeoutMs);
  }

  private async request(url: string, send: () => Promise<{ statusCode: number; body: string }>, timeoutMs: number): Promise<RelayResponse> {
    let res;
    try {
      res = await send();
    } catch (err) {
      const e = err as RequestError;
      const code = e.code ?? "ERR_RELAY_HTTP";
      const origin = URL.canParse(url) ? new URL(url).origin : "the receiver";
      throw new TradectlError("RELAY_UNAVAILABLE", `${origin}: ${code === "ETIMEDOUT" ? `no answer within ${timeoutMs} ms` : e.message}`, { details: { code } });
    }
    const at = preciseNow();
    let parsed: unknown = res.body;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.statusCode, body: parsed, at };
  }

  /** Closes the keep-alive connections (on shutdown). */
  close(): void {
    this.agent.http.destroy();
    this.agent.https.destroy();
  }
}
