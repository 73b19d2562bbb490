/** Every alert that reached /webhook, accepted or not, with its secret removed. */
import type { Database } from "./database.js";

export interface AlertRecord {
  request_id: string;
  received_at: number;
  path: string;
  source_ip: string | null;
  content_type: string | null;
  /** The raw body with the passphrase already removed by the caller. */
  body: string;
}

export class AlertLog {
  constructor(private readonly db: Database) {}

  record(a: AlertRecord): number {
    return this.db.run(
      "INSERT INTO alerts (request_id, received_at, path, source_ip, content_type, body) VALUES (?, ?, ?, ?, ?, ?)",
      a.request_id,
      a.received_at,
      a.path,
      a.source_ip,
      a.content_type,
      a.body,
    ).lastInsertRowid;
  }

  outcome(id: number, statusCode: number, errorCode: string | null, signalId: string | null): void {
    this.db.run("UPDATE alerts SET status_code = ?, error_code = ?, signal_id = ? WHERE id = ?", statusCode, errorCode, signalId, id);
  }

  count(): number {
    return this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM alerts")?.n ?? 0;
  }
}
