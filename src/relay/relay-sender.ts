/**
 * The sending side of the relay: channels, one-time invitations, receivers (paused by either side), publication
 * into each active receiver's outbox, and what each delivery did, hop by hop.
 */
import { timingSafeEqual } from "node:crypto";
import type { TradectlConfig } from "../config/types.js";
import type { Clock } from "../domain/clock.js";
import { timeOrderedId } from "../domain/ids.js";
import type { Signal } from "../domain/types.js";
import { makeEnvelope, type EventType } from "../engine/envelope.js";
import type { EventBus } from "../engine/event-bus.js";
import { hopSpans, hopStats } from "./hop-stats.js";
import { sendInvitationMail } from "./mailer.js";
import type { DeliveryEnd, Outbox } from "./outbox.js";
import { deliveryBody } from "./relay-body.js";
import { TradectlError } from "../domain/errors.js";
import type { RelayHttp } from "./relay-http.js";
import { randomId, sha256Hex } from "./relay-ids.js";
import { invitationInfo, linkState, pausedBy, type ChannelRow, type InvitationRow, type ReceiverRow, type RelayStore } from "./relay-store.js";
import type { ChannelInfo, ReceiverInfo, ReceiverKind } from "./relay-types.js";
import { newSigningSecret, requireSigned, signedHeaders } from "./signature.js";

export type RelayConfig = TradectlConfig["relay"];

export interface RelayLogger {
  info(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  error(msg: string, meta?: Record<string, unknown>): void;
}

export interface RelaySenderDeps {
  store: RelayStore;
  outbox: Outbox;
  http: RelayHttp;
  bus: EventBus;
  clock: Clock;
  logger: RelayLogger;
  config: () => RelayConfig;
  /** The base URL others reach this daemon at (relay.publicUrl, else the public port's address). */
  publicUrl: () => string;
  smtpPassword: () => string | undefined;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_INVITE_MS = 90 * 86_400_000;
const SLOW_LOG_EVERY_MS = 10_000;
/** Deliveries whose hops make a receiver's percentiles. */
const HOP_WINDOW = 1000;

export interface PublishAnswer {
  publication_id: string;
  channel: string;
  duplicate: boolean;
  receivers: number;
  skipped: number;
}

export class RelaySender {
  private readonly slow = new Map<string, { at: number; since: number }>();

  constructor(private readonly d: RelaySenderDeps) {}

  // ---- channels ----

  createChannel(name: string, fromWebhook: boolean): ChannelInfo & { passphrase: string } {
    if (!NAME.test(name)) throw new TradectlError("VALIDATION_ERROR", "a channel name is 1-64 letters, digits, dots, dashes or underscores", { details: { field: "name", value: name } });
    if (this.d.store.channel(name)) throw new TradectlError("VALIDATION_ERROR", `a channel named ${name} exists`, { details: { field: "name", value: name } });
    const { channel, passphrase } = this.d.store.createChannel(name, fromWebhook, this.d.clock.now());
    this.d.logger.info("relay channel created", { channel_id: channel.id, name, from_webhook: fromWebhook });
    return { ...this.channelInfo(channel), passphrase };
  }

  channels(): ChannelInfo[] {
    return this.d.store.channels().map((c) => this.channelInfo(c));
  }

  channel(idOrName: string): ChannelRow {
    const c = this.d.store.channel(idOrName);
    if (!c) throw new TradectlError("NOT_FOUND", `no relay channel ${idOrName}`);
    return c;
  }

  showChannel(idOrName: string): ChannelInfo & { receivers_list: ReceiverInfo[]; invitations: ReturnType<typeof invitationInfo>[] } {
    const c = this.channel(idOrName);
    return { ...this.channelInfo(c), receivers_list: this.receivers(c.id), invitations: this.d.store.invitations(c.id).map(invitationInfo) };
  }

  deleteChannel(idOrName: string): { id: string; deleted: true } {
    const c = this.channel(idOrName);
    this.d.store.deleteChannel(c.id, this.d.clock.now());
    this.d.logger.info("relay channel deleted", { channel_id: c.id, name: c.name });
    return { id: c.id, deleted: true };
  }

