/** GET /health: no auth; 200 healthy or 503 with the failing components (seed 2.3). */
import type { FastifyPluginAsync } from "fastify";
import type { ApiDeps } from "../deps.js";
import { json, routeDoc } from "../contract/route-doc.js";
import { HealthResponseSchema } from "../../webhook/schemas.js";

const doc = routeDoc({
  operationId: "getHealth",
  summary: "Health check",
  tags: ["System"],
  answers: { 200: json(HealthResponseSchema, "Healthy."), 503: json(HealthResponseSchema, "A required component is unhealthy.") },
});

export const healthRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get("/health", doc, async (_req, reply) => {
    const h = await deps.health();
    const now = deps.clock.now();
    return reply.code(h.status === "healthy" ? 200 : 503).send({
      status: h.status,
      timestamp: new Date(now).toISOString(),
      uptime_seconds: Math.floor((Date.now() - deps.startedAt) / 1000),
      components: h.components,
      ...(h.errors.length ? { errors: h.errors } : {}),
      ...(h.warnings?.length ? { warnings: h.warnings } : {}),
      ...(h.details ? { details: h.details } : {}),
    });
  });
};
