import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import {
  AdminActionSchema,
  componentSchemas,
  ErrorResponseSchema,
  HealthResponseSchema,
  AcceptedResponseSchema,
  KillSwitchResponseSchema,
  OrdersQuerySchema,
  SIGNAL_EXAMPLE,
  RiskLimitDetailsSchema,
  StatusResponseSchema,
  TestSignalSchema,
  TradingSignalSchema,
  ValidationErrorResponseSchema,
  WebhookSuccessResponseSchema,
  type JsonSchema,
} from "../../src/webhook/schemas.js";
import { toOpenApi30, type OpenApiDocument } from "../../src/api/contract/openapi.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

const ajv = new Ajv({ strict: true, allErrors: true });
function check(schema: JsonSchema, value: unknown): boolean {
  const v = ajv.compile(schema);
  const ok = v(value);
  if (!ok) return false;
  return true;
}
function assertValid(schema: JsonSchema, value: unknown, label: string): void {
  const v = ajv.compile(schema);
  assert.ok(v(value), `${label}: ${ajv.errorsText(v.errors)}`);
}

const SEED_ENTRY = SIGNAL_EXAMPLE;

describe("schemas compile under ajv strict mode", () => {
  for (const [name, schema] of Object.entries(componentSchemas)) {
    test(name, () => {
      assert.doesNotThrow(() => ajv.compile(schema));
    });
  }
  test("OrdersQuery", () => assert.doesNotThrow(() => ajv.compile(OrdersQuerySchema)));
});

