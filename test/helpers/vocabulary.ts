/**
 * The engine on a real journal with the paper broker and the price watch, fed alerts as the webhook parses them
 * (validateAlert) and quotes as the feeds deliver them: for tests of the order vocabulary.
 */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { InstrumentConfig } from "../../src/config/types.js";
import { instrumentSpec } from "../../src/daemon/plan-deps.js";
import { ManualClock } from "../../src/domain/clock.js";
import type { AdmissionPolicy } from "../../src/engine/admission.js";
import type { AdmissionOutcome } from "../../src/engine/engine.js";
import type { EventEnvelope } from "../../src/engine/envelope.js";
import { PriceWatch } from "../../src/engine/price-watch.js";
import { webhookAnswer } from "../../src/webhook/answers.js";
import { validateAlert } from "../../src/webhook/validate-alert.js";
import { journalFile, OPEN_POLICY, openEngine } from "./engine.js";

export const T0 = Date.parse("2026-11-24T01:00:00Z");

export interface VocabOptions {
  policy?: AdmissionPolicy;
  slippageBps?: number;
  allowShort?: boolean;
  instruments?: Record<string, InstrumentConfig>;
  initialCash?: number;
  file?: string;
}

export function vocabEngine(t: TestContext, opts: VocabOptions = {}) {
  const clock = new ManualClock(T0);
  const file = opts.file ?? journalFile(t);
  const a = openEngine(file, clock, { policy: opts.policy ?? OPEN_POLICY, slippageBps: opts.slippageBps ?? 0, allowShort: opts.allowShort ?? false, instruments: opts.instruments ?? {}, initialCash: opts.initialCash ?? 10_000_000 });
  t.after(() => a.db.close());
  const events: EventEnvelope[] = [];
  a.bus.on("*", (e) => void events.push(e));
  const watch = new PriceWatch({
    engine: a.engine,
    journal: a.journal,
    ledger: a.ledger,
    stops: a.stops,
    broker: a.broker,
    instrument: (tk) => instrumentSpec(tk, opts.instruments?.[tk], a.broker),
    quoteOf: (tk) => a.quotes.forTicker(tk),
    clock,
    signalTtlMs: () => 60_000,
    minMoveMs: 0,
    logger: { warn() {} },
  });
  let n = 0;
  /** An alert body as TradingView sends it (passphrase aside), validated and admitted; the HTTP answer it gets. */
  const send = async (body: Record<string, unknown>, purpose?: "flatten") => {
    n += 1;
    const v = validateAlert({ timestamp: String(clock.now() + n), ...body }, { now: clock.now(), timestampWindowMs: 300_000, signalTtlMs: 60_000, requestId: `req_${n}`, signalId: `sig_${n}` });
    assert.equal(v.ok, true, JSON.stringify(!v.ok && v.errors));
    const outcome = await a.engine.admit({ signal: v.ok ? v.signal : (null as never), ...(purpose ? { purpose } : {}) });
    if (outcome.kind === "accepted") await outcome.done;
    await new Promise((r) => setImmediate(r)); // the admission's events go out after its answer
    return { outcome, answer: answerOf(outcome) };
  };
  /** A quote, filed and acted on as the feeds do. */
  const quote = async (ticker: string, bid: number, ask: number, advanceMs = 1000) => {
    clock.advance(advanceMs);
    a.quotes.update({ instrument: ticker, bid, ask, time: clock.now(), tradeable: true, feed: "test" });
    await watch.onQuote(ticker);
  };
  return { ...a, clock, events, watch, send, quote, types: () => events.map((e) => e.type) };
}

export function answerOf(o: AdmissionOutcome) {
  if (o.kind === "dry_run") throw new Error("dry run");
  return webhookAnswer(o.record);
}
