/**
 * The broker, timed: every call's duration (tradectl_broker_call_seconds) and every failure by code
 * (tradectl_broker_errors_total) — a thrown error's code, or the code of a refusal the broker answered with.
 * The wrapper keeps the broker's own properties (`kind`, `external`) and `this`.
 */
import { brokerCode, TradectlError } from "../domain/errors.js";
import type { Broker } from "../engine/broker.js";
import type { Metrics } from "./metrics.js";

const CALLS = {
  accountInfo: "account_info",
  positions: "positions",
  orderCheck: "order_check",
  orderSend: "order_send",
  settleNow: "settle_now",
  findOrder: "find_order",
  rates: "rates",
  health: "health",
  deals: "deals",
} as const;

type Call = keyof typeof CALLS;

/** The code of a refusal or failure a broker answered with instead of throwing, if any. */
function answeredError(call: Call, r: unknown): string | null {
  if (!r || typeof r !== "object") return null;
  const o = r as { ok?: unknown; kind?: unknown; code?: unknown; connected?: unknown };
  if (call === "orderCheck" && o.ok === false) return typeof o.code === "string" ? o.code : "CHECK_FAILED";
  const sends = call === "orderSend" || call === "findOrder" || call === "settleNow";
  if (sends && o.kind === "rejected") return typeof o.code === "string" ? o.code : "REJECTED";
  if (sends && o.kind === "unknown") return "OUTCOME_UNKNOWN";
  if (call === "health" && o.connected === false) return "DISCONNECTED";
  return null;
}

export function instrumentBroker(broker: Broker, m: Metrics): Broker {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(broker, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      let fn = wrapped.get(prop);
      if (fn) return fn;
      const call = typeof prop === "string" && prop in CALLS ? (prop as Call) : null;
      if (!call) {
        fn = (value as (...a: unknown[]) => unknown).bind(target);
      } else if (call === "settleNow") {
        // Synchronous (the paper broker settling inside the admission's transaction): timed without a promise.
        const timer = m.brokerCalls.labels(CALLS[call]);
        fn = (...args: unknown[]) => {
          const t0 = performance.now();
          try {
            const r = (value as (...a: unknown[]) => unknown).apply(target, args);
            const code = answeredError(call, r);
            if (code) m.brokerErrors.labels(CALLS[call], code).inc();
            return r;
          } finally {
            timer.observe((performance.now() - t0) / 1000);
          }
        };
      } else {
        const timer = m.brokerCalls.labels(CALLS[call]);
        fn = async (...args: unknown[]) => {
          const t0 = performance.now();
          try {
            const r = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            const code = answeredError(call, r);
            if (code) m.brokerErrors.labels(CALLS[call], code).inc();
            return r;
          } catch (err) {
            m.brokerErrors.labels(CALLS[call], err instanceof TradectlError ? brokerCode(err) : "ERROR").inc();
            throw err;
          } finally {
            timer.observe((performance.now() - t0) / 1000);
          }
        };
      }
      wrapped.set(prop, fn);
      return fn;
    },
  });
}
