/**
 * POST /webhook and /webhook/test after the rate limit: parse → passphrase (401 before any field detail) →
 * validation (400, every field) → the engine's admission (a repeat gets the first answer; kill switch 503; risk
 * 403; journal; broker), whose typed outcome is mapped to HTTP here. The answer is 200 with the order when the
 * broker settles within the sync budget, else 202 with the queue position, and execution goes on from the journal
 * either way. /webhook/test runs the same admission as a dry run.
 */
import type { TradectlConfig } from "../config/types.js";
import type { Clock } from "../domain/clock.js";
import { errorEnvelope } from "../domain/error-envelope.js";
import type { ApiErrorCode } from "../domain/errors.js";
import { timeOrderedId } from "../domain/ids.js";
import { midPrice, type Signal, type SignalSource } from "../domain/types.js";
import type { Judgement } from "../engine/admission.js";
import type { Engine } from "../engine/engine.js";
import { makeEnvelope } from "../engine/envelope.js";
import type { EventBus } from "../engine/event-bus.js";
import type { QuoteBook } from "../engine/quote-book.js";
import type { Logger } from "../log/logger.js";
import type { Redactor } from "../log/redact.js";
import type { AlertLog } from "../store/alert-log.js";
import { webhookAnswer, type WebhookResponse } from "./answers.js";
import { AuthFailureLog } from "./auth-failure-log.js";
import { buildDryRun } from "./dry-run.js";
import { parseBody } from "./parse-body.js";
import { checkPassphrase, type PassphraseSecrets } from "./passphrase.js";
import { redactRawBody } from "./redact-body.js";
import { validateAlert } from "./validate-alert.js";

export type { WebhookResponse };

export interface WebhookRequest {
  path: "/webhook" | "/webhook/test" | `/relay/in/${string}`;
  requestId: string;
  rawBody: string;
  contentType: string | undefined;
  sourceIp: string;
  userAgent: string | undefined;
}

export interface WebhookServiceDeps {
  secrets: PassphraseSecrets;
  config: () => TradectlConfig;
  clock: Clock;
  engine: Engine;
  alerts: AlertLog;
  bus: EventBus;
  logger: Logger;
  redactor: Redactor;
  quotes: QuoteBook;
}

/**
 * Another door with the webhook's body format and checks (a relay channel's inbound URL): its own passphrase, its
 * own source, and what becomes of a valid signal. Everything before that (parse, 401 before any field, validation,
 * the alert log, the auth-failure log) is the webhook's, unchanged.
 */
export interface IntakeTarget {
  source: SignalSource;
  checkPassphrase(given: unknown, now: number): { ok: true } | { ok: false; message: string };
  /** `startedAt`: performance.now() when the request arrived. */
  accept(signal: Signal, startedAt: number): Promise<WebhookResponse> | WebhookResponse;
}

export class WebhookService {
  private readonly authFailures: AuthFailureLog;

  constructor(private readonly d: WebhookServiceDeps) {
    this.authFailures = new AuthFailureLog((msg, meta) => d.logger.warn(msg, meta));
  }

  async handle(req: WebhookRequest, target?: IntakeTarget): Promise<WebhookResponse> {
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
    const err = (statusCode: number, code: ApiErrorCode, message: string, extra: Record<string, unknown> = {}, authenticated = true) => {
      if (authenticated) {
        const fields = Array.isArray(extra.errors) ? (extra.errors as Array<{ field: string }>).map((e) => e.field) : undefined;
        this.d.bus.publish(
          makeEnvelope("signal.rejected", target?.source ?? "webhook", { request_id: req.requestId, path: req.path, source_ip: req.sourceIp, code, reason: message, ...(fields ? { fields } : {}) }, { time: now, correlation_id: req.requestId }),
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
    const pass = target ? target.checkPassphrase(body.passphrase, now) : checkPassphrase(body.passphrase, this.d.secrets, now);
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
      ...(target ? { source: target.source } : {}),
    });
    if (!dryRun && !v.ok) {
      this.d.logger.info("webhook refused: validation", { request_id: req.requestId, fields: v.errors.map((e) => e.field) });
      return err(400, "VALIDATION_ERROR", "Validation failed", { errors: v.errors });
    }
    if (!v.ok) return answer(this.dryRunAnswer(req, body, v, null, now));
    if (target) return answer(await target.accept(v.signal, started), v.signal.id);
    const outcome = await this.d.engine.admit({ signal: v.signal, dryRun, syncBudgetMs: cfg.webhook.syncBudgetMs, startedAt: started });
    if (outcome.kind === "dry_run") return answer(this.dryRunAnswer(req, body, v, outcome.judgement, now));
    return answer(webhookAnswer(outcome.record), outcome.record.signal_id);
  }

  private dryRunAnswer(req: WebhookRequest, body: Record<string, unknown>, v: ReturnType<typeof validateAlert>, judgement: Judgement | null, now: number): WebhookResponse {
    const q = v.ok ? this.d.quotes.forTicker(v.signal.ticker) : undefined;
    const data = buildDryRun({ requestId: req.requestId, body, validation: v, judgement, quotePrice: q ? midPrice(q) : null, now });
    return { statusCode: 200, body: { status: "success", message: "Test webhook received successfully", data } };
  }
}

function errorShape(requestId: string, code: ApiErrorCode, message: string, extra: Record<string, unknown>, now: number): Record<string, unknown> {
  return errorEnvelope({ requestId, code, message, now, extra });
}
