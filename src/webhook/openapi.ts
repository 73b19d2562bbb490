/**
 * The OpenAPI 3.0 document of the public HTTP API, generated from the same schema objects that
 * validate (./schemas.ts). Served as GET /openapi.json.
 */
import {
  ORDER_ID_PATTERN,
  OrdersQuerySchema,
  TICKER_PATTERN,
  componentSchemas,
  type JsonSchema,
} from "./schemas.js";

export interface OpenApiOptions {
  /** Base URL of this daemon, e.g. "http://127.0.0.1:8000". */
  serverUrl: string;
  /** Package version for info.version (default "1.0.0"). */
  version?: string;
}

export type OpenApiDocument = { openapi: string; [key: string]: unknown };

const COMPONENT_NAME = new Map<JsonSchema, string>(Object.entries(componentSchemas).map(([name, s]) => [s, name]));

function isPlainObject(v: unknown): v is JsonSchema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Rewrites a draft-07 schema into OpenAPI 3.0's dialect:
 * numeric exclusiveMinimum/Maximum → minimum/maximum + boolean; `["T","null"]` → `T` + nullable;
 * several types → anyOf; `const` → one-value enum; `$schema`/`$id` dropped; a nested schema that
 * is a registered component → `$ref`. Never mutates its input.
 */
export function toOpenApi30(schema: JsonSchema, opts: { root?: boolean } = {}): JsonSchema {
  const name = COMPONENT_NAME.get(schema);
  if (name !== undefined && opts.root !== true) return { $ref: `#/components/schemas/${name}` };
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case "$schema":
      case "$id":
        break;
      case "exclusiveMinimum":
      case "exclusiveMaximum":
        if (typeof value === "number") {
          out[key === "exclusiveMinimum" ? "minimum" : "maximum"] = value;
          out[key] = true;
        } else out[key] = value;
        break;
      case "const":
        out["enum"] = [value];
        break;
      case "type":
        if (Array.isArray(value)) {
          const types = value.filter((t) => t !== "null");
          if (types.length !== value.length) out["nullable"] = true;
          if (types.length === 1) out["type"] = types[0];
          else out["anyOf"] = types.map((t) => ({ type: t }));
        } else out[key] = value;
        break;
      case "properties":
        out[key] = Object.fromEntries(
          Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, toOpenApi30(v)]),
        );
        break;
      case "items":
      case "not":
        out[key] = isPlainObject(value) ? toOpenApi30(value) : value;
        break;
      case "additionalProperties":
        out[key] = isPlainObject(value) ? toOpenApi30(value) : value;
        break;
      case "anyOf":
      case "oneOf":
      case "allOf":
        out[key] = (value as JsonSchema[]).map((v) => toOpenApi30(v));
        break;
      default:
        out[key] = value;
    }
  }
  return out;
}

const ref = (name: string): JsonSchema => {
  if (!(name in componentSchemas)) throw new Error(`unknown schema component ${name}`);
  return { $ref: `#/components/schemas/${name}` };
};
const json = (name: string, description: string, extra: JsonSchema = {}): JsonSchema => ({
  description,
  content: { "application/json": { schema: ref(name) } },
  ...extra,
});

const RATE_LIMIT_HEADERS = {
  "X-RateLimit-Limit": { $ref: "#/components/headers/X-RateLimit-Limit" },
  "X-RateLimit-Remaining": { $ref: "#/components/headers/X-RateLimit-Remaining" },
  "X-RateLimit-Reset": { $ref: "#/components/headers/X-RateLimit-Reset" },
};

const common = {
  "429": json("ErrorResponse", "Rate limit exceeded (RATE_LIMIT_EXCEEDED); details: RateLimitDetails.", {
    headers: { ...RATE_LIMIT_HEADERS, "Retry-After": { $ref: "#/components/headers/Retry-After" } },
  }),
  "500": json("ErrorResponse", "Internal error (INTERNAL_ERROR)."),
};
const authFailed = (what: string) => json("ErrorResponse", `${what} missing or wrong (AUTH_FAILED).`);

const REQUEST_ID = { $ref: "#/components/parameters/RequestId" };

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

function signalBody(schemaName: string, example: JsonSchema): JsonSchema {
  return {
    required: true,
    description:
      "JSON. TradingView sends text/plain unless the alert message is valid JSON, so text/plain holding JSON is accepted too. Max 1 MB.",
    content: {
      "application/json": { schema: ref(schemaName), example },
      "text/plain": { schema: { type: "string", description: `A JSON text matching ${schemaName}.` }, example: JSON.stringify(example) },
    },
  };
}

