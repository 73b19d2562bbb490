/** Fills and the positions they build; a fill and its position change commit together. */
import { applyFill } from "../domain/position-math.js";
import type { Position } from "../domain/types.js";
import type { AppliedFill, FillInput, PositionLedger, RecordedFill } from "../engine/ports.js";
import type { Database } from "./database.js";

export class Ledger implements PositionLedger {
  constructor(private readonly db: Database) {}

  /** Records a fill once (a repeated broker deal id is ignored) and updates the position. */
  applyFill(f: FillInput): AppliedFill {
    return this.db.tx(() => {
      if (f.broker_deal_id && this.db.get("SELECT 1 FROM fills WHERE broker_deal_id = ?", f.broker_deal_id)) {
        return { duplicate: true, realized_pnl: 0, position: this.position(f.ticker) ?? null };
      }
      const pos = this.position(f.ticker);
      const { next: after, realized, reopened } = applyFill(pos, f);
      const next: Position | null =
        after.quantity === 0
          ? null
          : { ticker: f.ticker, quantity: after.quantity, avg_price: after.avg_price, opened_at: reopened || !pos ? f.time : pos.opened_at, updated_at: f.time };
      this.db.run(
        "INSERT INTO fills (order_id, ticker, action, quantity, price, fee, realized_pnl, time, broker_deal_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        f.order_id,
        f.ticker,
        f.action,
        f.quantity,
        f.price,
        f.fee,
        realized,
        f.time,
        f.broker_deal_id,
      );
      if (next) {
        this.db.run(
          `INSERT INTO positions (ticker, quantity, avg_price, opened_at, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(ticker) DO UPDATE SET quantity = excluded.quantity, avg_price = excluded.avg_price, updated_at = excluded.updated_at`,
          next.ticker,
          next.quantity,
          next.avg_price,
          next.opened_at,
          next.updated_at,
        );
      } else {
        this.db.run("DELETE FROM positions WHERE ticker = ?", f.ticker);
      }
      return { duplicate: false, realized_pnl: realized, position: next };
    });
  }

  position(ticker: string): Position | undefined {
    return this.db.get<Position>("SELECT * FROM positions WHERE ticker = ?", ticker);
  }

  positions(): Position[] {
    return this.db.all<Position>("SELECT * FROM positions ORDER BY ticker");
  }

  /** The fill recorded for an order, if any (the paper broker's "did it execute?"). */
  fillOf(orderId: string): RecordedFill | undefined {
    return this.db.get("SELECT price, quantity, fee, time, broker_deal_id FROM fills WHERE order_id = ? ORDER BY id LIMIT 1", orderId);
  }

  /** Net cash of every fill ever: sells minus buys minus fees. Kept incrementally (fill ids only grow). */
  cashFlow(): number {
    const rows = this.db.all<{ id: number; flow: number }>(
      "SELECT id, (CASE WHEN action = 'sell' THEN 1 ELSE -1 END) * quantity * price - fee AS flow FROM fills WHERE id > ? ORDER BY id",
      this.cash.lastId,
    );
    for (const r of rows) {
      this.cash.total += r.flow;
      this.cash.lastId = r.id;
    }
    return this.cash.total;
  }

  private readonly cash = { lastId: 0, total: 0 };

  hasDeal(dealId: string): boolean {
    return !!this.db.get("SELECT 1 FROM fills WHERE broker_deal_id = ?", dealId);
  }
}
