/**
 * Feed benchmark: ticks per second through the whole path (fake OANDA server in a child process →
 * HTTP chunks → line split → JSON.parse → v1 parse → a sink that updates quotes and marks
 * positions to market), as a ratio of raw split + JSON.parse over the same bytes in the same run;
 * and RSS before/after 1,000,000 ticks through the path.
 *   node --import tsx scripts/bench/feed.ts
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import got from "got";
import type { BrokerTransaction, FeedSink, StreamStatus } from "../../src/engine/feed.js";
import type { Quote } from "../../src/domain/types.js";
import { StreamFeed } from "../../src/feeds/stream-feed.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TICKS = 1_000_000;

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/fake-oanda/main.ts", "--port", "0", "--tick-ms", "0", "--heartbeat-ms", "0"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`fake-oanda exited with ${code}`)));
  });
  return { url: (JSON.parse(line) as { listening: string }).listening, child };
}

/** Quote book plus mark-to-market of a few open positions, as the engine does per tick. */
class MarkToMarketSink implements FeedSink {
  readonly quotes = new Map<string, Quote>();
  private readonly positions = new Map<string, { qty: number; avg: number }>([
    ["9984", { qty: 100, avg: 3000 }],
    ["7203", { qty: 200, avg: 2790 }],
    ["USD_JPY", { qty: 10_000, avg: 150 }],
  ]);
  private readonly unrealized = new Map<string, number>();
  count = 0;
  equity = 0;
  private target = Infinity;
  private done: (() => void) | null = null;

  quote(q: Quote): void {
    this.quotes.set(q.instrument, q);
    const p = this.positions.get(q.instrument);
    if (p) {
      const mark = p.qty > 0 ? q.bid : q.ask;
      this.unrealized.set(q.instrument, (mark - p.avg) * p.qty);
      let total = 0;
      for (const v of this.unrealized.values()) total += v;
      this.equity = total;
    }
    if (++this.count >= this.target) this.done?.();
  }
  transaction(_tx: BrokerTransaction): void {}
  state(_s: StreamStatus): void {}

  until(n: number): Promise<void> {
    this.target = n;
    return new Promise((resolve) => {
      this.done = resolve;
    });
  }
}

const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

export async function benchFeed(): Promise<Record<string, number | string>> {
  const { url, child } = await startServer();
  try {
    // 1. Whole path, through StreamFeed (the query on the base URL asks the fake for N ticks).
    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const sink = new MarkToMarketSink();
    const feed = new StreamFeed(
      { name: "bench", kind: "oanda-v1", stream: "prices", url: `${url}/?_bench=${TICKS}`, accountId: "1", instruments: ["9984", "7203", "6758", "8306", "130A", "USD_JPY", "EUR_USD"] },
      { staleAfterMs: 30_000 },
    );
    const reached = sink.until(TICKS);
    const t0 = performance.now();
    feed.start(sink);
    await reached;
    const pathMs = performance.now() - t0;
    await feed.stop();
    const rssAfter = process.memoryUsage().rss;

    // 2. The same bytes, captured, then only split + JSON.parse.
    const chunks: Buffer[] = [];
    let bytes = 0;
    const t2 = performance.now();
    for await (const chunk of got.stream(`${url}/v1/prices?accountId=1&instruments=9984&_bench=${TICKS}`)) {
      chunks.push(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    const transferMs = performance.now() - t2;
    const t1 = performance.now();
    let rest = "";
    let parsed = 0;
    for (const c of chunks) {
      const lines = (rest + c.toString("utf8")).split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) {
        if (l) {
          JSON.parse(l);
          parsed++;
        }
      }
    }
    const rawMs = performance.now() - t1;

    const pathRate = TICKS / (pathMs / 1000);
    const rawRate = parsed / (rawMs / 1000);
    return {
      ticks: TICKS,
      bytes,
      path_ticks_per_s: Math.round(pathRate),
      raw_split_parse_ticks_per_s: Math.round(rawRate),
      path_vs_raw_ratio: Math.round((pathRate / rawRate) * 1000) / 1000,
      path_ms: Math.round(pathMs),
      transfer_only_ticks_per_s: Math.round(TICKS / (transferMs / 1000)),
      rss_before_mb: mb(rssBefore),
      rss_after_mb: mb(rssAfter),
      rss_growth_mb: mb(rssAfter - rssBefore),
      equity_check: Math.round(sink.equity),
    };
  } finally {
    child.kill("SIGTERM");
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchFeed();
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
}