const PASSPHRASE_AUTH =
  "Authentication: the `passphrase` field of the body must equal WEBHOOK_SECRET (constant-time comparison; WEBHOOK_SECRET_PREVIOUS is also accepted during a rotation). A missing or wrong passphrase is answered 401 before any field detail is revealed.";
const ADMIN_AUTH =
  "Authentication: the `password` field of the body is checked against ADMIN_PASSWORD_HASH (bcrypt). 5 attempts per 5 minutes.";

function paths(): Record<string, JsonSchema> {
  return {
    "/webhook": {
      post: {
        tags: ["Webhook"],
        operationId: "receiveSignal",
        summary: "Receive a trading signal from TradingView",
        description: `${PASSPHRASE_AUTH}\n\nCheck order: rate limit → parse → passphrase (401) → validation (400, every field error listed) → idempotency (a repeat of timestamp+ticker+action returns the first response) → kill switch (503) → risk (403) → journal → broker. Rate limits: 60/minute, 300/hour, 1000/day.`,
        security: [],
        parameters: [REQUEST_ID],
        requestBody: signalBody("TradingSignal", SIGNAL_EXAMPLE),
        responses: {
          "200": json("WebhookSuccessResponse", "Processed: the broker acknowledged within the sync budget.", { headers: RATE_LIMIT_HEADERS }),
          "202": json("AcceptedResponse", "Journaled and queued; execution continues from the journal.", { headers: RATE_LIMIT_HEADERS }),
          "400": json("ValidationErrorResponse", "Malformed JSON or invalid fields (VALIDATION_ERROR); `errors` lists every failing field."),
          "401": authFailed("Passphrase"),
          "403": json("ErrorResponse", "Risk limit exceeded (RISK_LIMIT_EXCEEDED); details: RiskLimitDetails."),
          "413": json("ErrorResponse", "Body larger than 1 MB."),
          "503": json("ErrorResponse", "Trading stopped by the kill switch (SERVICE_UNAVAILABLE)."),
          ...common,
        },
      },
    },
    "/webhook/test": {
      post: {
        tags: ["Webhook"],
        operationId: "testSignal",
        summary: "Dry-run an alert: validation and risk checks, no order",
        description: `${PASSPHRASE_AUTH}\n\nNothing is journaled as a trade and nothing is sent to the broker.`,
        security: [],
        parameters: [REQUEST_ID],
        requestBody: signalBody("TestSignal", {
          action: "buy",
          ticker: "9984",
          quantity: 100,
          price: "market",
          passphrase: "your-secret-passphrase-here",
          test_mode: true,
        }),
        responses: {
          "200": json("WebhookTestResponse", "The dry-run report."),
          "400": json("ValidationErrorResponse", "Malformed JSON (VALIDATION_ERROR)."),
          "401": authFailed("Passphrase"),
          ...common,
        },
      },
    },
    "/health": {
      get: {
        tags: ["System"],
        operationId: "getHealth",
        summary: "Health check",
        security: [],
        responses: {
          "200": json("HealthResponse", "Healthy."),
          "503": json("HealthResponse", "A required component is unhealthy."),
        },
      },
    },
    "/status": {
      get: {
        tags: ["System"],
        operationId: "getStatus",
        summary: "System state: kill switch, market, daily stats, positions, risk, streams, broker",
        security: [{ apiKey: [] }],
        parameters: [REQUEST_ID],
        responses: {
          "200": json("StatusResponse", "Current state."),
          "401": authFailed("API key"),
          ...common,
        },
      },
    },
    "/orders": {
      get: {
        tags: ["Orders"],
        operationId: "listOrders",
        summary: "Order history",
        security: [{ apiKey: [] }],
        parameters: [REQUEST_ID, ...queryParameters(OrdersQuerySchema)],
        responses: {
          "200": json("OrderListResponse", "Orders, newest first."),
          "400": json("ValidationErrorResponse", "Invalid query (VALIDATION_ERROR)."),
          "401": authFailed("API key"),
          ...common,
        },
      },
    },
    "/orders/{order_id}": {
      get: {
        tags: ["Orders"],
        operationId: "getOrder",
        summary: "One order",
        security: [{ apiKey: [] }],
        parameters: [
          REQUEST_ID,
          {
            name: "order_id",
            in: "path",
            required: true,
            description: "ORD_YYYYMMDD_NNN",
            schema: { type: "string", pattern: ORDER_ID_PATTERN },
          },
        ],
        responses: {
          "200": json("OrderResponse", "The order."),
          "401": authFailed("API key"),
          "404": json("ErrorResponse", "No such order (NOT_FOUND)."),
          ...common,
        },
      },
    },
    "/positions": {
      get: {
        tags: ["Orders"],
        operationId: "getPositions",
        summary: "Open positions",
        security: [{ apiKey: [] }],
        parameters: [REQUEST_ID],
        responses: {
          "200": json("PositionListResponse", "Open positions."),
          "401": authFailed("API key"),
          ...common,
        },
      },
    },
    "/admin/kill-switch": {
      post: {
        tags: ["Admin"],
        operationId: "activateKillSwitch",
        summary: "Emergency stop: refuse every new signal until resumed",
        description: ADMIN_AUTH,
        security: [],
        parameters: [REQUEST_ID],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: ref("AdminAction"),
              example: { password: "admin-password-here", reason: "Manual emergency stop" },
            },
          },
        },
        responses: {
          "200": json("KillSwitchResponse", "Kill switch activated - all trading stopped."),
          "400": json("ValidationErrorResponse", "Invalid body (VALIDATION_ERROR)."),
          "401": authFailed("Admin password"),
          ...common,
        },
      },
    },
    "/admin/resume": {
      post: {
        tags: ["Admin"],
        operationId: "resumeTrading",
        summary: "Lift the kill switch",
        description: `${ADMIN_AUTH} On the control socket no password is needed (socket access is ownership).`,
        security: [],
        parameters: [REQUEST_ID],
        requestBody: {
          required: true,
          content: {
            "application/json": { schema: ref("AdminAction"), example: { password: "admin-password-here", reason: "Checked positions" } },
          },
        },
        responses: {
          "200": json("KillSwitchResponse", "Trading resumed."),
          "400": json("ValidationErrorResponse", "Invalid body (VALIDATION_ERROR)."),
          "401": authFailed("Admin password"),
          ...common,
        },
      },
    },
    "/openapi.json": {
      get: {
        tags: ["System"],
        operationId: "getOpenApi",
        summary: "This document",
        security: [],
        responses: { "200": { description: "OpenAPI 3.0 document", content: { "application/json": { schema: { type: "object" } } } } },
      },
    },
  };
}

