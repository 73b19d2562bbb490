/** The contract of POST /webhook and POST /webhook/test (seed 2.1, 2.2): what the OpenAPI document says of them. */
import { json, RATE_LIMIT_HEADERS, routeDoc, type MediaDoc, type Refusal } from "../contract/route-doc.js";
import { AcceptedResponseSchema, SIGNAL_EXAMPLE, TestSignalSchema, TradingSignalSchema, WebhookSuccessResponseSchema, WebhookTestResponseSchema, type JsonSchema } from "../../webhook/schemas.js";

export const PASSPHRASE_AUTH =
  "Authentication: the `passphrase` field of the body must equal WEBHOOK_SECRET (constant-time comparison; WEBHOOK_SECRET_PREVIOUS is also accepted during a rotation). A missing or wrong passphrase is answered 401 before any field detail is revealed.";

/** A signal body: JSON, or text/plain holding JSON (TradingView's default). */
export function signalBody(schema: JsonSchema, example: unknown) {
  const content: Record<string, MediaDoc> = {
    "application/json": { schema, example },
    "text/plain": { schema: { type: "string", description: "A JSON text of the same object." }, example: JSON.stringify(example) },
  };
  return { required: true, description: "JSON. TradingView sends text/plain unless the alert message is valid JSON, so text/plain holding JSON is accepted too. Max 1 MB.", content };
}

/** Every refusal of the webhook's door, before and in admission. */
export const SIGNAL_REFUSALS: readonly Refusal[] = [
  "VALIDATION_ERROR",
  ["VALIDATION_ERROR", 415],
  "AUTH_FAILED",
  "RISK_LIMIT_EXCEEDED",
  "IP_NOT_ALLOWED",
  "PAYLOAD_TOO_LARGE",
  "ORDER_REJECTED",
  "SIGNAL_EXPIRED",
  "RATE_LIMIT_EXCEEDED",
  "SERVICE_UNAVAILABLE",
];

export const ORDER_ANSWERS = {
  200: json(WebhookSuccessResponseSchema, "Processed: the broker acknowledged within the sync budget (filled, partly filled, resting, or done).", RATE_LIMIT_HEADERS),
  202: json(AcceptedResponseSchema, "Journaled and queued; execution continues from the journal.", RATE_LIMIT_HEADERS),
};

export const webhookDocs = {
  "/webhook": routeDoc({
    operationId: "receiveSignal",
    summary: "Receive a trading signal from TradingView",
    description: `${PASSPHRASE_AUTH}\n\nCheck order: rate limit → parse (415 for a body that is neither JSON nor text) → passphrase (401) → validation (400, every field error listed) → the engine's admission: idempotency (a repeat gets the first answer) → kill switch (503) → risk (403) → journal → broker (422 refused or expired; 503 failed). Rate limits: 60/minute, 300/hour, 1000/day.`,
    tags: ["Webhook"],
    requestBody: signalBody(TradingSignalSchema, SIGNAL_EXAMPLE),
    answers: ORDER_ANSWERS,
    refuses: SIGNAL_REFUSALS,
  }),
  "/webhook/test": routeDoc({
    operationId: "testSignal",
    summary: "Dry-run an alert through the same admission: validation and risk checks, no order",
    description: `${PASSPHRASE_AUTH}\n\nNothing is journaled as a trade and nothing is sent to the broker.`,
    tags: ["Webhook"],
    requestBody: signalBody(TestSignalSchema, { action: "buy", ticker: "9984", quantity: 100, price: "market", passphrase: "your-secret-passphrase-here", test_mode: true }),
    answers: { 200: json(WebhookTestResponseSchema, "The dry-run report.") },
    refuses: ["VALIDATION_ERROR", ["VALIDATION_ERROR", 415], "AUTH_FAILED", "IP_NOT_ALLOWED", "PAYLOAD_TOO_LARGE", "RATE_LIMIT_EXCEEDED"],
  }),
};
