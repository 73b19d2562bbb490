/**
 * A seeded chaos run of the broker streams: the daemon's FeedSet (a v20 and a v1 price stream and a v20
 * transaction stream with gap fill, a real journal and ledger) against the fake OANDA server, both on one
 * manual clock over real loopback sockets (virtual-world.ts). The server drops connections, cuts lines,
 * stalls for short and long spells, answers 429 and 5xx, writes garbage, splits lines, says `disconnect`,
 * fails and hangs REST pages, and makes transactions while the streams are down. Then everything heals, and
 * the run checks, from the server's own record:
 *  - every silence that reached a stream's limit was detected exactly at the limit, and none went past it;
 *  - no stall shorter than the limit caused a reconnect;
 *  - every transaction the account made was applied exactly once, in order, and positions are their sum;
 *  - every price stream's last quote of each instrument is the server's last price.
 * The same seed gives the same run.
 */
import { createHash } from "node:crypto";
import type { FeedConfig } from "../../src/config/types.js";
import { FeedSet } from "../../src/daemon/feed-set.js";
import type { EventEnvelope } from "../../src/engine/envelope.js";
import { EventBus } from "../../src/engine/event-bus.js";
import type { BrokerTransaction } from "../../src/engine/feed.js";
import { QuoteBook } from "../../src/engine/quote-book.js";
import type { Logger } from "../../src/log/logger.js";
import { Database } from "../../src/store/database.js";
import { Journal } from "../../src/store/journal.js";
import { Ledger } from "../../src/store/ledger.js";
import { SqliteStateStore } from "../../src/store/state-store.js";
import { seededRandom } from "../../scripts/fake-oanda/clock.js";
import { FAKE_ACCOUNT_ID, type LogEntry } from "../../scripts/fake-oanda/server.js";
import { startVirtualWorld } from "./virtual-world.js";

export interface ChaosOptions {
  seed: number;
  /** Virtual minutes of faults before the heal. */
  minutes: number;
}

export interface ChaosSummary {
  seed: number;
  minutes: number;
  faults: number;
  faultsByKind: Record<string, number>;
  /** Connections that went silent for their stream's limit (each must have been detected then). */
  silences: number;
  stallsDetected: number;
  /** Stalls shorter than every limit; none may cause a reconnect. */
  shortStalls: number;
  reconnects: number;
  transactionsMade: number;
  transactionsApplied: number;
  quotesChecked: number;
  /** What the run found wrong (empty when it passed). */
  failures: string[];
  /** A hash of the server's record of every request (times, outcomes, lines): equal for equal runs. */
  digest: string;
}

const HEARTBEAT_MS = 5000;
const PRICES_LIMIT_MS = 10_000;
const EVENTS_LIMIT_MS = 20_000;
/** Long enough for the longest backoff (a run of repeated disconnects, 30 min) to end and everything to reconnect. */
const HEAL_MS = 45 * 60_000;
const START_ID = "1008";
const FILL_INSTRUMENTS = ["USD_JPY", "EUR_USD", "9984", "7203"];

const FEEDS: FeedConfig[] = [
  { name: "fx-v20", kind: "oanda-v20", stream: "prices", accountId: FAKE_ACCOUNT_ID, instruments: ["USD_JPY", "EUR_USD", "9984", "7203", "6758", "8306", "130A"], staleAfterMs: PRICES_LIMIT_MS },
  { name: "fx-v1", kind: "oanda-v1", stream: "prices", accountId: "12345", instruments: ["USD_JPY", "EUR_USD", "9984"], staleAfterMs: PRICES_LIMIT_MS },
  { name: "events", kind: "oanda-v20", stream: "events", accountId: FAKE_ACCOUNT_ID, staleAfterMs: EVENTS_LIMIT_MS },
];
const LIMIT_BY_KIND: Record<string, number> = { "v20-prices": PRICES_LIMIT_MS, "v1-prices": PRICES_LIMIT_MS, "v20-transactions": EVENTS_LIMIT_MS };

/** Errors the chaos is meant to cause (REST pages failing for a while); any other error line fails the run. */
const EXPECTED_ERRORS = [/^feed: transaction gap could not be filled/];

