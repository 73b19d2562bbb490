/**
 * The relay's routes on the public port: a channel's inbound URL (the webhook's body format and checks, with the
 * channel's passphrase), invitations (JSON for a receiving tradectl, a no-script HTML form for a browser), signed
 * deliveries to this daemon's subscriptions, and the signed state notices either side sends.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { TradectlError } from "../../domain/errors.js";
import { acceptedPage, invitationForm, PAGE_HEADERS, refusalPage } from "../../relay/invite-page.js";
import { success } from "../api-error.js";
import type { ApiDeps } from "../deps.js";
import { ipAllowlistHook } from "../ip-allowlist.js";
import { parseJsonObject } from "../json-body.js";
import { limitRequests, webhookLimits } from "../rate-limits.js";
import { json, routeDoc, type Refusal } from "../contract/route-doc.js";
import { DeliveryOutcomeSchema, FillReportedSchema, InvitationAcceptedSchema, InvitationViewSchema, PublishedSchema, ReceiverInfoSchema, SubscriptionInfoSchema, successOf } from "../contract/schemas.js";
import { PASSPHRASE_AUTH, signalBody } from "./webhook-docs.js";
import { SIGNAL_EXAMPLE, TradingSignalSchema, type JsonSchema } from "../../webhook/schemas.js";

const SIGNED = "Authentication: an HMAC-SHA256 signature of the other side (X-Tradectl-Signature over timestamp.delivery_id.body, X-Tradectl-Timestamp within the window); a wrong or replayed one is 401.";
const INVITATION_REFUSALS: readonly Refusal[] = ["NOT_FOUND", "INVITATION_EXPIRED", "INVITATION_USED", "RATE_LIMIT_EXCEEDED"];
const signed = (operationId: string, summary: string, data: JsonSchema, refuses: readonly Refusal[] = []) =>
  routeDoc({ operationId, summary, description: SIGNED, tags: ["Relay"], answers: { 200: json(successOf(data, summary), summary) }, refuses: ["AUTH_FAILED", "NOT_FOUND", "VALIDATION_ERROR", ...refuses] });
const docs = {
  inbound: routeDoc({
    operationId: "publishSignal",
    summary: "A channel's inbound URL: publish a signal to its receivers",
    description: `The webhook's body format and checks, with the channel's own passphrase. ${PASSPHRASE_AUTH.replace("WEBHOOK_SECRET (constant-time comparison; WEBHOOK_SECRET_PREVIOUS is also accepted during a rotation)", "the channel's passphrase")}`,
    tags: ["Relay"],
    requestBody: signalBody(TradingSignalSchema, SIGNAL_EXAMPLE),
    answers: { 200: json(PublishedSchema, "Already published: the first publication."), 202: json(PublishedSchema, "Published to the channel's active receivers.") },
    refuses: ["VALIDATION_ERROR", ["VALIDATION_ERROR", 415], "AUTH_FAILED", "IP_NOT_ALLOWED", "NOT_FOUND", "PAYLOAD_TOO_LARGE", "RATE_LIMIT_EXCEEDED"],
  }),
  openInvitation: routeDoc({ operationId: "openInvitation", summary: "What an invitation is for (JSON), or its form to accept it (a browser)", tags: ["Relay"], htmlPages: true, answers: { 200: json(successOf(InvitationViewSchema, "invitation"), "The invitation.") }, refuses: INVITATION_REFUSALS }),
  acceptInvitation: routeDoc({
    operationId: "acceptInvitationAtSender",
    summary: "Accept an invitation: a receiving tradectl (JSON with its signing secret) or a browser's form (the secret is shown once)",
    tags: ["Relay"],
    htmlPages: true,
    requestBody: {
      required: true,
      content: {
        "application/json": { schema: { type: "object", required: ["delivery_url", "signing_secret"], properties: { delivery_url: { type: "string" }, name: { type: "string" }, signing_secret: { type: "string", minLength: 32, maxLength: 128 } } } },
        "application/x-www-form-urlencoded": { schema: { type: "object", required: ["delivery_url"], properties: { delivery_url: { type: "string" }, name: { type: "string" } } } },
      },
    },
    answers: { 201: json(successOf(InvitationAcceptedSchema, "accepted"), "Accepted: deliveries start.") },
    refuses: ["VALIDATION_ERROR", ...INVITATION_REFUSALS],
  }),
  deliver: signed("deliverSignal", "A signed delivery, admitted as a webhook alert is", DeliveryOutcomeSchema, ["RELAY_PAUSED", ["VALIDATION_ERROR", 422]]),
  senderNotice: signed("senderNotice", "The sender paused or resumed this subscription", SubscriptionInfoSchema),
  receiverNotice: signed("receiverNotice", "The receiver paused or resumed its subscription", ReceiverInfoSchema),
  fillReport: signed("fillReport", "The receiver's order for a delivery filled (the last hop)", FillReportedSchema),
};

const raw = (body: unknown): string => (typeof body === "string" ? body : body === undefined ? "" : JSON.stringify(body));

/** A browser asks for HTML (every browser's Accept names text/html); anything else gets the API's JSON shapes. */
const wantsHtml = (req: FastifyRequest) => (req.headers.accept ?? "").includes("text/html");

