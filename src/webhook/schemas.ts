/**
 * JSON Schemas of the public HTTP API: request bodies and response shapes.
 *
 * One source for three consumers: ajv (validate-alert.ts compiles the TradingSignal field schemas
 * and lets them decide what is valid), the routes (api/routes attach these objects as their schemas,
 * see api/contract/route-doc.ts), and the OpenAPI 3.0 document generated from those routes
 * (api/contract/openapi.ts converts these draft-07 objects, e.g. numeric `exclusiveMinimum` and
 * `["x","null"]` types, to their OpenAPI 3.0 spelling). Keep them to keywords both understand: no
 * `format` (ajv would need ajv-formats), no `const`, no `$ref` (nesting is by object identity; the
 * generator turns a nested schema that is also a component into a `$ref`).
 */

import { API_ERROR_CODES } from "../domain/errors.js";
import { ORDER_STATUSES } from "../domain/types.js";
import { SIGNAL_ACTIONS } from "../domain/order-vocabulary.js";
import { MAX_ORDERS_LIMIT, MAX_ORDERS_OFFSET } from "../domain/query-limits.js";

/** A JSON Schema object (draft-07 subset). */
export type JsonSchema = { [keyword: string]: unknown };

// ---------------------------------------------------------------- field patterns

/**
 * Letters JPX uses in the alphanumeric security codes issued since 2024 ("130A"): 19 letters,
 * never B, E, I, O, Q, V, Z (look like 8, 3, 1, 0, 9, U, 2).
 */
export const TICKER_LETTERS = "ACDFGHJKLMNPRSTUWXY";
/**
 * A TSE code: four characters; the 1st and 3rd are digits, the 2nd and 4th a digit or one of
 * TICKER_LETTERS ("9984", "130A", "1A00", "1A0A"). Covers every code JPX's rule can issue.
 */
export const TICKER_CODE_PATTERN = `[0-9][0-9${TICKER_LETTERS}][0-9][0-9${TICKER_LETTERS}]`;
/** Exchange prefixes TradingView puts before a Tokyo listing ("TSE:9984"). */
export const TICKER_PREFIXES = ["TSE", "JPX"] as const;
export const TICKER_PATTERN = `^(?:(?:${TICKER_PREFIXES.join("|")}):)?${TICKER_CODE_PATTERN}$`;

export const MAX_QUANTITY = 1_000_000_000;
/** A quantity sent as a string of digits, positive, a multiple of 100, at most MAX_QUANTITY. */
export const QUANTITY_STRING_PATTERN = "^0*(?:[1-9][0-9]{0,6}00|1000000000)$";

/** Unix milliseconds as a string of digits (the seed's form). */
export const UNIX_MS_STRING_PATTERN = "^[0-9]{1,16}$";
/** ISO-8601 date-time with a zone, as TradingView's {{timenow}} ("2025-12-27T01:30:45Z"). */
export const ISO_DATE_TIME_PATTERN =
  "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})$";

// ---------------------------------------------------------------- TradingSignal fields

const positiveNumber = (description: string): JsonSchema => ({
  type: "number",
  exclusiveMinimum: 0,
  description,
});

/** The last millisecond a JavaScript Date holds (ECMA-262): a later instant cannot be written as a date. */
export const MAX_INSTANT_MS = 8.64e15;

/** A point in time: Unix ms (string or integer, at most MAX_INSTANT_MS) or ISO-8601 with a zone. */
const instantSchema = (description: string): JsonSchema => ({
  description,
  anyOf: [
    { type: "string", pattern: UNIX_MS_STRING_PATTERN },
    { type: "string", pattern: ISO_DATE_TIME_PATTERN },
    { type: "integer", minimum: 0, maximum: MAX_INSTANT_MS },
  ],
});

const unitSchema = (what: string): JsonSchema => ({
  type: "string",
  enum: ["price", "pips", "percent"],
  description: `How ${what} is given: \`price\` (default), \`pips\` (of the instrument: instruments.<ticker>.pipSize), or \`percent\` of the reference price.`,
});

