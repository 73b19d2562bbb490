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
import type { Relay } from "../relay/relay.js";
import type { WebhookService } from "../webhook/webhook-service.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Notifier } from "../notify/notifier.js";

/** `public`: the webhook TCP port (API-key and password auth); `control`: the 0600 Unix socket (its owner is trusted). */
export type AppKind = "public" | "control";

export interface HealthReport {
  status: "healthy" | "unhealthy";
  components: Record<string, "healthy" | "unhealthy">;
  errors: Array<{ component: string; message: string }>;
  /** A setting that works now but can lose data in a failure (Redis persistence); not a reason for 503. */
  warnings?: Array<{ component: string; message: string }>;
  /** Per component, what a load balancer or a person may want beside healthy/unhealthy (Redis: latency, role). */
  details?: Record<string, Record<string, unknown>>;
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
  relay: Relay;
  adminPasswordHash: () => string | undefined;
  /** A store class for @fastify/rate-limit shared by a pair (Redis); absent: this daemon's own counters. */
  rateLimitStore?: unknown;
  /** Null when metrics.enabled is false. */
  metrics?: Metrics | null;
  notifier?: Notifier;
}