export const relayPublicRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { relay } = deps;

  // Alert sources: the same door as /webhook (allowlist, rate limits, parse, 401 first, validation, alert log).
  await app.register(async (hooks) => {
    hooks.addHook("onRequest", ipAllowlistHook(deps));
    await limitRequests(hooks, deps, webhookLimits(deps));
    hooks.post<{ Params: { channel_id: string } }>("/relay/in/:channel_id", docs.inbound, async (req, reply) => {
      const channel = relay.store.channel(req.params.channel_id);
      if (!channel || channel.id !== req.params.channel_id) throw new TradectlError("NOT_FOUND", "No such relay channel");
      const res = await deps.webhook.handle(
        { path: `/relay/in/${channel.id}`, requestId: req.id, rawBody: raw(req.body), contentType: req.headers["content-type"], sourceIp: req.ip, userAgent: req.headers["user-agent"] },
        {
          source: `relay:${channel.name}`,
          checkPassphrase: (given) => relay.sender.checkChannelPassphrase(channel, given),
          accept: (signal, startedAt) => {
            const p = relay.sender.publish(channel, signal, performance.timeOrigin + startedAt);
            const message = p.duplicate ? "Already published: the first publication" : `Signal published to ${p.receivers} receiver${p.receivers === 1 ? "" : "s"}`;
            return { statusCode: p.duplicate ? 200 : 202, body: { status: "accepted", message, data: { request_id: signal.request_id, ...p } } };
          },
        },
      );
      return reply.code(res.statusCode).header("Cache-Control", "no-store").send(res.body);
    });
  });

  // Invitations: rate-limited per IP as the webhook is, so tokens cannot be guessed at speed; not behind the
  // allowlist (that lists the alert sources, not the receivers).
  await app.register(async (hooks) => {
    await limitRequests(hooks, deps, webhookLimits(deps));
    hooks.get<{ Params: { token: string } }>("/relay/invite/:token", docs.openInvitation, async (req, reply) => {
      const html = wantsHtml(req);
      try {
        const { invitation, channel } = relay.sender.openInvitation(req.params.token);
        if (html) return reply.code(200).headers(PAGE_HEADERS).send(invitationForm({ channelName: channel.name, note: invitation.note, expiresAt: invitation.expires_at, action: req.url.split("?")[0]! }));
        return reply.header("Cache-Control", "no-store").send(success({ channel_id: channel.id, channel_name: channel.name, note: invitation.note, expires_at: new Date(invitation.expires_at).toISOString() }));
      } catch (err) {
        if (html && err instanceof TradectlError && err.kind !== "internal") return refusal(reply, err);
        throw err;
      }
    });

    hooks.post<{ Params: { token: string } }>("/relay/invite/:token", docs.acceptInvitation, async (req, reply) => {
      const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      if (type === "application/x-www-form-urlencoded") {
        const form = new URLSearchParams(raw(req.body));
        try {
          const r = relay.sender.acceptInvitation(req.params.token, { kind: "http", endpoint: form.get("delivery_url"), name: form.get("name") });
          return reply.code(201).headers(PAGE_HEADERS).send(acceptedPage({ channelName: r.channel.name, receiverId: r.receiver.id, endpoint: r.receiver.endpoint, signingSecret: r.signing_secret, stateUrl: r.state_url }));
        } catch (err) {
          if (err instanceof TradectlError && err.kind !== "internal" && wantsHtml(req)) return refusal(reply, err);
          throw err;
        }
      }
      const body = parseJsonObject(req.body);
      const r = await relay.sender.acceptInvitation(req.params.token, { kind: "tradectl", endpoint: body.delivery_url, name: body.name, signingSecret: body.signing_secret });
      return reply
        .code(201)
        .header("Cache-Control", "no-store")
        .send(success({ receiver_id: r.receiver.id, channel_id: r.channel.id, channel_name: r.channel.name, state_url: r.state_url }, "Invitation accepted"));
    });
  });

  // Signed by the other side: the HMAC is the authentication, checked before anything else is read.
  app.post<{ Params: { id: string } }>("/relay/deliver/:id", docs.deliver, async (req, reply) => {
    const started = performance.now();
    const res = await relay.receiver.deliver(req.params.id, req.headers, raw(req.body), req.id, started);
    return reply.code(res.statusCode).header("Cache-Control", "no-store").send(res.body);
  });
  app.post<{ Params: { id: string } }>("/relay/deliver/:id/state", docs.senderNotice, async (req) => success(await relay.receiver.applySenderNotice(req.params.id, req.headers, raw(req.body))));
  app.post<{ Params: { id: string } }>("/relay/receivers/:id/state", docs.receiverNotice, async (req) => success(await relay.sender.applyReceiverNotice(req.params.id, req.headers, raw(req.body))));
  app.post<{ Params: { id: string } }>("/relay/receivers/:id/fills", docs.fillReport, async (req) => success(await relay.sender.applyFillReport(req.params.id, req.headers, raw(req.body))));
};

function refusal(reply: FastifyReply, err: TradectlError) {
  const title = err.code === "INVITATION_USED" ? "Invitation already used" : err.code === "INVITATION_EXPIRED" ? "Invitation expired" : err.code === "NOT_FOUND" ? "Unknown invitation" : "Invitation refused";
  return reply.code(err.status).headers(PAGE_HEADERS).send(refusalPage(title, err.message));
}
