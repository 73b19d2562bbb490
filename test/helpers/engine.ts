/**
 * The engine on a real journal file with the paper broker, as the daemon wires it, for tests that open a journal,
 * "crash" (close it, or copy its files as a killed process would leave them) and open it again.
 */
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { PaperBroker } from "../../src/broker/paper/paper-broker.js";
import type { ManualClock } from "../../src/domain/clock.js";
import type { Signal } from "../../src/domain/types.js";
import type { AdmissionPolicy } from "../../src/engine/admission.js";
import { Engine } from "../../src/engine/engine.js";
import { EventBus } from "../../src/engine/event-bus.js";
import { KillSwitch } from "../../src/engine/kill-switch.js";
import { QuoteBook } from "../../src/engine/quote-book.js";
import { Database } from "../../src/store/database.js";
import { SqliteIdempotencyStore } from "../../src/store/idempotency-store.js";
import { Journal } from "../../src/store/journal.js";
import { Ledger } from "../../src/store/ledger.js";
import { SqliteStateStore } from "../../src/store/state-store.js";
import { SqliteStopBook } from "../../src/store/stop-book.js";
import { buildPlanDeps } from "../../src/daemon/plan-deps.js";
import type { InstrumentConfig } from "../../src/config/types.js";
import { defer } from "./defer.js";
import { tempHome } from "./temp-home.js";

const quiet = { info() {}, warn() {}, error() {} };

export const OPEN_POLICY: AdmissionPolicy = {
  riskRules: () => ({ maxDailyEntries: 1000, cooldownMinutes: 0, marketHours: "always", maxDailyLoss: 0, maxExposure: 0 }),
  timestampWindowMs: 300_000,
};

export type EngineFixture = ReturnType<typeof openEngine>;

export function openEngine(
  file: string,
  clock: ManualClock,
  opts: { policy?: AdmissionPolicy; quotes?: QuoteBook; initialCash?: number; slippageBps?: number; allowShort?: boolean; instruments?: Record<string, InstrumentConfig> } = {},
) {
  const db = new Database(file);
  const state = new SqliteStateStore(db);
  const journal = new Journal(db);
  const ledger = new Ledger(db);
  const quotes = opts.quotes ?? new QuoteBook();
  const idempotency = new SqliteIdempotencyStore(db);
  const killSwitch = new KillSwitch(state);
  const stops = new SqliteStopBook(db);
  const broker = new PaperBroker(() => ({ initialCash: opts.initialCash ?? 10_000_000, slippageBps: opts.slippageBps ?? 0, feeRate: 0, feeMin: 0 }), ledger, (t) => quotes.forTicker(t), clock);
  const bus = new EventBus();
  const engine = new Engine({
    journal,
    ledger,
    idempotency,
    broker,
    bus,
    clock,
    killSwitch,
    quotes,
    logger: quiet,
    policy: () => opts.policy ?? OPEN_POLICY,
    brokerStatus: () => ({ connected: true, message: null }),
    reconciliationBlock: () => null,
    stops,
    plan: buildPlanDeps({ journal, ledger, stops, quotes, broker, instruments: () => opts.instruments ?? {}, allowShort: () => opts.allowShort ?? false }),
  });
  return { db, journal, ledger, broker, engine, quotes, idempotency, killSwitch, bus, stops };
}

/** A journal file in a temp home removed after the test. */
export function journalFile(t: TestContext): string {
  const { home, cleanup } = tempHome();
  defer(t, cleanup);
  return join(home, "tradectl.db");
}

/**
 * The journal's files copied as they are on disk now: what a process killed at this instant leaves behind (what it
 * wrote is in the OS; what it only held in memory, such as a batch not yet written, is gone).
 */
export function crashCopy(file: string, to: string): string {
  for (const suffix of ["", "-wal"]) if (existsSync(file + suffix)) copyFileSync(file + suffix, to + suffix);
  return to;
}

export function testSignal(id: string, t0: number, o: Partial<Signal> = {}): Signal {
  return {
    id,
    request_id: `req_${id}`,
    source: "webhook",
    action: "buy",
    ticker: "9984",
    quantity: 100,
    price: "market",
    entry_price: 3000,
    alert_time: t0,
    received_at: t0,
    expires_at: t0 + 60_000,
    idempotency_key: `key_${id}`,
    ...o,
  };
}
