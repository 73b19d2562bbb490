/** Routes served only on the owner-only Unix socket: ping, quotes, rates, events (SSE), API keys. */
import type { FastifyPluginAsync } from "fastify";
import { success } from "../api-error.js";
import type { ApiDeps } from "../deps.js";
import { parseJsonObject } from "../json-body.js";
import { streamEvents } from "./events-sse.js";
import { brokerCode, TradectlError } from "../../domain/errors.js";
import { TIMEFRAMES } from "../../domain/timeframes.js";
import { MAX_EVENT_HISTORY, MAX_KEY_DAYS, MAX_RATES_COUNT, MAX_RATES_START } from "../../domain/query-limits.js";
import { json, jsonBody, media, routeDoc } from "../contract/route-doc.js";
import { ApiKeyCreatedSchema, ApiKeyInfoSchema, CloseRequestSchema, EventEnvelopeSchema, KeyRevokedSchema, PongSchema, QuoteSchema, RatesViewSchema, successOf } from "../contract/schemas.js";
import { ORDER_ANSWERS } from "./webhook-docs.js";

/** An event type or a prefix of one ("order.", "signal.rejected"). */
const eventType = { type: "string", maxLength: 64, pattern: "^[a-z_.]*$" };

// The routes' query schemas: every parameter bounded, numbers coerced by fastify's ajv.
const ratesQuery = {
  type: "object",
  required: ["symbol"],
  properties: {
    symbol: { type: "string", pattern: "^[\\w.:#-]{1,32}$" },
    timeframe: { type: "string", maxLength: 4, default: "M5" },
    start: { type: "integer", minimum: 0, maximum: MAX_RATES_START, default: 0 },
    count: { type: "integer", minimum: 1, maximum: MAX_RATES_COUNT, default: 100 },
  },
  additionalProperties: false,
} as const;
const eventsQuery = {
  type: "object",
  properties: { type: eventType, history: { type: "integer", minimum: 0, maximum: MAX_EVENT_HISTORY, default: 0 } },
  additionalProperties: false,
} as const;
const auditQuery = {
  type: "object",
  properties: { type: eventType, limit: { type: "integer", minimum: 1, maximum: MAX_EVENT_HISTORY, default: 50 } },
  additionalProperties: false,
} as const;
const keyParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", minLength: 1, maxLength: 64 } },
} as const;
const keyRequest = {
  type: "object",
  properties: {
    name: { type: "string", pattern: "^[\\w .-]{1,64}$", default: "default" },
    expires_days: { type: ["integer", "null"], minimum: 1, maximum: MAX_KEY_DAYS, description: "Days until it expires; absent or null: never." },
  },
};

/** close and cancel go through admission as a webhook alert does, and are answered the same way. */
const ADMISSION_REFUSALS = ["VALIDATION_ERROR", "RISK_LIMIT_EXCEEDED", "ORDER_REJECTED", "SIGNAL_EXPIRED", "SERVICE_UNAVAILABLE"] as const;

const docs = {
  ping: routeDoc({ operationId: "ping", summary: "Is the daemon there (the CLI's first call)", tags: ["System"], answers: { 200: json(successOf(PongSchema, "pong"), "pong") } }),
  quotes: routeDoc({ operationId: "listQuotes", summary: "The latest quote of each instrument", tags: ["Market"], answers: { 200: json(successOf({ type: "array", items: QuoteSchema }, "quotes"), "One quote per instrument.") } }),
  rates: routeDoc({
    operationId: "getRates",
    summary: "Bars from the broker (MT5 copy_rates_from_pos)",
    tags: ["Market"],
    querystring: ratesQuery,
    answers: { 200: json(successOf(RatesViewSchema, "bars"), "Bars, oldest first.") },
    refuses: ["VALIDATION_ERROR", "SERVICE_UNAVAILABLE"],
  }),
  events: routeDoc({ operationId: "streamEvents", summary: "The event bus as Server-Sent Events, optionally after recent history", tags: ["Market"], querystring: eventsQuery, answers: { 200: media("text/event-stream", "`id`, `event` (the type) and `data` (an EventEnvelope as JSON) per event; a comment heartbeat every 15 s.") }, refuses: ["VALIDATION_ERROR"] }),
  audit: routeDoc({ operationId: "listAudit", summary: "The audit log: the latest events, oldest first", tags: ["Market"], querystring: auditQuery, answers: { 200: json(successOf({ type: "array", items: EventEnvelopeSchema }, "events"), "Events, oldest first.") }, refuses: ["VALIDATION_ERROR"] }),
  createKey: routeDoc({ operationId: "createKey", summary: "Create an API key (shown once)", tags: ["Keys"], requestBody: jsonBody(keyRequest, false, { name: "grafana", expires_days: 90 }), answers: { 200: json(successOf(ApiKeyCreatedSchema, "the key"), "The key, shown once.") }, refuses: ["VALIDATION_ERROR"] }),
  listKeys: routeDoc({ operationId: "listKeys", summary: "API keys (never the keys themselves)", tags: ["Keys"], answers: { 200: json(successOf({ type: "array", items: ApiKeyInfoSchema }, "keys"), "Every key, revoked ones too.") } }),
  revokeKey: routeDoc({ operationId: "revokeKey", summary: "Revoke an API key", tags: ["Keys"], params: keyParams, answers: { 200: json(successOf(KeyRevokedSchema, "revoked"), "Revoked.") }, refuses: ["VALIDATION_ERROR", "NOT_FOUND"] }),
  close: routeDoc({ operationId: "closePositions", summary: "Close a ticker's positions, or every position (`*`): a close_all through admission", tags: ["Orders"], requestBody: jsonBody(CloseRequestSchema, true, { ticker: "9984" }), answers: ORDER_ANSWERS, refuses: ADMISSION_REFUSALS }),
  cancel: routeDoc({ operationId: "cancelOrder", summary: "Cancel a resting order: a cancel through admission", tags: ["Orders"], answers: ORDER_ANSWERS, refuses: [...ADMISSION_REFUSALS, "NOT_FOUND"] }),
};

