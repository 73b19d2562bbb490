/**
 * POST /webhook after the rate limit: parse → passphrase (401 before any field detail) → validation (400, every
 * field) → idempotency (a repeat gets the first answer) → kill switch (503) → risk (403) → journal → broker.
 * The alert is journaled before any answer; the answer is 200 with the order when the broker settles within the
 * sync budget, else 202 with the queue position, and execution goes on from the journal either way.
 */
import type { TradectlConfig } from "../config/types.js";
import type { Clock } from "../domain/clock.js";
import { errorEnvelope } from "../domain/error-envelope.js";
import { timeOrderedId } from "../domain/ids.js";
import { estimateOrderPrice } from "../domain/order-price.js";
import { evaluateRisk, type RiskEvaluation } from "../domain/risk.js";
import { midPrice, type Signal } from "../domain/types.js";
import type { Control } from "../engine/control.js";
import type { Admission, Engine } from "../engine/engine.js";
import { makeEnvelope } from "../engine/envelope.js";
import type { EventBus } from "../engine/event-bus.js";
import type { KillSwitch } from "../engine/kill-switch.js";
import type { QuoteBook } from "../engine/quote-book.js";
import type { IdempotencyStore } from "../engine/stores.js";
import type { Logger } from "../log/logger.js";
import type { Redactor } from "../log/redact.js";
import type { AlertLog } from "../store/alert-log.js";
import type { Journal, StoredOrder } from "../store/journal.js";
import { AuthFailureLog } from "./auth-failure-log.js";
import { buildDryRun } from "./dry-run.js";
import { parseBody } from "./parse-body.js";
import { checkPassphrase, type PassphraseSecrets } from "./passphrase.js";
import { redactRawBody } from "./redact-body.js";
import { validateAlert } from "./validate-alert.js";

export interface WebhookRequest {
  path: "/webhook" | "/webhook/test";
  requestId: string;
  rawBody: string;
  contentType: string | undefined;
  sourceIp: string;
  userAgent: string | undefined;
}

export interface WebhookResponse {
  statusCode: number;
  body: Record<string, unknown>;
}

export interface WebhookServiceDeps {
  secrets: PassphraseSecrets;
  config: () => TradectlConfig;
  clock: Clock;
  engine: Engine;
  control: Control;
  journal: Journal;
  alerts: AlertLog;
  idempotency: IdempotencyStore;
  killSwitch: KillSwitch;
  bus: EventBus;
  logger: Logger;
  redactor: Redactor;
  quotes: QuoteBook;
  brokerHealth: () => { connected: boolean; message: string | null };
  /**
   * Why entries of a ticker are blocked by an unexplained difference with the broker (reconciliation), or null.
   * Answered 403 RISK_LIMIT_EXCEEDED, limit_type `reconciliation_mismatch`: a per-ticker limit the owner clears.
   */
  reconciliationBlock?: (ticker: string) => { broker_quantity: number; journal_quantity: number; unexplained: number } | null;
}

const IDEMPOTENCY_TTL_MS = 5 * 60_000;

export class WebhookService {
  private readonly authFailures: AuthFailureLog;

  constructor(private readonly d: WebhookServiceDeps) {
    this.authFailures = new AuthFailureLog((msg, meta) => d.logger.warn(msg, meta));
  }

