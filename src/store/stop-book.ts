/** Position stops (SL/TP, breakeven, trailing) in the journal: written in the same transaction as the fill or modify. */
import type { PositionStops, StopBook } from "../engine/ports.js";
import type { Database } from "./database.js";

interface Row {
  ticker: string;
  stop_loss: number | null;
  take_profit: number | null;
  protection: string | null;
  updated_at: number;
}

export class SqliteStopBook implements StopBook {
  constructor(private readonly db: Database) {}

  get(ticker: string): PositionStops | undefined {
    const r = this.db.get<Row>("SELECT * FROM position_stops WHERE ticker = ?", ticker);
    return r && toStops(r);
  }

  all(): PositionStops[] {
    return this.db.all<Row>("SELECT * FROM position_stops ORDER BY ticker").map(toStops);
  }

  set(s: PositionStops): void {
    this.db.run(
      `INSERT INTO position_stops (ticker, stop_loss, take_profit, protection, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(ticker) DO UPDATE SET stop_loss = excluded.stop_loss, take_profit = excluded.take_profit,
         protection = excluded.protection, updated_at = excluded.updated_at`,
      s.ticker,
      s.stop_loss,
      s.take_profit,
      s.protection === null ? null : JSON.stringify(s.protection),
      s.updated_at,
    );
  }

  delete(ticker: string): void {
    this.db.run("DELETE FROM position_stops WHERE ticker = ?", ticker);
  }
}

function toStops(r: Row): PositionStops {
  return { ticker: r.ticker, stop_loss: r.stop_loss, take_profit: r.take_profit, protection: r.protection === null ? null : JSON.parse(r.protection), updated_at: r.updated_at };
}
