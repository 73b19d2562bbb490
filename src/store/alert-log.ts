/** Every alert that reached /webhook, accepted or not, with its secret removed, written once with its outcome. */
import type { Database } from "./database.js";

export interface AlertRecord {
  request_id: string;
  received_at: number;
  path: string;
  source_ip: string | null;
  content_type: string | null;
  /** The raw body with the passphrase already removed by the caller. */
  body: string;
  status_code: number;
  error_code: string | null;
  signal_id: string | null;
}

export class AlertLog {
  constructor(private readonly db: Database) {}

  /** Batched (see Database.bulkDefer): an accepted alert's durable record is its signal row, committed before. */
  record(a: AlertRecord): void {
    this.db.bulkDefer(
      "INSERT INTO alerts (request_id, received_at, path, source_ip, content_type, body, status_code, error_code, signal_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      a.request_id,
      a.received_at,
      a.path,
      a.source_ip,
      a.content_type,
      a.body,
      a.status_code,
      a.error_code,
      a.signal_id,
    );
  }
}