  async handle(req: WebhookRequest): Promise<WebhookResponse> {
    const started = performance.now();
    const now = this.d.clock.now();
    const cfg = this.d.config();
    const alert = {
      request_id: req.requestId,
      received_at: now,
      path: req.path,
      source_ip: req.sourceIp,
      content_type: req.contentType ?? null,
    };
    let parsedBody: Record<string, unknown> | undefined;
    const answer = (res: WebhookResponse, signalId: string | null = null): WebhookResponse => {
      const error_code = (res.body.error_code as string | undefined) ?? null;
      const redactedBody = this.d.redactor.redactString(redactRawBody(req.rawBody, parsedBody));
      this.d.alerts.record({ ...alert, body: redactedBody, status_code: res.statusCode, error_code, signal_id: signalId });
      return res;
    };
    /**
     * A refusal before there is a valid signal. An authenticated one (bad fields) goes to the audit log with its
     * reason; an unauthenticated one (no body, wrong passphrase) only to the alert log and the access log, batched,
     * so that a flood of junk costs little and cannot crowd the audit log.
     */
    const err = (statusCode: number, code: string, message: string, extra: Record<string, unknown> = {}, authenticated = true) => {
      if (authenticated) {
        const fields = Array.isArray(extra.errors) ? (extra.errors as Array<{ field: string }>).map((e) => e.field) : undefined;
        this.d.bus.publish(
          makeEnvelope("signal.rejected", "webhook", { request_id: req.requestId, path: req.path, source_ip: req.sourceIp, code, reason: message, ...(fields ? { fields } : {}) }, { time: now, correlation_id: req.requestId }),
        );
      }
      return answer({ statusCode, body: errorShape(req.requestId, code, message, extra, now) });
    };

    const parsed = parseBody(req.rawBody, req.contentType);
    if (!parsed.ok) {
      // Before the passphrase is known good, say only what is wrong with the body as a whole.
      return err(parsed.status, "VALIDATION_ERROR", parsed.message, parsed.status === 400 ? { errors: parsed.errors } : {}, false);
    }
    const body = parsed.body;
    parsedBody = body;
    const pass = checkPassphrase(body.passphrase, this.d.secrets, now);
    if (!pass.ok) {
      this.authFailures.failed(req.sourceIp, pass.message, now);
      return err(401, "AUTH_FAILED", pass.message, {}, false);
    }

    const signalId = timeOrderedId("sig_");
    const dryRun = req.path === "/webhook/test";
    const v = validateAlert(body, {
      now,
      timestampWindowMs: cfg.webhook.timestampWindowMs,
      signalTtlMs: cfg.webhook.signalTtlMs,
      requestId: req.requestId,
      signalId,
      mode: dryRun ? "test" : "live",
    });
    if (dryRun) return answer(this.dryRun(req, body, v, now));
    if (!v.ok) {
      this.d.logger.info("webhook refused: validation", { request_id: req.requestId, fields: v.errors.map((e) => e.field) });
      return err(400, "VALIDATION_ERROR", "Validation failed", { errors: v.errors });
    }
    const signal = v.signal;

    // The rest is decided inside the journal transaction this alert shares with the alerts that arrived with it,
    // in arrival order: a repeat or a risk limit is judged against every signal admitted before it.
    const admitted = await this.d.engine.admit<WebhookResponse>(signal, () => this.admission(req, signal, body, answer, now));
    if (admitted.kind === "decided") return admitted.value;
    const accepted = admitted.accepted;
    this.d.logger.info("signal accepted", { request_id: req.requestId, signal_id: signal.id, order_id: accepted.order.order_id, ticker: signal.ticker, action: signal.action, quantity: signal.quantity });

    const settled = await withinBudget(accepted.done, cfg.webhook.syncBudgetMs);
    if (!settled || settled.status === "unknown" || settled.status === "submitted" || settled.status === "pending") {
      return answer({ statusCode: 202, body: acceptedBody(req.requestId, accepted.order, accepted.queuePosition) }, signal.id);
    }
    const res = settledResponse(req.requestId, settled, Math.round(performance.now() - started), this.d.clock.now());
    // The 202 was stored durably with the signal; this better answer only replaces it, so it need not wait for the disk.
    this.d.idempotency.put(signal.idempotency_key, { status_code: res.statusCode, response: res.body, signal_id: signal.id }, now, now + IDEMPOTENCY_TTL_MS, { durable: false });
    return answer(res, signal.id);
  }

