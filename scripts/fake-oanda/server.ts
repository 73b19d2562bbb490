/**
 * A faithful fake of OANDA's streaming and REST endpoints (v1 per seed 003, v20 pricing and
 * transactions with the sinceid and idrange REST calls, plus a generic SSE source), with fault
 * switches a test can flip at runtime through `POST /_control`, and a log of every connection at
 * `GET /_log`. Its time can be a test's manual clock, so a stall or a heartbeat happens at a
 * moment the test chose.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { every, realClock, seededRandom, type Repeating, type ServerClock } from "./clock.js";
import { makeFormats, nanoIso, type LedgerTx, type StreamKind } from "./formats.js";
import { DEFAULT_SWITCHES, MAX_TRANSACTIONS_PER_REPLY, type Switches } from "./switches.js";

export { DEFAULT_SWITCHES, type Switches } from "./switches.js";
export { nanoIso, unixTime, type LedgerTx } from "./formats.js";

const FIXTURES = fileURLToPath(new URL("../../fixtures/oanda/", import.meta.url));
export const FAKE_ACCOUNT_ID = "101-001-1234567-001";

interface InstrumentSeed {
  instrument: string;
  bid: number;
  spread: number;
  decimals: number;
  step: number;
}

interface Instrument extends InstrumentSeed {
  ask: number;
}

interface Conn {
  id: number;
  kind: StreamKind;
  /** The Authorization header it came with (connection limits are per token). */
  token: string;
  res: http.ServerResponse;
  instruments: Set<string> | null;
  sessionId: string | null;
  lines: number;
  heartbeat: Repeating | null;
  closed: boolean;
  /** Lines held back while the streams are stalled, written in order when the stall ends. */
  held: string[];
  /** The next line is cut in half and the connection dropped. */
  cutNext: boolean;
  log: LogEntry;
}

export interface LogEntry {
  id: number;
  method: string;
  path: string;
  kind: string;
  /** When the request arrived (the fake's clock). */
  time: number;
  status: number;
  closedAt: number | null;
  /** Complete, valid lines written (garbage and a line cut by a drop are not counted). */
  lines: number;
  endReason: string | null;
  /** When the last complete line was written. */
  lastLineAt: number | null;
  /** The longest time the open stream went without a complete line (from its start, up to its last line). */
  longestSilenceMs: number;
  /** At close: the time since the last complete line (or since the start). */
  silenceAtCloseMs: number | null;
}

export interface ControlResult {
  ok: true;
  switches: Switches;
  lastTransactionID: string;
  open: number;
  emitted?: boolean;
  transactionIds?: string[];
  [key: string]: unknown;
}

export interface FakeOanda {
  url: string;
  port: number;
  server: http.Server;
  switches: Switches;
  /** What `POST /_control` does, in process. */
  control(body: Record<string, unknown>): ControlResult;
  log(): readonly LogEntry[];
  /** The current price of every instrument (what a snapshot would send). */
  prices(): Map<string, { bid: number; ask: number }>;
  /** Every transaction of the account, oldest first. */
  transactions(): readonly LedgerTx[];
  close(): Promise<void>;
}

export interface FakeOandaOptions {
  clock?: ServerClock;
  /** Seed of the random walk, garbage and split points, and `restFailRate`. */
  seed?: number;
}

const GARBAGE: Buffer[] = [
  Buffer.from("this is not json"),
  Buffer.from('{"tick":{"instrument":"USD_JPY","bid":150.1'),
  Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x7b, 0x22]),
  Buffer.from("[1,2,3]"),
  Buffer.from('{"unknown":{"x":1}}'),
  Buffer.from('{"tick":{"instrument":"USD_JPY","bid":-1,"ask":"x"}}'),
  Buffer.from('{"type":"PRICE","instrument":"EUR_USD","bids":[],"asks":[]}'),
];

/**
 * Seed 003, production: one rates stream and five event streams per access token; a new connection past the
 * limit makes the server drop the oldest, which is told so with `disconnect` 60.
 */
const STREAMS_PER_TOKEN: Partial<Record<StreamKind, number>> = { "v1-prices": 1, "v1-events": 5 };

