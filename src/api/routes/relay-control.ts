/** The relay's socket routes: every `tradectl relay …` operation, sender side and receiver side. */
import type { FastifyPluginAsync } from "fastify";
import { TradectlError } from "../../domain/errors.js";
import { success } from "../api-error.js";
import type { ApiDeps } from "../deps.js";
import { parseJsonObject } from "../json-body.js";
import { json, jsonBody, routeDoc, type Refusal, type ResponseDoc } from "../contract/route-doc.js";
import type { JsonSchema } from "../../webhook/schemas.js";
import {
  ChannelCreatedSchema,
  ChannelDeletedSchema,
  ChannelDetailSchema,
  ChannelInfoSchema,
  InvitationCreatedSchema,
  ReceiverInfoSchema,
  ReceiverPausedSchema,
  ReceiverStatusSchema,
  SubscriptionInfoSchema,
  SubscriptionPausedSchema,
  successOf,
} from "../contract/schemas.js";

const ok = (data: JsonSchema, what: string): Record<number, ResponseDoc> => ({ 200: json(successOf(data, what), what) });
const list = (items: JsonSchema) => ({ type: "array", items });
const relayDoc = (operationId: string, summary: string, answers: Record<number, ResponseDoc>, more: { refuses?: readonly Refusal[]; requestBody?: ReturnType<typeof jsonBody>; querystring?: JsonSchema } = {}) =>
  routeDoc({ operationId, summary, tags: ["Relay"], answers, ...more, refuses: more.refuses ?? ["NOT_FOUND"] });
const statusQuery = { type: "object", properties: { channel: { type: "string", maxLength: 64, description: "A channel's id or name; absent: every channel." } } };

const optionalString = (body: Record<string, unknown>, field: string): string | null => {
  const v = body[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw new TradectlError("VALIDATION_ERROR", `${field} must be a string`, { details: { field } });
  return v;
};

export const relayControlRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { sender, receiver } = deps.relay;
  type Id = { Params: { id: string } };
  type Rid = { Params: { id: string; rid: string } };

  app.post("/relay/channels", relayDoc("createChannel", "Create a channel (its inbound URL and passphrase, shown once)", ok(ChannelCreatedSchema, "The channel."), { refuses: ["VALIDATION_ERROR"], requestBody: jsonBody({ type: "object", required: ["name"], properties: { name: { type: "string", pattern: "^[A-Za-z0-9_.-]{1,64}$" }, from_webhook: { type: "boolean", description: "Also publish every signal the webhook accepts." } } }, true, { name: "swing", from_webhook: false }) }), async (req) => {
    const body = parseJsonObject(req.body);
    const name = optionalString(body, "name") ?? "";
    return success(await sender.createChannel(name, body.from_webhook === true));
  });
  app.get("/relay/channels", relayDoc("listChannels", "Channels", ok(list(ChannelInfoSchema), "Channels."), { refuses: [] }), async () => success(sender.channels()));
  app.get<Id>("/relay/channels/:id", relayDoc("showChannel", "A channel with its receivers and invitations", ok(ChannelDetailSchema, "The channel.")), async (req) => success(await sender.showChannel(req.params.id)));
  app.delete<Id>("/relay/channels/:id", relayDoc("deleteChannel", "Delete a channel (its receivers get nothing more)", ok(ChannelDeletedSchema, "Deleted.")), async (req) => success(await sender.deleteChannel(req.params.id)));

  app.post<Id>("/relay/channels/:id/invitations", relayDoc("inviteReceiver", "A one-time invitation URL (optionally mailed)", ok(InvitationCreatedSchema, "The invitation."), { refuses: ["VALIDATION_ERROR", "NOT_FOUND"], requestBody: jsonBody({ type: "object", properties: { note: { type: "string" }, email: { type: "string" }, expires_ms: { type: "number", description: "Lifetime in ms (at most 90 days)." } } }, false, { note: "for Ken", expires_ms: 604800000 }) }), async (req) => {
    const body = parseJsonObject(req.body);
    const expires = body.expires_ms;
    if (expires !== undefined && typeof expires !== "number") throw new TradectlError("VALIDATION_ERROR", "expires_ms must be a number", { details: { field: "expires_ms" } });
    return success(await sender.invite(req.params.id, { note: optionalString(body, "note"), email: optionalString(body, "email"), ...(expires !== undefined ? { expiresMs: expires } : {}) }));
  });
  app.get<Id>("/relay/channels/:id/receivers", relayDoc("listReceivers", "A channel's receivers, with who paused each", ok(list(ReceiverInfoSchema), "Receivers.")), async (req) => success(await sender.receivers(req.params.id)));
  for (const action of ["pause", "resume"] as const) {
    app.post<Rid>(`/relay/channels/:id/receivers/:rid/${action}`, relayDoc(`${action}Receiver`, `${action === "pause" ? "Pause" : "Resume"} delivery to one receiver (the sender's side)`, ok(ReceiverPausedSchema, "The receiver.")), async (req) => success(await sender.setPaused(req.params.id, req.params.rid, action === "pause")));
    app.post<Id>(`/relay/subscriptions/:id/${action}`, relayDoc(`${action}Subscription`, `${action === "pause" ? "Pause" : "Resume"} receiving (the sender is told, so delivery stops at the source)`, ok(SubscriptionPausedSchema, "The subscription."), { refuses: ["NOT_FOUND", ["SERVICE_UNAVAILABLE", 502]] }), async (req) => success(await receiver.setPaused(req.params.id, action === "pause")));
  }
  app.get<{ Querystring: { channel?: string } }>("/relay/status", relayDoc("relayStatus", "Each receiver's deliveries and the latency of every hop (p50/p99)", ok(list(ReceiverStatusSchema), "Receivers with their hops."), { querystring: statusQuery, refuses: ["VALIDATION_ERROR", "NOT_FOUND"] }), async (req) => success(await sender.status(req.query.channel || undefined)));

  app.post("/relay/subscriptions", relayDoc("acceptInvitation", "Accept an invitation URL as this daemon (its delivery endpoint and a signing secret are exchanged)", ok(SubscriptionInfoSchema, "The subscription."), { refuses: ["VALIDATION_ERROR", "NOT_FOUND", "INVITATION_EXPIRED", "INVITATION_USED", ["SERVICE_UNAVAILABLE", 502]], requestBody: jsonBody({ type: "object", required: ["url"], properties: { url: { type: "string" }, sizing: { type: "number", exclusiveMinimum: 0, default: 1 } } }, true, { url: "https://sender.example/relay/invite/…", sizing: 0.5 }) }), async (req) => {
    const body = parseJsonObject(req.body);
    const url = optionalString(body, "url") ?? "";
    const sizing = body.sizing === undefined ? 1 : body.sizing;
    if (typeof sizing !== "number") throw new TradectlError("VALIDATION_ERROR", "sizing must be a number", { details: { field: "sizing" } });
    return success(await receiver.accept(url, sizing));
  });
  app.get("/relay/subscriptions", relayDoc("listSubscriptions", "This daemon's subscriptions, with who paused each", ok(list(SubscriptionInfoSchema), "Subscriptions."), { refuses: [] }), async () => success(receiver.subscriptions()));
};
