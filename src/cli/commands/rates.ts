/**
 * `tradectl rates SYMBOL --timeframe M5 --count N [--format csv|json]`: price bars from the broker (MT5
 * copy_rates_from_pos), oldest first. Large counts are fetched in chunks of 1000 bars (by start offset), with a
 * progress bar on stderr when it is a terminal. SYMBOL is a ticker of `instruments` or the broker's own symbol.
 */
import type { Rate } from "../../engine/broker.js";
import type { RatesView } from "../../engine/control.js";
import { makeContext, type GlobalOptions } from "../context.js";
import { TradectlError } from "../../domain/errors.js";
import { printJson } from "../output.js";
import { progress } from "../progress.js";

interface Opts extends GlobalOptions {
  timeframe?: string;
  count?: number;
  format?: string;
}

const CHUNK = 1000;
const COLUMNS = ["time", "open", "high", "low", "close", "tick_volume", "spread", "real_volume"] as const;

export async function run(args: string[], opts: Opts): Promise<void> {
  const symbol = args[0];
  if (!symbol) throw new TradectlError("USAGE", "rates needs a SYMBOL (a ticker such as 9984, or the broker's symbol)");
  // Allowed values and ranges are checked by the program's declaration (program.ts).
  const timeframe = opts.timeframe ?? "M5";
  const count = opts.count ?? 100;
  const format = opts.json ? "json" : (opts.format ?? "csv");

  const ctx = makeContext(opts);
  const bar = count > CHUNK ? await progress("rates", count) : null;
  const chunks: Rate[][] = [];
  try {
    for (let start = 0; start < count; start += CHUNK) {
      const n = Math.min(CHUNK, count - start);
      const data = await ctx.client.get<RatesView>("/rates", { symbol, timeframe, start, count: n });
      if (data.broker === "paper") {
        throw new TradectlError("NO_RATE_HISTORY", "paper broker has no rate history: rates come from MetaTrader 5 (set broker.kind to mt5)");
      }
      chunks.unshift(data.rates); // each chunk is older than the one before
      bar?.update(Math.min(count, start + data.rates.length), "bars");
      if (data.rates.length < n) break; // the broker's history ends here
    }
  } finally {
    bar?.stop();
  }
  // A bar that opened between two chunk requests shifts the offsets by one: drop the repeat.
  const seen = new Set<number>();
  const rows = chunks.flat().filter((r) => !seen.has(r.time) && seen.add(r.time)).sort((a, b) => a.time - b.time);

  if (format === "json") {
    printJson(rows.map((r) => ({ ...r, time: new Date(r.time).toISOString() })));
    return;
  }
  const lines = [COLUMNS.join(",")];
  for (const r of rows) lines.push(COLUMNS.map((c) => (c === "time" ? new Date(r.time).toISOString() : String(r[c]))).join(","));
  process.stdout.write(`${lines.join("\n")}\n`);
}