export const controlOnlyRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get("/ping", docs.ping, async () => success(deps.control.ping()));

  app.get("/quotes", docs.quotes, async () => success(deps.control.quotes()));

  app.get<{ Querystring: { symbol: string; timeframe: string; start: number; count: number } }>("/rates", docs.rates, async (req) => {
    const { symbol, start, count } = req.query;
    const timeframe = req.query.timeframe.toUpperCase();
    if (!(TIMEFRAMES as readonly string[]).includes(timeframe)) throw new TradectlError("VALIDATION_ERROR", `timeframe must be one of ${TIMEFRAMES.join(", ")}`, { details: { field: "timeframe", value: req.query.timeframe } });
    try {
      return success(await deps.control.rates(symbol, timeframe, start, count));
    } catch (err) {
      if (!(err instanceof TradectlError)) throw err;
      // Whatever the broker's trouble (a refusal, the bridge down, its token refused), say it: the operator reads this.
      const details = { field: "symbol", value: symbol, broker_code: brokerCode(err) };
      const message = `broker could not serve rates: ${err.message}`;
      throw err.kind === "rejected" ? new TradectlError("VALIDATION_ERROR", message, { details }) : new TradectlError("SERVICE_UNAVAILABLE", message, { details });
    }
  });

  app.get<{ Querystring: { type?: string; history: number } }>("/events", docs.events, async (req, reply) => streamEvents(deps, req, reply));

  /** The audit log as JSON: the latest events (oldest first), `type` a prefix such as "order." or "system.". */
  app.get<{ Querystring: { type?: string; limit: number } }>("/audit", docs.audit, async (req) =>
    success(deps.audit.list({ limit: req.query.limit, ...(req.query.type ? { type: req.query.type } : {}) })),
  );

  app.post("/keys", docs.createKey, async (req) => {
    const body = parseJsonObject(req.body);
    const name = body.name === undefined ? "default" : body.name;
    if (typeof name !== "string" || !/^[\w .-]{1,64}$/.test(name)) throw new TradectlError("VALIDATION_ERROR", "name must be 1-64 letters, digits, spaces, dots or dashes", { details: { field: "name", value: name } });
    const days = body.expires_days;
    if (days !== undefined && days !== null && (typeof days !== "number" || !Number.isInteger(days) || days <= 0 || days > MAX_KEY_DAYS)) {
      throw new TradectlError("VALIDATION_ERROR", `expires_days must be an integer from 1 to ${MAX_KEY_DAYS}`, { details: { field: "expires_days", value: days } });
    }
    const now = deps.clock.now();
    const { info, key } = deps.apiKeys.create({ name, expiresAt: typeof days === "number" ? now + days * 86_400_000 : null, now });
    deps.logger.info("API key created", { id: info.id, name: info.name, expires_at: info.expires_at });
    return success({ id: info.id, key, name: info.name, expires_at: info.expires_at });
  });

  app.get("/keys", docs.listKeys, async () => success(deps.apiKeys.list()));

  /** `tradectl close TICKER|--all`: a close_all of source cli through admission, answered as /webhook would be. */
  app.post("/close", docs.close, async (req, reply) => {
    const body = parseJsonObject(req.body);
    const ticker = body.ticker;
    if (typeof ticker !== "string" || !/^(\*|[0-9A-Z]{4}|[\w.:#-]{1,32})$/.test(ticker)) throw new TradectlError("VALIDATION_ERROR", 'ticker is required: a ticker, or "*" for every position', { details: { field: "ticker", value: ticker ?? null } });
    const res = await deps.control.submit({ action: "close_all", ticker });
    return reply.code(res.statusCode).send(res.body);
  });

  /** `tradectl cancel ORDER_ID`: a cancel of source cli through admission. */
  app.post<{ Params: { id: string } }>("/orders/:id/cancel", docs.cancel, async (req, reply) => {
    const res = await deps.control.submit({ action: "cancel", ticker: "*", orderId: req.params.id });
    return reply.code(res.statusCode).send(res.body);
  });

  app.delete<{ Params: { id: string } }>("/keys/:id", docs.revokeKey, async (req) => {
    if (!deps.apiKeys.revoke(req.params.id, deps.clock.now())) throw new TradectlError("NOT_FOUND", `No active key ${req.params.id}`);
    deps.logger.info("API key revoked", { id: req.params.id });
    return success({ id: req.params.id, revoked: true });
  });
};
