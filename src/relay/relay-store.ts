/**
 * The relay's tables in the journal (migration v4): the sender's channels, invitations, receivers, publications and
 * per-receiver outbox; the receiver's subscriptions and the delivery ids it has seen.
 */
import { timeOrderedId } from "../domain/ids.js";
import type { Signal } from "../domain/types.js";
import type { Database } from "../store/database.js";
import { newToken, randomId, sha256Hex } from "./relay-ids.js";
import type { DeliveryStatus, InvitationInfo, LinkState, PausedBy, ReceiverKind } from "./relay-types.js";

export interface ChannelRow {
  id: string;
  name: string;
  passphrase_hash: string;
  from_webhook: number;
  created_at: number;
  deleted_at: number | null;
}

export interface InvitationRow {
  id: string;
  channel_id: string;
  token_hash: string;
  note: string | null;
  email: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  receiver_id: string | null;
}

export interface ReceiverRow {
  id: string;
  channel_id: string;
  invitation_id: string;
  kind: ReceiverKind;
  endpoint: string;
  name: string | null;
  signing_secret: string;
  paused_by_sender: number;
  paused_by_receiver: number;
  paused_at: number | null;
  state_ts: number;
  created_at: number;
  removed_at: number | null;
}

export interface DeliveryRow {
  id: string;
  publication_id: string;
  receiver_id: string;
  status: DeliveryStatus;
  reason: string | null;
  attempts: number;
  expires_at: number;
  alert_time: number;
  received_at: number;
  sent_at: number | null;
  receiver_received_at: number | null;
  answered_at: number | null;
  acked_at: number | null;
  filled_at: number | null;
  outcome: string | null;
  last_error: string | null;
  updated_at: number;
}

export interface SubscriptionRow {
  id: string;
  sender_url: string;
  state_url: string;
  channel_id: string;
  channel_name: string;
  receiver_id: string;
  signing_secret: string;
  sizing: number;
  paused_by_sender: number;
  paused_by_receiver: number;
  paused_at: number | null;
  state_ts: number;
  received: number;
  last_received_at: number | null;
  created_at: number;
  removed_at: number | null;
}

export interface PublicationInput {
  id: string;
  channelId: string;
  dedupeKey: string;
  signalId: string;
  body: string;
  alertTime: number;
  receivedAt: number;
  expiresAt: number;
}

export interface Published {
  id: string;
  duplicate: boolean;
  /** Deliveries put in the outbox, by receiver (empty for a duplicate). */
  deliveries: Array<{ id: string; receiverId: string }>;
  skipped: Array<{ id: string; receiverId: string; reason: string }>;
}

export function linkState(r: { paused_by_sender: number; paused_by_receiver: number; removed_at: number | null }): LinkState {
  if (r.removed_at !== null) return "removed";
  return r.paused_by_sender || r.paused_by_receiver ? "paused" : "active";
}

export function pausedBy(r: { paused_by_sender: number; paused_by_receiver: number }): PausedBy[] {
  return [...(r.paused_by_sender ? (["sender"] as const) : []), ...(r.paused_by_receiver ? (["receiver"] as const) : [])];
}

const iso = (v: number | null) => (v === null ? null : new Date(v).toISOString());

export function invitationInfo(r: InvitationRow): InvitationInfo {
  return {
    id: r.id,
    channel_id: r.channel_id,
    note: r.note,
    email: r.email,
    created_at: new Date(r.created_at).toISOString(),
    expires_at: new Date(r.expires_at).toISOString(),
    used_at: iso(r.used_at),
    receiver_id: r.receiver_id,
  };
}

export class RelayStore {
  /** Delivery (id, timestamp) pairs seen lately, by when (see firstSight). */
  private readonly seen = new Map<string, number>();
  private fromWebhook: ChannelRow[] | null = null;

  constructor(readonly db: Database) {}

  // ---- sender: channels ----

  createChannel(name: string, fromWebhook: boolean, now: number): { channel: ChannelRow; passphrase: string } {
    const passphrase = newToken(24);
    const id = randomId("ch_");
    this.db.run("INSERT INTO relay_channels (id, name, passphrase_hash, from_webhook, created_at) VALUES (?, ?, ?, ?, ?)", id, name, sha256Hex(passphrase), fromWebhook ? 1 : 0, now);
    this.fromWebhook = null;
    return { channel: this.channel(id)!, passphrase };
  }

