/** Routes served only on the owner-only Unix socket: ping, quotes, events (SSE), API keys. */
import type { FastifyPluginAsync } from "fastify";
import { ApiError, success } from "../api-error.js";
import type { ApiDeps } from "../deps.js";
import { parseJsonObject } from "../json-body.js";
import { streamEvents } from "./events-sse.js";

export const controlOnlyRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get("/ping", async () => success(deps.control.ping()));

  app.get("/quotes", async () => success(deps.control.quotes()));

  app.get<{ Querystring: { type?: string; history?: string } }>("/events", async (req, reply) => streamEvents(deps, req, reply));

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

  app.delete<{ Params: { id: string } }>("/keys/:id", async (req) => {
    if (!deps.apiKeys.revoke(req.params.id, deps.clock.now())) throw new ApiError(404, "NOT_FOUND", `No active key ${req.params.id}`);
    deps.logger.info("API key revoked", { id: req.params.id });
    return success({ id: req.params.id, revoked: true });
  });
};
