/** Routes served only on the owner-only Unix socket: ping, quotes, rates, events (SSE), API keys. */
import type { FastifyPluginAsync } from "fastify";
import { ApiError, success } from "../api-error.js";
import type { ApiDeps } from "../deps.js";
import { parseJsonObject } from "../json-body.js";
import { streamEvents } from "./events-sse.js";
import { TradectlError } from "../../domain/errors.js";
import { TIMEFRAMES } from "../../domain/timeframes.js";

/** One call's bars at most; the CLI fetches more in chunks. */
const MAX_RATES = 5000;

function intParam(field: string, raw: string, min: number, max: number): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, "VALIDATION_ERROR", `${field} must be an integer from ${min} to ${max}`, { field, value: raw });
  return n;
}

export const controlOnlyRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get("/ping", async () => success(deps.control.ping()));

  app.get("/quotes", async () => success(deps.control.quotes()));

  app.get<{ Querystring: { symbol?: string; timeframe?: string; start?: string; count?: string } }>("/rates", async (req) => {
    const q = req.query;
    const symbol = (q.symbol ?? "").trim();
    if (!/^[\w.:#-]{1,32}$/.test(symbol)) throw new ApiError(400, "VALIDATION_ERROR", "symbol is required (a ticker or the broker's symbol)", { field: "symbol", value: q.symbol ?? null });
    const timeframe = (q.timeframe ?? "M5").toUpperCase();
    if (!(TIMEFRAMES as readonly string[]).includes(timeframe)) throw new ApiError(400, "VALIDATION_ERROR", `timeframe must be one of ${TIMEFRAMES.join(", ")}`, { field: "timeframe", value: q.timeframe });
    const start = intParam("start", q.start ?? "0", 0, 10_000_000);
    const count = intParam("count", q.count ?? "100", 1, MAX_RATES);
    try {
      return success(await deps.control.rates(symbol, timeframe, start, count));
    } catch (err) {
      if (err instanceof TradectlError) {
        const status = err.kind === "rejected" ? 400 : 503;
        throw new ApiError(status, status === 400 ? "VALIDATION_ERROR" : "SERVICE_UNAVAILABLE", `broker could not serve rates: ${err.message}`, { broker_code: err.code });
      }
      throw err;
    }
  });

  app.get<{ Querystring: { type?: string; history?: string } }>("/events", async (req, reply) => streamEvents(deps, req, reply));

  /** The audit log as JSON: the latest events (oldest first), `type` a prefix such as "order." or "system.". */
  app.get<{ Querystring: { type?: string; limit?: string } }>("/audit", async (req) => {
    const limit = Math.min(Math.max(Number(req.query.limit ?? 50) || 50, 1), 1000);
    return success(deps.audit.list({ limit, ...(req.query.type ? { type: req.query.type } : {}) }));
  });

  app.post("/keys", async (req) => {
    const body = parseJsonObject(req.body);
    const name = body.name === undefined ? "default" : body.name;
    if (typeof name !== "string" || !/^[\w .-]{1,64}$/.test(name)) throw new ApiError(400, "VALIDATION_ERROR", "name must be 1-64 letters, digits, spaces, dots or dashes", { field: "name", value: name });
    const days = body.expires_days;
    if (days !== undefined && days !== null && (typeof days !== "number" || !Number.isInteger(days) || days <= 0)) {
      throw new ApiError(400, "VALIDATION_ERROR", "expires_days must be a positive integer", { field: "expires_days", value: days });
    }
    const now = deps.clock.now();
    const { info, key } = deps.apiKeys.create({ name, expiresAt: typeof days === "number" ? now + days * 86_400_000 : null, now });
    deps.logger.info("API key created", { id: info.id, name: info.name, expires_at: info.expires_at });
    return success({ id: info.id, key, name: info.name, expires_at: info.expires_at });
  });

  app.get("/keys", async () => success(deps.apiKeys.list()));

  /** `tradectl close TICKER|--all`: a close_all of source cli through admission, answered as /webhook would be. */
  app.post("/close", async (req, reply) => {
    const body = parseJsonObject(req.body);
    const ticker = body.ticker;
    if (typeof ticker !== "string" || !/^(\*|[0-9A-Z]{4}|[\w.:#-]{1,32})$/.test(ticker)) throw new ApiError(400, "VALIDATION_ERROR", 'ticker is required: a ticker, or "*" for every position', { field: "ticker", value: ticker ?? null });
    const res = await deps.control.submit({ action: "close_all", ticker });
    return reply.code(res.statusCode).send(res.body);
  });

  /** `tradectl cancel ORDER_ID`: a cancel of source cli through admission. */
  app.post<{ Params: { id: string } }>("/orders/:id/cancel", async (req, reply) => {
    const res = await deps.control.submit({ action: "cancel", ticker: "*", orderId: req.params.id });
    return reply.code(res.statusCode).send(res.body);
  });

  app.delete<{ Params: { id: string } }>("/keys/:id", async (req) => {
    if (!deps.apiKeys.revoke(req.params.id, deps.clock.now())) throw new ApiError(404, "NOT_FOUND", `No active key ${req.params.id}`);
    deps.logger.info("API key revoked", { id: req.params.id });
    return success({ id: req.params.id, revoked: true });
  });
};