  /** The channel behind an inbound URL and whether `given` is its passphrase (digests compared in constant time). */
  checkChannelPassphrase(c: ChannelRow, given: unknown): { ok: true } | { ok: false; message: string } {
    if (given === undefined || given === null || given === "") return { ok: false, message: "Missing passphrase" };
    if (typeof given !== "string") return { ok: false, message: "Invalid passphrase" };
    const ok = timingSafeEqual(Buffer.from(sha256Hex(given), "hex"), Buffer.from(c.passphrase_hash, "hex"));
    return ok ? { ok: true } : { ok: false, message: "Invalid passphrase" };
  }

  // ---- publication ----

  /**
   * Journals a signal for every receiver of the channel (one durable commit), then hands the deliveries to their
   * queues. A paused receiver's delivery is recorded as skipped, never queued. A repeat is the first publication.
   */
  publish(c: ChannelRow, signal: Signal, receivedAt: number): PublishAnswer {
    const now = this.d.clock.now();
    const id = timeOrderedId("pub_");
    const body = deliveryBody(signal, { channel_id: c.id, channel_name: c.name, publication_id: id, received_at: receivedAt });
    const p = this.d.store.publish({ id, channelId: c.id, dedupeKey: signal.idempotency_key, signalId: signal.id, body, alertTime: signal.alert_time, receivedAt, expiresAt: signal.expires_at }, now);
    const answer: PublishAnswer = { publication_id: p.id, channel: c.name, duplicate: p.duplicate, receivers: p.deliveries.length, skipped: p.skipped.length };
    if (p.duplicate) return answer;
    for (const dl of p.deliveries) this.d.outbox.enqueue(dl.receiverId, dl.id, signal.ticker);
    this.emit("relay.published", { channel_id: c.id, channel: c.name, publication_id: p.id, signal_id: signal.id, ticker: signal.ticker, action: signal.action, quantity: signal.quantity, receivers: p.deliveries.length, skipped: p.skipped.length }, signal.request_id);
    for (const s of p.skipped) this.emit("relay.failed", { channel_id: c.id, receiver_id: s.receiverId, delivery_id: s.id, publication_id: p.id, status: "skipped", reason: s.reason }, signal.request_id);
    return answer;
  }

  /** After a restart: every pending delivery back in its receiver's queue. */
  resumeOutbox(): number {
    const pending = this.d.store.pendingDeliveries();
    for (const p of pending) this.d.outbox.enqueue(p.receiver_id, p.id, p.ticker);
    if (pending.length) this.d.logger.info("relay: resuming deliveries left pending by the last run", { count: pending.length });
    return pending.length;
  }

  /** What a delivery's end means: recorded by the outbox already; told to the bus and, when slow, to the log. */
  onDeliveryEnd(end: DeliveryEnd): void {
    const dl = end.delivery;
    const base = { receiver_id: dl.receiver_id, delivery_id: dl.id, publication_id: dl.publication_id, attempts: dl.attempts };
    if (end.kind === "delivered") {
      const hops = hopSpans(dl);
      const outcome = dl.outcome ? (JSON.parse(dl.outcome) as { outcome?: string; record?: { outcome?: { kind?: string; order?: { order_id?: string; status?: string } } } }) : null;
      this.emit("relay.delivered", {
        ...base,
        channel_id: end.receiver.channel_id,
        outcome: outcome?.outcome ?? null,
        admission: outcome?.record?.outcome?.kind ?? null,
        order_id: outcome?.record?.outcome?.order?.order_id ?? null,
        order_status: outcome?.record?.outcome?.order?.status ?? null,
        hops,
      });
      const total = hops.received_to_answer;
      const limit = this.d.config().slowDeliveryMs;
      if (total !== null && total > limit) this.warnSlow(dl.receiver_id, total, limit, { ...base, hops });
      return;
    }
    if (end.kind === "skipped") {
      if (end.pausedByReceiver && end.receiver) {
        // The receiver paused and said so only now (its notice was lost): the link is paused at the source too.
        const r = this.d.store.setReceiverPaused(end.receiver.id, "receiver", true, this.d.clock.now());
        if (r?.changed) this.emit("relay.paused", { side: "sender", channel_id: r.row.channel_id, receiver_id: r.row.id, by: "receiver", skipped: r.skipped });
      }
      this.emit("relay.failed", { ...base, status: "skipped", reason: end.reason });
      return;
    }
    this.d.logger.warn(`relay delivery ${end.kind}`, { ...base, error: end.error });
    this.emit("relay.failed", { ...base, channel_id: end.receiver?.channel_id ?? null, status: end.kind, reason: end.error });
  }