/** Keeps the daemon's unexpected error lines (an effect that failed to apply, a loop that ended); drops the rest. */
function errorsOnlyLogger(errors: string[]): Logger {
  const none = (): void => {};
  return {
    error: (message, meta) => {
      if (!EXPECTED_ERRORS.some((x) => x.test(message))) errors.push(`${message} ${JSON.stringify(meta ?? {})}`);
    },
    warn: none,
    info: none,
    debug: none,
    access: none,
    close: async () => {},
  };
}

export async function runStreamChaos(o: ChaosOptions): Promise<ChaosSummary> {
  const random = seededRandom(o.seed * 7919 + 1);
  const between = (lo: number, hi: number): number => Math.round(lo + random() * (hi - lo));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const w = await startVirtualWorld({ seed: o.seed, switches: { tickMs: 1500, heartbeatMs: HEARTBEAT_MS } });
  const db = new Database(":memory:");
  const journal = new Journal(db);
  const ledger = new Ledger(db);
  const state = new SqliteStateStore(db);
  const errors: string[] = [];
  const bus = new EventBus((err, e) => void errors.push(`listener of ${e.type} failed: ${String(err)}`));
  const feedRandom = seededRandom(o.seed * 104_729 + 3);
  const set = new FeedSet({
    bus,
    quotes: new QuoteBook(),
    logger: errorsOnlyLogger(errors),
    clock: { now: w.timers.now },
    env: { OANDA_TOKEN: "chaos-token" },
    state,
    journal,
    ledger,
    timers: w.timers,
    random: feedRandom,
  });
  const applied = new Map<string, number>();
  const appliedOrder: number[] = [];
  bus.on("feed.transaction", (e: EventEnvelope) => {
    const tx = e.payload as BrokerTransaction;
    applied.set(tx.id, (applied.get(tx.id) ?? 0) + 1);
    appliedOrder.push(tx.seq);
  });
  const lastQuote = new Map<string, { bid: number; ask: number }>();
  bus.on("feed.tick", (e) => {
    const q = e.payload as { feed: string; instrument: string; bid: number; ask: number };
    lastQuote.set(`${q.feed} ${q.instrument}`, { bid: q.bid, ask: q.ask });
  });
  w.watch(() => [set.statuses().map((s) => [s.state, s.reconnects, s.gap_fill?.state, s.gap_fill?.held]), applied.size, lastQuote.size]);
  state.set(`feed.events.lastTransactionId`, START_ID, w.timers.now());
  set.start(FEEDS.map((f) => ({ ...f, url: w.fake.url, ...(f.stream === "events" ? { restUrl: w.fake.url } : {}) })));

  const faultsByKind: Record<string, number> = {};
  const fault = (kind: string): void => void (faultsByKind[kind] = (faultsByKind[kind] ?? 0) + 1);
  const shortStallWindows: Array<[number, number]> = [];
  let marginOpen = false;
  const transactions = (n: number): void => {
    const list = Array.from({ length: n }, () => {
      const r = random();
      if (r < 0.06) {
        const type = marginOpen ? pick(["MARGIN_CALL_EXTEND", "MARGIN_CALL_EXIT"]) : "MARGIN_CALL_ENTER";
        marginOpen = type !== "MARGIN_CALL_EXIT";
        return { type };
      }
      if (r < 0.1) return { type: "ORDER_CANCEL", instrument: pick(FILL_INSTRUMENTS), reason: "CLIENT_REQUEST" };
      return { type: "ORDER_FILL", instrument: pick(FILL_INSTRUMENTS), units: between(1, 50) * 100 * (random() < 0.5 ? -1 : 1) };
    });
    w.fake.control({ emitTransaction: list });
  };

  await w.advance(0);
  const end = w.timers.now() + o.minutes * 60_000;
  while (w.timers.now() < end) {
    await w.advance(between(1000, 20_000));
    let r = random();
    if (r < 0.3) {
      transactions(between(1, 4));
      continue;
    }
    if (r < 0.4) continue; // prices and heartbeats only
    r = random();
    if (r < 0.06) {
      fault("missed on the stream");
      w.fake.control({ missTransactions: between(1, 3) });
      transactions(between(1, 4));
    } else if (r < 0.44) {
      fault("short stall");
      const from = w.timers.now();
      w.fake.control({ stall: true });
      await w.advance(between(500, 4000)); // with a 5 s heartbeat, silence stays under the 10 s limit
      w.fake.control({ stall: false });
      shortStallWindows.push([from, w.timers.now()]);
    } else if (r < 0.5) {
      fault("long stall");
      w.fake.control({ stall: true });
      await w.advance(between(PRICES_LIMIT_MS + 500, 3 * EVENTS_LIMIT_MS));
      if (random() < 0.5) transactions(between(1, 3)); // held, then delivered late or filled after a reconnect
      await w.advance(between(0, 5000));
      w.fake.control({ stall: false });
    } else if (r < 0.55) {
      fault("drop");
      w.fake.control({ dropAll: true });
    } else if (r < 0.6) {
      fault("drop mid-line");
      w.fake.control({ cutNextLine: true });
    } else if (r < 0.63) {
      fault("disconnect message");
      w.fake.control({ sendDisconnect: { code: pick([60, 60, 64]) } });
    } else if (r < 0.67) {
      fault("429");
      w.fake.control({ rateLimitCount: between(1, 3), retryAfterSeconds: between(1, 5), dropAll: true });
    } else if (r < 0.71) {
      fault("5xx");
      w.fake.control({ serverErrorCount: between(1, 3), serverErrorStatus: pick([500, 502, 503]), dropAll: true });
    } else if (r < 0.77) {
      fault("transactions while down");
      w.fake.control({ serverErrorCount: between(2, 4), dropAll: true });
      transactions(between(1, 6));
    } else if (r < 0.82) {
      fault("garbage");
      w.fake.control({ garbageEvery: random() < 0.4 ? 0 : between(2, 9) });
    } else if (r < 0.87) {
      fault("split lines");
      w.fake.control({ splitChunks: random() < 0.6 });
    } else if (r < 0.94) {
      fault("sinceid pages small or failing");
      w.fake.control({ sinceIdPageSize: pick([1, 2, 3, 10, 1000]), restFailRate: pick([0, 0, 0.2, 0.5]), restFailNext: between(0, 2) });
    } else {
      fault("sinceid page unanswered");
      w.fake.control({ restHangNext: 1, missTransactions: 1 });
      transactions(2);
    }
  }

  // Heal: every fault off, prices frozen (so a quote can only be right if the streams delivered it).
  w.fake.control({
    stall: false,
    garbageEvery: 0,
    splitChunks: false,
    rateLimitCount: 0,
    serverErrorCount: 0,
    missTransactions: 0,
    restFailRate: 0,
    restFailNext: 0,
    restHangNext: 0,
    sinceIdPageSize: 1000,
    tickMs: 0,
  });
  await w.advance(HEAL_MS);
  transactions(2); // after the heal, straight from the stream
  await w.advance(60_000);

  const failures: string[] = [...errors];
  const now = w.timers.now();
  const log = w.fake.log().map((e) => ({ ...e }));
  const statuses = set.statuses();
  const positions = new Map(ledger.positions().map((p) => [p.ticker, p.quantity]));
  await set.stop();
  await w.close();
  db.close();

  // Silences: from the server's record of when it wrote each complete line on each connection.
  let silences = 0;
  let stallsDetected = 0;
  for (const e of log.filter((x) => x.status === 200 && x.kind in LIMIT_BY_KIND)) {
    const limit = LIMIT_BY_KIND[e.kind]!;
    if (e.longestSilenceMs > limit) failures.push(`connection ${e.id} (${e.kind}) went ${e.longestSilenceMs} ms without a line and was kept (limit ${limit} ms)`);
    if (e.endReason === "client closed") {
      silences++;
      if (e.silenceAtCloseMs === limit) stallsDetected++;
      else failures.push(`connection ${e.id} (${e.kind}) was closed by the client after ${e.silenceAtCloseMs} ms of silence, not at the ${limit} ms limit`);
    }
    if (e.closedAt === null && now - (e.lastLineAt ?? e.time) > limit) failures.push(`connection ${e.id} (${e.kind}) is open but silent for ${now - (e.lastLineAt ?? e.time)} ms`);
  }
  for (const [from, to] of shortStallWindows) {
    const closed = log.filter((e: LogEntry) => e.endReason === "client closed" && e.closedAt !== null && e.closedAt >= from && e.closedAt <= to);
    if (closed.length) failures.push(`a ${to - from} ms stall made the client drop connection(s) ${closed.map((e) => e.id).join(", ")}`);
  }

  // Transactions: each id after the start, once, in order; positions their sum.
  const account = w.fake.transactions().filter((t) => t.id > Number(START_ID));
  const made = account.map((t) => t.id);
  const twice = [...applied].filter(([, n]) => n > 1).map(([id]) => id);
  if (twice.length) failures.push(`transactions applied more than once: ${twice.slice(0, 10).join(", ")}`);
  const missing = made.filter((id) => !applied.has(String(id)));
  if (missing.length) failures.push(`transactions never applied: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ` (+${missing.length - 10})` : ""}`);
  if (appliedOrder.some((id, i) => i > 0 && id <= appliedOrder[i - 1]!)) failures.push("transactions applied out of order");
  const events = statuses.find((s) => s.name === "events");
  if (events?.gap_fill) failures.push(`a transaction gap is still open: ${JSON.stringify(events.gap_fill)}`);
  const expected = new Map<string, number>();
  for (const t of account) if (t.type === "ORDER_FILL" && t.instrument && t.units) expected.set(t.instrument, (expected.get(t.instrument) ?? 0) + t.units);
  for (const instrument of new Set([...expected.keys(), ...positions.keys()])) {
    const want = expected.get(instrument) ?? 0;
    const have = positions.get(instrument) ?? 0;
    if (Math.abs(want - have) > 1e-9) failures.push(`position ${instrument}: ${have} in the ledger, ${want} from the account's fills`);
  }
  if (Boolean(events?.margin_call) !== marginOpen) failures.push(`margin call ${marginOpen ? "open" : "closed"} at the broker, ${JSON.stringify(events?.margin_call)} in status`);

  // Quotes: each price stream's last quote of each instrument is the server's last price.
  const server = w.fake.prices();
  let quotesChecked = 0;
  for (const f of FEEDS.filter((x) => x.stream === "prices")) {
    for (const instrument of f.instruments ?? []) {
      quotesChecked++;
      const got = lastQuote.get(`${f.name} ${instrument}`);
      const want = server.get(instrument);
      if (!got || !want || got.bid !== want.bid || got.ask !== want.ask) failures.push(`${f.name} ${instrument}: last quote ${JSON.stringify(got)}, server ${JSON.stringify(want)}`);
    }
  }
  for (const s of statuses) if (s.state !== "live") failures.push(`stream ${s.name} ended ${s.state} (${s.last_error})`);

  return {
    seed: o.seed,
    minutes: o.minutes,
    faults: Object.values(faultsByKind).reduce((a, b) => a + b, 0),
    faultsByKind,
    silences,
    stallsDetected,
    shortStalls: shortStallWindows.length,
    reconnects: statuses.reduce((n, s) => n + s.reconnects, 0),
    transactionsMade: made.length,
    transactionsApplied: made.filter((id) => applied.get(String(id)) === 1).length,
    quotesChecked,
    failures,
    digest: createHash("sha256")
      .update(JSON.stringify(log.map((e) => [e.path.replace(/sessionId=[^&]*/, ""), e.status, e.time, e.closedAt, e.endReason, e.lines, e.longestSilenceMs])))
      .digest("hex")
      .slice(0, 16),
  };
}

/** The one line the README quotes. */
export function summaryLine(runs: ChaosSummary[]): string {
  const sum = (k: keyof ChaosSummary) => runs.reduce((n, r) => n + (r[k] as number), 0);
  const failed = runs.filter((r) => r.failures.length > 0).length;
  return (
    `stream chaos: ${runs.length} seeds × ${runs[0]?.minutes ?? 0} virtual min: ${sum("faults")} faults, ` +
    `stalls detected ${sum("stallsDetected")}/${sum("silences")} (on time), short stalls ridden out ${sum("shortStalls")}, ` +
    `reconnects ${sum("reconnects")}, transactions applied once ${sum("transactionsApplied")}/${sum("transactionsMade")}, ` +
    `quotes at the server's last ${sum("quotesChecked") - runs.reduce((n, r) => n + r.failures.filter((f) => f.includes("last quote")).length, 0)}/${sum("quotesChecked")}, ` +
    `failed seeds ${failed}`
  );
}