  /** A live channel by id or name. */
  channel(idOrName: string): ChannelRow | undefined {
    return this.db.get<ChannelRow>("SELECT * FROM relay_channels WHERE (id = ? OR name = ?) AND deleted_at IS NULL", idOrName, idOrName);
  }

  channels(): ChannelRow[] {
    return this.db.all<ChannelRow>("SELECT * FROM relay_channels WHERE deleted_at IS NULL ORDER BY created_at");
  }

  /** Read on every signal the webhook accepts: kept until a channel is created or deleted. */
  fromWebhookChannels(): ChannelRow[] {
    return (this.fromWebhook ??= this.db.all<ChannelRow>("SELECT * FROM relay_channels WHERE deleted_at IS NULL AND from_webhook = 1"));
  }

  /** Deletes a channel: its receivers are removed, its open invitations and pending deliveries end. */
  deleteChannel(id: string, now: number): void {
    this.fromWebhook = null;
    this.db.tx(() => {
      this.db.run("UPDATE relay_channels SET deleted_at = ? WHERE id = ?", now, id);
      this.db.run("UPDATE relay_invitations SET expires_at = MIN(expires_at, ?) WHERE channel_id = ? AND used_at IS NULL", now, id);
      this.db.run(
        "UPDATE relay_deliveries SET status = 'skipped', reason = 'channel deleted', updated_at = ? WHERE status = 'pending' AND receiver_id IN (SELECT id FROM relay_receivers WHERE channel_id = ?)",
        now,
        id,
      );
      this.db.run("UPDATE relay_receivers SET removed_at = ? WHERE channel_id = ? AND removed_at IS NULL", now, id);
    });
  }

  // ---- sender: invitations ----

  createInvitation(channelId: string, o: { note: string | null; email: string | null; expiresAt: number; now: number }): { invitation: InvitationRow; token: string } {
    const token = newToken(24);
    const id = randomId("inv_");
    this.db.run(
      "INSERT INTO relay_invitations (id, channel_id, token_hash, note, email, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      id,
      channelId,
      sha256Hex(token),
      o.note,
      o.email,
      o.now,
      o.expiresAt,
    );
    return { invitation: this.db.get<InvitationRow>("SELECT * FROM relay_invitations WHERE id = ?", id)!, token };
  }

  invitationByToken(token: string): InvitationRow | undefined {
    return this.db.get<InvitationRow>("SELECT * FROM relay_invitations WHERE token_hash = ?", sha256Hex(token));
  }

  invitations(channelId: string): InvitationRow[] {
    return this.db.all<InvitationRow>("SELECT * FROM relay_invitations WHERE channel_id = ? ORDER BY created_at", channelId);
  }

  /**
   * Uses an invitation once and registers its receiver, in one transaction: of two acceptances racing, exactly one
   * wins (the other finds it used). Returns null when it was already used or has expired at `now`.
   */
  acceptInvitation(inv: InvitationRow, r: { kind: ReceiverKind; endpoint: string; name: string | null; signingSecret: string }, now: number): ReceiverRow | null {
    return this.db.tx(() => {
      const id = randomId("rcv_");
      const used = this.db.run("UPDATE relay_invitations SET used_at = ?, receiver_id = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?", now, id, inv.id, now);
      if (used.changes !== 1) return null;
      this.db.run(
        "INSERT INTO relay_receivers (id, channel_id, invitation_id, kind, endpoint, name, signing_secret, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        id,
        inv.channel_id,
        inv.id,
        r.kind,
        r.endpoint,
        r.name,
        r.signingSecret,
        now,
      );
      return this.receiver(id)!;
    });
  }

  // ---- sender: receivers ----

  receiver(id: string): ReceiverRow | undefined {
    return this.db.get<ReceiverRow>("SELECT * FROM relay_receivers WHERE id = ?", id);
  }