describe("the seed's examples fit the schemas", () => {
  test("2.1 entry and exit signals; TradingView forms", () => {
    assertValid(TradingSignalSchema, SEED_ENTRY, "entry");
    assertValid(
      TradingSignalSchema,
      { action: "sell", ticker: "9984", quantity: 100, price: "market", exit_reason: "take_profit", exit_price: 3120.75, timestamp: "1735365600000", passphrase: "your-secret-passphrase-here" },
      "exit",
    );
    assertValid(TradingSignalSchema, { ...SEED_ENTRY, ticker: "TSE:130A", quantity: "200", timestamp: "2025-12-27T01:30:45Z", extra: 1 }, "TradingView forms");
  });

  test("TradingSignal refuses what validateAlert refuses by schema", () => {
    const bad: Array<Record<string, unknown>> = [
      { ticker: "999" },
      { ticker: "NASDAQ:AAPL" },
      { ticker: "130B" },
      { quantity: 150 },
      { quantity: "150" },
      { quantity: 0 },
      { quantity: 1.5 },
      { action: "hold" },
      { price: 0 },
      { price: "limit" },
      { rsi: 101 },
      { atr: 0 },
      { timestamp: "garbage" },
      { timestamp: "2025-12-27T01:30:45" },
      { passphrase: "short" },
    ];
    for (const over of bad) assert.equal(check(TradingSignalSchema, { ...SEED_ENTRY, ...over }), false, JSON.stringify(over));
    const { timestamp: _t, ...noTimestamp } = SEED_ENTRY;
    assert.equal(check(TradingSignalSchema, noTimestamp), false);
  });

  test("2.2 test body (no timestamp, test_mode)", () => {
    assertValid(TestSignalSchema, { action: "buy", ticker: "9984", quantity: 100, price: "market", passphrase: "your-secret-passphrase-here", test_mode: true }, "test body");
  });

  test("2.1 response examples", () => {
    assertValid(
      WebhookSuccessResponseSchema,
      {
        status: "success",
        message: "Signal received and processed",
        data: { request_id: "req_1234567890abcdef", ticker: "9984", action: "buy", quantity: 100, order_id: "ORD_20251227_001", timestamp: "2025-12-27T10:30:45.123Z", processing_time_ms: 127 },
      },
      "200",
    );
    assertValid(
      AcceptedResponseSchema,
      { status: "accepted", message: "Signal queued for processing", data: { request_id: "req_1234567890abcdef", queue_position: 3, estimated_processing_time_ms: 500 } },
      "202",
    );
    assertValid(
      ValidationErrorResponseSchema,
      {
        status: "error",
        message: "Validation failed",
        error_code: "VALIDATION_ERROR",
        errors: [
          { field: "ticker", message: "Invalid ticker format. Expected 4-digit code.", value: "999" },
          { field: "quantity", message: "Quantity must be multiple of 100", value: 150 },
        ],
        request_id: "req_1234567890abcdef",
        timestamp: "2025-12-27T10:30:45.123Z",
      },
      "400",
    );
    const forbidden = {
      status: "error",
      message: "Risk limit exceeded",
      error_code: "RISK_LIMIT_EXCEEDED",
      details: { limit_type: "daily_trade_count", current_value: 3, max_value: 3, reset_at: "2025-12-28T00:00:00Z" },
      request_id: "req_1234567890abcdef",
      timestamp: "2025-12-27T10:30:45.123Z",
    };
    assertValid(ErrorResponseSchema, forbidden, "403");
    assertValid(RiskLimitDetailsSchema, forbidden.details, "403 details");
    assertValid(
      ErrorResponseSchema,
      { status: "error", message: "Invalid passphrase", error_code: "AUTH_FAILED", request_id: "req_1234567890abcdef", timestamp: "2025-12-27T10:30:45.123Z", help_url: "https://docs.example/errors/AUTH_FAILED" },
      "401",
    );
    assertValid(
      ErrorResponseSchema,
      { status: "error", message: "Rate limit exceeded", error_code: "RATE_LIMIT_EXCEEDED", details: { limit: 60, window: "1 minute", retry_after_seconds: 42 }, request_id: "req_1234567890abcdef", timestamp: "2025-12-27T10:30:45.123Z" },
      "429",
    );
  });

  test("2.3–2.5 examples", () => {
    assertValid(
      HealthResponseSchema,
      { status: "healthy", timestamp: "2025-12-27T10:30:45.123Z", uptime_seconds: 86400, components: { database: "healthy", redis: "healthy", windows_vm: "healthy", market_data: "healthy" } },
      "health",
    );
    assertValid(
      HealthResponseSchema,
      { status: "unhealthy", timestamp: "2025-12-27T10:30:45.123Z", components: { database: "healthy", windows_vm: "unhealthy" }, errors: [{ component: "windows_vm", message: "Connection timeout after 5000ms" }] },
      "health 503",
    );
    assertValid(
      StatusResponseSchema,
      {
        status: "success",
        data: {
          system_enabled: true,
          trading_active: true,
          market_open: true,
          daily_stats: { entries: 2, exits: 1, realized_pnl: 12500, unrealized_pnl: 5000, total_pnl: 17500 },
          current_positions: [{ ticker: "9984", quantity: 100, entry_price: 3000.5, current_price: 3050.0, unrealized_pnl: 4950 }],
          risk_status: { daily_entries: "2/3", cooldown: "ready", daily_loss: -0, total_exposure: 305000 },
          timestamp: "2025-12-27T10:30:45.123Z",
        },
      },
      "status",
    );
    assertValid(AdminActionSchema, { password: "admin-password-here", reason: "Manual emergency stop" }, "kill body");
    assert.equal(check(AdminActionSchema, { reason: "x" }), false);
    assertValid(
      KillSwitchResponseSchema,
      {
        status: "success",
        message: "Kill switch activated - All trading stopped",
        data: { system_enabled: false, stopped_at: "2025-12-27T10:30:45.123Z", reason: "Manual emergency stop", positions_at_stop: [{ ticker: "9984", quantity: 100, entry_price: 3000.5 }] },
      },
      "kill response",
    );
  });

  // What GET /orders refuses is tested on the route itself (test/integration/http-edges.test.ts): a test here of a
  // schema object no route used could not fail when the route accepted offset=1e21.
  test("orders query: the seed's filters, every number bounded", () => {
    assertValid(OrdersQuerySchema, { from: "2025-12-01", to: "2025-12-27", ticker: "9984", status: "filled", limit: 10, offset: 0 }, "query");
    assertValid(OrdersQuerySchema, { from: "1735279200000", to: "2025-12-27T10:30:45+09:00", ticker: "TSE:130A" }, "query forms");
    const props = OrdersQuerySchema["properties"] as Record<string, JsonSchema>;
    for (const [name, s] of Object.entries(props)) {
      const bounded = s["type"] === "integer" ? typeof s["maximum"] === "number" && typeof s["minimum"] === "number" : "enum" in s || "pattern" in s;
      assert.ok(bounded, `${name} is unbounded`);
    }
  });
});

