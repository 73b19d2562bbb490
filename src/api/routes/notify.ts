/** Notification channels on the control socket: their state (GET /notify) and a test message (POST /notify/test). */
import type { FastifyPluginAsync } from "fastify";
import { TradectlError } from "../../domain/errors.js";
import { success } from "../api-error.js";
import type { ApiDeps } from "../deps.js";
import { parseJsonObject } from "../json-body.js";
import { json, jsonBody, routeDoc } from "../contract/route-doc.js";
import { NotifyChannelSchema, NotifyTestResultSchema, successOf } from "../contract/schemas.js";

const docs = {
  status: routeDoc({ operationId: "notifyStatus", summary: "Each notification channel's state", tags: ["Notify"], answers: { 200: json(successOf({ type: "object", required: ["channels"], properties: { channels: { type: "array", items: NotifyChannelSchema } } }, "channels"), "Channels.") } }),
  test: routeDoc({
    operationId: "notifyTest",
    summary: "Send a test message to one channel or all",
    tags: ["Notify"],
    requestBody: jsonBody({ type: "object", properties: { channel: { type: "string", description: "A channel's name; absent: every channel." } } }, false, { channel: "ops" }),
    answers: { 200: json(successOf({ type: "object", required: ["results"], properties: { results: { type: "array", items: NotifyTestResultSchema } } }, "results"), "One result per channel.") },
    refuses: ["VALIDATION_ERROR", "NOT_FOUND"],
  }),
};

export const notifyRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get("/notify", docs.status, async () => success({ channels: deps.notifier?.status() ?? [] }));

  app.post("/notify/test", docs.test, async (req) => {
    const body = parseJsonObject(req.body);
    const channel = body.channel;
    if (channel !== undefined && channel !== null && (typeof channel !== "string" || !channel)) {
      throw new TradectlError("VALIDATION_ERROR", "channel must be a channel's name", { details: { field: "channel", value: channel } });
    }
    if (!deps.notifier || !deps.notifier.status().length) throw new TradectlError("NOT_FOUND", "no notification channels are configured (notify.channels)");
    return success({ results: await deps.notifier.test(typeof channel === "string" ? channel : undefined) });
  });
};