  receivers(channelId?: string): ReceiverRow[] {
    return channelId === undefined
      ? this.db.all<ReceiverRow>("SELECT * FROM relay_receivers WHERE removed_at IS NULL ORDER BY created_at")
      : this.db.all<ReceiverRow>("SELECT * FROM relay_receivers WHERE channel_id = ? AND removed_at IS NULL ORDER BY created_at", channelId);
  }

  /**
   * Sets one side's pause flag of a receiver. A pause ends the receiver's pending deliveries as skipped: a signal
   * is never queued through a pause. `stateTs` (a signed notice's timestamp) must be newer than the last applied.
   */
  setReceiverPaused(id: string, by: PausedBy, paused: boolean, now: number, stateTs?: number): { changed: boolean; row: ReceiverRow; skipped: number } | null {
    return this.db.tx(() => {
      const before = this.receiver(id);
      if (!before || before.removed_at !== null) return null;
      if (stateTs !== undefined && stateTs <= before.state_ts) return { changed: false, row: before, skipped: 0 };
      const col = by === "sender" ? "paused_by_sender" : "paused_by_receiver";
      this.db.run(`UPDATE relay_receivers SET ${col} = ?, paused_at = CASE WHEN ? THEN ? ELSE paused_at END, state_ts = MAX(state_ts, ?) WHERE id = ?`, paused ? 1 : 0, paused ? 1 : 0, now, stateTs ?? 0, id);
      const row = this.receiver(id)!;
      const skipped = linkState(row) === "paused" ? this.skipPending(id, `paused by ${by}`, now) : 0;
      return { changed: before[col] !== (paused ? 1 : 0), row, skipped };
    });
  }

  // ---- sender: publications and the outbox ----

  /**
   * Journals a publication and its deliveries (one per active receiver; a paused one gets a `skipped` row) in one
   * durable transaction. A repeat of the same alert on the channel (same dedupe key) returns the first publication.
   */
  publish(p: PublicationInput, now: number): Published {
    return this.db.tx(() => {
      const first = this.db.get<{ id: string }>("SELECT id FROM relay_publications WHERE channel_id = ? AND dedupe_key = ?", p.channelId, p.dedupeKey);
      if (first) return { id: first.id, duplicate: true, deliveries: [], skipped: [] };
      const id = p.id;
      this.db.run(
        "INSERT INTO relay_publications (id, channel_id, dedupe_key, signal_id, body, received_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        id,
        p.channelId,
        p.dedupeKey,
        p.signalId,
        p.body,
        p.receivedAt,
        p.expiresAt,
      );
      const out: Published = { id, duplicate: false, deliveries: [], skipped: [] };
      for (const r of this.receivers(p.channelId)) {
        const deliveryId = timeOrderedId("dlv_");
        const state = linkState(r);
        const reason = state === "paused" ? `paused by ${pausedBy(r).join(" and ")}` : null;
        this.db.run(
          "INSERT INTO relay_deliveries (id, publication_id, receiver_id, status, reason, expires_at, alert_time, received_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          deliveryId,
          id,
          r.id,
          reason ? "skipped" : "pending",
          reason,
          p.expiresAt,
          p.alertTime,
          p.receivedAt,
          now,
        );
        if (reason) out.skipped.push({ id: deliveryId, receiverId: r.id, reason });
        else out.deliveries.push({ id: deliveryId, receiverId: r.id });
      }
      return out;
    });
  }

  /** A journaled signal (the engine's table), for publishing what the webhook accepted. */
  signal(id: string): Signal | undefined {
    const row = this.db.get<{ payload: string }>("SELECT payload FROM signals WHERE id = ?", id);
    return row ? (JSON.parse(row.payload) as Signal) : undefined;
  }

  publicationBody(id: string): string | undefined {
    return this.db.get<{ body: string }>("SELECT body FROM relay_publications WHERE id = ?", id)?.body;
  }

  publicationBySignal(signalId: string, channelId: string): { id: string } | undefined {
    return this.db.get<{ id: string }>("SELECT id FROM relay_publications WHERE signal_id = ? AND channel_id = ?", signalId, channelId);
  }

