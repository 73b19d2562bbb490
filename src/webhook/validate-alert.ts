/**
 * A parsed TradingView alert → a normalised Signal, or every failing field.
 *
 * The field schemas of ./schemas.ts decide what is valid (compiled by ajv, one validator per
 * field); this module explains a failure in the seed's words, normalises (ticker prefix, digit
 * strings, time forms) and applies the rules a schema cannot express: the timestamp window,
 * buy-only / sell-only fields, the stop/target order, an alert's own expiry.
 *
 * The passphrase is checked by the caller before this runs (401 before any field detail). It is
 * not validated here, never copied into the Signal, and never echoed in an error value.
 */
import { createHash } from "node:crypto";
import { Ajv } from "ajv";
import type { ValidateFunction } from "ajv";
import { TradectlError } from "../domain/errors.js";
import type { Breakeven, PriceUnit, SignalAction, Sizing, Trailing } from "../domain/order-vocabulary.js";
import type { Action, ExitReason, Signal, SignalSource } from "../domain/types.js";
import type { FieldError } from "./field-error.js";
import { parseInstant } from "./parse-instant.js";
import {
  MAX_INSTANT_MS,
  MAX_QUANTITY,
  TICKER_LETTERS,
  TICKER_PREFIXES,
  signalFieldSchemas,
  type SignalField,
} from "./schemas.js";

export type { FieldError } from "./field-error.js";

export interface ValidateAlertOptions {
  /** Server time of receipt, Unix ms (from the injected clock). */
  now: number;
  /** How far the alert's timestamp may be from `now`, either way (webhook.timestampWindowMs). */
  timestampWindowMs: number;
  /** Default lifetime of a signal from receipt (webhook.signalTtlMs). */
  signalTtlMs: number;
  requestId: string;
  signalId: string;
  /** "test" (POST /webhook/test): timestamp is optional, as in the seed's example. Default "live". */
  mode?: "live" | "test";
  /** Where the alert came in (default the webhook; a relay channel uses the same body format). */
  source?: SignalSource;
}

/** Per-field outcome, for the /webhook/test report: the normalised value or the error. */
export type FieldReport = Record<string, { ok: true; display: string } | { ok: false; message: string }>;

export type ValidateAlertResult =
  | { ok: true; signal: Signal; fields: FieldReport }
  | { ok: false; errors: FieldError[]; fields: FieldReport };

/** The fields checked, in the order errors are listed. `passphrase` is the caller's. */
const CHECKED_FIELDS = [
  "action",
  "ticker",
  "quantity",
  "price",
  "timestamp",
  "entry_price",
  "stop_loss",
  "take_profit",
  "exit_price",
  "exit_reason",
  "atr",
  "rr_ratio",
  "rsi",
  "expires_at",
  "confidence",
  "order_type",
  "price_unit",
  "sl_unit",
  "tp_unit",
  "expire_minutes",
  "sizing",
  "breakeven",
  "trailing",
  "max_spread",
  "side",
] as const satisfies readonly SignalField[];
type CheckedField = (typeof CHECKED_FIELDS)[number];

const BUY_ONLY = new Set<CheckedField>(["entry_price", "stop_loss", "take_profit"]);
const SELL_ONLY = new Set<CheckedField>(["exit_price"]);

/**
 * Which optional fields each action of the vocabulary reads; a field sent with an action that does not read it is an
 * error (a close with a stop loss is a mistake worth saying). The seed's buy/sell keep their own rules (BUY_ONLY…).
 */
const ENTRY_FIELDS: readonly CheckedField[] = ["order_type", "price_unit", "sl_unit", "tp_unit", "expire_minutes", "sizing", "breakeven", "trailing", "max_spread"];
const FIELDS_OF: Record<Exclude<SignalAction, "buy" | "sell">, ReadonlySet<CheckedField>> = {
  close_long: new Set(["quantity", "price", "exit_price", "exit_reason"]),
  close_short: new Set(["quantity", "price", "exit_price", "exit_reason"]),
  close_all: new Set(["price", "exit_price", "exit_reason"]),
  cancel: new Set(["side"]),
  reverse: new Set(["quantity", "price", "entry_price", "stop_loss", "take_profit", ...ENTRY_FIELDS]),
  modify: new Set(["stop_loss", "take_profit", "sl_unit", "tp_unit", "breakeven", "trailing"]),
};
/** Fields every action may carry (informational, or about the signal itself). */
const ANY_ACTION = new Set<CheckedField>(["action", "ticker", "timestamp", "expires_at", "confidence", "atr", "rr_ratio", "rsi"]);

