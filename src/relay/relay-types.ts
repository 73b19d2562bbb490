/** The relay's records as the socket routes and the CLI show them. Times are ISO-8601 unless named `_ms`. */

export type ReceiverKind = "tradectl" | "http";
/** invited → active ⇄ paused (by either side, each recorded) → removed. */
export type LinkState = "active" | "paused" | "removed";
export type DeliveryStatus = "pending" | "delivered" | "rejected" | "expired" | "skipped";
export type PausedBy = "sender" | "receiver";

export interface ChannelInfo {
  id: string;
  name: string;
  from_webhook: boolean;
  created_at: string;
  /** The inbound URL alert sources post to (with the channel's passphrase). */
  inbound_url: string;
  receivers: number;
}

export interface ReceiverInfo {
  id: string;
  channel_id: string;
  kind: ReceiverKind;
  name: string | null;
  endpoint: string;
  state: LinkState;
  paused_by: PausedBy[];
  paused_at: string | null;
  created_at: string;
  delivered: number;
  rejected: number;
  expired: number;
  skipped: number;
  pending: number;
  last_error: string | null;
}

export interface SubscriptionInfo {
  id: string;
  channel_id: string;
  channel_name: string;
  sender_url: string;
  sizing: number;
  state: LinkState;
  paused_by: PausedBy[];
  paused_at: string | null;
  received: number;
  last_received_at: string | null;
  created_at: string;
}

export interface InvitationInfo {
  id: string;
  channel_id: string;
  note: string | null;
  email: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  receiver_id: string | null;
}

/** The hops of one delivery, each a span in ms (null when a stamp is missing). */
export const HOPS = ["alert_to_received", "received_to_sent", "sent_to_receiver", "receiver_to_answer", "answer_to_ack", "received_to_answer", "answer_to_fill"] as const;
export type Hop = (typeof HOPS)[number];

export interface HopStats {
  count: number;
  p50_ms: number | null;
  p99_ms: number | null;
}
