/**
 * Response shapes of the routes beyond the seed's (the seed's are in ../../webhook/schemas.ts): the control
 * socket's (quotes, rates, audit, keys, relay, notify, close and cancel) and the relay's public routes. The same
 * draft-07 subset; a nested schema that is a component becomes a `$ref` in the OpenAPI document.
 */
import type { JsonSchema } from "../../webhook/schemas.js";

const str = { type: "string" };
const int = { type: "integer" };
const num = { type: "number" };
const bool = { type: "boolean" };
const nullable = (type: string, description?: string): JsonSchema => ({ type: [type, "null"], ...(description ? { description } : {}) });
const iso = (description = "ISO-8601 (UTC)"): JsonSchema => ({ type: "string", description });

/** An object with every property required (the shapes here are the routes' own records: nothing is optional). */
function record(properties: Record<string, JsonSchema>, opts: { optional?: string[]; open?: boolean; description?: string } = {}): JsonSchema {
  return {
    type: "object",
    ...(opts.description ? { description: opts.description } : {}),
    required: Object.keys(properties).filter((k) => !opts.optional?.includes(k)),
    properties,
    additionalProperties: opts.open === true,
  };
}

const listOf = (items: JsonSchema): JsonSchema => ({ type: "array", items });

/** `{ status: "success", message?, data }`. */
export function successOf(data: JsonSchema, description: string): JsonSchema {
  return record({ status: { type: "string", enum: ["success"] }, message: str, data }, { optional: ["message"], description });
}

export const PongSchema = record({ pong: { type: "boolean", enum: [true] }, time: iso() });

export const QuoteSchema = record({ instrument: str, bid: num, ask: num, time: { ...int, description: "Unix ms of the price" }, tradeable: bool, feed: str });

export const RateSchema = record({ time: int, open: num, high: num, low: num, close: num, tick_volume: num, spread: num, real_volume: num });
export const RatesViewSchema = record({ symbol: str, timeframe: str, start: int, broker: str, rates: listOf(RateSchema) });

/** One event of the bus and the audit log (the same envelope `events --json` prints). */
export const EventEnvelopeSchema = record({
  v: { type: "integer", enum: [1] },
  id: str,
  seq: { type: "integer", description: "Its place in the audit log (absent on an event not kept there, such as a tick)." },
  type: str,
  time: iso(),
  source: str,
  correlation_id: nullable("string"),
  payload: {},
  meta: { type: "object", additionalProperties: true },
}, { optional: ["seq"] });

export const ApiKeyInfoSchema = record({ id: str, name: str, created_at: iso(), expires_at: nullable("string"), last_used_at: nullable("string"), revoked_at: nullable("string") });
export const ApiKeyCreatedSchema = record({ id: str, key: { type: "string", description: "API_ + base64 of 32 random bytes: shown once, stored as its SHA-256." }, name: str, expires_at: nullable("string") });
export const KeyRevokedSchema = record({ id: str, revoked: { type: "boolean", enum: [true] } });

const linkState = { type: "string", enum: ["active", "paused", "removed"] };
const pausedBy = listOf({ type: "string", enum: ["sender", "receiver"] });