  /**
   * A slow delivery is logged as a warning, at most one line per receiver every SLOW_LOG_EVERY_MS with a count of
   * the slow ones since: when a receiver is slow, every delivery is, and a line each would add to the load.
   */
  private warnSlow(receiverId: string, total: number, limit: number, meta: Record<string, unknown>): void {
    const now = this.d.clock.now();
    const w = this.slow.get(receiverId) ?? { at: Number.NEGATIVE_INFINITY, since: 0 };
    w.since++;
    this.slow.set(receiverId, w);
    if (now - w.at < SLOW_LOG_EVERY_MS) return;
    this.d.logger.warn(`relay delivery took ${total.toFixed(1)} ms from receipt to the receiver's answer (over relay.slowDeliveryMs ${limit} ms)`, { ...meta, slow_deliveries_since_last_warning: w.since });
    w.at = now;
    w.since = 0;
  }

  // ---- invitations ----

  async invite(idOrName: string, o: { note?: string | null; expiresMs?: number; email?: string | null }): Promise<{ id: string; url: string; channel: string; expires_at: string; emailed: boolean | null; email_error: string | null }> {
    const c = this.channel(idOrName);
    const expiresMs = o.expiresMs ?? 7 * 86_400_000;
    if (!Number.isFinite(expiresMs) || expiresMs <= 0 || expiresMs > MAX_INVITE_MS) throw new TradectlError("VALIDATION_ERROR", "an invitation expires after a positive time of at most 90 days", { details: { field: "expires", value: expiresMs } });
    if (o.note && o.note.length > 500) throw new TradectlError("VALIDATION_ERROR", "note is at most 500 characters", { details: { field: "note" } });
    const email = o.email ?? null;
    if (email !== null && !/^[^\s@<>]+@[^\s@<>]+$/.test(email)) throw new TradectlError("VALIDATION_ERROR", "email must be one address such as trader@example.com", { details: { field: "email", value: email } });
    const smtp = this.d.config().smtp;
    if (email !== null && !smtp.host) throw new TradectlError("VALIDATION_ERROR", "no SMTP server is configured (relay.smtp.host): the invitation cannot be mailed", { details: { field: "email" } });
    const now = this.d.clock.now();
    const { invitation, token } = this.d.store.createInvitation(c.id, { note: o.note ?? null, email, expiresAt: now + expiresMs, now });
    const url = `${this.d.publicUrl()}/relay/invite/${token}`;
    this.d.logger.info("relay invitation created", { channel_id: c.id, invitation_id: invitation.id, expires_at: new Date(invitation.expires_at).toISOString(), emailed_to: email });
    let emailed: boolean | null = null;
    let emailError: string | null = null;
    if (email !== null) {
      try {
        await sendInvitationMail(smtp, this.d.smtpPassword(), { to: email, channelName: c.name, url, note: invitation.note, expiresAt: invitation.expires_at });
        emailed = true;
      } catch (err) {
        emailed = false;
        emailError = (err as Error).message;
        this.d.logger.warn("relay invitation mail could not be sent", { invitation_id: invitation.id, error: emailError });
      }
    }
    return { id: invitation.id, url, channel: c.name, expires_at: new Date(invitation.expires_at).toISOString(), emailed, email_error: emailError };
  }

  /** The invitation behind `token` if it can still be accepted; the refusal says why not (unknown, used, expired). */
  openInvitation(token: string): { invitation: InvitationRow; channel: ChannelRow } {
    const inv = /^[A-Za-z0-9_-]{16,128}$/.test(token) ? this.d.store.invitationByToken(token) : undefined;
    const channel = inv ? this.d.store.channel(inv.channel_id) : undefined;
    if (!inv || !channel) throw new TradectlError("NOT_FOUND", "unknown invitation: check the URL, or ask the sender for a new one");
    if (inv.used_at !== null) throw new TradectlError("INVITATION_USED", `this invitation was already accepted at ${new Date(inv.used_at).toISOString()}; an invitation works once: ask the sender for a new one`);
    if (inv.expires_at <= this.d.clock.now()) throw new TradectlError("INVITATION_EXPIRED", `this invitation expired at ${new Date(inv.expires_at).toISOString()}: ask the sender for a new one`);
    return { invitation: inv, channel };
  }

