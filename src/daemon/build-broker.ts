/** Picks the broker adapter from config: paper (default) or mt5 (the Windows-side bridge). */
import { PaperBroker } from "../broker/paper/paper-broker.js";
import type { TradectlConfig } from "../config/types.js";
import type { Clock } from "../domain/clock.js";
import { OperationalError } from "../domain/errors.js";
import type { Broker } from "../engine/broker.js";
import type { QuoteBook } from "../engine/quote-book.js";
import type { StateStore } from "../engine/stores.js";
import type { Logger } from "../log/logger.js";
import type { Database } from "../store/database.js";

export interface BrokerDeps {
  state: StateStore;
  db: Database;
  quotes: QuoteBook;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

export function buildBroker(config: TradectlConfig, d: BrokerDeps): Broker {
  if (config.broker.kind === "paper") {
    return new PaperBroker(config.broker.paper, d.state, (t) => d.quotes.forTicker(t), d.clock, (fn) => d.db.tx(fn));
  }
  throw new OperationalError("BROKER_UNAVAILABLE", `broker.kind=${config.broker.kind} is not available in this build`);
}