  delivery(id: string): DeliveryRow | undefined {
    return this.db.get<DeliveryRow>("SELECT * FROM relay_deliveries WHERE id = ?", id);
  }

  /** The outbox as a restart finds it: every pending delivery, oldest first. */
  pendingDeliveries(): Array<{ id: string; receiver_id: string; ticker: string }> {
    this.db.flush();
    return this.db.all<{ id: string; receiver_id: string; ticker: string }>(
      "SELECT d.id, d.receiver_id, json_extract(p.body, '$.ticker') AS ticker FROM relay_deliveries d JOIN relay_publications p ON p.id = d.publication_id WHERE d.status = 'pending' ORDER BY d.received_at",
    );
  }

  /**
   * Signals the webhook accepted since `since` that a from-webhook channel has not published: what a crash
   * between the webhook's commit and the publication's left behind.
   */
  unpublishedWebhookSignals(channelId: string, since: number): string[] {
    return this.db
      .all<{ id: string }>(
        `SELECT s.id FROM signals s WHERE s.received_at >= ? AND s.order_id IS NOT NULL AND json_extract(s.payload, '$.source') = 'webhook'
         AND NOT EXISTS (SELECT 1 FROM relay_publications p WHERE p.signal_id = s.id AND p.channel_id = ?) ORDER BY s.received_at`,
        since,
        channelId,
      )
      .map((r) => r.id);
  }

  /**
   * Records what happened to a delivery, batched with the audit rows (no commit of its own on the delivery path):
   * a state lost in a crash is pending again, and a redelivery of the same id is harmless (the receiver answers it
   * with its first outcome). Returns the row as it now is.
   */
  updateDelivery(row: DeliveryRow, patch: Partial<Omit<DeliveryRow, "id">>, now: number): DeliveryRow {
    const keys = Object.keys(patch) as Array<keyof typeof patch>;
    const sets = [...keys.map((k) => `${k} = ?`), "updated_at = ?"].join(", ");
    this.db.bulkDefer(`UPDATE relay_deliveries SET ${sets} WHERE id = ?`, ...keys.map((k) => patch[k] ?? null), now, row.id);
    return { ...row, ...patch, updated_at: now };
  }

  skipPending(receiverId: string, reason: string, now: number): number {
    return this.db.run("UPDATE relay_deliveries SET status = 'skipped', reason = ?, updated_at = ? WHERE receiver_id = ? AND status = 'pending'", reason, now, receiverId).changes;
  }

  deliveryCounts(receiverId: string): Record<DeliveryStatus, number> & { last_error: string | null } {
    this.db.flush(); // delivery states are batched
    const rows = this.db.all<{ status: DeliveryStatus; n: number }>("SELECT status, COUNT(*) AS n FROM relay_deliveries WHERE receiver_id = ? GROUP BY status", receiverId);
    const counts = { pending: 0, delivered: 0, rejected: 0, expired: 0, skipped: 0 };
    for (const r of rows) counts[r.status] = r.n;
    const last = this.db.get<{ last_error: string | null }>(
      "SELECT last_error FROM relay_deliveries WHERE receiver_id = ? AND last_error IS NOT NULL ORDER BY updated_at DESC LIMIT 1",
      receiverId,
    );
    return { ...counts, last_error: last?.last_error ?? null };
  }

  /** The latest `limit` delivered deliveries of a receiver, for the hop percentiles. */
  recentDelivered(receiverId: string, limit: number): DeliveryRow[] {
    this.db.flush();
    return this.db.all<DeliveryRow>("SELECT * FROM relay_deliveries WHERE receiver_id = ? AND status = 'delivered' ORDER BY received_at DESC LIMIT ?", receiverId, limit);
  }

  deliveries(q: { receiverId?: string; channelId?: string; limit: number }): DeliveryRow[] {
    this.db.flush();
    if (q.receiverId) return this.db.all<DeliveryRow>("SELECT * FROM relay_deliveries WHERE receiver_id = ? ORDER BY received_at DESC LIMIT ?", q.receiverId, q.limit);
    if (q.channelId) {
      return this.db.all<DeliveryRow>(
        "SELECT d.* FROM relay_deliveries d JOIN relay_receivers r ON r.id = d.receiver_id WHERE r.channel_id = ? ORDER BY d.received_at DESC LIMIT ?",
        q.channelId,
        q.limit,
      );
    }
    return this.db.all<DeliveryRow>("SELECT * FROM relay_deliveries ORDER BY received_at DESC LIMIT ?", q.limit);
  }