  /**
   * Accepts an invitation once: registers the receiver's delivery URL with a signing secret (a receiving tradectl
   * proposes its own; a browser receiver is given one), and deliveries start with the next signal.
   */
  acceptInvitation(token: string, r: { kind: ReceiverKind; endpoint: unknown; name?: unknown; signingSecret?: unknown }): { receiver: ReceiverRow; channel: ChannelRow; signing_secret: string; state_url: string } {
    const { invitation, channel } = this.openInvitation(token);
    const endpoint = typeof r.endpoint === "string" ? r.endpoint.trim() : "";
    if (!/^https?:\/\//.test(endpoint) || !URL.canParse(endpoint) || endpoint.length > 2000) {
      throw new TradectlError("VALIDATION_ERROR", "delivery_url must be an http:// or https:// URL", { details: { field: "delivery_url", value: typeof r.endpoint === "string" ? r.endpoint.slice(0, 200) : null } });
    }
    const name = typeof r.name === "string" && r.name.trim() ? r.name.trim().slice(0, 64) : null;
    let secret: string;
    if (r.kind === "tradectl") {
      if (typeof r.signingSecret !== "string" || !/^[A-Za-z0-9_-]{32,128}$/.test(r.signingSecret)) {
        throw new TradectlError("VALIDATION_ERROR", "signing_secret must be 32-128 URL-safe characters", { details: { field: "signing_secret" } });
      }
      secret = r.signingSecret;
    } else {
      secret = newSigningSecret();
    }
    const receiver = this.d.store.acceptInvitation(invitation, { kind: r.kind, endpoint, name, signingSecret: secret }, this.d.clock.now());
    if (!receiver) this.openInvitation(token); // it was used or expired meanwhile: say which
    this.d.logger.info("relay invitation accepted", { channel_id: channel.id, invitation_id: invitation.id, receiver_id: receiver!.id, kind: r.kind });
    this.emit("relay.resumed", { side: "sender", channel_id: channel.id, receiver_id: receiver!.id, by: "invitation", state: "active" });
    return { receiver: receiver!, channel, signing_secret: secret, state_url: `${this.d.publicUrl()}/relay/receivers/${receiver!.id}/state` };
  }

  // ---- receivers and pausing ----

  receivers(idOrName: string): ReceiverInfo[] {
    const c = this.channel(idOrName);
    return this.d.store.receivers(c.id).map((r) => this.receiverInfo(r));
  }

  /** The sender pauses or resumes one receiver; a receiving tradectl is told, so its list shows who paused. */
  async setPaused(idOrName: string, receiverId: string, paused: boolean): Promise<ReceiverInfo & { receiver_told: boolean | null }> {
    const c = this.channel(idOrName);
    const r0 = this.d.store.receiver(receiverId);
    if (!r0 || r0.channel_id !== c.id || r0.removed_at !== null) throw new TradectlError("NOT_FOUND", `no receiver ${receiverId} on channel ${c.name}`);
    const res = this.d.store.setReceiverPaused(receiverId, "sender", paused, this.d.clock.now())!;
    if (res.changed) this.emit(paused ? "relay.paused" : "relay.resumed", { side: "sender", channel_id: c.id, receiver_id: receiverId, by: "sender", skipped: res.skipped, state: linkState(res.row) });
    let told: boolean | null = null;
    if (r0.kind === "tradectl") {
      const body = JSON.stringify({ paused });
      try {
        const ans = await this.d.http.postJson(`${r0.endpoint}/state`, body, signedHeaders(r0.signing_secret, randomId("ntc_"), body, this.d.clock.now()), this.d.config().timeoutMs);
        told = ans.status >= 200 && ans.status < 300;
      } catch {
        told = false;
      }
    }
    return { ...this.receiverInfo(res.row), receiver_told: told };
  }

  /** A receiver's signed notice that it paused or resumed (POST /relay/receivers/{id}/state). */
  applyReceiverNotice(receiverId: string, headers: Record<string, string | string[] | undefined>, raw: string): ReceiverInfo {
    const now = this.d.clock.now();
    const { r, check } = this.signedByReceiver(receiverId, headers, raw, "state notice");
    const paused = parsePaused(raw);
    const res = this.d.store.setReceiverPaused(receiverId, "receiver", paused, now, check.timestamp)!;
    if (res.changed) this.emit(paused ? "relay.paused" : "relay.resumed", { side: "sender", channel_id: r.channel_id, receiver_id: receiverId, by: "receiver", skipped: res.skipped, state: linkState(res.row) });
    return this.receiverInfo(res.row);
  }