const ajv = new Ajv({ strict: true, allErrors: true });
const validators = Object.fromEntries(
  CHECKED_FIELDS.map((f) => [f, ajv.compile(signalFieldSchemas[f])]),
) as Record<CheckedField, ValidateFunction>;

const MAX_ECHO_CHARS = 100;

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function windowLabel(ms: number): string {
  if (ms % 60_000 === 0) {
    const m = ms / 60_000;
    return `${m} minute${m === 1 ? "" : "s"}`;
  }
  const s = Math.round(ms / 1000);
  return `${s} second${s === 1 ? "" : "s"}`;
}

/** Why `value` fails the schema of `field`, in the seed's words. */
function explain(field: CheckedField, value: unknown): string {
  const badType = (expected: string) => `Invalid type for ${field}: expected ${expected}`;
  switch (field) {
    case "action":
      return typeof value === "string" ? "Action must be 'buy' or 'sell' (or close_long, close_short, close_all, cancel, reverse, modify)" : badType("string");
    case "ticker": {
      if (typeof value !== "string") return badType("string");
      const prefix = /^([^:]*):/.exec(value)?.[1];
      if (prefix !== undefined && !(TICKER_PREFIXES as readonly string[]).includes(prefix)) {
        return `Unsupported exchange prefix "${prefix}": only Tokyo Stock Exchange codes are accepted (e.g. TSE:9984)`;
      }
      return /[A-Za-z]/.test(value.slice(prefix === undefined ? 0 : prefix.length + 1))
        ? `Invalid ticker format. Expected 4-digit code, or a JPX alphanumeric code such as 130A (letters in the 2nd/4th place from ${TICKER_LETTERS}).`
        : "Invalid ticker format. Expected 4-digit code.";
    }
    case "quantity": {
      let n: number;
      if (typeof value === "number") n = value;
      else if (typeof value === "string" && /^\d+$/.test(value)) n = Number(value);
      else return badType("integer");
      if (!Number.isInteger(n)) return badType("integer");
      if (n <= 0) return "Quantity must be positive and multiple of 100";
      if (n % 100 !== 0) return "Quantity must be multiple of 100";
      if (n > MAX_QUANTITY) return `Quantity must be at most ${MAX_QUANTITY}`;
      return "Invalid quantity";
    }
    case "price":
      if (typeof value === "number") return "Price must be greater than 0";
      if (typeof value === "string") return `Price must be "market" or a number greater than 0`;
      return badType("string|number");
    case "timestamp":
    case "expires_at":
      if (typeof value !== "string" && typeof value !== "number") return badType("string");
      if (typeof value === "number" && Number.isInteger(value) && value > MAX_INSTANT_MS) return `Invalid ${field}: not a real date and time`;
      return `Invalid ${field} format: expected Unix milliseconds ("1735279200000") or ISO-8601 with a zone ("2025-12-27T01:30:45Z")`;
    case "exit_reason":
      return typeof value === "string" ? "exit_reason must be one of stop_loss, take_profit, market_close" : badType("string");
    case "rsi":
      return typeof value === "number" ? "rsi must be between 0 and 100" : badType("number");
    case "confidence":
      return typeof value === "number" ? "confidence must be between 0 and 1" : badType("number");
    case "entry_price":
    case "stop_loss":
    case "take_profit":
    case "exit_price":
    case "atr":
    case "rr_ratio":
    case "max_spread":
      return typeof value === "number" ? `${field} must be greater than 0` : badType("number");
    case "order_type":
      return typeof value === "string" ? "order_type must be one of market, limit, stop" : badType("string");
    case "price_unit":
    case "sl_unit":
    case "tp_unit":
      return typeof value === "string" ? `${field} must be one of price, pips, percent` : badType("string");
    case "expire_minutes":
      return "expire_minutes must be an integer from 1 to 525600 (one year)";
    case "side":
      return typeof value === "string" ? "side must be 'buy' or 'sell'" : badType("string");
    case "sizing":
      return 'sizing must be {"mode": "quantity" | "cash" | "equity_percent" | "risk_percent", "value": a number > 0}';
    case "breakeven":
      return 'breakeven must be {"trigger": > 0, "offset": >= 0, "unit": "price" | "pips" | "percent"}';
    case "trailing":
      return 'trailing must be {"trigger": >= 0, "distance": > 0, "step": >= 0, "unit": "price" | "pips" | "percent"}';
  }
}

/**
 * JSON text of `value` when it is at most `max` characters and nests at most a few levels, else null. It stops as
 * soon as either bound is passed, so a huge or deeply nested value costs little and cannot overflow the stack.
 */
