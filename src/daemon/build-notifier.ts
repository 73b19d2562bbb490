/** The notifier from config: its outbox in the journal, the daily summary's facts from the control facade, its counts to the metrics. */
import type { NotifyConfig } from "../config/types.js";
import type { Clock } from "../domain/clock.js";
import { TradectlError } from "../domain/errors.js";
import type { Control } from "../engine/control.js";
import type { EventBus } from "../engine/event-bus.js";
import type { StateStore } from "../engine/ports.js";
import type { Logger } from "../log/logger.js";
import type { Redactor } from "../log/redact.js";
import type { Metrics } from "../metrics/metrics.js";
import { Notifier } from "../notify/notifier.js";
import type { Database } from "../store/database.js";
import { NotificationOutbox } from "../store/notification-outbox.js";
import { dailyFacts } from "./daily-facts.js";

export interface NotifierParts {
  config: NotifyConfig;
  bus: EventBus;
  db: Database;
  state: StateStore;
  control: Control;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  redactor: Redactor;
  metrics: Metrics | null;
}

export function buildNotifier(p: NotifierParts): Notifier {
  const m = p.metrics;
  try {
    return new Notifier({
      bus: p.bus,
      outbox: new NotificationOutbox(p.db),
      config: p.config,
      env: p.env,
      logger: p.logger,
      redactor: p.redactor,
      state: p.state,
      summary: () => dailyFacts(p.control, p.clock.now()),
      ...(m
        ? {
            events: {
              sent: (c, k, n) => m.notificationSent(c, k, n),
              ended: (c, k, n, o) => m.notificationEnded(c, k, n, o),
              attemptFailed: (c, k, f) => m.notificationAttemptFailed(c, k, f),
            },
          }
        : {}),
    });
  } catch (err) {
    if (err instanceof RangeError) throw new TradectlError("CONFIG_INVALID", `notify.dailySummary.timeZone: ${err.message}`, { cause: err });
    throw err;
  }
}