/** A distance ≥ 0 in the unit of the object it is in. */
const distance = (description: string, exclusive = false): JsonSchema => ({ type: "number", ...(exclusive ? { exclusiveMinimum: 0 } : { minimum: 0 }), description });

/** The properties of an alert body, one schema per field; validate-alert.ts compiles each. */
export const signalFieldSchemas = {
  action: {
    type: "string",
    enum: [...SIGNAL_ACTIONS],
    description:
      "`buy` opens or adds (an entry); `sell` reduces or closes a held position (an exit; no short selling). `close_long` / `close_short` close the ticker's long / short position (all of it, or `quantity`); `close_all` closes both (`ticker: \"*\"`: every ticker); `cancel` cancels the ticker's pending orders (`side` for one side; `ticker: \"*\"` for all); `reverse` closes the position and opens the other side; `modify` sets a new `stop_loss` / `take_profit` / `breakeven` / `trailing` on the open position. Closes, cancels and modifies are exits.",
  },
  ticker: {
    type: "string",
    pattern: TICKER_PATTERN,
    description:
      "TSE security code: 4 digits (\"9984\") or JPX's alphanumeric form (\"130A\"; letters in the 2nd/4th place, never B E I O Q V Z). A TradingView prefix `TSE:` or `JPX:` is accepted and removed.",
  },
  quantity: {
    description:
      "Shares: an integer > 0 and a multiple of 100 (a string of digits is accepted too). Required for buy/sell/reverse unless `sizing` is given; optional for closes (a partial close); not used by cancel/modify.",
    anyOf: [
      { type: "integer", minimum: 100, maximum: MAX_QUANTITY, multipleOf: 100 },
      { type: "string", pattern: QUANTITY_STRING_PATTERN },
    ],
  },
  price: {
    description:
      "`market`, or a price > 0: a limit price (a number alone means limit), the stop price with `order_type: stop`, or an offset from the market with `price_unit` pips/percent. Required for buy/sell.",
    anyOf: [
      { type: "string", enum: ["market"] },
      { type: "number", exclusiveMinimum: 0 },
    ],
  },
  entry_price: positiveNumber("Entry price hint (buy only)."),
  stop_loss: positiveNumber(
    "Stop loss (buy, reverse, modify): a price (below entry_price and take_profit when those are given), or a distance from the entry in `sl_unit` pips/percent. Put on the instrument's price grid, away from the price.",
  ),
  take_profit: positiveNumber(
    "Take profit (buy, reverse, modify): a price (above entry_price and stop_loss when those are given), or a distance in `tp_unit` pips/percent. Put on the grid, away from the price.",
  ),
  atr: positiveNumber("ATR value (informational)."),
  rr_ratio: positiveNumber("Risk/reward ratio (informational)."),
  rsi: { type: "number", minimum: 0, maximum: 100, description: "RSI value (informational), 0–100." },
  exit_reason: { type: "string", enum: ["stop_loss", "take_profit", "market_close"], description: "Why the strategy exits." },
  exit_price: positiveNumber("Exit price hint (sell only)."),
  timestamp: instantSchema(
    "When the alert fired: Unix ms as a string (\"1735279200000\"), an integer, or ISO-8601 with a zone (TradingView's {{timenow}}). Must be within webhook.timestampWindowMs (default 5 minutes) of the server's clock.",
  ),
  expires_at: instantSchema(
    "Optional: when the signal goes stale (same forms as timestamp). An entry not sent to the broker by then is never sent. Default: receipt + webhook.signalTtlMs (60 s).",
  ),
  confidence: { type: "number", minimum: 0, maximum: 1, description: "Optional strategy confidence 0–1, carried in the event metadata." },
  order_type: {
    type: "string",
    enum: ["market", "limit", "stop"],
    description: "Order type of an entry (buy, reverse): `limit` and `stop` rest at the broker until the price reaches `price` or they expire. A numeric `price` without it means limit.",
  },
  price_unit: unitSchema("`price` of a limit/stop order (pips/percent: an offset from the market)"),
  sl_unit: unitSchema("`stop_loss`"),
  tp_unit: unitSchema("`take_profit`"),
  expire_minutes: {
    type: "integer",
    minimum: 1,
    maximum: 525_600,
    description: "A pending (limit/stop) order expires this many minutes after receipt (or at `expires_at`); without either it is good till cancelled.",
  },
  sizing: {
    type: "object",
    description:
      "Order size computed at admission instead of `quantity`: `quantity` (shares), `cash` (money), `equity_percent` (of the account's equity), `risk_percent` (of the balance lost if the stop loss is hit; needs `stop_loss`). Rounded down to the lot step; refused below the minimum lot.",
    required: ["mode", "value"],
    properties: {
      mode: { type: "string", enum: ["quantity", "cash", "equity_percent", "risk_percent"] },
      value: { type: "number", exclusiveMinimum: 0 },
    },
    additionalProperties: false,
  },
  breakeven: {
    type: "object",
    description: "Move the stop loss to the entry price + `offset` once the position is `trigger` in profit (distances in `unit`).",
    required: ["trigger"],
    properties: {
      trigger: distance("Profit that triggers the move.", true),
      offset: distance("Where the stop goes beyond the entry, in profit (default 0)."),
      unit: unitSchema("trigger and offset"),
    },
    additionalProperties: false,
  },
  trailing: {
    type: "object",
    description: "Once `trigger` in profit, keep the stop loss `distance` behind the best price, moving it in steps of at least `step`. Never loosened.",
    required: ["distance"],
    properties: {
      trigger: distance("Profit that starts the trailing (default 0)."),
      distance: distance("How far behind the price the stop follows.", true),
      step: distance("Smallest move of the stop (default 0)."),
      unit: unitSchema("trigger, distance and step"),
    },
    additionalProperties: false,
  },
  max_spread: positiveNumber("Refuse an entry when the spread (ask − bid) is wider than this many pips of the instrument."),
  side: { type: "string", enum: ["buy", "sell"], description: "cancel: only the pending orders of this side." },
  passphrase: {
    type: "string",
    minLength: 20,
    writeOnly: true,
    description: "The shared secret (WEBHOOK_SECRET). Checked first (401 AUTH_FAILED); never logged or echoed.",
  },
} satisfies Record<string, JsonSchema>;

