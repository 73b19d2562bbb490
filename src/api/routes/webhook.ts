/** POST /webhook, POST /webhook/test and GET /openapi.json on the public port. */
import type { FastifyPluginAsync } from "fastify";
import { buildOpenApi } from "../../webhook/openapi.js";
import type { ApiDeps } from "../deps.js";
import { ipAllowlistHook } from "../ip-allowlist.js";
import { limitRequests, webhookLimits } from "../rate-limits.js";

export const webhookRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get("/openapi.json", async (req) => buildOpenApi({ serverUrl: `${req.protocol}://${req.host}` }));

  await app.register(async (hooks) => {
    hooks.addHook("onRequest", ipAllowlistHook(deps));
    await limitRequests(hooks, deps, webhookLimits(deps));
    for (const path of ["/webhook", "/webhook/test"] as const) {
      hooks.post(path, async (req, reply) => {
        const res = await deps.webhook.handle({
          path,
          requestId: req.id,
          rawBody: typeof req.body === "string" ? req.body : req.body === undefined ? "" : JSON.stringify(req.body),
          contentType: req.headers["content-type"],
          sourceIp: req.ip,
          userAgent: req.headers["user-agent"],
        });
        return reply.code(res.statusCode).header("Cache-Control", "no-store").send(res.body);
      });
    }
  });
};
