/** GET /metrics on the control socket: Prometheus text format (`curl --unix-socket … http://x/metrics`). */
import type { FastifyPluginAsync } from "fastify";
import { TradectlError } from "../../domain/errors.js";
import type { ApiDeps } from "../deps.js";

export const metricsRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get("/metrics", async (_req, reply) => {
    const m = deps.metrics;
    if (!m) throw new TradectlError("NOT_FOUND", "metrics are off (metrics.enabled is false)");
    return reply.type(m.contentType).send(await m.text());
  });
};