function shortJson(value: unknown, max: number): string | null {
  let out = "";
  const write = (v: unknown, depth: number): boolean => {
    if (depth > 8) return false;
    if (Array.isArray(v)) {
      out += "[";
      for (let i = 0; i < v.length; i++) {
        if (i > 0) out += ",";
        if (!write(v[i], depth + 1)) return false;
      }
      out += "]";
    } else if (typeof v === "object" && v !== null) {
      out += "{";
      let first = true;
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        out += `${first ? "" : ","}${JSON.stringify(k)}:`;
        first = false;
        if (!write((v as Record<string, unknown>)[k], depth + 1)) return false;
      }
      out += "}";
    } else out += JSON.stringify(v) ?? "null";
    return out.length <= max;
  };
  return write(value, 0) ? out : null;
}

/** The value as it may appear in an error: never the passphrase, never a huge blob. */
function echo(value: unknown, passphrase: string | null): unknown {
  if (value === undefined) return null;
  const text = typeof value === "string" ? value : shortJson(value, MAX_ECHO_CHARS * 2);
  if (text === null) return Array.isArray(value) ? `[array of ${value.length} items]` : "[object]";
  if (passphrase !== null && passphrase !== "") {
    if (value === passphrase) return "[REDACTED]";
    if (passphrase.length >= 8 && text.includes(passphrase)) return "[REDACTED]";
  }
  if (typeof value === "string") {
    return value.length > MAX_ECHO_CHARS ? `${value.slice(0, MAX_ECHO_CHARS)}…` : value;
  }
  return value;
}

/** The idempotency key of seed 5.1: sha256 hex of timestamp (ms) + ticker + action. */
export function idempotencyKey(alertTimeMs: number, ticker: string, action: SignalAction): string {
  return createHash("sha256").update(`${alertTimeMs}${ticker}${action}`).digest("hex");
}

/** "TSE:9984" → "9984". Assumes the value already matched TICKER_PATTERN. */
export function normaliseTicker(raw: string): string {
  const i = raw.indexOf(":");
  return i === -1 ? raw : raw.slice(i + 1);
}