const FILL_TYPES = new Set(["ORDER_FILL", "ORDER_FILLED", "STOP_LOSS_ORDER", "TAKE_PROFIT_ORDER", "STOP_LOSS_FILLED", "TAKE_PROFIT_FILLED", "MARGIN_CLOSEOUT"]);

export async function startFakeOanda(overrides: Partial<Switches> = {}, port = 0, host = "127.0.0.1", opts: FakeOandaOptions = {}): Promise<FakeOanda> {
  const clock = opts.clock ?? realClock;
  const random = seededRandom(opts.seed ?? 12345);
  const sw: Switches = { ...DEFAULT_SWITCHES, ...overrides };
  const seeds = JSON.parse(readFileSync(FIXTURES + "instruments.json", "utf8")) as InstrumentSeed[];
  const mids = new Map<string, Instrument>(seeds.map((s) => [s.instrument, { ...s, ask: Number((s.bid + s.spread).toFixed(s.decimals)) }]));
  const ledger: LedgerTx[] = readFileSync(FIXTURES + "transactions.ndjson", "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const t = JSON.parse(l) as Omit<LedgerTx, "time"> & { time: string };
      return { ...t, time: Date.parse(t.time) };
    });
  const lastId = (): number => ledger.at(-1)?.id ?? 0;
  const log: LogEntry[] = [];
  const conns = new Set<Conn>();
  let connSeq = 0;
  let lineSeq = 0;
  let restRequests = 0;
  let ticker: Repeating | null = null;
  const hanging = new Set<http.ServerResponse>();
  const f = makeFormats({ accountId: FAKE_ACCOUNT_ID, decimals: (i) => mids.get(i)?.decimals ?? 5, timeFormat: () => sw.timeFormat });

  function noteLine(c: Conn): void {
    const now = clock.now();
    c.lines++;
    c.log.lines = c.lines;
    c.log.longestSilenceMs = Math.max(c.log.longestSilenceMs, now - (c.log.lastLineAt ?? c.log.time));
    c.log.lastLineAt = now;
  }

  /** Writes one line (an SSE event ends with an extra blank line), applying the switches. */
  function writeLine(c: Conn, line: string): void {
    if (c.closed) return;
    if (sw.stall) {
      // Nothing is lost, only late: everything written meanwhile arrives when the stall ends.
      c.held.push(line);
      return;
    }
    const bytes = Buffer.from(line + "\n", "utf8");
    if (c.cutNext) {
      c.res.write(bytes.subarray(0, Math.max(1, bytes.length >> 1)));
      endConn(c, "dropped mid-line", true);
      return;
    }
    lineSeq++;
    if (sw.garbageEvery > 0 && lineSeq % sw.garbageEvery === 0) {
      const g = GARBAGE[Math.floor(random() * GARBAGE.length)]!;
      rawWrite(c, Buffer.concat([g, Buffer.from(c.kind === "sse" ? "\n\n" : "\n")]));
    }
    rawWrite(c, bytes);
    noteLine(c);
    if (sw.disconnectAfterLines > 0 && c.lines >= sw.disconnectAfterLines) {
      sendDisconnect(c, 60, "Access Token connection limit exceeded: This connection will now be disconnected");
    } else if (sw.dropAfterLines > 0 && c.lines >= sw.dropAfterLines) {
      endConn(c, "dropped", true);
    }
  }

  function rawWrite(c: Conn, buf: Buffer): void {
    if (c.closed) return;
    if (!sw.splitChunks || buf.length < 2) {
      c.res.write(buf);
      return;
    }
    // Cut inside the first multi-byte character when there is one, and at random places.
    const cuts = new Set<number>();
    const mb = buf.findIndex((b) => b >= 0xc0);
    if (mb >= 0 && mb + 1 < buf.length) cuts.add(mb + 1);
    const n = 1 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++) cuts.add(1 + Math.floor(random() * (buf.length - 1)));
    let start = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      c.res.write(buf.subarray(start, cut));
      start = cut;
    }
    c.res.write(buf.subarray(start));
  }

  function sendDisconnect(c: Conn, code: number, message: string): void {
    if (!c.closed) {
      c.res.write(f.disconnectLine(c.kind, code, message) + "\n");
      noteLine(c);
    }
    endConn(c, `disconnect ${code}`, false);
  }

  function endConn(c: Conn, reason: string, abrupt: boolean): void {
    if (c.closed) return;
    c.closed = true;
    const now = clock.now();
    c.log.endReason = reason;
    c.log.closedAt = now;
    c.log.silenceAtCloseMs = now - (c.log.lastLineAt ?? c.log.time);
    c.heartbeat?.stop();
    c.held = [];
    conns.delete(c);
    if (abrupt) c.res.socket?.destroy();
    else c.res.end();
  }

  function releaseHeld(): void {
    for (const c of [...conns]) {
      const lines = c.held;
      c.held = [];
      for (const line of lines) writeLine(c, line);
    }
  }

  function broadcastPrice(instrument: string, bid: number, ask: number, tradeable = true): void {
    const now = clock.now();
    for (const c of conns) {
      if (c.kind !== "v1-prices" && c.kind !== "v20-prices" && c.kind !== "sse") continue;
      if (c.instruments && !c.instruments.has(instrument)) continue;
      writeLine(c, f.priceLine(c.kind, { instrument, bid, ask, tradeable, time: now }));
    }
  }

  function generateTick(): void {
    if (sw.marketClosed || seeds.length === 0) return;
    const s = seeds[Math.floor(random() * seeds.length)]!;
    const m = mids.get(s.instrument)!;
    m.bid = Number((m.bid + (Math.floor(random() * 5) - 2) * m.step).toFixed(m.decimals));
    if (m.bid <= 0) m.bid = s.step;
    m.ask = Number((m.bid + m.spread).toFixed(m.decimals));
    broadcastPrice(s.instrument, m.bid, m.ask);
  }

  function restartTicker(): void {
    ticker?.stop();
    ticker = sw.tickMs > 0 ? every(clock, sw.tickMs, generateTick) : null;
  }

  function startHeartbeat(c: Conn): void {
    c.heartbeat?.stop();
    c.heartbeat = sw.heartbeatMs > 0 ? every(clock, sw.heartbeatMs, () => writeLine(c, f.heartbeatLine(c.kind, clock.now(), lastId()))) : null;
  }

  let missLeft = sw.missTransactions;

  function addTransaction(input: Partial<LedgerTx>): LedgerTx {
    const type = input.type ?? "ORDER_FILL";
    // Only fills carry an instrument, units and a price (a margin call or a cancel has none of its own).
    const fill = FILL_TYPES.has(type);
    const instrument = input.instrument ?? (fill ? "USD_JPY" : null);
    const t: LedgerTx = {
      id: lastId() + 1,
      time: clock.now(),
      type,
      instrument,
      units: input.units ?? (fill ? 1000 : null),
      price: input.price ?? (fill ? (mids.get(instrument ?? "")?.bid ?? 1) : null),
      pl: input.pl ?? (fill ? 0 : null),
      ...(input.reason || fill ? { reason: input.reason ?? "MARKET_ORDER" } : {}),
      ...(input.comment ? { comment: input.comment } : {}),
      ...(input.clientOrderId ? { clientOrderId: input.clientOrderId } : {}),
      ...(input.extensionNumber !== undefined ? { extensionNumber: input.extensionNumber } : {}),
      ...(input.accountBalance !== undefined ? { accountBalance: input.accountBalance } : {}),
    };
    ledger.push(t);
    if (missLeft > 0) {
      missLeft--;
      return t;
    }
    for (const c of conns) {
      if (c.kind === "v1-events" || c.kind === "v20-transactions") writeLine(c, f.txLine(c.kind, t));
    }
    return t;
  }

  function openStream(res: http.ServerResponse, kind: StreamKind, entry: LogEntry, url: URL, token: string): void {
    const instrumentsParam = url.searchParams.get("instruments") ?? url.searchParams.get("symbols");
    const instruments = instrumentsParam ? new Set(instrumentsParam.split(",").filter(Boolean)) : null;
    const sessionId = url.searchParams.get("sessionId");
    res.writeHead(200, {
      "content-type": kind === "sse" ? "text/event-stream" : "application/octet-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    res.flushHeaders();
    const c: Conn = { id: entry.id, kind, token, res, instruments, sessionId, lines: 0, heartbeat: null, closed: false, held: [], cutNext: false, log: entry };
    // v1: a new connection with the same session replaces the old one, which is told so.
    if (sessionId) {
      for (const other of conns) {
        if (other.sessionId === sessionId && other.kind === kind) sendDisconnect(other, 64, "Connection replaced by a newer connection with the same session");
      }
    }
    const limit = STREAMS_PER_TOKEN[kind];
    if (limit !== undefined) {
      const same = [...conns].filter((o) => o.kind === kind && o.token === token);
      for (const oldest of same.slice(0, Math.max(0, same.length + 1 - limit))) {
        sendDisconnect(oldest, 60, "Access Token connection limit exceeded: This connection will now be disconnected");
      }
    }
    conns.add(c);
    res.on("close", () => {
      if (!c.closed) endConn(c, "client closed", false);
    });
    const bench = Number(url.searchParams.get("_bench") ?? 0);
    if (bench > 0 && kind === "v1-prices") {
      void streamBench(c, bench);
      return;
    }
    startHeartbeat(c);
    if (kind === "v1-prices" || kind === "v20-prices" || (kind === "sse" && instruments)) {
      // The first data is a snapshot of every subscribed instrument.
      const now = clock.now();
      for (const s of mids.values()) {
        if (instruments && !instruments.has(s.instrument)) continue;
        writeLine(c, f.priceLine(kind, { instrument: s.instrument, bid: s.bid, ask: s.ask, tradeable: !sw.marketClosed, time: now }));
      }
    }
  }

  /**
   * High-throughput mode: N v1 ticks as fast as the client reads them, then end. The lines cycle
   * through a short fixed set, so they are rendered once into a ~64 KB block that is written
   * again and again: the load generator must outrun the client it measures.
   */
  async function streamBench(c: Conn, n: number): Promise<void> {
    const names = seeds.map((s) => s.instrument);
    const time = nanoIso(clock.now()).replace("000Z", "Z");
    const lineAt = (i: number): string => {
      const s = mids.get(names[i % names.length]!)!;
      const bid = Number((s.bid + ((i % 7) - 3) * s.step).toFixed(s.decimals));
      return `{"tick":{"instrument":"${s.instrument}","time":"${time}","bid":${bid},"ask":${Number((bid + s.spread).toFixed(s.decimals))}}}\n`;
    };
    const cycle = names.length * 7; // line i and line i + cycle are the same
    const cycleText = Array.from({ length: cycle }, (_, i) => lineAt(i)).join("");
    const perBlock = Math.max(1, Math.floor(65536 / Buffer.byteLength(cycleText)));
    const block = Buffer.from(cycleText.repeat(perBlock), "utf8");
    const linesPerBlock = cycle * perBlock;
    let sent = 0;
    while (sent < n && !c.closed) {
      let ok: boolean;
      if (n - sent >= linesPerBlock) {
        ok = c.res.write(block);
        sent += linesPerBlock;
      } else {
        const rest: string[] = [];
        for (; sent < n; sent++) rest.push(lineAt(sent));
        ok = c.res.write(rest.join(""));
      }
      if (!ok) await new Promise<void>((r) => c.res.once("drain", () => r()));
    }
    c.lines = n;
    c.log.lines = n;
    endConn(c, "bench done", false);
  }

  /** The REST faults, in the order a request meets them; true when the request was answered (or left hanging). */
  function restFault(res: http.ServerResponse, entry: LogEntry): boolean {
    restRequests++;
    if (sw.restHangNext > 0) {
      sw.restHangNext--;
      entry.endReason = "left unanswered";
      hanging.add(res);
      res.on("close", () => {
        hanging.delete(res);
        entry.closedAt = clock.now();
      });
      return true;
    }
    const fail = (status: number, reason: string): true => {
      entry.status = status;
      entry.closedAt = clock.now();
      json(res, status, { errorMessage: reason });
      return true;
    };
    if (sw.restFailNext > 0) {
      sw.restFailNext--;
      return fail(503, "Service unavailable");
    }
    if (sw.restFailEvery > 0 && restRequests % sw.restFailEvery === 0) return fail(500, "Internal server error");
    if (sw.restFailRate > 0 && random() < sw.restFailRate) return fail(503, "Service unavailable");
    return false;
  }

  /** Index in the ledger of the first transaction with an id ≥ `id` (ids are consecutive). */
  function indexOf(id: number): number {
    const first = ledger[0]?.id ?? 1;
    return Math.min(ledger.length, Math.max(0, id - first));
  }

  function pageSize(): number {
    return Math.max(1, Math.min(sw.sinceIdPageSize, MAX_TRANSACTIONS_PER_REPLY));
  }

  /** `GET …/transactions/sinceid?id=N`: the oldest transactions after N, at most one page of them. */
  function sinceId(res: http.ServerResponse, url: URL, entry: LogEntry): void {
    const raw = url.searchParams.get("id");
    const id = Number(raw);
    if (raw === null || raw.trim() === "" || !Number.isSafeInteger(id)) return reply(res, entry, 400, { errorMessage: "Invalid value specified for 'id'" });
    if (restFault(res, entry)) return;
    const start = indexOf(id + 1);
    const list = ledger.slice(start, start + pageSize()).map(f.v20Tx);
    reply(res, entry, 200, { transactions: list, lastTransactionID: String(lastId()) });
  }

  /** `GET …/transactions/idrange?from=A&to=B`: A..B inclusive, at most one page of them. */
  function idRange(res: http.ServerResponse, url: URL, entry: LogEntry): void {
    const from = Number(url.searchParams.get("from"));
    const to = Number(url.searchParams.get("to"));
    if (!url.searchParams.get("from") || !url.searchParams.get("to") || !Number.isSafeInteger(from) || !Number.isSafeInteger(to)) {
      return reply(res, entry, 400, { errorMessage: "Invalid value specified for 'from' or 'to'" });
    }
    if (from > to) return reply(res, entry, 416, { errorMessage: "Range Not Satisfiable: 'from' is after 'to'" });
    if (restFault(res, entry)) return;
    const start = indexOf(from);
    const end = Math.min(indexOf(to + 1), start + pageSize());
    reply(res, entry, 200, { transactions: ledger.slice(start, end).map(f.v20Tx), lastTransactionID: String(lastId()) });
  }

  function reply(res: http.ServerResponse, entry: LogEntry, status: number, body: unknown, headers: Record<string, string> = {}): void {
    entry.status = status;
    entry.closedAt = clock.now();
    json(res, status, body, headers);
  }

  function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  async function readBody(req: http.IncomingMessage): Promise<string> {
    const parts: Buffer[] = [];
    for await (const chunk of req) parts.push(chunk as Buffer);
    return Buffer.concat(parts).toString("utf8");
  }

  function control(body: Record<string, unknown>): ControlResult {
    const result: Record<string, unknown> = {};
    const wasStalled = sw.stall;
    for (const key of Object.keys(DEFAULT_SWITCHES) as (keyof Switches)[]) {
      if (key in body) (sw as unknown as Record<string, unknown>)[key] = body[key];
    }
    if ("missTransactions" in body) missLeft = sw.missTransactions;
    if ("tickMs" in body) restartTicker();
    if ("heartbeatMs" in body) for (const c of conns) startHeartbeat(c);
    if (wasStalled && !sw.stall) releaseHeld();
    if (body.emitTick && typeof body.emitTick === "object") {
      const t = body.emitTick as { instrument: string; bid: number; ask: number; tradeable?: boolean };
      const m = mids.get(t.instrument);
      if (m) {
        m.bid = t.bid;
        m.ask = t.ask;
      }
      broadcastPrice(t.instrument, t.bid, t.ask, t.tradeable ?? true);
      result.emitted = true;
    }
    if (body.emitTransaction && typeof body.emitTransaction === "object") {
      const list = Array.isArray(body.emitTransaction) ? body.emitTransaction : [body.emitTransaction];
      result.transactionIds = list.map((t) => String(addTransaction(t as Partial<LedgerTx>).id));
    }
    if (body.sendDisconnect) {
      const code = Number((body.sendDisconnect as { code?: number }).code ?? 60);
      for (const c of [...conns]) sendDisconnect(c, code, code === 64 ? "Connection replaced" : "Access Token connection limit exceeded");
    }
    if (body.cutNextLine) for (const c of conns) c.cutNext = true;
    if (typeof body.sendRunawayLine === "number") {
      for (const c of conns) {
        if (c.closed) continue;
        rawWrite(c, Buffer.from('{"tick":{"instrument":"USD_JPY","pad":"' + "x".repeat(body.sendRunawayLine) + '"}}\n'));
      }
    }
    if (body.dropAll) for (const c of [...conns]) endConn(c, "dropped", true);
    return { ok: true, switches: sw, lastTransactionID: String(lastId()), open: conns.size, ...result };
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (path === "/_log") return json(res, 200, log);
    if (path === "/_state") return json(res, 200, { switches: sw, open: conns.size, lastTransactionID: String(lastId()) });
    if (path === "/_control" && req.method === "POST") {
      readBody(req)
        .then((text) => json(res, 200, control(text ? (JSON.parse(text) as Record<string, unknown>) : {})))
        .catch((err: unknown) => json(res, 400, { error: String(err) }));
      return;
    }
    let kind: StreamKind | "sinceid" | "idrange" | null = null;
    if (path === "/v1/prices") kind = "v1-prices";
    else if (path === "/v1/events") kind = "v1-events";
    else if (/^\/v3\/accounts\/[^/]+\/pricing\/stream$/.test(path)) kind = "v20-prices";
    else if (/^\/v3\/accounts\/[^/]+\/transactions\/stream$/.test(path)) kind = "v20-transactions";
    else if (/^\/v3\/accounts\/[^/]+\/transactions\/sinceid$/.test(path)) kind = "sinceid";
    else if (/^\/v3\/accounts\/[^/]+\/transactions\/idrange$/.test(path)) kind = "idrange";
    else if (path === "/stream") kind = "sse";
    const entry: LogEntry = {
      id: ++connSeq,
      method: req.method ?? "GET",
      path: url.pathname + url.search,
      kind: kind ?? "unknown",
      time: clock.now(),
      status: 0,
      closedAt: null,
      lines: 0,
      endReason: null,
      lastLineAt: null,
      longestSilenceMs: 0,
      silenceAtCloseMs: null,
    };
    log.push(entry);
    if (kind === null || req.method !== "GET") return reply(res, entry, 404, { errorMessage: "not found" });
    if (sw.requireToken !== null && req.headers.authorization !== `Bearer ${sw.requireToken}`) {
      return reply(res, entry, 401, { errorMessage: "Insufficient authorization to perform request." });
    }
    if (kind === "sinceid") return sinceId(res, url, entry);
    if (kind === "idrange") return idRange(res, url, entry);
    if (sw.rateLimitCount > 0) {
      sw.rateLimitCount--;
      return reply(res, entry, 429, { errorMessage: "Too many requests" }, { "retry-after": String(sw.retryAfterSeconds) });
    }
    if (sw.serverErrorCount > 0) {
      sw.serverErrorCount--;
      return reply(res, entry, sw.serverErrorStatus, { errorMessage: "Service temporarily unavailable" });
    }
    entry.status = 200;
    openStream(res, kind, entry, url, req.headers.authorization ?? "");
  });

  restartTicker();
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    server,
    switches: sw,
    control,
    log: () => log,
    prices: () => new Map([...mids.values()].map((m) => [m.instrument, { bid: m.bid, ask: m.ask }])),
    transactions: () => ledger,
    close: async () => {
      ticker?.stop();
      for (const c of [...conns]) endConn(c, "server closing", true);
      for (const res of hanging) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
