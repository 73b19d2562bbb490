/** Status, positions and orders: API key on the public port (seed 2.4), open on the owner-only socket. */
import type { FastifyPluginAsync } from "fastify";
import { TradectlError } from "../../domain/errors.js";
import type { OrderStatus } from "../../domain/types.js";
import { success } from "../api-error.js";
import { requireApiKey } from "../auth/api-key.js";
import type { ApiDeps, AppKind } from "../deps.js";
import { statusRateLimit } from "../rate-limits.js";
import { OrderResponseSchema, OrderListResponseSchema, OrdersQuerySchema, PositionListResponseSchema, StatusResponseSchema } from "../../webhook/schemas.js";
import { json, routeDoc, type Refusal, type RouteDocInput } from "../contract/route-doc.js";
import { normaliseTicker } from "../../webhook/validate-alert.js";

export const readRoutes: FastifyPluginAsync<{ deps: ApiDeps; kind: AppKind }> = async (app, { deps, kind }) => {
  if (kind === "public") {
    await statusRateLimit(app, deps);
    app.addHook("onRequest", requireApiKey(deps));
  }

  // On the public port an API key is asked for, and the status limit applies; the socket's owner is trusted.
  const doc = (d: Omit<RouteDocInput, "tags" | "refuses">, refuses: readonly Refusal[] = []) =>
    routeDoc({ ...d, tags: d.operationId === "getStatus" ? ["System"] : ["Orders"], ...(kind === "public" ? { security: "apiKey", refuses: [...refuses, "AUTH_FAILED", "RATE_LIMIT_EXCEEDED"] } : { refuses }) });

  app.get("/status", doc({ operationId: "getStatus", summary: "System state: kill switch, market, daily stats, positions, risk, streams, broker", answers: { 200: json(StatusResponseSchema, "Current state.") } }), async () => success(await deps.control.status()));

  app.get("/positions", doc({ operationId: "getPositions", summary: "Open positions", answers: { 200: json(PositionListResponseSchema, "Open positions.") } }), async () => success({ positions: deps.control.positions(), timestamp: new Date(deps.clock.now()).toISOString() }));

  app.get<{ Querystring: { from?: string; to?: string; ticker?: string; status?: OrderStatus; limit?: number; offset?: number } }>(
    "/orders",
    doc({ operationId: "listOrders", summary: "Order history, newest first", querystring: OrdersQuerySchema, answers: { 200: json(OrderListResponseSchema, "Orders, newest first.") } }, ["VALIDATION_ERROR"]),
    async (req) => {
      const q = req.query;
      return success(
        deps.control.orders({
          ...(q.from ? { from: parseDate("from", q.from) } : {}),
          ...(q.to ? { to: parseDate("to", q.to, true) } : {}),
          ...(q.ticker ? { ticker: normaliseTicker(q.ticker) } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.limit ? { limit: q.limit } : {}),
          ...(q.offset ? { offset: q.offset } : {}),
        }),
      );
    },
  );

  app.get<{ Params: { order_id: string } }>("/orders/:order_id", doc({ operationId: "getOrder", summary: "One order (ORD_YYYYMMDD_NNN)", answers: { 200: json(OrderResponseSchema, "The order.") } }, ["NOT_FOUND"]), async (req) => {
    const order = deps.control.order(req.params.order_id);
    if (!order) throw new TradectlError("NOT_FOUND", `Order ${req.params.order_id} not found`);
    return success(order);
  });
};

/** Accepts Unix ms, an ISO date-time, or a plain date (YYYY-MM-DD, taken as a whole JST day). */
function parseDate(field: string, v: string, endOfDay = false): number {
  if (/^\d+$/.test(v)) return Number(v);
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const start = Date.parse(`${v}T00:00:00+09:00`);
    if (!Number.isNaN(start)) return endOfDay ? start + 86_400_000 : start;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new TradectlError("VALIDATION_ERROR", `Invalid ${field}: expected Unix ms, ISO-8601 or YYYY-MM-DD`, { details: { field, value: v } });
  return t;
}