export function validateAlert(body: unknown, opts: ValidateAlertOptions): ValidateAlertResult {
  const fields: FieldReport = {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    const message = `Body must be a JSON object, got ${typeName(body)}`;
    fields["json_format"] = { ok: false, message };
    return { ok: false, errors: [{ field: "body", message, value: null }], fields };
  }
  const input = body as Record<string, unknown>;
  const passphrase = typeof input["passphrase"] === "string" ? input["passphrase"] : null;
  const mode = opts.mode ?? "live";
  const rawAction = typeof input["action"] === "string" && validators.action(input["action"]) ? (input["action"] as SignalAction) : undefined;
  const seedAction = rawAction === undefined || rawAction === "buy" || rawAction === "sell";
  const sized = input["sizing"] !== undefined;
  const required = new Set<CheckedField>(["action", "ticker"]);
  if (mode !== "test") required.add("timestamp");
  // The seed's buy/sell need quantity and price; `sizing` stands in for quantity; reverse needs one of the two.
  if (seedAction && !sized) required.add("quantity");
  if (seedAction) required.add("price");
  if (rawAction === "reverse" && !sized) required.add("quantity");

  const errors = new Map<CheckedField, FieldError>();
  const present = new Map<CheckedField, unknown>();
  const fail = (field: CheckedField, message: string): void => {
    if (errors.has(field)) return; // one error per field: the first reason
    errors.set(field, { field, message, value: echo(input[field], passphrase) });
  };

  // 1. Presence and schema, field by field.
  for (const field of CHECKED_FIELDS) {
    if (!Object.hasOwn(input, field) || input[field] === undefined) {
      if (required.has(field)) fail(field, `Missing required field: ${field}`);
      continue;
    }
    const value = input[field];
    if (field === "ticker" && value === "*") {
      present.set(field, value); // every ticker: only close_all and cancel (checked below)
      continue;
    }
    if (!validators[field](value)) {
      fail(field, explain(field, value));
      continue;
    }
    present.set(field, value);
  }

  // 2. Normalise what passed.
  const action = present.get("action") as SignalAction | undefined;
  const tickerRaw = present.get("ticker") as string | undefined;
  const ticker = tickerRaw === undefined ? undefined : normaliseTicker(tickerRaw);
  const quantityRaw = present.get("quantity");
  const quantity = quantityRaw === undefined ? undefined : Number(quantityRaw);
  const price = present.get("price") as "market" | number | undefined;
  const num = (f: CheckedField): number | undefined => present.get(f) as number | undefined;

  // 3. Rules beyond the schema.
  let alertTime: number | undefined;
  if (present.has("timestamp")) {
    const ts = parseInstant(present.get("timestamp"));
    if (ts === null) {
      fail("timestamp", "Invalid timestamp: not a real date and time");
    } else {
      const window = windowLabel(opts.timestampWindowMs);
      const secondsHint =
        ts < 1e11 && Math.abs(opts.now - ts * 1000) <= opts.timestampWindowMs
          ? "; the value looks like Unix seconds, send milliseconds"
          : "";
      if (opts.now - ts > opts.timestampWindowMs) {
        fail("timestamp", `Timestamp expired (must be within ${window})${secondsHint}`);
      } else if (ts - opts.now > opts.timestampWindowMs) {
        fail("timestamp", `Timestamp is in the future (must be within ${window} of server time)`);
      } else {
        alertTime = ts;
      }
    }
  } else if (mode === "test" && !errors.has("timestamp")) {
    alertTime = opts.now;
  }

  let expiresAt = opts.now + opts.signalTtlMs;
  if (present.has("expires_at")) {
    const exp = parseInstant(present.get("expires_at"));
    if (exp === null) fail("expires_at", "Invalid expires_at: not a real date and time");
    else if (exp <= opts.now) fail("expires_at", "expires_at is in the past: the signal is already stale");
    else expiresAt = exp;
  }

  if (action !== undefined && action !== "buy" && action !== "sell") {
    const allowed = FIELDS_OF[action];
    for (const f of present.keys()) {
      if (!ANY_ACTION.has(f) && !allowed.has(f)) fail(f, `${f} is not used by ${action}`);
    }
    if (action === "modify" && !["stop_loss", "take_profit", "breakeven", "trailing"].some((f) => present.has(f as CheckedField))) {
      fail("action", "modify needs stop_loss, take_profit, breakeven or trailing");
    }
    if ((action === "close_long" || action === "close_short" || action === "close_all") && typeof price === "number") {
      fail("price", `${action} is sent at market: price must be "market" or absent`);
    }
  }
  if (tickerRaw === "*" && action !== undefined && action !== "close_all" && action !== "cancel") {
    fail("ticker", 'ticker "*" (every ticker) is only for close_all and cancel');
  }
  if (action === "buy" || action === "sell" || action === "reverse") {
    const orderType = present.get("order_type") as string | undefined;
    if (orderType === "market" && typeof price === "number") fail("order_type", "order_type market takes price \"market\"; a numeric price means limit");
    if ((orderType === "limit" || orderType === "stop") && typeof price !== "number") fail("price", `order_type ${orderType} needs a numeric price`);
    if (present.has("price_unit") && typeof price !== "number") fail("price_unit", "price_unit needs a numeric price (an offset from the market)");
    if (present.has("expire_minutes") && typeof price !== "number") fail("expire_minutes", "expire_minutes is for pending (limit/stop) orders");
    if (action === "sell") {
      for (const f of ENTRY_FIELDS) if (present.has(f)) fail(f, `${f} is only allowed for entries (buy, reverse)`);
    }
  }
  if (present.has("sl_unit") && !present.has("stop_loss")) fail("sl_unit", "sl_unit needs stop_loss");
  if (present.has("tp_unit") && !present.has("take_profit")) fail("tp_unit", "tp_unit needs take_profit");
  const sizing = present.get("sizing") as Sizing | undefined;
  if (sizing && present.has("quantity")) fail("sizing", "send quantity or sizing, not both");
  if (sizing?.mode === "risk_percent" && !present.has("stop_loss")) fail("sizing", "risk_percent sizing needs a stop_loss: the risk per share is the distance from the entry to the stop");
  if (sizing?.mode === "quantity" && (!Number.isInteger(sizing.value) || sizing.value % 100 !== 0)) fail("sizing", "Quantity must be multiple of 100");

  if (action === "buy" || action === "sell") {
    for (const f of BUY_ONLY) {
      if (action === "sell" && present.has(f)) fail(f, `${f} is only allowed for buy signals`);
    }
    for (const f of SELL_ONLY) {
      if (action === "buy" && present.has(f)) fail(f, `${f} is only allowed for sell signals`);
    }
  }
  if (action === "buy") {
    const ok = (f: CheckedField) => present.has(f) && !errors.has(f);
    // Only prices compare with prices: a distance in pips/percent is not below or above anything.
    const sl = ok("stop_loss") && (present.get("sl_unit") ?? "price") === "price" ? num("stop_loss") : undefined;
    const tp = ok("take_profit") && (present.get("tp_unit") ?? "price") === "price" ? num("take_profit") : undefined;
    const priceIsPrice = typeof price === "number" && (present.get("price_unit") ?? "price") === "price" && present.get("order_type") !== "stop";
    const refField = ok("entry_price") ? "entry_price" : priceIsPrice ? "price" : undefined;
    const ref = refField === "entry_price" ? num("entry_price") : refField === "price" ? (price as number) : undefined;
    if (sl !== undefined && ref !== undefined && sl >= ref) fail("stop_loss", `stop_loss must be below ${refField} for a buy`);
    if (tp !== undefined && ref !== undefined && tp <= ref) fail("take_profit", `take_profit must be above ${refField} for a buy`);
    if (sl !== undefined && tp !== undefined && sl >= tp) fail("stop_loss", "stop_loss must be below take_profit");
  }

  // 4. Report.
  for (const field of CHECKED_FIELDS) {
    const err = errors.get(field);
    if (err !== undefined) {
      fields[field] = { ok: false, message: err.message };
    } else if (present.has(field)) {
      const display =
        field === "ticker"
          ? (ticker ?? "")
          : field === "quantity"
            ? String(quantity)
            : field === "timestamp"
              ? new Date(alertTime ?? 0).toISOString()
              : field === "expires_at"
                ? new Date(expiresAt).toISOString()
                : typeof present.get(field) === "object"
                  ? JSON.stringify(present.get(field))
                  : String(present.get(field));
      fields[field] = { ok: true, display };
    }
  }

  if (errors.size > 0) {
    const list = CHECKED_FIELDS.flatMap((f) => {
      const e = errors.get(f);
      return e === undefined ? [] : [e];
    });
    return { ok: false, errors: list, fields };
  }
  if (action === undefined || ticker === undefined || alertTime === undefined) {
    // Unreachable: every required field either passed or produced an error.
    throw new TradectlError("INTERNAL_ERROR", "validateAlert: required field neither valid nor reported");
  }

  const signal: Signal = {
    id: opts.signalId,
    request_id: opts.requestId,
    source: opts.source ?? "webhook",
    action,
    ticker,
    quantity: quantity ?? (sizing?.mode === "quantity" ? sizing.value : 0),
    price: price ?? "market",
    alert_time: alertTime,
    received_at: opts.now,
    expires_at: expiresAt,
    idempotency_key: idempotencyKey(alertTime, ticker, action),
  };
  const text = <T,>(f: CheckedField): T | undefined => present.get(f) as T | undefined;
  const orderType = text<"market" | "limit" | "stop">("order_type");
  if (orderType !== undefined) signal.order_type = orderType;
  for (const f of ["price_unit", "sl_unit", "tp_unit"] as const) {
    const u = text<PriceUnit>(f);
    if (u !== undefined && u !== "price") signal[f] = u;
  }
  if (sizing) signal.sizing = { mode: sizing.mode, value: sizing.value };
  const be = text<Partial<Breakeven>>("breakeven");
  if (be) signal.breakeven = { trigger: be.trigger ?? 0, offset: be.offset ?? 0, unit: be.unit ?? "price" };
  const tr = text<Partial<Trailing>>("trailing");
  if (tr) signal.trailing = { trigger: tr.trigger ?? 0, distance: tr.distance ?? 0, step: tr.step ?? 0, unit: tr.unit ?? "price" };
  const maxSpread = num("max_spread");
  if (maxSpread !== undefined) signal.max_spread = maxSpread;
  const side = text<Action>("side");
  if (side !== undefined) signal.side = side;
  // A pending order's own expiry: expire_minutes from receipt, else the alert's expires_at; none: good till cancelled.
  const minutes = num("expire_minutes");
  if (typeof signal.price === "number" && signal.order_type !== "market") {
    if (minutes !== undefined) signal.order_expires_at = opts.now + minutes * 60_000;
    else if (present.has("expires_at")) signal.order_expires_at = expiresAt;
  }
  const optionalNumbers = ["entry_price", "stop_loss", "take_profit", "atr", "rr_ratio", "rsi", "exit_price", "confidence"] as const;
  for (const f of optionalNumbers) {
    const v = num(f);
    if (v !== undefined) signal[f] = v;
  }
  const exitReason = present.get("exit_reason") as ExitReason | undefined;
  if (exitReason !== undefined) signal.exit_reason = exitReason;
  return { ok: true, signal, fields };
}
