/**
 * The receiving side of the relay: accepting an invitation (the subscription and its signing secret), deliveries
 * verified (signature, timestamp window, a replayed id + timestamp) and admitted through this daemon's own engine
 * with the subscription's sizing, and pausing, told to the sender so delivery stops at the source.
 */
import type { TradectlConfig } from "../config/types.js";
import type { Clock } from "../domain/clock.js";
import { timeOrderedId } from "../domain/ids.js";
import { isRecord } from "../domain/values.js";
import type { Engine } from "../engine/engine.js";
import { makeEnvelope, type EventType } from "../engine/envelope.js";
import type { EventBus } from "../engine/event-bus.js";
import { parseBody } from "../webhook/parse-body.js";
import { validateAlert } from "../webhook/validate-alert.js";
import { LOT, sizedQuantity } from "./relay-body.js";
import { TradectlError, type HttpStatusOf } from "../domain/errors.js";
import type { RelayHttp } from "./relay-http.js";
import { preciseNow, randomId, sha256Hex } from "./relay-ids.js";
import { linkState, pausedBy, type RelayStore, type SubscriptionRow } from "./relay-store.js";
import type { SubscriptionInfo } from "./relay-types.js";
import { newSigningSecret, requireSigned, signedHeaders, verifySignature } from "./signature.js";
import { parsePaused, type RelayLogger } from "./relay-sender.js";

export interface RelayReceiverDeps {
  store: RelayStore;
  http: RelayHttp;
  engine: Engine;
  bus: EventBus;
  clock: Clock;
  logger: RelayLogger;
  config: () => TradectlConfig;
  publicUrl: () => string;
}

export interface DeliveryAnswer {
  statusCode: number;
  body: Record<string, unknown>;
}

const INVITE_PATH = "/relay/invite/";

export class RelayReceiver {
  constructor(private readonly d: RelayReceiverDeps) {}