  /** A receiver's signed report that a delivery's order filled after the answer (POST /relay/receivers/{id}/fills). */
  applyFillReport(receiverId: string, headers: Record<string, string | string[] | undefined>, raw: string): { delivery_id: string; filled_at: number } {
    this.signedByReceiver(receiverId, headers, raw, "fill report");
    let report: { delivery_id?: unknown; filled_at?: unknown };
    try {
      report = JSON.parse(raw) as typeof report;
    } catch {
      throw new TradectlError("VALIDATION_ERROR", "body must be JSON: {\"delivery_id\", \"filled_at\"}");
    }
    const dl = typeof report.delivery_id === "string" ? this.d.store.delivery(report.delivery_id) : undefined;
    if (!dl || dl.receiver_id !== receiverId) throw new TradectlError("NOT_FOUND", "no such delivery to this receiver");
    if (typeof report.filled_at !== "number" || !Number.isFinite(report.filled_at)) throw new TradectlError("VALIDATION_ERROR", "filled_at must be Unix ms", { details: { field: "filled_at" } });
    this.d.store.updateDelivery(dl, { filled_at: report.filled_at }, this.d.clock.now());
    return { delivery_id: dl.id, filled_at: report.filled_at };
  }

  private signedByReceiver(receiverId: string, headers: Record<string, string | string[] | undefined>, raw: string, what: string): { r: ReceiverRow; check: { timestamp: number } } {
    const r = this.d.store.receiver(receiverId);
    if (!r || r.removed_at !== null) throw new TradectlError("NOT_FOUND", `no receiver ${receiverId}`);
    try {
      return { r, check: requireSigned(r.signing_secret, headers, raw, this.d.clock.now(), this.d.config().signatureWindowMs, what) };
    } catch (err) {
      this.d.logger.warn(`relay ${what} refused`, { receiver_id: receiverId, reason: (err as TradectlError).details?.["reason"] });
      throw err;
    }
  }

  // ---- status ----

  status(idOrName?: string): Array<ReceiverInfo & { channel: string; hops: ReturnType<typeof hopStats> }> {
    const channels = idOrName === undefined ? this.d.store.channels() : [this.channel(idOrName)];
    return channels.flatMap((c) =>
      this.d.store.receivers(c.id).map((r) => ({ ...this.receiverInfo(r), channel: c.name, hops: hopStats(this.d.store.recentDelivered(r.id, HOP_WINDOW)) })),
    );
  }

  private receiverInfo(r: ReceiverRow): ReceiverInfo {
    const n = this.d.store.deliveryCounts(r.id);
    return {
      id: r.id,
      channel_id: r.channel_id,
      kind: r.kind,
      name: r.name,
      endpoint: r.endpoint,
      state: linkState(r),
      paused_by: pausedBy(r),
      paused_at: r.paused_at === null || linkState(r) !== "paused" ? null : new Date(r.paused_at).toISOString(),
      created_at: new Date(r.created_at).toISOString(),
      delivered: n.delivered,
      rejected: n.rejected,
      expired: n.expired,
      skipped: n.skipped,
      pending: n.pending,
      last_error: n.last_error,
    };
  }

  private channelInfo(c: ChannelRow): ChannelInfo {
    return {
      id: c.id,
      name: c.name,
      from_webhook: c.from_webhook === 1,
      created_at: new Date(c.created_at).toISOString(),
      inbound_url: `${this.d.publicUrl()}/relay/in/${c.id}`,
      receivers: this.d.store.receivers(c.id).length,
    };
  }

  private emit(type: EventType, payload: Record<string, unknown>, correlationId: string | null = null): void {
    this.d.bus.publish(makeEnvelope(type, "relay", payload, { time: this.d.clock.now(), correlation_id: correlationId }));
  }
}

/** `{"paused": true|false}`, the body of a state notice. */
export function parsePaused(raw: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new TradectlError("VALIDATION_ERROR", "body must be JSON: {\"paused\": true|false}");
  }
  const paused = (v as { paused?: unknown } | null)?.paused;
  if (typeof paused !== "boolean") throw new TradectlError("VALIDATION_ERROR", "paused must be true or false", { details: { field: "paused" } });
  return paused;
}
