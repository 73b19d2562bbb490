/** Notification channels on the control socket: their state (GET /notify) and a test message (POST /notify/test). */
import type { FastifyPluginAsync } from "fastify";
import { RejectedError } from "../../domain/errors.js";
import { ApiError, success } from "../api-error.js";
import type { ApiDeps } from "../deps.js";
import { parseJsonObject } from "../json-body.js";

export const notifyRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get("/notify", async () => success({ channels: deps.notifier?.status() ?? [] }));

  app.post("/notify/test", async (req) => {
    const body = parseJsonObject(req.body);
    const channel = body.channel;
    if (channel !== undefined && channel !== null && (typeof channel !== "string" || !channel)) {
      throw new ApiError(400, "VALIDATION_ERROR", "channel must be a channel's name", { field: "channel", value: channel });
    }
    if (!deps.notifier || !deps.notifier.status().length) throw new ApiError(404, "NOT_FOUND", "no notification channels are configured (notify.channels)");
    try {
      return success({ results: await deps.notifier.test(typeof channel === "string" ? channel : undefined) });
    } catch (err) {
      if (err instanceof RejectedError && err.code === "NOT_FOUND") throw new ApiError(404, "NOT_FOUND", err.message, { field: "channel", value: channel });
      throw err;
    }
  });
};