/** Query parameters from an object schema (one parameter per property). */
export function queryParameters(schema: JsonSchema): JsonSchema[] {
  const props = (schema["properties"] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema["required"] ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => {
    const { description, ...rest } = toOpenApi30(s);
    return {
      name,
      in: "query",
      required: required.has(name),
      ...(description === undefined ? {} : { description }),
      schema: rest,
    };
  });
}

export function buildOpenApi(opts: OpenApiOptions): OpenApiDocument {
  return {
    openapi: "3.0.3",
    info: {
      title: "tradectl API",
      version: opts.version ?? "1.0.0",
      description:
        "TradingView webhook intake and control API of tradectl. Errors use one shape: {status, message, error_code, details, request_id, timestamp, help_url}. Tickers: TSE codes (\"9984\", \"130A\"; pattern " +
        TICKER_PATTERN +
        ").",
    },
    servers: [{ url: opts.serverUrl }],
    tags: [
      { name: "Webhook", description: "TradingView alerts (passphrase in the body)" },
      { name: "System", description: "Health and state" },
      { name: "Orders", description: "Orders and positions (API key)" },
      { name: "Admin", description: "Kill switch (admin password in the body)" },
    ],
    paths: paths(),
    components: {
      schemas: Object.fromEntries(Object.entries(componentSchemas).map(([name, s]) => [name, toOpenApi30(s, { root: true })])),
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "API_<base64 of 32 random bytes>",
          description: "`Authorization: Bearer API_…` (create with `tradectl keys create`; stored as a SHA-256 hash).",
        },
      },
      parameters: {
        RequestId: {
          name: "X-Request-ID",
          in: "header",
          required: false,
          description: "Echoed as request_id; otherwise `req_` + 16 hex chars is generated.",
          schema: { type: "string", maxLength: 128 },
        },
      },
      headers: {
        "X-RateLimit-Limit": { description: "Requests allowed in the window.", schema: { type: "integer" } },
        "X-RateLimit-Remaining": { description: "Requests left in the window.", schema: { type: "integer" } },
        "X-RateLimit-Reset": { description: "Unix seconds when the window resets.", schema: { type: "integer" } },
        "Retry-After": { description: "Seconds to wait.", schema: { type: "integer" } },
      },
    },
  };
}