export type SignalField = keyof typeof signalFieldSchemas;

/** Required of every alert; `quantity` and `price` are required of the seed's buy/sell (see the description). */
export const SIGNAL_REQUIRED_FIELDS = ["action", "ticker", "timestamp", "passphrase"] as const;

/** POST /webhook body. Unknown extra fields are allowed and ignored. */
export const TradingSignalSchema: JsonSchema = {
  type: "object",
  description:
    "A TradingView alert. Rules beyond this schema: buy and sell require quantity and price (the seed's rule; `sizing` may replace quantity); entry_price/stop_loss/take_profit only with buy (stop_loss/take_profit also with reverse and modify), exit_price only with sell; stop_loss < entry_price < take_profit when given as prices; timestamp within the window; expires_at in the future; risk_percent sizing needs stop_loss; ticker \"*\" only with close_all and cancel.",
  required: [...SIGNAL_REQUIRED_FIELDS],
  properties: signalFieldSchemas,
  additionalProperties: true,
};

/** POST /webhook/test body: like the webhook, but timestamp is optional (the seed's example has none). */
export const TestSignalSchema: JsonSchema = {
  type: "object",
  description: "A dry run of an alert: validated and risk-checked, never executed. timestamp is optional here.",
  required: SIGNAL_REQUIRED_FIELDS.filter((f) => f !== "timestamp"),
  properties: {
    ...signalFieldSchemas,
    test_mode: { type: "boolean", description: "Accepted for compatibility; /webhook/test never executes." },
  },
  additionalProperties: true,
};

