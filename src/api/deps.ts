/** What the route plugins need; the daemon builds one of these and hands it to both servers. */
import type { Clock } from "../domain/clock.js";
import type { Control } from "../engine/control.js";
import type { EventBus } from "../engine/event-bus.js";
import type { TradectlConfig } from "../config/types.js";
import type { Logger } from "../log/logger.js";
import type { Redactor } from "../log/redact.js";
import type { ApiKeys } from "../store/api-keys.js";
import type { AuditLog } from "../store/audit-log.js";
import type { Database } from "../store/database.js";
import type { WebhookService } from "../webhook/webhook-service.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Notifier } from "../notify/notifier.js";

export interface HealthReport {
  status: "healthy" | "unhealthy";
  components: Record<string, "healthy" | "unhealthy">;
  errors: Array<{ component: string; message: string }>;
}

export interface ApiDeps {
  control: Control;
  bus: EventBus;
  audit: AuditLog;
  apiKeys: ApiKeys;
  db: Database;
  clock: Clock;
  logger: Logger;
  redactor: Redactor;
  config: () => TradectlConfig;
  health: () => Promise<HealthReport>;
  startedAt: number;
  webhook: WebhookService;
  adminPasswordHash: () => string | undefined;
  /** Null when metrics.enabled is false. */
  metrics?: Metrics | null;
  notifier?: Notifier;
}