  /** The checks that must see every signal admitted before this one; runs inside the admission transaction. */
  private admission(
    req: WebhookRequest,
    signal: Signal,
    body: Record<string, unknown>,
    answer: (r: WebhookResponse, s: string | null) => WebhookResponse,
    now: number,
  ): Admission<WebhookResponse> {
    const decided = (value: WebhookResponse): Admission<WebhookResponse> => ({ kind: "decided", value });
    const earlier = this.d.idempotency.get(signal.idempotency_key, now);
    if (earlier) {
      this.d.logger.info("duplicate alert answered with its first response", { request_id: req.requestId, signal_id: earlier.signal_id });
      return decided(answer({ statusCode: earlier.status_code, body: earlier.response as Record<string, unknown> }, earlier.signal_id));
    }
    this.d.bus.publish(
      makeEnvelope("signal.received", "webhook", publicSignal(signal), {
        time: now,
        correlation_id: req.requestId,
        meta: { expires_at: new Date(signal.expires_at).toISOString(), dedupe_key: signal.idempotency_key, ...(typeof body.confidence === "number" ? { confidence: body.confidence } : {}) },
      }),
    );
    if (this.d.killSwitch.active) {
      const k = this.d.killSwitch.get();
      return decided(this.refuse(signal, 503, "SERVICE_UNAVAILABLE", "Kill switch active - trading is stopped", { reason: k.reason, since: k.changed_at && new Date(k.changed_at).toISOString() }, answer, now, false));
    }
    const risk = this.evaluate(signal, now);
    if (!risk.ok) {
      // A reconciliation block lifts when a sync finds the positions equal, not by time: a repeat is judged afresh.
      const remember = risk.limit_type !== "reconciliation_mismatch";
      return decided(this.refuse(signal, 403, "RISK_LIMIT_EXCEEDED", "Risk limit exceeded", risk.details, answer, now, remember, risk.message));
    }
    const broker = this.d.brokerHealth();
    if (!risk.is_exit && !broker.connected) {
      return decided(this.refuse(signal, 503, "SERVICE_UNAVAILABLE", "Broker unavailable - entries are refused", { component: "broker", reason: broker.message }, answer, now, false));
    }
    if (risk.quantity !== signal.quantity) signal.quantity = risk.quantity;
    return {
      kind: "accept",
      // Stored in the same transaction as the signal: a repeat after a crash still gets this answer.
      beforeCommit: (order, queuePosition) =>
        this.d.idempotency.put(signal.idempotency_key, { status_code: 202, response: acceptedBody(req.requestId, order, queuePosition), signal_id: signal.id }, now, now + IDEMPOTENCY_TTL_MS),
    };
  }

  /** The risk rules, then (for an entry) a block on its ticker from reconciliation: the live path and /webhook/test both. */
  private evaluate(signal: Signal, now: number): RiskEvaluation {
    const risk = this.evaluateRules(signal, now);
    const mismatch = risk.ok && !risk.is_exit ? (this.d.reconciliationBlock?.(signal.ticker) ?? null) : null;
    if (!mismatch) return risk;
    const message = `${signal.ticker}: the broker holds ${mismatch.broker_quantity}, the journal ${mismatch.journal_quantity}; entries are blocked until the difference is resolved`;
    const limit = { limit_type: "reconciliation_mismatch" as const, current_value: mismatch.unexplained, max_value: 0, reset_at: null };
    const details = { ...limit, ticker: signal.ticker, broker_quantity: mismatch.broker_quantity, journal_quantity: mismatch.journal_quantity, message };
    return { ok: false, is_exit: false, message, details, checks: risk.checks, ...limit };
  }

  private evaluateRules(signal: Signal, now: number): RiskEvaluation {
    const cfg = this.d.config();
    const snap = this.d.control.riskSnapshot();
    const q = this.d.quotes.forTicker(signal.ticker);
    return evaluateRisk({
      signal: { action: signal.action, ticker: signal.ticker, quantity: signal.quantity, priceEstimate: estimateOrderPrice(signal, q ? midPrice(q) : null) },
      now,
      config: { ...cfg.risk, marketHours: cfg.instruments[signal.ticker]?.calendar ?? cfg.risk.marketHours },
      state: {
        entriesToday: snap.entriesToday,
        lastEntryAt: snap.lastEntryAt,
        realizedPnlToday: snap.realizedToday,
        exposure: snap.exposure,
        heldQuantity: snap.held(signal.ticker),
      },
    });
  }