/** POST /admin/kill-switch and POST /admin/resume body. */
export const AdminActionSchema: JsonSchema = {
  type: "object",
  required: ["password"],
  properties: {
    password: {
      type: "string",
      minLength: 1,
      maxLength: 1024,
      writeOnly: true,
      description: "The admin password (bcrypt hash in ADMIN_PASSWORD_HASH). 5 attempts per 5 minutes.",
    },
    reason: { type: "string", maxLength: 500, description: "Recorded in the audit log." },
    flatten: { type: "boolean", description: "Kill switch only: also close every open position." },
  },
  additionalProperties: false,
};

// ---------------------------------------------------------------- response shapes

const isoTimestamp = { type: "string", description: "ISO-8601 (UTC), e.g. 2025-12-27T10:30:45.123Z" };
const requestId = { type: "string", description: "`req_` + 16 hex chars, or the caller's X-Request-ID." };

export const FieldErrorSchema: JsonSchema = {
  type: "object",
  required: ["field", "message"],
  properties: {
    field: { type: "string" },
    message: { type: "string" },
    value: { description: "The value received (null when missing; secrets are never echoed)." },
  },
  additionalProperties: false,
};

/** The seed's unified error (4.2). */
export const ErrorResponseSchema: JsonSchema = {
  type: "object",
  required: ["status", "message", "error_code", "request_id", "timestamp"],
  properties: {
    status: { type: "string", enum: ["error"] },
    message: { type: "string" },
    error_code: { type: "string", enum: [...API_ERROR_CODES] },
    details: { type: "object", additionalProperties: true },
    request_id: requestId,
    timestamp: isoTimestamp,
    help_url: { type: "string" },
  },
  additionalProperties: false,
};

/** 400 from /webhook: every failing field (seed 2.1). */
export const ValidationErrorResponseSchema: JsonSchema = {
  type: "object",
  required: ["status", "message", "error_code", "errors", "request_id", "timestamp"],
  properties: {
    status: { type: "string", enum: ["error"] },
    message: { type: "string" },
    error_code: { type: "string", enum: ["VALIDATION_ERROR"] },
    errors: { type: "array", items: FieldErrorSchema },
    details: { type: "object", additionalProperties: true },
    request_id: requestId,
    timestamp: isoTimestamp,
    help_url: { type: "string" },
  },
  additionalProperties: false,
};

/** `details` of a 403 RISK_LIMIT_EXCEEDED. */
export const RiskLimitDetailsSchema: JsonSchema = {
  type: "object",
  required: ["limit_type", "current_value", "max_value", "reset_at"],
  properties: {
    limit_type: {
      type: "string",
      enum: ["daily_trade_count", "cooldown", "market_hours", "daily_loss", "max_exposure", "no_position", "reconciliation_mismatch"],
    },
    current_value: { type: ["number", "null"] },
    max_value: { type: ["number", "null"] },
    reset_at: { type: ["string", "null"], description: "ISO-8601; null when the limit does not clear by time alone." },
    message: { type: "string" },
  },
  additionalProperties: true,
};

/** `details` of a 429 RATE_LIMIT_EXCEEDED (seed 6.2). */
export const RateLimitDetailsSchema: JsonSchema = {
  type: "object",
  properties: {
    limit: { type: "integer" },
    window: { type: "string" },
    retry_after_seconds: { type: "integer" },
  },
  additionalProperties: true,
};

/** The generic success envelope. */
export const SuccessResponseSchema: JsonSchema = {
  type: "object",
  required: ["status"],
  properties: {
    status: { type: "string", enum: ["success"] },
    message: { type: "string" },
    data: { type: "object", additionalProperties: true },
  },
  additionalProperties: false,
};

const successWith = (data: JsonSchema, description: string): JsonSchema => ({
  type: "object",
  description,
  required: ["status", "data"],
  properties: {
    status: { type: "string", enum: ["success"] },
    message: { type: "string" },
    data,
  },
  additionalProperties: false,
});