  /**
   * `tradectl relay accept URL`: reads the invitation (a clear refusal if it is unknown, used or expired), keeps the
   * subscription with a signing secret of our own, then registers its delivery URL with the sender. If the sender
   * refuses or cannot be reached, nothing is kept.
   */
  async accept(url: string, sizing: number): Promise<SubscriptionInfo> {
    if (!Number.isFinite(sizing) || sizing <= 0 || sizing > 100) throw new TradectlError("VALIDATION_ERROR", "sizing must be a number above 0 and at most 100 (1 = the sender's quantity)", { details: { field: "sizing", value: sizing } });
    const at = URL.canParse(url) ? url.indexOf(INVITE_PATH) : -1;
    if (!/^https?:\/\//.test(url) || at === -1) throw new TradectlError("VALIDATION_ERROR", `not an invitation URL (expected http(s)://HOST${INVITE_PATH}TOKEN)`, { details: { field: "url" } });
    const senderUrl = url.slice(0, at);
    const mine = new URL(this.d.publicUrl() || "http://127.0.0.1");
    if (isLoopback(mine.hostname) && !isLoopback(new URL(url).hostname)) {
      throw new TradectlError("VALIDATION_ERROR", `this daemon is reachable only at ${mine.origin} (loopback), which the sender at ${new URL(url).origin} cannot reach: set relay.publicUrl to the URL it can`, { details: { field: "relay.publicUrl" } });
    }
    const timeoutMs = this.d.config().relay.timeoutMs;
    const view = await this.call(url, "{}", timeoutMs, "GET");
    const channel = isRecord(view.data) ? view.data : {};
    if (typeof channel.channel_id !== "string" || typeof channel.channel_name !== "string") throw new TradectlError("SERVICE_UNAVAILABLE", "the sender's answer names no channel", { status: 502 });

    const id = randomId("sub_");
    const secret = newSigningSecret();
    const endpoint = `${this.d.publicUrl()}/relay/deliver/${id}`;
    const now = this.d.clock.now();
    this.d.store.insertSubscription({ id, sender_url: senderUrl, state_url: "", channel_id: channel.channel_id, channel_name: channel.channel_name, receiver_id: "", signing_secret: secret, sizing, created_at: now });
    try {
      const res = await this.call(url, JSON.stringify({ kind: "tradectl", delivery_url: endpoint, signing_secret: secret }), timeoutMs, "POST");
      const data = isRecord(res.data) ? res.data : {};
      if (typeof data.receiver_id !== "string" || typeof data.state_url !== "string") throw new TradectlError("SERVICE_UNAVAILABLE", "the sender's answer names no receiver", { status: 502 });
      this.d.store.completeSubscription(id, data.receiver_id, data.state_url);
    } catch (err) {
      this.d.store.deleteSubscription(id);
      throw err;
    }
    this.d.logger.info("relay subscription accepted", { subscription_id: id, channel: channel.channel_name, sender: senderUrl, sizing });
    this.emit("relay.resumed", { side: "receiver", subscription_id: id, channel: channel.channel_name, by: "invitation", state: "active" });
    return this.info(this.d.store.subscription(id)!);
  }

  subscriptions(): SubscriptionInfo[] {
    return this.d.store.subscriptions().map((s) => this.info(s));
  }

  /**
   * The receiver pauses or resumes. A pause holds here at once (deliveries are answered 409 RELAY_PAUSED) and is told
   * to the sender; a resume counts only once the sender has it, else deliveries would stay stopped at the source.
   */
  async setPaused(id: string, paused: boolean): Promise<SubscriptionInfo & { sender_told: boolean; sender_error: string | null }> {
    const sub = this.subscription(id);
    let told = false;
    let error: string | null = null;
    if (paused) this.changeState(sub, "receiver", paused);
    const body = JSON.stringify({ paused });
    try {
      const res = await this.d.http.postJson(sub.state_url, body, signedHeaders(sub.signing_secret, randomId("ntc_"), body, this.d.clock.now()), this.d.config().relay.timeoutMs);
      told = res.status >= 200 && res.status < 300;
      if (!told) error = `${res.status} ${isRecord(res.body) ? String(res.body.message ?? "") : ""}`.trim();
    } catch (err) {
      error = (err as Error).message;
    }
    if (!paused) {
      if (!told) throw new TradectlError("SERVICE_UNAVAILABLE", `the sender could not be told to resume (${error}); still paused: try again`, { status: 502, details: { subscription_id: id } });
      this.changeState(sub, "receiver", paused);
    }
    return { ...this.info(this.d.store.subscription(id)!), sender_told: told, sender_error: error };
  }

  /** The sender's signed notice that it paused or resumed this subscription (so our list shows who paused). */
  applySenderNotice(id: string, headers: Record<string, string | string[] | undefined>, raw: string): SubscriptionInfo {
    const sub = this.subscription(id);
    const check = requireSigned(sub.signing_secret, headers, raw, this.d.clock.now(), this.d.config().relay.signatureWindowMs, "state notice");
    this.changeState(sub, "sender", parsePaused(raw), check.timestamp);
    return this.info(this.d.store.subscription(id)!);
  }

  /**
   * POST /relay/deliver/{subscription_id}: signature → timestamp window → replay → pause → the alert's own checks →
   * sizing → this daemon's admission (its kill switch, risk limits, journal). The delivery id is the idempotency key,
   * so a redelivery gets the first outcome and never a second order.
   */
  async deliver(id: string, headers: Record<string, string | string[] | undefined>, raw: string, requestId: string, startedAt: number): Promise<DeliveryAnswer> {
    const receivedAt = performance.timeOrigin + startedAt;
    const cfg = this.d.config();
    const now = this.d.clock.now();
    const sub = this.d.store.subscription(id);
    if (!sub || sub.removed_at !== null) throw new TradectlError("NOT_FOUND", `no subscription ${id}`);
    const check = verifySignature(sub.signing_secret, headers, raw, now, cfg.relay.signatureWindowMs);
    if (!check.ok) return this.refuse(sub, check.reason, check.message, headers);
    if (!this.d.store.firstSight(check.deliveryId, check.timestamp, id, now)) {
      return this.refuse(sub, "replayed", `delivery ${check.deliveryId} with this timestamp was already received: a replay`, headers);
    }
    if (linkState(sub) === "paused") throw new TradectlError("RELAY_PAUSED", `subscription ${id} is paused by ${pausedBy(sub).join(" and ")}`, { details: { paused_by: pausedBy(sub) } });

    const parsed = parseBody(raw, "application/json");
    if (!parsed.ok) throw new TradectlError("VALIDATION_ERROR", parsed.message, { errors: parsed.errors });
    const v = validateAlert(parsed.body, {
      now,
      timestampWindowMs: cfg.webhook.timestampWindowMs,
      signalTtlMs: cfg.webhook.signalTtlMs,
      requestId,
      signalId: timeOrderedId("sig_"),
      source: `relay:${sub.channel_name}`,
    });
    if (!v.ok) throw new TradectlError("VALIDATION_ERROR", "Validation failed", { errors: v.errors });
    const signal = v.signal;
    const quantity = sizedQuantity(signal.quantity, sub.sizing);
    if (quantity < LOT) {
      throw new TradectlError("VALIDATION_ERROR", `${signal.quantity} × sizing ${sub.sizing} is less than one lot of ${LOT}: nothing to trade`, { status: 422, details: { quantity: signal.quantity, sizing: sub.sizing } });
    }
    signal.quantity = quantity;
    signal.idempotency_key = sha256Hex(`relay:${check.deliveryId}`);
    const outcome = await this.d.engine.admit({ signal, syncBudgetMs: cfg.webhook.syncBudgetMs, startedAt });
    if (outcome.kind === "dry_run") throw new TradectlError("INTERNAL_ERROR", "unreachable: a delivery is never a dry run");
    const answeredAt = preciseNow();
    if (outcome.kind !== "duplicate") this.d.store.countReceived(id, now);
    // Answered before the broker settled (a real broker past the sync budget): the fill is reported when it comes.
    if (outcome.kind === "accepted" && outcome.record.outcome.kind === "queued") {
      void outcome.done.then((order) => (order.status === "filled" ? this.reportFill(sub, check.deliveryId, order.order_id) : undefined)).catch(() => undefined);
    }
    return {
      statusCode: 200,
      body: {
        status: "success",
        message: outcome.kind === "duplicate" ? "Delivery already admitted: its first outcome" : `Signal ${outcome.kind}`,
        data: { delivery_id: check.deliveryId, subscription_id: id, outcome: outcome.kind, sizing: sub.sizing, record: outcome.record, received_at: receivedAt, answered_at: answeredAt },
      },
    };
  }

  /** Tells the sender when a delivery's order filled (signed like a delivery), for its last hop. */
  private async reportFill(sub: SubscriptionRow, deliveryId: string, orderId: string): Promise<void> {
    const body = JSON.stringify({ delivery_id: deliveryId, order_id: orderId, filled_at: preciseNow() });
    const url = sub.state_url.replace(/\/state$/, "/fills");
    try {
      const res = await this.d.http.postJson(url, body, signedHeaders(sub.signing_secret, randomId("ntc_"), body, this.d.clock.now()), this.d.config().relay.timeoutMs);
      if (res.status >= 300) this.d.logger.warn("relay fill report refused by the sender", { subscription_id: sub.id, delivery_id: deliveryId, status: res.status });
    } catch (err) {
      this.d.logger.warn("relay fill report could not be sent", { subscription_id: sub.id, delivery_id: deliveryId, error: (err as Error).message });
    }
  }

  /** Purges the replay table of pairs whose timestamps the window refuses anyway. */
  purge(): void {
    this.d.store.purgeInbox(this.d.clock.now() - 2 * this.d.config().relay.signatureWindowMs);
  }

  private refuse(sub: SubscriptionRow, reason: string, message: string, headers: Record<string, string | string[] | undefined>): never {
    const deliveryId = typeof headers["x-tradectl-delivery"] === "string" ? headers["x-tradectl-delivery"].slice(0, 100) : null;
    this.d.logger.warn("relay delivery refused", { subscription_id: sub.id, channel: sub.channel_name, delivery_id: deliveryId, reason });
    this.emit("relay.failed", { side: "receiver", subscription_id: sub.id, channel: sub.channel_name, delivery_id: deliveryId, status: "refused", reason });
    throw new TradectlError("AUTH_FAILED", `delivery refused: ${message}`, { details: { reason } });
  }

  private subscription(id: string): SubscriptionRow {
    const sub = this.d.store.subscription(id);
    if (!sub || sub.removed_at !== null) throw new TradectlError("NOT_FOUND", `no subscription ${id}`);
    return sub;
  }

  private changeState(sub: SubscriptionRow, by: "sender" | "receiver", paused: boolean, stateTs?: number): void {
    const before = linkState(sub);
    const after = this.d.store.setSubscriptionPaused(sub.id, by, paused, this.d.clock.now(), stateTs);
    if (!after) return;
    const flag = by === "sender" ? "paused_by_sender" : "paused_by_receiver";
    if (sub[flag] !== after[flag]) {
      this.emit(paused ? "relay.paused" : "relay.resumed", { side: "receiver", subscription_id: sub.id, channel: sub.channel_name, by, state: linkState(after), was: before });
    }
  }

  /** A call to the sender's invitation URL; its refusals come back with the sender's own code and message. */
  private async call(url: string, body: string, timeoutMs: number, method: "GET" | "POST"): Promise<{ data: unknown }> {
    let res;
    try {
      res = method === "GET" ? await this.d.http.getJson(url, timeoutMs) : await this.d.http.postJson(url, body, {}, timeoutMs);
    } catch (err) {
      throw new TradectlError("SERVICE_UNAVAILABLE", `the sender could not be reached: ${(err as Error).message}`, { status: 502 });
    }
    const b = isRecord(res.body) ? res.body : {};
    if (res.status >= 200 && res.status < 300) return { data: b.data };
    const code = typeof b.error_code === "string" ? b.error_code : "";
    const message = typeof b.message === "string" ? b.message : `the sender answered ${res.status}`;
    const known = ["NOT_FOUND", "INVITATION_EXPIRED", "INVITATION_USED", "VALIDATION_ERROR"] as const;
    const match = known.find((k) => k === code);
    throw new TradectlError(match ?? "SERVICE_UNAVAILABLE", `the sender refused: ${message}`, { status: (match ? res.status : 502) as HttpStatusOf<(typeof known)[number] | "SERVICE_UNAVAILABLE"> });
  }

  private info(s: SubscriptionRow): SubscriptionInfo {
    return {
      id: s.id,
      channel_id: s.channel_id,
      channel_name: s.channel_name,
      sender_url: s.sender_url,
      sizing: s.sizing,
      state: linkState(s),
      paused_by: pausedBy(s),
      paused_at: s.paused_at === null || linkState(s) !== "paused" ? null : new Date(s.paused_at).toISOString(),
      received: s.received,
      last_received_at: s.last_received_at === null ? null : new Date(s.last_received_at).toISOString(),
      created_at: new Date(s.created_at).toISOString(),
    };
  }

  private emit(type: EventType, payload: Record<string, unknown>): void {
    this.d.bus.publish(makeEnvelope(type, "relay", payload, { time: this.d.clock.now() }));
  }
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "[::1]" || host === "::1" || /^127\./.test(host);
}
