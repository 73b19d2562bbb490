/** Picks the broker adapter from config: paper (default) or mt5 (the Windows-side bridge). */
import { createMt5Broker } from "../broker/mt5/mt5-broker.js";
import { PaperBroker } from "../broker/paper/paper-broker.js";
import { readSecret } from "../config/secrets.js";
import type { InstrumentConfig, TradectlConfig } from "../config/types.js";
import type { Clock } from "../domain/clock.js";
import { TradectlError } from "../domain/errors.js";
import type { Broker } from "../engine/broker.js";
import type { QuoteBook } from "../engine/quote-book.js";
import type { Logger } from "../log/logger.js";
import type { Ledger } from "../store/ledger.js";

export interface BrokerDeps {
  /** The paper broker keeps its book in the journal's ledger. */
  ledger: Ledger;
  quotes: QuoteBook;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** The live `instruments` config (read on every use, so a reload applies). The broker's own keys do not reload. */
  instruments: () => Record<string, InstrumentConfig>;
}

export function buildBroker(config: TradectlConfig, d: BrokerDeps): Broker {
  if (config.broker.kind === "paper") {
    return new PaperBroker(() => config.broker.paper, d.ledger, (t) => d.quotes.forTicker(t), d.clock);
  }
  if (config.broker.kind === "mt5") {
    // The token is a secret: from the environment or MT5_BRIDGE_TOKEN_FILE, never from config.json, never logged.
    const token = readSecret("MT5_BRIDGE_TOKEN", d.env);
    if (!token) {
      throw new TradectlError("SECRET_MISSING", "broker.kind=mt5 needs MT5_BRIDGE_TOKEN (the bridge's bearer token) in the environment or MT5_BRIDGE_TOKEN_FILE");
    }
    const { url, timeoutMs, magic, syncSeconds } = config.broker.mt5;
    d.logger.info("MT5 broker: orders go through the bridge", { url, timeout_ms: timeoutMs, magic, sync_seconds: syncSeconds });
    return createMt5Broker(config.broker.mt5, d.instruments, token, { clock: d.clock });
  }
  throw new TradectlError("CONFIG_INVALID", `broker.kind=${String(config.broker.kind)} is not available in this build`);
}
