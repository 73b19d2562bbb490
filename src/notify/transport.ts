/** What a channel kind implements: send one message (a notification or a batch), or throw a DeliveryError. */
import type { NotifyChannelKind, Severity } from "../config/types.js";
import type { OutboxRow } from "./notice.js";

export interface OutgoingMessage {
  /** Unique per delivery attempt series; the signed webhook sends it so a receiver can drop a repeat. */
  deliveryId: string;
  text: string;
  /** The most severe of its notifications (Telegram sends info silently). */
  severity: Severity;
  rows: OutboxRow[];
}

export interface Transport {
  readonly kind: NotifyChannelKind;
  /** Longest message text the service takes. */
  readonly maxLength: number;
  send(m: OutgoingMessage, signal: AbortSignal): Promise<void>;
  /** After a send the service took: how long it asked to wait before the next one (Discord's empty bucket), if it did. */
  readonly pauseMs?: number | null;
  close?(): Promise<void>;
}