export const WebhookOrderDataSchema: JsonSchema = {
  type: "object",
  required: ["request_id", "ticker", "action", "quantity", "order_id", "timestamp"],
  properties: {
    request_id: requestId,
    ticker: { type: "string" },
    action: { type: "string", enum: [...SIGNAL_ACTIONS] },
    quantity: { type: "number", description: "Shares ordered (computed at admission when the alert used `sizing`)." },
    order_id: { type: "string", description: "ORD_YYYYMMDD_NNN (the first, when the signal made several orders)" },
    orders: {
      type: "array",
      description: "Every order the signal made, when more than one (reverse: the close, then the open; close_all/cancel of `*`: one per ticker).",
      items: { type: "object", additionalProperties: true },
    },
    sent: { type: "object", additionalProperties: true, description: "What was sent: prices as put on the grid, and the computed quantity." },
    order_status: { type: "string" },
    timestamp: isoTimestamp,
    processing_time_ms: { type: "integer" },
  },
  additionalProperties: true,
};

export const WebhookSuccessResponseSchema = successWith(WebhookOrderDataSchema, "200: the broker acknowledged within the sync budget.");

/** 202: journaled and queued; execution goes on from the journal. */
export const AcceptedResponseSchema: JsonSchema = {
  type: "object",
  required: ["status", "data"],
  properties: {
    status: { type: "string", enum: ["accepted"] },
    message: { type: "string" },
    data: {
      type: "object",
      required: ["request_id", "queue_position"],
      properties: {
        request_id: requestId,
        order_id: { type: "string" },
        queue_position: { type: "integer", minimum: 0 },
        estimated_processing_time_ms: { type: "integer", minimum: 0 },
      },
      additionalProperties: true,
    },
  },
  additionalProperties: false,
};

/** `data` of POST /webhook/test (see dry-run.ts). */
export const WebhookTestDataSchema: JsonSchema = {
  type: "object",
  required: ["request_id", "validation_results", "risk_checks", "would_execute", "estimated_order_amount", "timestamp"],
  properties: {
    request_id: requestId,
    validation_results: {
      type: "object",
      description: "Field → \"✅ Valid (…)\" or \"❌ …\".",
      additionalProperties: { type: "string" },
    },
    risk_checks: {
      type: "object",
      description: "Check → \"✅ OK (…)\", \"✅ Not applied (…)\", \"❌ Blocked (…)\" or \"➖ Not evaluated (…)\".",
      additionalProperties: { type: "string" },
    },
    would_execute: { type: "boolean" },
    estimated_order_amount: { type: ["number", "null"] },
    errors: { type: "array", items: FieldErrorSchema },
    ignored_fields: { type: "array", items: { type: "string" }, description: "Body fields tradectl does not read." },
    risk_limit: RiskLimitDetailsSchema,
    would_send: {
      type: "array",
      description: "Exactly what would be sent: each order's computed quantity, type and prices as put on the instrument's grid (and how: `sent`).",
      items: { type: "object", additionalProperties: true },
    },
    refused: { type: "object", additionalProperties: true, description: "Why admission would refuse it (reason, message, details)." },
    timestamp: isoTimestamp,
  },
  additionalProperties: true,
};

export const WebhookTestResponseSchema = successWith(WebhookTestDataSchema, "A dry-run report; nothing is executed.");