describe("OpenAPI 3.0 document of the public port", () => {
  let d: TestDaemon;
  let doc: OpenApiDocument;
  before(async () => {
    d = await startTestDaemon();
    doc = (await d.get("/openapi.json")).body as OpenApiDocument;
  });
  after(() => d.close());

  function walk(node: unknown, visit: (obj: Record<string, unknown>, path: string) => void, path = "#"): void {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, visit, `${path}/${i}`));
    else if (typeof node === "object" && node !== null) {
      visit(node as Record<string, unknown>, path);
      for (const [k, v] of Object.entries(node)) walk(v, visit, `${path}/${k}`);
    }
  }
  function resolve(ref: string): unknown {
    return ref
      .slice(2)
      .split("/")
      .reduce<unknown>((n, key) => (n as Record<string, unknown> | undefined)?.[key], doc);
  }

  test("header fields", () => {
    assert.equal(doc.openapi, "3.0.3");
    assert.deepEqual(doc["servers"], [{ url: d.url }]);
    assert.equal((doc["info"] as { version: string }).version, (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version);
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(doc)));
  });

  test("every endpoint is there", () => {
    const paths = doc["paths"] as Record<string, Record<string, unknown>>;
    const ops = Object.entries(paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
    for (const op of [
      "POST /webhook",
      "POST /webhook/test",
      "GET /health",
      "GET /status",
      "GET /orders",
      "GET /orders/{order_id}",
      "GET /positions",
      "POST /admin/kill-switch",
      "POST /admin/resume",
    ]) {
      assert.ok(ops.includes(op), op);
    }
  });

  test("every $ref resolves", () => {
    let refs = 0;
    walk(doc, (obj, path) => {
      if (typeof obj["$ref"] === "string") {
        refs++;
        assert.ok(resolve(obj["$ref"]) !== undefined, `${path}: ${obj["$ref"]}`);
      }
    });
    assert.ok(refs > 30);
  });

  test("only OpenAPI 3.0 schema keywords: no numeric exclusiveMinimum, no type arrays, no const", () => {
    walk(doc["components"], (obj, path) => {
      if ("exclusiveMinimum" in obj) assert.equal(typeof obj["exclusiveMinimum"], "boolean", path);
      if ("exclusiveMaximum" in obj) assert.equal(typeof obj["exclusiveMaximum"], "boolean", path);
      if ("type" in obj && path.includes("/schemas/")) assert.equal(typeof obj["type"], "string", path);
      assert.equal("const" in obj, false, path);
    });
    const schemas = (doc["components"] as { schemas: Record<string, { properties: Record<string, JsonSchema> }> }).schemas;
    assert.deepEqual(schemas["TradingSignal"]?.properties["entry_price"], {
      type: "number",
      minimum: 0,
      exclusiveMinimum: true,
      description: "Entry price hint (buy only).",
    });
    assert.deepEqual(schemas["RiskLimitDetails"]?.properties["reset_at"], {
      type: "string",
      nullable: true,
      description: "ISO-8601; null when the limit does not clear by time alone.",
    });
    // nested components become references
    assert.deepEqual(schemas["WebhookSuccessResponse"]?.properties["data"], { $ref: "#/components/schemas/WebhookOrderData" });
    assert.deepEqual((schemas["ValidationErrorResponse"]?.properties["errors"] as JsonSchema)["items"], { $ref: "#/components/schemas/FieldError" });
  });

  test("security: bearer API key on status/orders/positions; body secrets elsewhere", () => {
    const paths = doc["paths"] as Record<string, Record<string, { security: unknown; description?: string }>>;
    for (const [p, m] of [["/status", "get"], ["/orders", "get"], ["/orders/{order_id}", "get"], ["/positions", "get"]] as const) {
      assert.deepEqual(paths[p]?.[m]?.security, [{ apiKey: [] }], p);
    }
    assert.deepEqual(paths["/webhook"]?.["post"]?.security, []);
    assert.match(paths["/webhook"]?.["post"]?.description ?? "", /passphrase/);
    assert.match(paths["/admin/kill-switch"]?.["post"]?.description ?? "", /password/);
    const schemes = (doc["components"] as { securitySchemes: Record<string, unknown> }).securitySchemes;
    assert.deepEqual(Object.keys(schemes), ["apiKey"]);
  });

  test("/orders query parameters come from OrdersQuerySchema", () => {
    const op = (doc["paths"] as Record<string, Record<string, { parameters: Array<{ name: string; in: string; schema?: JsonSchema }> }>>)["/orders"]?.["get"];
    const query = op?.parameters.filter((p) => p.in === "query") ?? [];
    assert.deepEqual(query.map((p) => p.name), ["from", "to", "ticker", "status", "limit", "offset"]);
    assert.deepEqual(query.find((p) => p.name === "limit")?.schema, { type: "integer", minimum: 1, maximum: 500, default: 50 });
    assert.deepEqual(query.find((p) => p.name === "offset")?.schema, { type: "integer", minimum: 0, maximum: 1_000_000_000, default: 0 });
  });

  test("/webhook accepts application/json and text/plain", () => {
    const body = (doc["paths"] as Record<string, Record<string, { requestBody: { content: Record<string, unknown> } }>>)["/webhook"]?.["post"]?.requestBody;
    assert.deepEqual(Object.keys(body?.content ?? {}), ["application/json", "text/plain"]);
  });

  test("toOpenApi30 does not mutate its input", () => {
    const s: JsonSchema = { type: ["number", "null"], exclusiveMinimum: 0, const: 5 };
    const before = JSON.stringify(s);
    assert.deepEqual(toOpenApi30(s), { type: "number", nullable: true, minimum: 0, exclusiveMinimum: true, enum: [5] });
    assert.equal(JSON.stringify(s), before);
    assert.deepEqual(toOpenApi30({ type: ["string", "number"] }), { anyOf: [{ type: "string" }, { type: "number" }] });
  });
});
