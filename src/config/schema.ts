/** JSON Schema and defaults of config.json; conf validates every load and every `config set` against it. */
import type { TradectlConfig } from "./types.js";

/** TradingView's published webhook source addresses. */
export const TRADINGVIEW_IPS = ["52.89.214.238", "34.212.75.30", "54.218.53.128", "52.32.178.7"];

export const DEFAULT_CONFIG: TradectlConfig = {
  webhook: {
    host: "127.0.0.1",
    port: 8000,
    syncBudgetMs: 2000,
    timestampWindowMs: 300_000,
    signalTtlMs: 60_000,
    ipAllowlist: { mode: "off", allow: TRADINGVIEW_IPS },
    trustProxy: false,
    tls: { cert: "", key: "" },
    rateLimits: { perMinute: 60, perHour: 300, perDay: 1000, statusPerMinute: 30, adminPer5Minutes: 5 },
  },
  risk: { maxDailyEntries: 3, cooldownMinutes: 30, marketHours: "tse", maxDailyLoss: 0, maxExposure: 0, allowShort: false },
  broker: {
    kind: "paper",
    paper: { initialCash: 10_000_000, slippageBps: 0, feeRate: 0, feeMin: 0 },
    mt5: { url: "http://127.0.0.1:8765", timeoutMs: 30_000, magic: 20251227, syncSeconds: 30 },
  },
  feeds: [],
  instruments: {},
  log: { level: "info" },
  redis: { url: "", keyPrefix: "tradectl:", waitReplicas: 0 },
  cluster: { name: "default", node: "", leaseMs: 10_000, onRedisDown: "refuse" },
  relay: {
    publicUrl: "",
    timeoutMs: 5000,
    concurrency: 4,
    retryMinMs: 200,
    retryMaxMs: 5000,
    signatureWindowMs: 300_000,
    slowDeliveryMs: 500,
    smtp: { host: "", port: 587, secure: false, from: "tradectl@localhost", user: "" },
  },
  notify: { channels: [], streamStaleSeconds: 60, maxAgeHours: 24, batchDelayMs: 500, dailySummary: { at: "", timeZone: "Asia/Tokyo" } },
  metrics: { enabled: true, port: null },
};

const nonNegInt = { type: "integer", minimum: 0 } as const;
const posInt = { type: "integer", minimum: 1 } as const;
const nonNeg = { type: "number", minimum: 0 } as const;

const feedSchema = {
  type: "object",
  required: ["name", "kind", "stream"],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1, pattern: "^[A-Za-z0-9_.-]+$" },
    kind: { enum: ["replay", "oanda-v1", "oanda-v20", "sse"] },
    stream: { enum: ["prices", "events"] },
    url: { type: "string" },
    restUrl: { type: "string" },
    accountId: { type: "string" },
    instruments: { type: "array", items: { type: "string", minLength: 1 } },
    staleAfterMs: posInt,
    maxBackoffMs: posInt,
    speed: { type: "number", exclusiveMinimum: 0 },
    required: { type: "boolean" },
  },
} as const;

/** An environment variable's name; the daemon's own secrets are never a channel's (they would leave the machine). */
const secretEnvSchema = { type: "string", pattern: "^[A-Z][A-Z0-9_]{0,63}$", not: { enum: ["WEBHOOK_SECRET", "WEBHOOK_SECRET_PREVIOUS", "ADMIN_PASSWORD_HASH", "OANDA_TOKEN", "MT5_BRIDGE_TOKEN"] } } as const;

const channelSchema = {
  type: "object",
  required: ["name", "kind"],
  additionalProperties: false,
  properties: {
    name: { type: "string", pattern: "^[A-Za-z0-9_.-]{1,40}$" },
    kind: { enum: ["telegram", "discord", "slack", "webhook", "email"] },
    events: { type: "array", items: { type: "string", pattern: "^(\\*|[a-z_]+(\\.[a-z_]+)*(\\.\\*|:[a-z_]+)?)$" } },
    minSeverity: { enum: ["info", "warning", "error", "critical"] },
    secretEnv: secretEnvSchema,
    chatId: { type: "string", pattern: "^(-?\\d{1,20}|@[A-Za-z0-9_]{5,32})$" },
    apiUrl: { type: "string", pattern: "^https?://" },
    url: { type: "string", pattern: "^https?://" },
    smtp: {
      type: "object",
      required: ["host", "from", "to"],
      additionalProperties: false,
      properties: {
        host: { type: "string", minLength: 1 },
        port: { type: "integer", minimum: 1, maximum: 65535 },
        secure: { type: "boolean" },
        user: { type: "string", minLength: 1 },
        from: { type: "string", minLength: 3 },
        to: { type: "array", minItems: 1, items: { type: "string", minLength: 3 } },
      },
    },
    minIntervalMs: { type: "integer", minimum: 0, maximum: 3_600_000 },
    timeoutMs: { type: "integer", minimum: 100, maximum: 120_000 },
    enabled: { type: "boolean" },
  },
  allOf: [
    { if: { properties: { kind: { const: "telegram" } } }, then: { required: ["chatId"] } },
    { if: { properties: { kind: { const: "webhook" } } }, then: { required: ["url"] } },
    { if: { properties: { kind: { const: "email" } } }, then: { required: ["smtp"] } },
  ],
} as const;

