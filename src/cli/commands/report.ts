/**
 * `tradectl report`: a period's P&L, trades, signals, orders, streams and broker health, read from the journal
 * read-only, so it works the same with the daemon down (cron after a restart). A period still running marks its
 * open positions with the running daemon's quotes when it answers, else with the last price the journal knows.
 */
import { writeFileSync } from "node:fs";
import { resolvePaths } from "../../config/paths.js";
import { TradectlError } from "../../domain/errors.js";
import { buildReport, type LiveQuote } from "../../report/build-report.js";
import { readJournal } from "../../report/journal-reader.js";
import { resolvePeriod, type PeriodKind } from "../../report/period.js";
import { renderReport, type ReportFormat } from "../../report/render.js";
import { makeContext, type GlobalOptions } from "../context.js";
import { progress } from "../progress.js";
import { socketClient } from "../socket-client.js";

interface Opts extends GlobalOptions {
  period?: PeriodKind;
  date?: string;
  from?: string;
  to?: string;
  format?: ReportFormat;
  output?: string;
}

const STEPS = ["fills", "signals", "orders", "events"];
/** A report must not wait long for a daemon that is busy or half up: its quotes only refine the open positions' marks. */
const QUOTES_TIMEOUT_MS = 2000;

export async function run(_args: string[], opts: Opts): Promise<void> {
  const now = Date.now();
  const period = resolvePeriod({ period: opts.period ?? "day", date: opts.date, from: opts.from, to: opts.to }, now);
  const format = opts.json ? "json" : (opts.format ?? "text");
  const paths = resolvePaths(opts.home);
  // A running daemon's quotes mark the open positions of a period still running; that it answers at all tells the
  // timelines that a run without a stop is going on, not a crash.
  const quotes = await liveQuotes(makeContext(opts).socketPath);
  const running = period.start <= now && now < period.end;

  const bar = await progress("report", STEPS.length);
  let data;
  try {
    data = readJournal(paths.dbFile, period.start, period.end, (step) => bar.update(STEPS.indexOf(step), step));
  } finally {
    bar.stop();
  }
  const report = buildReport(period, data, { now, daemonRunning: quotes !== null, ...(quotes && running ? { quotes } : {}) });
  const text = renderReport(report, format);
  if (!opts.output) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(opts.output, text, { mode: 0o600 });
  } catch (err) {
    throw new TradectlError("OUTPUT_FAILED", `cannot write the report to ${opts.output}: ${(err as Error).message}`);
  }
}

/** The running daemon's mid prices by ticker, or null when it does not answer (the report goes on without). */
async function liveQuotes(socketPath: string): Promise<Map<string, LiveQuote> | null> {
  try {
    const quotes = await socketClient(socketPath, QUOTES_TIMEOUT_MS).get<Array<{ instrument: string; bid: number; ask: number; time: number }>>("/quotes");
    return new Map(quotes.map((q) => [q.instrument, { price: (q.bid + q.ask) / 2, time: q.time }]));
  } catch {
    return null;
  }
}
