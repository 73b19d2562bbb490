/** Notification channels on the control socket: their state (GET /notify) and a test message (POST /notify/test). */
import type { FastifyPluginAsync } from "fastify";
import { TradectlError } from "../../domain/errors.js";
import { success } from "../api-error.js";
import type { ApiDeps } from "../deps.js";
import { parseJsonObject } from "../json-body.js";

export const notifyRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get("/notify", async () => success({ channels: deps.notifier?.status() ?? [] }));

  app.post("/notify/test", async (req) => {
    const body = parseJsonObject(req.body);
    const channel = body.channel;
    if (channel !== undefined && channel !== null && (typeof channel !== "string" || !channel)) {
      throw new TradectlError("VALIDATION_ERROR", "channel must be a channel's name", { details: { field: "channel", value: channel } });
    }
    if (!deps.notifier || !deps.notifier.status().length) throw new TradectlError("NOT_FOUND", "no notification channels are configured (notify.channels)");
    return success({ results: await deps.notifier.test(typeof channel === "string" ? channel : undefined) });
  });
};
