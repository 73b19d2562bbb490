/**
 * The `data` object of POST /webhook/test (seed 2.2): what would happen to this alert, without
 * doing it. Built from the validation result and a risk evaluation; pure.
 *
 * Strings follow the seed: "✅ Valid (9984)", "✅ OK (2/3)", "✅ OK (45 minutes since last trade)",
 * "✅ OK (10:30 JST, within trading hours)". Also "❌ <reason>", "✅ Not applied (<why>)" for a
 * rule that does not apply (an exit, a limit that is off) and "➖ Not evaluated (<why>)" when the
 * signal is invalid so risk could not be checked.
 */
import { estimateOrderPrice } from "../domain/order-price.js";
import type { RiskCheck, RiskCheckName, RiskLimitDetails } from "../domain/risk.js";
import type { Judgement } from "../engine/admission.js";
import type { FieldError } from "./field-error.js";
import { signalFieldSchemas } from "./schemas.js";
import type { ValidateAlertResult } from "./validate-alert.js";

const KNOWN_FIELDS = new Set<string>([...Object.keys(signalFieldSchemas), "test_mode"]);

export interface DryRunInput {
  requestId: string;
  now: number;
  /** The parsed body; its fields that tradectl does not read are listed as `ignored_fields`. */
  body?: Record<string, unknown>;
  validation: ValidateAlertResult;
  /** What admission would decide for the valid signal (see engine/admission.ts); null when validation failed. */
  judgement: Judgement | null;
  /** Latest quote (mid or ask) for a market order without a price hint. */
  quotePrice?: number | null;
}

export interface WebhookTestData {
  request_id: string;
  validation_results: Record<string, string>;
  risk_checks: Record<string, string>;
  would_execute: boolean;
  /** quantity × (limit price, else entry/exit price hint, else quote); null when no price is known. */
  estimated_order_amount: number | null;
  /** Every failing field (empty when valid). */
  errors: FieldError[];
  /** Body fields tradectl does not read (a typo such as "stoploss" shows up here). */
  ignored_fields: string[];
  /** What would be sent to the broker, order by order, when it would execute. */
  would_send?: Array<Record<string, unknown>>;
  /** Why admission would refuse it (risk, the order itself: sizing, units, a stop that would loosen, the broker). */
  refused?: { reason: string; message: string; details: Record<string, unknown> };
  /** The limit that would refuse the signal (the 403 details), when one would. */
  risk_limit?: RiskLimitDetails;
  timestamp: string;
}

/** Report keys in the seed's order; other checks follow. */
const RISK_KEYS: ReadonlyArray<readonly [string, RiskCheckName]> = [
  ["daily_limit", "daily_limit"],
  ["cooldown", "cooldown"],
  ["market_hours", "market_hours"],
  ["daily_loss", "daily_loss"],
  ["max_exposure", "max_exposure"],
  ["position", "position"],
];

function riskLine(check: RiskCheck): string {
  if (!check.ok) return `❌ Blocked (${check.detail})`;
  if (!check.applied) return `✅ Not applied (${check.detail})`;
  return `✅ OK (${check.detail})`;
}

/** A line for the admission check that would refuse the signal before or beside the risk rules. */
function admissionLine(j: Judgement | null): [string, string] | null {
  if (j === null) return null;
  if (j.verdict === "duplicate") {
    const order = j.first.outcome.kind === "queued" || j.first.outcome.kind === "settled" ? `, order ${j.first.outcome.order.order_id}` : "";
    return ["idempotency", `❌ Repeat of an alert already answered (request ${j.first.request_id}${order}): it would get the first answer again`];
  }
  if (j.verdict !== "refuse") return null;
  switch (j.reason) {
    case "kill_switch":
      return ["kill_switch", "❌ Trading stopped (kill switch active)"];
    case "pair_unavailable":
      return ["redis", `❌ ${j.message}`];
    case "broker_unavailable":
      return ["broker", `❌ ${j.message}${typeof j.details.reason === "string" ? ` (${j.details.reason})` : ""}`];
    case "expired":
      return ["expiry", `❌ ${j.message}`];
    default:
      return null; // the risk rule itself says why
  }
}

export function buildDryRun(input: DryRunInput): WebhookTestData {
  const { validation, judgement } = input;
  const risk = judgement?.risk ?? null;

  const validation_results: Record<string, string> = {
    passphrase: "✅ Valid", // the request got here, so the passphrase was checked and valid
  };
  for (const [field, outcome] of Object.entries(validation.fields)) {
    validation_results[field] = outcome.ok ? `✅ Valid (${outcome.display})` : `❌ ${outcome.message}`;
  }
  validation_results["json_format"] ??= "✅ Valid";

  const risk_checks: Record<string, string> = {};
  const refusedBy = admissionLine(judgement);
  if (refusedBy) risk_checks[refusedBy[0]] = refusedBy[1];
  for (const [key, name] of RISK_KEYS) {
    const check = risk?.checks[name];
    if (check === undefined) {
      risk_checks[key] = "➖ Not evaluated (invalid signal)";
    } else if (check.applied || !check.ok || name !== "position") {
      risk_checks[key] = riskLine(check);
    }
    // an entry's "position" check does not apply and is left out, as in the seed's example
  }

  let estimated: number | null = null;
  if (validation.ok) {
    const price = estimateOrderPrice(validation.signal, input.quotePrice ?? null);
    const quantity = judgement?.verdict === "accept" ? judgement.quantity : validation.signal.quantity;
    estimated = price === null ? null : Math.round(quantity * price * 100) / 100;
  }

  const data: WebhookTestData = {
    request_id: input.requestId,
    validation_results,
    risk_checks,
    would_execute: validation.ok && judgement?.verdict === "accept",
    estimated_order_amount: estimated,
    errors: validation.ok ? [] : validation.errors,
    ignored_fields: Object.keys(input.body ?? {}).filter((k) => !KNOWN_FIELDS.has(k)),
    timestamp: new Date(input.now).toISOString(),
  };
  if (risk !== null && !risk.ok) data.risk_limit = risk.details;
  // Exactly what would be sent: each order with its computed quantity and its prices as put on the grid.
  if (judgement?.verdict === "accept" && judgement.orders?.length) {
    data.would_send = judgement.orders.map((o) => ({
      kind: o.kind,
      ticker: o.ticker,
      action: o.action,
      quantity: o.quantity,
      order_type: o.order_type,
      ...(o.limit_price !== null ? { price: o.limit_price } : {}),
      ...(o.stop_loss !== null ? { stop_loss: o.stop_loss } : {}),
      ...(o.take_profit !== null ? { take_profit: o.take_profit } : {}),
      ...(o.order_expires_at !== null ? { expires_at: new Date(o.order_expires_at).toISOString() } : {}),
      ...(o.target_order_id !== null ? { cancels: o.target_order_id } : {}),
      ...(o.sent ? { sent: o.sent } : {}),
    }));
  } else if (judgement?.verdict === "refuse") {
    data.refused = { reason: judgement.reason, message: judgement.message, details: judgement.details };
  }
  return data;
}