export const CONFIG_SCHEMA = {
  webhook: {
    type: "object",
    additionalProperties: false,
    properties: {
      host: { type: "string", minLength: 1 },
      port: { type: "integer", minimum: 0, maximum: 65535 },
      syncBudgetMs: { type: "integer", minimum: 0, maximum: 2900 },
      timestampWindowMs: posInt,
      signalTtlMs: posInt,
      ipAllowlist: {
        type: "object",
        additionalProperties: false,
        properties: {
          mode: { enum: ["off", "warning", "strict"] },
          allow: { type: "array", items: { type: "string", minLength: 1 } },
        },
      },
      trustProxy: { type: "boolean" },
      tls: {
        type: "object",
        additionalProperties: false,
        properties: { cert: { type: "string" }, key: { type: "string" } },
      },
      rateLimits: {
        type: "object",
        additionalProperties: false,
        properties: { perMinute: posInt, perHour: posInt, perDay: posInt, statusPerMinute: posInt, adminPer5Minutes: posInt },
      },
    },
  },
  risk: {
    type: "object",
    additionalProperties: false,
    properties: {
      maxDailyEntries: nonNegInt,
      cooldownMinutes: nonNeg,
      marketHours: { enum: ["tse", "fx", "always"] },
      maxDailyLoss: nonNeg,
      maxExposure: nonNeg,
      allowShort: { type: "boolean" },
    },
  },
  broker: {
    type: "object",
    additionalProperties: false,
    properties: {
      kind: { enum: ["paper", "mt5"] },
      paper: {
        type: "object",
        additionalProperties: false,
        properties: { initialCash: nonNeg, slippageBps: nonNeg, feeRate: nonNeg, feeMin: nonNeg },
      },
      mt5: {
        type: "object",
        additionalProperties: false,
        properties: {
          url: { type: "string", pattern: "^https?://" },
          timeoutMs: posInt,
          magic: nonNegInt,
          syncSeconds: posInt,
        },
      },
    },
  },
  feeds: { type: "array", items: feedSchema },
  instruments: {
    type: "object",
    additionalProperties: {
      type: "object",
      required: ["symbol"],
      additionalProperties: false,
      properties: {
        symbol: { type: "string", minLength: 1 },
        contractSize: { type: "number", exclusiveMinimum: 0 },
        calendar: { enum: ["tse", "fx", "always"] },
        tickTable: { enum: ["standard", "topix500"] },
        basePrice: { type: "number", exclusiveMinimum: 0 },
        pipSize: { type: "number", exclusiveMinimum: 0 },
      },
    },
  },
  log: {
    type: "object",
    additionalProperties: false,
    properties: { level: { enum: ["error", "warn", "info", "debug"] } },
  },
  redis: {
    type: "object",
    additionalProperties: false,
    properties: {
      // A password never goes in config.json: redis://host:port/db here, the secret in REDIS_PASSWORD (or REDIS_URL).
      url: { anyOf: [{ const: "" }, { type: "string", pattern: "^rediss?://([^:@/]*@)?[^@/:]+(:[0-9]+)?(/[0-9]+)?$" }] },
      keyPrefix: { type: "string", maxLength: 64, pattern: "^[A-Za-z0-9_.:-]*$" },
      waitReplicas: { type: "integer", minimum: 0, maximum: 10 },
    },
  },
  cluster: {
    type: "object",
    additionalProperties: false,
    properties: {
      name: { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.-]+$" },
      node: { type: "string", maxLength: 64, pattern: "^[A-Za-z0-9_.-]*$" },
      leaseMs: { type: "integer", minimum: 300, maximum: 600_000 },
      onRedisDown: { enum: ["refuse", "refuse-all"] },
    },
  },
  relay: {
    type: "object",
    additionalProperties: false,
    properties: {
      publicUrl: { type: "string", pattern: "^(https?://[^\\s]+)?$" },
      timeoutMs: { type: "integer", minimum: 100, maximum: 120_000 },
      concurrency: { type: "integer", minimum: 1, maximum: 64 },
      retryMinMs: { type: "integer", minimum: 10, maximum: 60_000 },
      retryMaxMs: { type: "integer", minimum: 10, maximum: 600_000 },
      signatureWindowMs: { type: "integer", minimum: 1000, maximum: 3_600_000 },
      slowDeliveryMs: { type: "integer", minimum: 1, maximum: 600_000 },
      smtp: {
        type: "object",
        additionalProperties: false,
        properties: {
          host: { type: "string" },
          port: { type: "integer", minimum: 1, maximum: 65535 },
          secure: { type: "boolean" },
          from: { type: "string", minLength: 3 },
          user: { type: "string" },
        },
      },
    },
  },
  notify: {
    type: "object",
    additionalProperties: false,
    properties: {
      channels: { type: "array", items: channelSchema },
      streamStaleSeconds: { type: "integer", minimum: 1, maximum: 86_400 },
      maxAgeHours: { type: "number", exclusiveMinimum: 0, maximum: 720 },
      batchDelayMs: { type: "integer", minimum: 0, maximum: 60_000 },
      dailySummary: {
        type: "object",
        additionalProperties: false,
        properties: {
          at: { type: "string", pattern: "^(|([01]\\d|2[0-3]):[0-5]\\d)$" },
          timeZone: { type: "string", minLength: 1 },
        },
      },
    },
  },
  metrics: {
    type: "object",
    additionalProperties: false,
    properties: {
      enabled: { type: "boolean" },
      port: { anyOf: [{ type: "null" }, { type: "integer", minimum: 0, maximum: 65535 }] },
    },
  },
} as const;
