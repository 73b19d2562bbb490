/** GET /metrics on the control socket: Prometheus text format (`curl --unix-socket … http://x/metrics`). */
import type { FastifyPluginAsync } from "fastify";
import { TradectlError } from "../../domain/errors.js";
import type { ApiDeps } from "../deps.js";
import { media, routeDoc } from "../contract/route-doc.js";

const doc = routeDoc({ operationId: "getMetrics", summary: "Prometheus metrics (text exposition format)", tags: ["Notify"], answers: { 200: media("text/plain", "Prometheus text format 0.0.4.") }, refuses: ["NOT_FOUND"] });

export const metricsRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get("/metrics", doc, async (_req, reply) => {
    const m = deps.metrics;
    if (!m) throw new TradectlError("NOT_FOUND", "metrics are off (metrics.enabled is false)");
    return reply.type(m.contentType).send(await m.text());
  });
};
