/** POST /webhook and POST /webhook/test on the public port. */
import type { FastifyPluginAsync } from "fastify";
import type { ApiDeps } from "../deps.js";
import { ipAllowlistHook } from "../ip-allowlist.js";
import { limitRequests, webhookLimits } from "../rate-limits.js";
import { webhookDocs } from "./webhook-docs.js";

export const webhookRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  await app.register(async (hooks) => {
    hooks.addHook("onRequest", ipAllowlistHook(deps));
    await limitRequests(hooks, deps, webhookLimits(deps));
    for (const path of ["/webhook", "/webhook/test"] as const) {
      hooks.post(path, webhookDocs[path], async (req, reply) => {
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
