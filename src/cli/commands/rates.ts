/**
 * `tradectl rates SYMBOL --timeframe M5 --count N [--format csv|json]`: price bars from the broker (MT5
 * copy_rates_from_pos), oldest first. Large counts are fetched in chunks of 1000 bars (by start offset), with a
 * progress bar on stderr when it is a terminal. SYMBOL is a ticker of `instruments` or the broker's own symbol.
 */
import type { Rate } from "../../engine/broker.js";
import type { RatesView } from "../../engine/control.js";
import { makeContext, type GlobalOptions } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { intOption } from "../int-option.js";
import { printJson } from "../output.js";

interface Opts extends GlobalOptions {
  timeframe?: string;
  count?: string;
  format?: string;
}

const CHUNK = 1000;
const MAX_COUNT = 100_000;
const COLUMNS = ["time", "open", "high", "low", "close", "tick_volume", "spread", "real_volume"] as const;

export async function run(args: string[], opts: Opts): Promise<void> {
  const symbol = args[0];
  if (!symbol) throw new UsageError("rates needs a SYMBOL (a ticker such as 9984, or the broker's symbol)");
  const timeframe = (opts.timeframe ?? "M5").toUpperCase();
  const count = intOption("--count", opts.count, 1, MAX_COUNT) ?? 100;
  const format = opts.json ? "json" : (opts.format ?? "csv");
  if (format !== "csv" && format !== "json") throw new UsageError(`--format must be csv or json, got ${opts.format}`);

  const ctx = makeContext(opts);
  const bar = process.stderr.isTTY && count > CHUNK ? await progressBar(count) : null;
  const chunks: Rate[][] = [];
  try {
    for (let start = 0; start < count; start += CHUNK) {
      const n = Math.min(CHUNK, count - start);
      const data = await ctx.client.get<RatesView>("/rates", { symbol, timeframe, start, count: n });
      if (data.broker === "paper") {
        throw new CliError("paper broker has no rate history: rates come from MetaTrader 5 (set broker.kind to mt5)", 1, "NO_RATE_HISTORY");
      }
      chunks.unshift(data.rates); // each chunk is older than the one before
      bar?.update(Math.min(count, start + data.rates.length));
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

async function progressBar(total: number): Promise<{ update(n: number): void; stop(): void }> {
  const { default: cliProgress } = await import("cli-progress");
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: "rates [{bar}] {value}/{total} bars", hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}