export const ChannelInfoSchema = record({ id: str, name: str, from_webhook: bool, created_at: iso(), inbound_url: str, receivers: int });
export const ChannelCreatedSchema = { ...ChannelInfoSchema, required: [...(ChannelInfoSchema["required"] as string[]), "passphrase"], properties: { ...(ChannelInfoSchema["properties"] as object), passphrase: { type: "string", description: "The inbound URL's passphrase, shown once." } } };
export const ReceiverInfoSchema = record({
  id: str,
  channel_id: str,
  kind: { type: "string", enum: ["tradectl", "http"] },
  name: nullable("string"),
  endpoint: str,
  state: linkState,
  paused_by: pausedBy,
  paused_at: nullable("string"),
  created_at: iso(),
  delivered: int,
  rejected: int,
  expired: int,
  skipped: int,
  pending: int,
  last_error: nullable("string"),
});
export const InvitationInfoSchema = record({ id: str, channel_id: str, note: nullable("string"), email: nullable("string"), created_at: iso(), expires_at: iso(), used_at: nullable("string"), receiver_id: nullable("string") });
export const ChannelDetailSchema = {
  ...ChannelInfoSchema,
  required: [...(ChannelInfoSchema["required"] as string[]), "receivers_list", "invitations"],
  properties: { ...(ChannelInfoSchema["properties"] as object), receivers_list: listOf(ReceiverInfoSchema), invitations: listOf(InvitationInfoSchema) },
};
export const ChannelDeletedSchema = record({ id: str, deleted: { type: "boolean", enum: [true] } });
export const InvitationCreatedSchema = record({ id: str, url: { type: "string", description: "The one-time invitation URL (its token is shown once)." }, channel: str, expires_at: iso(), emailed: nullable("boolean"), email_error: nullable("string") });
export const ReceiverPausedSchema = { ...ReceiverInfoSchema, required: [...(ReceiverInfoSchema["required"] as string[]), "receiver_told"], properties: { ...(ReceiverInfoSchema["properties"] as object), receiver_told: nullable("boolean", "Whether the receiver's daemon took the notice; null for a receiver that is not tradectl.") } };
const hopStats = record({ count: int, p50_ms: nullable("number"), p99_ms: nullable("number") });
export const ReceiverStatusSchema = { ...ReceiverInfoSchema, required: [...(ReceiverInfoSchema["required"] as string[]), "channel", "hops"], properties: { ...(ReceiverInfoSchema["properties"] as object), channel: str, hops: { type: "object", additionalProperties: hopStats } } };
export const SubscriptionInfoSchema = record({
  id: str,
  channel_id: str,
  channel_name: str,
  sender_url: str,
  sizing: num,
  state: linkState,
  paused_by: pausedBy,
  paused_at: nullable("string"),
  received: int,
  last_received_at: nullable("string"),
  created_at: iso(),
});
export const SubscriptionPausedSchema = {
  ...SubscriptionInfoSchema,
  required: [...(SubscriptionInfoSchema["required"] as string[]), "sender_told", "sender_error"],
  properties: { ...(SubscriptionInfoSchema["properties"] as object), sender_told: bool, sender_error: nullable("string") },
};

/** GET /relay/invite/{token} as JSON: what the invitation is for. */
export const InvitationViewSchema = record({ channel_id: str, channel_name: str, note: nullable("string"), expires_at: iso() });
export const InvitationAcceptedSchema = record({ receiver_id: str, channel_id: str, channel_name: str, state_url: str });
/** POST /relay/in/{channel_id}: published (202) or the first publication again (200). */
export const PublishedSchema = record({
  status: { type: "string", enum: ["accepted"] },
  message: str,
  data: record({ request_id: str, publication_id: str, channel: str, duplicate: bool, receivers: int, skipped: int }),
});
/** POST /relay/deliver/{id}: the admission's outcome of a signed delivery. */
export const DeliveryOutcomeSchema = record({
  delivery_id: str,
  subscription_id: str,
  outcome: { type: "string", enum: ["accepted", "duplicate", "refused"] },
  sizing: num,
  record: { type: "object", additionalProperties: true, description: "The admission's record (its outcome and order, if any)." },
  received_at: num,
  answered_at: num,
});
export const FillReportedSchema = record({ delivery_id: str, filled_at: num });

export const NotifyChannelSchema = record({
  name: str,
  kind: str,
  state: { type: "string", enum: ["ok", "retrying", "rate-limited", "open", "disabled"] },
  pending: int,
  sent: int,
  failed: int,
  last_sent_at: nullable("string"),
  last_error: nullable("string"),
  last_error_at: nullable("string"),
  next_attempt_at: nullable("string"),
});
export const NotifyTestResultSchema = record({ channel: str, kind: str, ok: bool, error: str }, { optional: ["error"] });

/** The body of POST /close and POST /orders/{id}/cancel (the CLI's close and cancel). */
export const CloseRequestSchema = record({ ticker: { type: "string", description: 'A ticker, or "*" for every position.' } }, { open: true });

export const routeComponentSchemas: Record<string, JsonSchema> = {
  Pong: PongSchema,
  Quote: QuoteSchema,
  Rate: RateSchema,
  RatesView: RatesViewSchema,
  EventEnvelope: EventEnvelopeSchema,
  ApiKeyInfo: ApiKeyInfoSchema,
  ApiKeyCreated: ApiKeyCreatedSchema,
  ChannelInfo: ChannelInfoSchema,
  ChannelCreated: ChannelCreatedSchema,
  ChannelDetail: ChannelDetailSchema,
  ReceiverInfo: ReceiverInfoSchema,
  InvitationInfo: InvitationInfoSchema,
  InvitationCreated: InvitationCreatedSchema,
  SubscriptionInfo: SubscriptionInfoSchema,
  InvitationView: InvitationViewSchema,
  InvitationAccepted: InvitationAcceptedSchema,
  PublishedResponse: PublishedSchema,
  DeliveryOutcome: DeliveryOutcomeSchema,
  NotifyChannel: NotifyChannelSchema,
  NotifyTestResult: NotifyTestResultSchema,
};
