/** The ledger of a daemon in a pair: every fill it records is also told to the pair (see Pair.filled). */
import type { AppliedFill, FillInput } from "../engine/ports.js";
import type { Database } from "../store/database.js";
import { Ledger } from "../store/ledger.js";

export class WatchedLedger extends Ledger {
  onFill: ((f: FillInput, realized: number) => void) | null = null;

  constructor(db: Database) {
    super(db);
  }

  override applyFill(f: FillInput): AppliedFill {
    const applied = super.applyFill(f);
    if (!applied.duplicate) this.onFill?.(f, applied.realized_pnl);
    return applied;
  }
}