  // ---- receiver: subscriptions ----

  insertSubscription(s: Omit<SubscriptionRow, "paused_by_sender" | "paused_by_receiver" | "paused_at" | "state_ts" | "received" | "last_received_at" | "removed_at">): SubscriptionRow {
    this.db.run(
      "INSERT INTO relay_subscriptions (id, sender_url, state_url, channel_id, channel_name, receiver_id, signing_secret, sizing, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      s.id,
      s.sender_url,
      s.state_url,
      s.channel_id,
      s.channel_name,
      s.receiver_id,
      s.signing_secret,
      s.sizing,
      s.created_at,
    );
    return this.subscription(s.id)!;
  }

  subscription(id: string): SubscriptionRow | undefined {
    return this.db.get<SubscriptionRow>("SELECT * FROM relay_subscriptions WHERE id = ?", id);
  }

  subscriptions(): SubscriptionRow[] {
    this.db.flush(); // the received counts are batched
    return this.db.all<SubscriptionRow>("SELECT * FROM relay_subscriptions WHERE removed_at IS NULL ORDER BY created_at");
  }

  setSubscriptionPaused(id: string, by: PausedBy, paused: boolean, now: number, stateTs?: number): SubscriptionRow | null {
    const before = this.subscription(id);
    if (!before || before.removed_at !== null) return null;
    if (stateTs !== undefined && stateTs <= before.state_ts) return before;
    const col = by === "sender" ? "paused_by_sender" : "paused_by_receiver";
    this.db.run(`UPDATE relay_subscriptions SET ${col} = ?, paused_at = CASE WHEN ? THEN ? ELSE paused_at END, state_ts = MAX(state_ts, ?) WHERE id = ?`, paused ? 1 : 0, paused ? 1 : 0, now, stateTs ?? 0, id);
    return this.subscription(id)!;
  }

  /**
   * A delivery's (id, timestamp) pair, seen for the first time? A sender's redelivery is signed afresh (a new
   * timestamp) and gets the first outcome from the engine; the same pair again is a captured request replayed.
   * Pairs are kept in memory and written in the audit batches: after a crash that lost the last batch, a replay
   * is still only a duplicate to the engine, never a second order.
   */
  firstSight(deliveryId: string, timestamp: number, subscriptionId: string, now: number): boolean {
    const key = `${deliveryId}.${timestamp}`;
    if (this.seen.has(key) || this.db.get("SELECT 1 FROM relay_inbox WHERE delivery_id = ? AND timestamp = ?", deliveryId, timestamp)) return false;
    this.seen.set(key, now);
    this.db.bulkDefer("INSERT INTO relay_inbox (delivery_id, timestamp, subscription_id, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", deliveryId, timestamp, subscriptionId, now);
    return true;
  }

  /** One more signal admitted from a subscription (batched with the audit rows: a count, not a record). */
  countReceived(subscriptionId: string, now: number): void {
    this.db.bulkDefer("UPDATE relay_subscriptions SET received = received + 1, last_received_at = ? WHERE id = ?", now, subscriptionId);
  }

  /** Finishes an acceptance: the sender's ids for this subscription. */
  completeSubscription(id: string, receiverId: string, stateUrl: string): void {
    this.db.run("UPDATE relay_subscriptions SET receiver_id = ?, state_url = ? WHERE id = ?", receiverId, stateUrl, id);
  }

  deleteSubscription(id: string): void {
    this.db.run("DELETE FROM relay_subscriptions WHERE id = ?", id);
  }

  /** Pairs older than the signature window can no longer be replayed (their timestamp is refused). */
  purgeInbox(before: number): number {
    for (const [k, at] of this.seen) if (at < before) this.seen.delete(k);
    return this.db.run("DELETE FROM relay_inbox WHERE received_at < ?", before).changes;
  }
}
