/** Marks: the latest price of each held ticker, one row per ticker and JST day (the day's last mark is its close). */
import { jstDateKey } from "../domain/jst.js";
import type { Database } from "./database.js";

export class Marks {
  constructor(private readonly db: Database) {}

  /** Batched with the audit rows (no fsync): a mark a crash loses is replaced by the next one. */
  record(ticker: string, price: number, time: number): void {
    this.db.bulkDefer(
      `INSERT INTO marks (ticker, trading_date, price, time) VALUES (?, ?, ?, ?)
       ON CONFLICT(ticker, trading_date) DO UPDATE SET price = excluded.price, time = excluded.time WHERE excluded.time >= marks.time`,
      ticker,
      jstDateKey(time),
      price,
      time,
    );
  }
}