  /** A refused signal is journaled (with its reason) and answered; the refusal is remembered for repeats. */
  private refuse(
    signal: Signal,
    statusCode: number,
    code: string,
    message: string,
    details: Record<string, unknown>,
    answer: (r: WebhookResponse, s: string | null) => WebhookResponse,
    now: number,
    remember: boolean,
    reason: string = message,
  ): WebhookResponse {
    const res = { statusCode, body: errorShape(signal.request_id, code, message, { details }, now) };
    this.d.journal.tx(() => {
      this.d.journal.insertSignal(signal, "rejected", reason);
      // A kill-switch or broker refusal is not remembered: once trading resumes, a repeat is judged afresh.
      if (remember) this.d.idempotency.put(signal.idempotency_key, { status_code: statusCode, response: res.body, signal_id: signal.id }, now, now + IDEMPOTENCY_TTL_MS);
    });
    this.d.bus.publish(makeEnvelope("signal.rejected", "webhook", { signal_id: signal.id, ticker: signal.ticker, action: signal.action, code, reason, details }, { time: now, correlation_id: signal.request_id }));
    this.d.logger.info("signal refused", { request_id: signal.request_id, signal_id: signal.id, code, reason, details });
    return answer(res, signal.id);
  }

  private dryRun(req: WebhookRequest, body: Record<string, unknown>, v: ReturnType<typeof validateAlert>, now: number): WebhookResponse {
    const risk = v.ok ? this.evaluate(v.signal, now) : null;
    const q = v.ok ? this.d.quotes.forTicker(v.signal.ticker) : undefined;
    const data = buildDryRun({
      requestId: req.requestId,
      body,
      validation: v,
      risk,
      killSwitchActive: this.d.killSwitch.active,
      quotePrice: q ? midPrice(q) : null,
      now,
    });
    return { statusCode: 200, body: { status: "success", message: "Test webhook received successfully", data } };
  }
}

function publicSignal(s: Signal): Record<string, unknown> {
  const { idempotency_key: _k, ...rest } = s;
  return rest;
}

function errorShape(requestId: string, code: string, message: string, extra: Record<string, unknown>, now: number): Record<string, unknown> {
  return errorEnvelope({ requestId, code, message, now, extra });
}

function acceptedBody(requestId: string, order: StoredOrder, queuePosition: number): Record<string, unknown> {
  return {
    status: "accepted",
    message: "Signal queued for processing",
    data: {
      request_id: requestId,
      order_id: order.order_id,
      ticker: order.ticker,
      action: order.action,
      quantity: order.quantity,
      queue_position: queuePosition,
      estimated_processing_time_ms: 500 * queuePosition,
    },
  };
}

function settledResponse(requestId: string, o: StoredOrder, processingMs: number, now: number): WebhookResponse {
  if (o.status === "filled") {
    return {
      statusCode: 200,
      body: {
        status: "success",
        message: "Signal received and processed",
        data: {
          request_id: requestId,
          ticker: o.ticker,
          action: o.action,
          quantity: o.quantity,
          order_id: o.order_id,
          order_status: o.status,
          fill_price: o.fill_price,
          timestamp: new Date(now).toISOString(),
          processing_time_ms: processingMs,
        },
      },
    };
  }
  // Refused by the broker or expired: 422, final. Failed (the broker stayed unreachable or kept requoting through
  // every retry): 503, a passing condition, like the broker being down.
  const [statusCode, code] = o.status === "failed" ? [503, "SERVICE_UNAVAILABLE"] : [422, o.status === "expired" ? "SIGNAL_EXPIRED" : "ORDER_REJECTED"];
  return {
    statusCode,
    body: errorShape(requestId, code, `Order ${o.status}: ${o.error_message ?? o.error_code ?? "no reason given"}`, {
      details: { order_id: o.order_id, order_status: o.status, broker_code: o.error_code, reason: o.error_message },
    }, now),
  };
}

async function withinBudget<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