export const HealthResponseSchema: JsonSchema = {
  type: "object",
  required: ["status", "timestamp", "components"],
  properties: {
    status: { type: "string", enum: ["healthy", "unhealthy"] },
    timestamp: isoTimestamp,
    uptime_seconds: { type: "integer" },
    components: { type: "object", additionalProperties: { type: "string", enum: ["healthy", "unhealthy", "disabled"] } },
    errors: {
      type: "array",
      items: {
        type: "object",
        required: ["component", "message"],
        properties: { component: { type: "string" }, message: { type: "string" } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: true,
};

export const PositionSchema: JsonSchema = {
  type: "object",
  required: ["ticker", "quantity"],
  properties: {
    ticker: { type: "string" },
    quantity: { type: "number" },
    entry_price: { type: "number" },
    current_price: { type: ["number", "null"] },
    unrealized_pnl: { type: ["number", "null"] },
  },
  additionalProperties: true,
};

export const StatusDataSchema: JsonSchema = {
  type: "object",
  required: ["system_enabled", "trading_active", "market_open", "timestamp"],
  properties: {
    system_enabled: { type: "boolean" },
    trading_active: { type: "boolean" },
    market_open: { type: "boolean" },
    daily_stats: {
      type: "object",
      properties: {
        entries: { type: "integer" },
        exits: { type: "integer" },
        realized_pnl: { type: "number" },
        unrealized_pnl: { type: "number" },
        total_pnl: { type: "number" },
      },
      additionalProperties: true,
    },
    current_positions: { type: "array", items: PositionSchema },
    risk_status: {
      type: "object",
      properties: {
        daily_entries: { type: "string", description: "\"2/3\"" },
        cooldown: { type: "string", description: "\"ready\" or the time left" },
        daily_loss: { type: "number" },
        total_exposure: { type: "number" },
      },
      additionalProperties: true,
    },
    streams: {
      type: "array",
      items: {
        type: "object",
        properties: {
          name: { type: "string" },
          state: { type: "string" },
          last_message_at: { type: ["string", "null"] },
          reconnects: { type: "integer" },
        },
        additionalProperties: true,
      },
    },
    broker: {
      type: "object",
      properties: { kind: { type: "string" }, connected: { type: "boolean" } },
      additionalProperties: true,
    },
    timestamp: isoTimestamp,
  },
  additionalProperties: true,
};

export const StatusResponseSchema = successWith(StatusDataSchema, "System state.");


/** An order as journaled (domain Order). */
export const OrderSchema: JsonSchema = {
  type: "object",
  required: ["order_id", "ticker", "action", "quantity", "order_type", "status", "created_at"],
  properties: {
    order_id: { type: "string", description: "ORD_YYYYMMDD_NNN" },
    signal_id: { type: "string" },
    request_id: { type: "string" },
    ticker: { type: "string" },
    action: { type: "string", enum: ["buy", "sell"] },
    quantity: { type: "number" },
    kind: { type: "string", enum: ["trade", "cancel", "modify"], description: "trade: a deal or a pending order; cancel: removes `target_order_id`; modify: new SL/TP of the position." },
    order_type: { type: "string", enum: ["market", "limit", "stop"] },
    limit_price: { type: ["number", "null"], description: "The limit or stop price, on the instrument's grid." },
    order_expires_at: { type: ["string", "null"], description: "ISO-8601: when a pending order expires (null: good till cancelled)." },
    target_order_id: { type: ["string", "null"] },
    sent: { type: ["object", "null"], additionalProperties: true, description: "What was sent: prices as rounded to the grid, the computed quantity and how." },
    stop_loss: { type: ["number", "null"] },
    take_profit: { type: ["number", "null"] },
    status: { type: "string", enum: [...ORDER_STATUSES] },
    fill_price: { type: ["number", "null"] },
    filled_quantity: { type: "number" },
    fee: { type: "number" },
    broker_order_id: { type: ["string", "null"] },
    error_code: { type: ["string", "null"] },
    error_message: { type: ["string", "null"] },
    attempts: { type: "integer" },
    created_at: isoTimestamp,
    updated_at: isoTimestamp,
    submitted_at: { type: ["string", "null"], description: "ISO-8601" },
    filled_at: { type: ["string", "null"], description: "ISO-8601" },
    expires_at: isoTimestamp,
  },
  additionalProperties: true,
};

export const OrderResponseSchema = successWith(OrderSchema, "One order.");

export const OrderListDataSchema: JsonSchema = {
  type: "object",
  required: ["orders"],
  properties: {
    orders: { type: "array", items: OrderSchema },
    total: { type: "integer" },
    limit: { type: "integer" },
    offset: { type: "integer" },
  },
  additionalProperties: true,
};

export const OrderListResponseSchema = successWith(OrderListDataSchema, "Orders, newest first.");

export const PositionListResponseSchema = successWith(
  {
    type: "object",
    required: ["positions"],
    properties: { positions: { type: "array", items: PositionSchema } },
    additionalProperties: true,
  },
  "Open positions.",
);

export const KillSwitchDataSchema: JsonSchema = {
  type: "object",
  required: ["system_enabled"],
  properties: {
    system_enabled: { type: "boolean" },
    stopped_at: isoTimestamp,
    resumed_at: isoTimestamp,
    reason: { type: "string" },
    positions_at_stop: {
      type: "array",
      items: {
        type: "object",
        properties: { ticker: { type: "string" }, quantity: { type: "number" }, entry_price: { type: "number" } },
        additionalProperties: true,
      },
    },
  },
  additionalProperties: true,
};

export const KillSwitchResponseSchema = successWith(KillSwitchDataSchema, "Kill switch state after the call.");

/** Unix ms (up to 16 digits), a date (YYYY-MM-DD) or an ISO-8601 date-time: the forms GET /orders reads as a bound. */
export const QUERY_INSTANT_PATTERN = "^(?:[0-9]{1,16}|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?)$";

/** GET /orders query string, the route's own schema (every parameter bounded). Fastify's ajv coerces the numbers. */
export const OrdersQuerySchema: JsonSchema = {
  type: "object",
  properties: {
    from: { type: "string", maxLength: 40, pattern: QUERY_INSTANT_PATTERN, description: "Earliest created_at: Unix ms, YYYY-MM-DD (JST day) or ISO-8601." },
    to: { type: "string", maxLength: 40, pattern: QUERY_INSTANT_PATTERN, description: "End of the range, exclusive: Unix ms, YYYY-MM-DD (the whole JST day included) or ISO-8601." },
    ticker: { type: "string", pattern: TICKER_PATTERN, description: "One ticker; a `TSE:`/`JPX:` prefix is removed." },
    status: { type: "string", enum: [...ORDER_STATUSES] },
    limit: { type: "integer", minimum: 1, maximum: MAX_ORDERS_LIMIT, default: 50 },
    offset: { type: "integer", minimum: 0, maximum: MAX_ORDERS_OFFSET, default: 0 },
  },
  additionalProperties: false,
};

export const ORDER_ID_PATTERN = "^ORD_[0-9]{8}_[0-9]{3,}$";

export const OrderParamsSchema: JsonSchema = {
  type: "object",
  required: ["order_id"],
  properties: { order_id: { type: "string", pattern: ORDER_ID_PATTERN } },
  additionalProperties: false,
};

/** Every component by the name it has in the OpenAPI document. */
export const componentSchemas: Record<string, JsonSchema> = {
  TradingSignal: TradingSignalSchema,
  TestSignal: TestSignalSchema,
  AdminAction: AdminActionSchema,
  FieldError: FieldErrorSchema,
  ErrorResponse: ErrorResponseSchema,
  ValidationErrorResponse: ValidationErrorResponseSchema,
  RiskLimitDetails: RiskLimitDetailsSchema,
  RateLimitDetails: RateLimitDetailsSchema,
  SuccessResponse: SuccessResponseSchema,
  WebhookOrderData: WebhookOrderDataSchema,
  WebhookSuccessResponse: WebhookSuccessResponseSchema,
  AcceptedResponse: AcceptedResponseSchema,
  WebhookTestData: WebhookTestDataSchema,
  WebhookTestResponse: WebhookTestResponseSchema,
  HealthResponse: HealthResponseSchema,
  Position: PositionSchema,
  StatusData: StatusDataSchema,
  StatusResponse: StatusResponseSchema,
  Order: OrderSchema,
  OrderResponse: OrderResponseSchema,
  OrderListData: OrderListDataSchema,
  OrderListResponse: OrderListResponseSchema,
  PositionListResponse: PositionListResponseSchema,
  KillSwitchData: KillSwitchDataSchema,
  KillSwitchResponse: KillSwitchResponseSchema,
};

/** The seed's entry-signal example (section 2.1), as the OpenAPI example and the tests' base alert. */
export const SIGNAL_EXAMPLE = {
  action: "buy",
  ticker: "9984",
  quantity: 100,
  price: "market",
  entry_price: 3000.5,
  stop_loss: 2940.25,
  take_profit: 3120.75,
  atr: 30.12,
  rr_ratio: 2.0,
  rsi: 62.5,
  timestamp: "1735279200000",
  passphrase: "your-secret-passphrase-here",
};
